// Every way a request authenticates as the user (contract §5, §12.4) — the cookie,
// X-Fallback-Cookies, X-Appwrite-Session and X-Appwrite-JWT — works on the Account
// routes of both dialects, and is refused on the very next request once the session is
// deleted, the user blocked or deleted, or the password changed.
import { describe, expect, it } from 'vitest';
import { createProject, type TestProject } from '../helpers.ts';
import { createJwt, emailOf, expect1xError, insertUser, send1x, sendJson, signIn1x, type Session1x } from './support.ts';

type Way = (project: TestProject, session: Session1x) => Promise<Record<string, string>>;

const WAYS: Record<string, Way> = {
  cookie: async (p, s) => ({ cookie: `a_session_${p.id}=${s.cookieValue}` }),
  'X-Fallback-Cookies': async (p, s) => ({ 'x-fallback-cookies': JSON.stringify({ [`a_session_${p.id}`]: s.rawValue }) }),
  'X-Appwrite-Session': async (_, s) => ({ 'x-appwrite-session': s.rawValue }),
  'X-Appwrite-JWT': async (p, s) => ({ 'x-appwrite-jwt': await createJwt(p, s.userId, { sessionId: s.id }) }),
};

/** What ends the session, through the Users API (1.x) or the Account API. */
const ENDINGS: Record<string, (project: TestProject, session: Session1x) => Promise<number>> = {
  'the session is deleted': async (p, s) => (await send1x(`/users/${s.userId}/sessions/${s.id}`, { method: 'DELETE', project: p, key: p.key })).status,
  'the user is blocked': async (p, s) =>
    (await send1x(`/users/${s.userId}/status`, { method: 'PATCH', project: p, key: p.key, body: { status: false } })).status,
  'the user is deleted': async (p, s) => (await send1x(`/users/${s.userId}`, { method: 'DELETE', project: p, key: p.key })).status,
  'the password changes': async (p, s) =>
    (await send1x(`/users/${s.userId}/password`, { method: 'PATCH', project: p, key: p.key, body: { password: 'another-password' } })).status,
};

async function signedIn() {
  const project = await createProject();
  const userId = await insertUser(project);
  return { project, userId, session: await signIn1x(project, await emailOf(userId)) };
}

describe.each(Object.entries(WAYS))('authenticating with %s', (_, way) => {
  it('reads the account and the sessions in both dialects, with current marked', async () => {
    const { project, userId, session } = await signedIn();
    const headers = await way(project, session);
    const account = await send1x('/account', { project, headers });
    expect(account.status, account.text).toBe(200);
    expect(account.body.$id).toBe(userId);
    const list = await send1x('/account/sessions', { project, headers });
    expect(list.body.sessions.map((s: any) => [s.$id, s.current])).toEqual([[session.id, true]]);
    const old = await sendJson('/account', { project, headers });
    expect(old.status, old.text).toBe(200);
    expect(old.body).toMatchObject({ $id: userId, status: 0, roles: [] });
  });

  it.each(Object.entries(ENDINGS))('is refused on the very next request once %s', async (ending, end) => {
    const { project, session } = await signedIn();
    const headers = await way(project, session);
    expect((await send1x('/account', { project, headers })).status).toBe(200);
    expect(await end(project, session)).toBeLessThan(300);
    const next = await send1x('/account', { project, headers });
    expect(next.status, `${ending}: ${next.text}`).toBe(401);
    expect(['general_unauthorized_scope', 'user_jwt_invalid']).toContain(next.body.type);
    if ('x-appwrite-jwt' in headers) expect1xError(next, 401, 'user_jwt_invalid');
    expect((await sendJson('/account', { project, headers })).status).toBe(401);
  });
});
