// No response of the Users API ever carries a password, a hash, a key secret or SQL
// (contract §2, §3), on success, on every error, and on an unexpected database failure.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { SERVICE_VERSION } from '../../src/http/errors.ts';
import { call, createProject, expectNoLeak, storedUser, type CallOptions, type TestProject } from '../helpers.ts';

const PASSWORD = 'Sup3r-Secret-Pw';

async function text(path: string, options: CallOptions): Promise<{ status: number; all: string }> {
  const response = await call(path, options);
  const body = await response.text();
  return { status: response.status, all: `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}` };
}

function secretsOf(project: TestProject, hash: string): string[] {
  // The hash and its salt/digest parts, the password, and every key secret in any case.
  const parts = hash.split('$').filter((p) => p.length >= 16);
  return [PASSWORD, PASSWORD.toLowerCase(), hash, ...parts, project.key, project.readKey, project.writeKey, project.key.toUpperCase()];
}

describe('no leaks', () => {
  it('no response of any Users route, success or error, contains a secret', async () => {
    const project = await createProject();
    const created = await text('/users', { method: 'POST', project, body: { email: 'leak@example.com', password: PASSWORD, name: 'Leak Test' } });
    expect(created.status).toBe(201);
    const id = JSON.parse(created.all.split('\n\n')[1]!).$id;
    const hash = (await storedUser(id))!.password_hash;
    const secrets = secretsOf(project, hash);

    const exchanges: Array<[string, CallOptions]> = [
      ['/users', { project }],
      [`/users?search=${encodeURIComponent(PASSWORD)}`, { project }],
      [`/users?search=${encodeURIComponent(hash.slice(0, 200))}`, { project }],
      ['/users?search=leak', { project }],
      [`/users/${id}`, { project }],
      [`/users/${id}/prefs`, { project }],
      [`/users/${id}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1 } } }],
      [`/users/${id}/status`, { method: 'PATCH', project, body: { status: 1 } }],
      // Errors, some echoing secrets back as input.
      ['/users', { method: 'POST', project, body: { email: 'leak@example.com', password: PASSWORD } }],
      ['/users', { method: 'POST', project, body: { email: 'LEAK@example.com', password: PASSWORD } }],
      ['/users', { method: 'POST', project, body: { email: PASSWORD, password: PASSWORD } }],
      ['/users', { method: 'POST', project, body: { email: 'x@example.com', password: `${PASSWORD}${'x'.repeat(40)}` } }],
      ['/users', { method: 'POST', project, body: { email: 'x@example.com', password: PASSWORD, name: PASSWORD.repeat(20) } }],
      ['/users', { method: 'POST', project, rawBody: `{"password":"${PASSWORD}"` }],
      [`/users/${hash}`, { project }],
      [`/users/${project.key}`, { project }],
      [`/users/${id}/prefs`, { method: 'PATCH', project, body: { prefs: PASSWORD } }],
      [`/users/${id}/status`, { method: 'PATCH', project, body: { status: PASSWORD } }],
      ['/users', { project, key: null }],
      ['/users', { project, key: project.key.slice(1) }],
      ['/users', { method: 'POST', project, key: project.readKey, body: { email: 'y@example.com', password: PASSWORD } }],
      ['/users', { key: project.key }],
      [`/users?project=${project.key}`, { key: project.key }],
      ['/nope', { project }],
    ];
    for (const [path, options] of exchanges) {
      const { all } = await text(path, options);
      expectNoLeak(all, ...secrets);
    }
  });

  it('an unexpected database failure is a bare 500 without SQL, bound values or the cause', async () => {
    const project = await createProject();
    const created = await call('/users', { method: 'POST', project, body: { email: 'boom@example.com', password: PASSWORD } });
    const { $id: id } = await created.json<any>();
    await env.DB.prepare(
      "CREATE TRIGGER fail_status BEFORE UPDATE OF status ON users WHEN NEW.email = 'boom@example.com' BEGIN SELECT RAISE(ABORT, 'kaboom internal detail'); END",
    ).run();
    await env.DB.prepare(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON users WHEN NEW.email = 'boom2@example.com' BEGIN SELECT RAISE(ABORT, 'kaboom internal detail'); END",
    ).run();
    try {
      const failures = [
        await call(`/users/${id}/status`, { method: 'PATCH', project, body: { status: 2 } }),
        await call('/users', { method: 'POST', project, body: { email: 'boom2@example.com', password: PASSWORD, name: 'Bound Value' } }),
      ];
      for (const response of failures) {
        const body = await response.text();
        expect(response.status, body).toBe(500);
        expect(JSON.parse(body)).toEqual({ message: 'Server Error', code: 500, version: SERVICE_VERSION });
        expect(response.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
        expect(response.headers.get('Cache-Control')).toBe('no-cache, no-store, must-revalidate');
        const all = `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${body}`;
        expectNoLeak(all, 'kaboom', 'boom', 'Bound Value', PASSWORD, 'users', 'status', project.key);
      }
      expect((await storedUser(id))!.status).toBe(0);
    } finally {
      await env.DB.prepare('DROP TRIGGER fail_status').run();
      await env.DB.prepare('DROP TRIGGER fail_insert').run();
    }
  });
});
