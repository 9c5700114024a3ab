// Faults: D1 or KV failing in the middle of a request. The answer is the bare
// 500 {"message":"Server Error","code":500,"version":…} with nothing else, and nothing
// is half-written: D1 batches are transactions, and sign-in undoes its D1 session when
// the KV token cannot be stored. Failures are injected with vi.spyOn on the bindings
// (restored after each test) and, where a failure must happen inside a batch, with a
// trigger that aborts one statement (D1 itself then fails the batch).
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProject, storedUserCount, type TestProject } from '../helpers.ts';
import {
  SERVICE_VERSION,
  accountStatus,
  count,
  eventsOf,
  fastUser,
  fingerprint,
  send,
  sendJson,
  sessionRows,
  sessionsThroughDb,
  signIn,
  type Session,
} from './support.ts';

vi.setConfig({ testTimeout: 30_000 });

beforeEach(() => {
  sessionsThroughDb();
  // Each injected failure logs one error line; test/hardening/secrets.test.ts checks what they say.
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

const d1Down = () => Object.assign(new Error('D1_ERROR: Network connection lost.'), { name: 'Error' });

/** Asserts the bare 500: exact body, JSON content type, no-cache, no cookies. */
async function expectServerError(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(500);
  expect(JSON.parse(text)).toEqual({ message: 'Server Error', code: 500, version: SERVICE_VERSION });
  expect(response.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
  expect(response.headers.get('Cache-Control')).toBe('no-cache, no-store, must-revalidate');
  expect(response.headers.getSetCookie()).toEqual([]);
  expect(response.headers.get('X-Fallback-Cookies')).toBeNull();
}

/** Runs `run` with a trigger that aborts `event` on `table`; drops it afterwards. */
async function withFailingStatement<T>(name: string, table: string, event: 'INSERT' | 'UPDATE' | 'DELETE', run: () => Promise<T>): Promise<T> {
  await env.DB.prepare(`CREATE TRIGGER ${name} BEFORE ${event} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).run();
  try {
    return await run();
  } finally {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  }
}

async function projectWithUser(email: string): Promise<{ project: TestProject; userId: string; session: Session }> {
  const project = await createProject();
  const user = await fastUser(project, { email });
  return { project, userId: user.id, session: await signIn(project, email) };
}

describe('sign-in when KV fails', () => {
  it('a failing KV put is a bare 500 that leaves no D1 session and no token', async () => {
    const { project, userId } = await projectWithUser('kv.put.fails@example.com');
    const before = await sessionRows(userId);
    const kvBefore = (await env.SESSIONS.list()).keys.length;
    const put = vi.spyOn(env.SESSIONS, 'put').mockRejectedValue(new Error('KV PUT failed: 503 upstream unavailable'));
    const response = await send('/account/sessions', { method: 'POST', project, body: { email: 'kv.put.fails@example.com', password: 'password' } });
    await expectServerError(response);
    expect(put).toHaveBeenCalledTimes(1);
    put.mockRestore();
    // The compensation removed the session row the batch had inserted.
    expect(await sessionRows(userId)).toEqual(before);
    expect((await env.SESSIONS.list()).keys).toHaveLength(kvBefore);
  });

  it('a failing KV put writes no account.sessions.create: the audit trail must not record a sign-in that did not happen', async () => {
    const { project, userId } = await projectWithUser('kv.put.audit@example.com');
    const events = await eventsOf(userId);
    vi.spyOn(env.SESSIONS, 'put').mockRejectedValue(new Error('KV PUT failed'));
    await expectServerError(await send('/account/sessions', { method: 'POST', project, body: { email: 'kv.put.audit@example.com', password: 'password' } }));
    vi.restoreAllMocks();
    expect(await eventsOf(userId), 'the audit trail records a session that was never created').toEqual(events);
  });

  it('when the compensation fails too, the row left behind has no token: nothing can authenticate with it', async () => {
    const { project, userId } = await projectWithUser('kv.put.double@example.com');
    const before = (await sessionRows(userId)).map((r) => r.id);
    const kvBefore = (await env.SESSIONS.list()).keys.length;
    let compensationFailed = false;
    vi.spyOn(env.SESSIONS, 'put').mockRejectedValue(new Error('KV PUT failed'));
    // The insert batch succeeds (its MAX_SESSIONS delete, `… IN (SELECT …)`, runs); the
    // compensating delete gets a statement that cannot run, alone or in a batch.
    vi.spyOn(env.DB, 'prepare').mockImplementation(function (this: D1Database, query: string) {
      const statement = D1_PREPARE.call(env.DB, query);
      if (/^delete from "sessions"/i.test(query) && !/ IN \(SELECT /.test(query)) {
        compensationFailed = true;
        const fail = () => Promise.reject(d1Down());
        return { bind: () => ({ all: fail, run: fail, raw: fail, first: fail }) } as unknown as D1PreparedStatement;
      }
      return statement;
    });
    await expectServerError(await send('/account/sessions', { method: 'POST', project, body: { email: 'kv.put.double@example.com', password: 'password' } }));
    vi.restoreAllMocks();
    expect(compensationFailed).toBe(true);
    const left = (await sessionRows(userId)).filter((r) => !before.includes(r.id));
    expect(left).toHaveLength(1); // the D1 row the failed compensation could not remove…
    expect(await env.SESSIONS.get(`session:${left[0]!.token_hash}`)).toBeNull(); // …has no token: nothing reaches it
    expect((await env.SESSIONS.list()).keys).toHaveLength(kvBefore);
  });

  it('a failing KV read while authenticating is a bare 500, not a guest or a user', async () => {
    const { project, session } = await projectWithUser('kv.get.fails@example.com');
    vi.spyOn(env.SESSIONS, 'get').mockRejectedValue(new Error('KV GET failed'));
    await expectServerError(await send('/account', { project: project.id, cookie: session.cookie }));
    vi.restoreAllMocks();
    expect(await accountStatus(session)).toBe(200);
  });

  it('D1 failing while authenticating is a bare 500: the KV token alone never lets a session in', async () => {
    const { project, session } = await projectWithUser('d1.auth.fails@example.com');
    vi.spyOn(env.DB, 'prepare').mockImplementation(() => {
      throw d1Down();
    });
    await expectServerError(await send('/account', { project: project.id, cookie: session.cookie }));
    await expectServerError(await send('/account/sessions', { project: project.id, cookie: session.cookie }));
  });
});

describe('creating a user when D1 fails', () => {
  it('a rejected batch is a bare 500: no user, counter unchanged', async () => {
    const project = await createProject();
    const before = await fingerprint();
    vi.spyOn(env.DB, 'batch').mockRejectedValue(d1Down());
    await expectServerError(await send('/users', { method: 'POST', project, body: { email: 'batch.fails@example.com', password: 'password' } }));
    vi.restoreAllMocks();
    expect(await fingerprint()).toBe(before);
    expect(await storedUserCount(project)).toBe(0);
  });

  it('a statement failing inside the batch (the audit entry) rolls back the user insert, its counter and search entry', async () => {
    const project = await createProject();
    const before = await fingerprint();
    await withFailingStatement('fail_audit_insert', 'audit_logs', 'INSERT', async () => {
      await expectServerError(
        await send('/users', { method: 'POST', project, body: { email: 'mid.batch@example.com', password: 'password', name: 'Mid Batch' } }),
      );
    });
    expect(await fingerprint()).toBe(before);
    expect(await count('SELECT count(*) AS n FROM users WHERE project_id = ?', project.id)).toBe(0);
    expect(await storedUserCount(project)).toBe(0);
    const search = await sendJson('/users?search=mid', { project });
    expect(search.body.sum).toBe(0);
    // And the email is free: the same create now succeeds.
    expect((await sendJson('/users', { method: 'POST', project, body: { email: 'mid.batch@example.com', password: 'password' } })).status).toBe(201);
  });
});

describe('blocking a user when D1 fails', () => {
  it('a rejected batch is a bare 500: status unchanged, sessions intact and working', async () => {
    const { project, userId, session } = await projectWithUser('block.batch.fails@example.com');
    const before = await fingerprint();
    vi.spyOn(env.DB, 'batch').mockRejectedValue(d1Down());
    await expectServerError(await send(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } }));
    vi.restoreAllMocks();
    expect(await fingerprint()).toBe(before);
    expect(await accountStatus(session)).toBe(200);
  });

  it('the session deletion failing inside the batch rolls back the status change too', async () => {
    const { project, userId, session } = await projectWithUser('block.mid.batch@example.com');
    const second = await signIn(project, 'block.mid.batch@example.com');
    const before = await fingerprint();
    await withFailingStatement('fail_session_delete', 'sessions', 'DELETE', async () => {
      await expectServerError(await send(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } }));
    });
    expect(await fingerprint()).toBe(before);
    const user = await sendJson(`/users/${userId}`, { project });
    expect(user.body.status).toBe(0);
    expect(await sessionRows(userId)).toHaveLength(2);
    expect(await accountStatus(session)).toBe(200);
    expect(await accountStatus(second)).toBe(200);
  });

  it('KV deletes failing after the block still leave every token refused (D1 decides)', async () => {
    const { project, userId, session } = await projectWithUser('block.kv.fails@example.com');
    vi.spyOn(env.SESSIONS, 'delete').mockRejectedValue(new Error('KV DELETE failed'));
    const { status } = await sendJson(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } });
    expect(status).toBe(200);
    vi.restoreAllMocks();
    // The KV entry is still there, and yet the token is refused.
    const [row] = (await env.DB.prepare('SELECT token_hash FROM sessions WHERE user_id = ?').bind(userId).all()).results;
    expect(row).toBeUndefined();
    expect(await accountStatus(session)).toBe(401);
  });

  it('DELETE all sessions with KV deletes failing: 200, and the tokens are dead', async () => {
    const { project, userId, session } = await projectWithUser('delete.kv.fails@example.com');
    vi.spyOn(env.SESSIONS, 'delete').mockRejectedValue(new Error('KV DELETE failed'));
    expect((await sendJson(`/users/${userId}/sessions`, { method: 'DELETE', project, body: {} })).status).toBe(200);
    vi.restoreAllMocks();
    expect(await sessionRows(userId)).toEqual([]);
    expect(await accountStatus(session)).toBe(401);
  });
});

describe('other writes when D1 fails', () => {
  it('a prefs merge whose batch fails changes nothing', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'prefs.fail@example.com', prefs: '{"keep":1}' });
    const before = await fingerprint();
    await withFailingStatement('fail_prefs_audit', 'audit_logs', 'INSERT', async () => {
      await expectServerError(await send(`/users/${user.id}/prefs`, { method: 'PATCH', project, body: { prefs: { added: 2 } } }));
    });
    expect(await fingerprint()).toBe(before);
  });

  it('ending sessions whose batch fails ends none', async () => {
    const { project, userId, session } = await projectWithUser('end.fail@example.com');
    const before = await fingerprint();
    await withFailingStatement('fail_end_audit', 'audit_logs', 'INSERT', async () => {
      await expectServerError(await send(`/users/${userId}/sessions`, { method: 'DELETE', project, body: {} }));
      await expectServerError(await send(`/users/${userId}/sessions/${session.id}`, { method: 'DELETE', project, body: {} }));
      await expectServerError(await send('/account/sessions/current', { method: 'DELETE', project: project.id, cookie: session.cookie, body: {} }));
    });
    expect(await fingerprint()).toBe(before);
    expect(await accountStatus(session)).toBe(200);
  });

  it('a read failing (D1 prepare throws) is a bare 500 on every Users route', async () => {
    const { project, userId } = await projectWithUser('read.fail@example.com');
    vi.spyOn(env.DB, 'prepare').mockImplementation(() => {
      throw d1Down();
    });
    for (const path of ['/users', `/users/${userId}`, `/users/${userId}/prefs`, `/users/${userId}/logs`, `/users/${userId}/sessions`, '/users?search=read']) {
      await expectServerError(await send(path, { project }));
    }
  });
});

// The unpatched prepare, for spies that wrap it.
const D1_PREPARE = Object.getPrototypeOf(env.DB).prepare as D1Database['prepare'];
