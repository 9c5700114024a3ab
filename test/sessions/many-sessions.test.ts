// A user with more sessions than one request should touch (contract §4, §6, §13.1): one
// with sessions from before MAX_SESSIONS, or from a larger MAX_SESSIONS. Listings return
// the newest 100; ending them all (a sign-in's cap among the ways) deletes at most 500 KV
// tokens in one request (a Worker invocation may make at most 1,000 KV operations), and a
// token whose KV entry is left behind is refused all the same, since the D1 row decides.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProject, expectError, expectJson, type TestProject } from '../helpers.ts';
import { GUEST_ACCOUNT, emailOf, insertSessions, insertUser, send, sha256, signIn, storedSessions, type InsertedSession } from './support.ts';

const MANY = 1200;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts every KV operation the Worker makes from now on (the calls still go through). */
function countKvOperations() {
  const spies = (['get', 'getWithMetadata', 'put', 'delete', 'list'] as const).map((method) => vi.spyOn(env.SESSIONS, method));
  return { total: () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0), deletes: () => spies[3]!.mock.calls.length };
}

async function userWithManySessions() {
  const project = await createProject();
  const userId = await insertUser(project);
  return { project, userId, sessions: await insertSessions(project, userId, MANY) };
}

/** The sessions whose KV entry is still there. */
async function leftInKv(sessions: InsertedSession[]): Promise<InsertedSession[]> {
  const present = await Promise.all(sessions.map(async (s) => (await env.SESSIONS.get(`session:${await sha256(s.secret)}`)) !== null));
  return sessions.filter((_, i) => present[i]);
}

async function expectRefused(project: TestProject, sessions: InsertedSession[]) {
  for (const session of sessions) await expectError(send('/account', { project, session }), 401, GUEST_ACCOUNT);
}

// Each test writes 1,200 sessions to D1 and KV first: seconds on a busy machine.
describe('listing the sessions of a user with 1,200 of them', { timeout: 30_000 }, () => {
  it('GET /v1/users/{userId}/sessions returns the newest 100, newest first', async () => {
    const { project, userId, sessions } = await userWithManySessions();
    const list = await expectJson<any[]>(send(`/users/${userId}/sessions`, { project, key: project.readKey }));
    expect(list.map((s) => s.$id)).toEqual(sessions.slice(0, 100).map((s) => s.id));
  });

  it('GET /v1/account/sessions returns the newest 100, the current one among them', async () => {
    const { project, sessions } = await userWithManySessions();
    const current = sessions[5]!;
    const list = await expectJson<any[]>(send('/account/sessions', { project, session: current }));
    expect(list).toHaveLength(100);
    expect(list.map((s) => s.$id)).toEqual(sessions.slice(0, 100).map((s) => s.id));
    expect(list[5]).toMatchObject({ $id: current.id, current: true });
    expect(list.filter((s) => s.current)).toHaveLength(1);
  });
});

describe('ending 1,200 sessions in one request', { timeout: 30_000 }, () => {
  it.each([
    [
      'DELETE /v1/users/{userId}/sessions',
      (p: TestProject, id: string) => send(`/users/${id}/sessions`, { method: 'DELETE', project: p, key: p.writeKey, body: {} }),
    ],
    ['blocking the user', (p: TestProject, id: string) => send(`/users/${id}/status`, { method: 'PATCH', project: p, key: p.writeKey, body: { status: 2 } })],
    [
      'a password change',
      (p: TestProject, id: string) => send(`/users/${id}/password`, { method: 'PATCH', project: p, key: p.writeKey, body: { password: 'new-password' } }),
    ],
    ['deleting the user', (p: TestProject, id: string) => send(`/users/${id}`, { method: 'DELETE', project: p, key: p.writeKey, body: {} })],
    [
      'a sign-in (MAX_SESSIONS ends all but the newest 9 and itself)',
      async (p: TestProject, id: string) => send('/account/sessions', { method: 'POST', project: p, body: { email: await emailOf(id), password: 'password' } }),
    ],
  ])('%s makes at most 500 KV deletes; every token is refused, those left in KV too', async (_, end) => {
    const { project, userId, sessions } = await userWithManySessions();
    const kv = countKvOperations();
    const response = await end(project, userId);
    expect(response.status, await response.text()).toBeLessThan(300);
    expect(kv.deletes()).toBe(500);
    expect(kv.total()).toBeLessThanOrEqual(1000);
    vi.restoreAllMocks();

    // A sign-in keeps the newest 9 of them besides its own.
    const kept = response.status === 201 ? sessions.slice(0, 9) : [];
    expect(
      (await storedSessions(userId))
        .filter((s) => sessions.some((t) => t.id === s.id))
        .map((s) => s.id)
        .sort(),
    ).toEqual(kept.map((s) => s.id).sort());
    const stale = (await leftInKv(sessions)).filter((s) => !kept.includes(s));
    expect(stale).toHaveLength(MANY - kept.length - 500);
    // A sample of the stale entries, the newest and oldest included: none authenticates.
    await expectRefused(project, [...stale.slice(0, 10), ...stale.slice(-10)]);
  });

  it('a stale KV token stays refused after the user signs in again', async () => {
    const { project, userId, sessions } = await userWithManySessions();
    await expectJson(send(`/users/${userId}/sessions`, { method: 'DELETE', project, key: project.writeKey, body: {} }));
    const stale = await leftInKv(sessions);
    expect(stale.length).toBeGreaterThan(0);
    const fresh = await signIn(project, await emailOf(userId));
    expect((await expectJson(send('/account', { project, session: fresh }))).$id).toBe(userId);
    await expectRefused(project, stale.slice(0, 10));
  });
});
