// POST /v1/users/import takes bodies of up to 4 MiB: the project and key are checked from
// the headers (or the query) before any of the body is read (contract §2's order), so an
// unauthenticated caller cannot make the Worker receive and parse megabytes.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { BASE, createProject, expectError } from '../helpers.ts';

const MiB = 1024 * 1024;
const GUEST = 'Guest (role: guest) missing scope (users.write)';

/** A JSON body of almost 4 MiB of import records, produced only as it is read; `pulled` counts the bytes handed out. */
function recordingBody(extra: Record<string, unknown> = {}) {
  const head = new TextEncoder().encode(`${JSON.stringify(extra).slice(0, -1)}${Object.keys(extra).length ? ',' : ''}"users":[`);
  // 999 records of just over 4 KiB (prefs padding) and a last one: 1000, the most an import takes.
  const record = new TextEncoder().encode(`${JSON.stringify({ email: 'padding@example.com', prefs: { pad: 'x'.repeat(4 * 1024 + 20) } })},`);
  const tail = new TextEncoder().encode(`{"email":"last@example.com"}]}`);
  const chunks = [head, ...Array.from({ length: 999 }, () => record), tail];
  const state = { pulled: 0 };
  // highWaterMark 0: nothing is pulled until someone reads.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks.shift();
        if (!chunk) return controller.close();
        state.pulled += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

async function importWith(headers: Record<string, string>, options: { query?: string; extra?: Record<string, unknown> } = {}) {
  const { stream, state } = recordingBody(options.extra);
  const request = new Request(`${BASE}/users/import${options.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: stream,
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  await waitOnExecutionContext(ctx);
  return { response, pulled: state.pulled };
}

describe('POST /v1/users/import checks credentials before reading the body', () => {
  it('no project, an unknown project: 400, and not a byte of the body is read', async () => {
    for (const headers of [{}, { 'x-appwrite-project': 'nosuchproject' }] as Record<string, string>[]) {
      const { response, pulled } = await importWith(headers);
      await expectError(response, 400, 'Missing or unknown project ID');
      expect(pulled).toBe(0);
    }
  });

  it('no key, an unknown key, another project’s key, a key without users.write: 401, body unread', async () => {
    const project = await createProject();
    const other = await createProject();
    for (const [key, message] of [
      [undefined, GUEST],
      ['f'.repeat(64), GUEST],
      [other.key, GUEST],
      [project.readKey, `app.${project.id}@service.localhost (role: application) missing scope (users.write)`],
    ] as const) {
      const { response, pulled } = await importWith({ 'x-appwrite-project': project.id, ...(key && { 'x-appwrite-key': key }) });
      await expectError(response, 401, message);
      expect(pulled).toBe(0);
    }
  });

  it('a project in the query is honoured before the body is read, as the header is', async () => {
    const project = await createProject();
    const { response, pulled } = await importWith({ 'x-appwrite-key': project.readKey }, { query: `?project=${project.id}` });
    await expectError(response, 401, `app.${project.id}@service.localhost (role: application) missing scope (users.write)`);
    expect(pulled).toBe(0);
  });

  it('with valid credentials the whole body is read and imported; a body `project` naming another project still overrides (401)', async () => {
    const project = await createProject();
    const ok = await importWith({ 'x-appwrite-project': project.id, 'x-appwrite-key': project.key });
    expect(ok.response.status).toBe(200);
    expect(ok.pulled).toBeGreaterThan(4 * MiB - 64 * 1024);
    const body = await ok.response.json<{ sum: number; errors: unknown[] }>();
    // Only the first padding record and the last are new; the other padding records repeat its email.
    expect(body.sum).toBe(2);

    const other = await createProject();
    const overridden = await importWith({ 'x-appwrite-project': project.id, 'x-appwrite-key': project.key }, { extra: { project: other.id } });
    await expectError(overridden.response, 401, GUEST);
  });
});
