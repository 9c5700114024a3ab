// Requests naming an unknown project, an unknown API key or an origin no project allows
// must not load the shared primary each time: a miss is remembered per isolate for
// MISS_CACHE_TTL_MS (then a project or key created since works), and a preflight is one
// lookup in the origin index, whatever the number of projects.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import { createKeySql, createProjectSql } from '../../src/domain/admin.ts';
import { MISS_CACHE_TTL_MS } from '../../src/domain/access.ts';
import { BASE, createProject, expectError, observedDb } from '../helpers.ts';

interface Statement {
  sql: string;
  params: unknown[];
}

/** A D1 binding that notes every statement it runs (with its bound values), also through the request's D1 sessions. */
function recordingDb(log: Statement[]): D1Database {
  return observedDb({
    prepared: (sql, statement) => {
      const entry: Statement = { sql, params: [] };
      log.push(entry);
      return new Proxy(statement, {
        get(target, property) {
          if (property === 'bind') return (...params: unknown[]) => ((entry.params = params), target.bind(...params));
          const value = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  });
}

/** Sends a request through the Worker; returns the response and the statements it ran. */
async function send(path: string, init: RequestInit = {}) {
  const log: Statement[] = [];
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(BASE + path, init) as Request<unknown, IncomingRequestCfProperties>, { ...env, DB: recordingDb(log) }, ctx);
  await waitOnExecutionContext(ctx);
  return { response, statements: log };
}

const listUsers = (project: string, key?: string) => send('/users', { headers: { 'x-appwrite-project': project, ...(key && { 'x-appwrite-key': key }) } });
const preflight = (origin: string) => send('/account/sessions', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });

/** Moves the isolate's clock on (the caches' expiry reads Date.now). */
function later(ms: number) {
  const now = Date.now() + ms;
  vi.spyOn(Date, 'now').mockReturnValue(now);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('unknown projects and keys', () => {
  it('an unknown project is read on the replica and the primary once, then not again for a while: 400 each time', async () => {
    const counts = [];
    for (let i = 0; i < 5; i++) {
      const { response, statements } = await listUsers('nosuchproject');
      await expectError(response, 400, 'Missing or unknown project ID');
      counts.push(statements.length);
    }
    expect(counts).toEqual([2, 0, 0, 0, 0]);
  });

  it('an unknown key of a known project: read twice once, then not again for a while: 401 each time', async () => {
    const project = await createProject();
    const counts = [];
    for (let i = 0; i < 5; i++) {
      const { response, statements } = await listUsers(project.id, 'f'.repeat(64));
      await expectError(response, 401, 'Guest (role: guest) missing scope (users.read)');
      counts.push(statements.length);
    }
    // The first request also read the (then cached) project.
    expect(counts).toEqual([3, 0, 0, 0, 0]);
  });

  it(`a project and a key created after a refused request work within ${MISS_CACHE_TTL_MS / 1000} s`, async () => {
    const id = 'createdlater';
    await expectError((await listUsers(id)).response, 400, 'Missing or unknown project ID');
    await env.DB.prepare(createProjectSql(id, 'Created later', [])).run();
    const { sql, secret } = createKeySql(id, 'reader', ['users.read']);
    await expectError((await listUsers(id, secret)).response, 400, 'Missing or unknown project ID');

    later(MISS_CACHE_TTL_MS);
    await expectError((await listUsers(id, secret)).response, 401, 'Guest (role: guest) missing scope (users.read)');
    await env.DB.prepare(sql).run();
    later(2 * MISS_CACHE_TTL_MS);
    expect((await listUsers(id, secret)).response.status).toBe(200);
  });
});

describe('preflights', () => {
  it('an origin no project allows is looked up once, then not again for a while', async () => {
    const origin = 'http://nobody.unknown-callers.test';
    const counts = [];
    for (let i = 0; i < 5; i++) {
      const { response, statements } = await preflight(origin);
      expect(response.headers.has('Access-Control-Allow-Origin')).toBe(false);
      counts.push(statements.length);
    }
    expect(counts).toEqual([1, 0, 0, 0, 0]);
  });

  it('reads one row of the origin index however many projects there are; an origin allowed later is answered within the miss time', async () => {
    for (let i = 0; i < 50; i++) await createProject({ origins: [`http://app${i}.unknown-callers.test`, `http://admin${i}.unknown-callers.test`] });
    for (const origin of ['http://app25.unknown-callers.test', 'http://other.unknown-callers.test']) {
      const { statements } = await preflight(origin);
      expect(statements).toHaveLength(1);
      const [{ sql, params }] = statements as [Statement];
      const { meta } = await env.DB.prepare(sql)
        .bind(...params)
        .run();
      expect(meta.rows_read, origin).toBeLessThanOrEqual(1);
    }

    const origin = 'http://other.unknown-callers.test';
    await createProject({ origins: [origin] });
    expect((await preflight(origin)).response.headers.has('Access-Control-Allow-Origin')).toBe(false);
    later(MISS_CACHE_TTL_MS);
    expect((await preflight(origin)).response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
  });
});
