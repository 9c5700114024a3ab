// Ending sessions: DELETE /v1/account/sessions/{current|id} (204) and the Users API's
// GET/DELETE /v1/users/{id}/sessions[/{sessionId}] (contract §4–6). Revocation is
// immediate: the next request with an ended session's token is 401.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createProject, expectError, expectJson, type TestProject } from '../helpers.ts';
import {
  CHROME_DEVICE,
  CHROME_UA,
  emailOf,
  GUEST_ACCOUNT,
  insertUser,
  send,
  setCookies,
  sha256,
  signIn,
  storedLogs,
  storedSessions,
  US,
  type Session,
} from './support.ts';

const guest = (scope: string) => `Guest (role: guest) missing scope (${scope})`;
const app = (projectId: string, scope: string) => `app.${projectId}@service.localhost (role: application) missing scope (${scope})`;

async function userWithSessions(project: TestProject, count: number) {
  const userId = await insertUser(project);
  const email = await emailOf(userId);
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) sessions.push(await signIn(project, email));
  return { userId, sessions };
}

async function expectEnded(project: TestProject, session: Session) {
  await expectError(send('/account', { project, session }), 401, GUEST_ACCOUNT);
  expect(await env.SESSIONS.get(`session:${await sha256(session.secret)}`), `KV entry of ${session.id}`).toBeNull();
  expect((await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE id = ?').bind(session.id).first<{ n: number }>())!.n).toBe(0);
}

async function expectAlive(project: TestProject, session: Session) {
  const account = await expectJson(send('/account', { project, session }));
  expect(account.$id).toBe(session.userId);
}

describe('DELETE /v1/account/sessions/current', () => {
  it('answers 204 with no body, expires both cookies, sends X-Fallback-Cookies: [] and ends the session at once', async () => {
    const project = await createProject();
    const {
      sessions: [session, other],
    } = await userWithSessions(project, 2);
    const response = await send('/account/sessions/current', { method: 'DELETE', project, session: session!, body: {} });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('X-Fallback-Cookies')).toBe('[]');
    const cookies = setCookies(response);
    expect(cookies.map((c) => c.split('=')[0])).toEqual([`a_session_${project.id}_legacy`, `a_session_${project.id}`]);
    for (const cookie of cookies) {
      // Empty value, an expiry in the past, the same path, so the browser drops it.
      expect(cookie).toMatch(/^a_session_[a-z0-9]+(_legacy)?=;/);
      const expires = /Expires=([^;]+)/i.exec(cookie)?.[1];
      expect(Date.parse(expires!)).toBeLessThan(Date.now());
      expect(cookie).toContain('Path=/');
    }
    await expectEnded(project, session!);
    await expectAlive(project, other!);
  });

  it('works without a body, with the legacy cookie or X-Fallback-Cookies', async () => {
    const project = await createProject();
    const { sessions } = await userWithSessions(project, 2);
    const name = `a_session_${project.id}`;
    const legacy = await send('/account/sessions/current', { method: 'DELETE', project, headers: { cookie: `${name}_legacy=${sessions[0]!.cookieValue}` } });
    expect(legacy.status).toBe(204);
    const fallback = await send('/account/sessions/current', {
      method: 'DELETE',
      project,
      headers: { 'x-fallback-cookies': JSON.stringify({ [name]: sessions[1]!.rawValue }) },
    });
    expect(fallback.status).toBe(204);
    for (const session of sessions) await expectEnded(project, session);
  });

  it('a second delete with the ended token is 401', async () => {
    const project = await createProject();
    const {
      sessions: [session],
    } = await userWithSessions(project, 1);
    expect((await send('/account/sessions/current', { method: 'DELETE', project, session: session! })).status).toBe(204);
    await expectError(send('/account/sessions/current', { method: 'DELETE', project, session: session! }), 401, GUEST_ACCOUNT);
    await expectError(send(`/account/sessions/${session!.id}`, { method: 'DELETE', project, session: session! }), 401, GUEST_ACCOUNT);
  });

  it('without a session is 401 for a guest', async () => {
    const project = await createProject();
    await expectError(send('/account/sessions/current', { method: 'DELETE', project }), 401, GUEST_ACCOUNT);
    await expectError(send('/account/sessions/current', { method: 'DELETE', project, key: project.key }), 401, GUEST_ACCOUNT);
  });
});

describe('DELETE /v1/account/sessions/{sessionId}', () => {
  it('ends another of one’s own sessions and leaves the current one working, cookies untouched', async () => {
    const project = await createProject();
    const {
      userId,
      sessions: [current, other],
    } = await userWithSessions(project, 2);
    const response = await send(`/account/sessions/${other!.id}`, { method: 'DELETE', project, session: current!, body: {} });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(setCookies(response)).toEqual([]);
    expect(response.headers.has('X-Fallback-Cookies')).toBe(false);
    await expectEnded(project, other!);
    await expectAlive(project, current!);
    expect((await storedSessions(userId)).map((s) => s.id)).toEqual([current!.id]);
  });

  it('naming the session in use by its id ends it like `current`, expiring the cookies', async () => {
    const project = await createProject();
    const {
      sessions: [session],
    } = await userWithSessions(project, 1);
    const response = await send(`/account/sessions/${session!.id}`, { method: 'DELETE', project, session: session! });
    expect(response.status).toBe(204);
    expect(response.headers.get('X-Fallback-Cookies')).toBe('[]');
    expect(setCookies(response)).toHaveLength(2);
    await expectEnded(project, session!);
  });

  it('an unknown session id is 404 Session not found, and the current session goes on', async () => {
    const project = await createProject();
    const {
      userId,
      sessions: [session],
    } = await userWithSessions(project, 1);
    await expectError(send('/account/sessions/nosuchsession', { method: 'DELETE', project, session: session! }), 404, 'Session not found');
    await expectAlive(project, session!);
    expect(await storedSessions(userId)).toHaveLength(1);
  });

  it('cannot end another user’s session: 404, and that session goes on', async () => {
    const project = await createProject();
    const {
      sessions: [mine],
    } = await userWithSessions(project, 1);
    const {
      userId: victimId,
      sessions: [theirs],
    } = await userWithSessions(project, 1);
    await expectError(send(`/account/sessions/${theirs!.id}`, { method: 'DELETE', project, session: mine! }), 404, 'Session not found');
    await expectAlive(project, theirs!);
    await expectAlive(project, mine!);
    expect((await storedSessions(victimId)).map((s) => s.id)).toEqual([theirs!.id]);
  });
});

describe('GET /v1/users/{userId}/sessions', () => {
  it('lists the user’s sessions without `current`', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId), 'password', {
      cf: { country: 'US' },
      headers: { 'CF-Connecting-IP': '192.0.2.10', 'User-Agent': CHROME_UA },
    });
    const list = await expectJson<any[]>(send(`/users/${userId}/sessions`, { project, key: project.readKey }));
    expect(list).toEqual([{ $id: session.id, ip: '192.0.2.10', ...CHROME_DEVICE, geo: US }]);
    expect(Object.keys(list[0])).toEqual(['$id', 'ip', 'OS', 'client', 'device', 'brand', 'model', 'geo']);
    const de = await expectJson<any[]>(send(`/users/${userId}/sessions`, { project, key: project.key, headers: { 'x-appwrite-locale': 'de' } }));
    expect(de[0].geo).toEqual({ isoCode: 'us', country: 'Vereinigte Staaten' });
  });

  it('is [] for a user without sessions, 404 for an unknown user', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    expect(await expectJson(send(`/users/${userId}/sessions`, { project, key: project.key }))).toEqual([]);
    await expectError(send('/users/nosuchuser/sessions', { project, key: project.key }), 404, 'User not found');
    // A user of another project is unknown here.
    const other = await createProject();
    await expectError(send(`/users/${userId}/sessions`, { project: other, key: other.key }), 404, 'User not found');
  });

  it('lists every live session and no ended one', async () => {
    const project = await createProject();
    const { userId, sessions } = await userWithSessions(project, 3);
    await send('/account/sessions/current', { method: 'DELETE', project, session: sessions[1]! });
    const list = await expectJson<any[]>(send(`/users/${userId}/sessions`, { project, key: project.key }));
    expect(list.map((s) => s.$id).sort()).toEqual([sessions[0]!.id, sessions[2]!.id].sort());
  });

  it('needs users.read', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    await expectError(send(`/users/${userId}/sessions`, { project }), 401, guest('users.read'));
    await expectError(send(`/users/${userId}/sessions`, { project, key: project.writeKey }), 401, app(project.id, 'users.read'));
  });
});

describe('DELETE /v1/users/{userId}/sessions', () => {
  it('answers 200 {"result":"success"} and ends every session of the user at once (D1 rows and KV entries gone)', async () => {
    const project = await createProject();
    const { userId, sessions } = await userWithSessions(project, 3);
    const {
      sessions: [bystander],
    } = await userWithSessions(project, 1);
    const response = await send(`/users/${userId}/sessions`, { method: 'DELETE', project, key: project.writeKey, body: {} });
    expect(await expectJson(response)).toEqual({ result: 'success' });
    expect(setCookies(response)).toEqual([]);
    for (const session of sessions) await expectEnded(project, session);
    expect(await storedSessions(userId)).toEqual([]);
    expect(await expectJson(send(`/users/${userId}/sessions`, { project, key: project.key }))).toEqual([]);
    await expectAlive(project, bystander!);
  });

  it('is 200 for a user without sessions, also without a body', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    expect(await expectJson(send(`/users/${userId}/sessions`, { method: 'DELETE', project, key: project.key }))).toEqual({ result: 'success' });
  });

  it('is 404 for an unknown user; needs users.write', async () => {
    const project = await createProject();
    const {
      userId,
      sessions: [session],
    } = await userWithSessions(project, 1);
    await expectError(send('/users/nosuchuser/sessions', { method: 'DELETE', project, key: project.key, body: {} }), 404, 'User not found');
    await expectError(send(`/users/${userId}/sessions`, { method: 'DELETE', project, key: project.readKey, body: {} }), 401, app(project.id, 'users.write'));
    await expectError(send(`/users/${userId}/sessions`, { method: 'DELETE', project, body: {} }), 401, guest('users.write'));
    // A session cannot delete sessions through the Users API.
    await expectError(send(`/users/${userId}/sessions`, { method: 'DELETE', project, session: session!, body: {} }), 401, guest('users.write'));
    await expectAlive(project, session!);
  });

  it('cannot reach a user of another project', async () => {
    const project = await createProject();
    const other = await createProject();
    const {
      userId,
      sessions: [session],
    } = await userWithSessions(project, 1);
    await expectError(send(`/users/${userId}/sessions`, { method: 'DELETE', project: other, key: other.key }), 404, 'User not found');
    await expectAlive(project, session!);
  });
});

describe('DELETE /v1/users/{userId}/sessions/{sessionId}', () => {
  it('answers 200 success and ends only that session', async () => {
    const project = await createProject();
    const {
      userId,
      sessions: [kept, ended],
    } = await userWithSessions(project, 2);
    const response = await send(`/users/${userId}/sessions/${ended!.id}`, { method: 'DELETE', project, key: project.key, body: {} });
    expect(await expectJson(response)).toEqual({ result: 'success' });
    await expectEnded(project, ended!);
    await expectAlive(project, kept!);
    expect((await storedSessions(userId)).map((s) => s.id)).toEqual([kept!.id]);
  });

  it('is 200 success for an unknown session id, ending nothing', async () => {
    const project = await createProject();
    const {
      userId,
      sessions: [session],
    } = await userWithSessions(project, 1);
    expect(await expectJson(send(`/users/${userId}/sessions/nosuchsession`, { method: 'DELETE', project, key: project.key }))).toEqual({ result: 'success' });
    await expectAlive(project, session!);
  });

  it('does not end another user’s session named under this user', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const {
      sessions: [theirs],
    } = await userWithSessions(project, 1);
    expect(await expectJson(send(`/users/${userId}/sessions/${theirs!.id}`, { method: 'DELETE', project, key: project.key }))).toEqual({ result: 'success' });
    await expectAlive(project, theirs!);
  });

  it('is 404 for an unknown user; a read key cannot delete', async () => {
    const project = await createProject();
    const {
      userId,
      sessions: [session],
    } = await userWithSessions(project, 1);
    await expectError(send(`/users/nosuchuser/sessions/${session!.id}`, { method: 'DELETE', project, key: project.key }), 404, 'User not found');
    await expectError(
      send(`/users/${userId}/sessions/${session!.id}`, { method: 'DELETE', project, key: project.readKey }),
      401,
      app(project.id, 'users.write'),
    );
    await expectError(send(`/users/${userId}/sessions/${session!.id}`, { method: 'DELETE', project }), 401, guest('users.write'));
    await expectAlive(project, session!);
    // None of the refused requests left a trace in the user's log but the sign-in.
    expect((await storedLogs(userId)).map((l) => l.event)).toEqual(['account.sessions.create']);
  });
});
