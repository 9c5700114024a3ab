// The Account API in the 1.x dialect (contract §12.4): sign-in by email and password,
// the signed-in user, their sessions (one, all, current), signing out one or all, and
// the hourly accessedAt touch of §12.2.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createProject } from '../helpers.ts';
import { createWebhook, storedEvents } from '../webhooks/support.ts';
import {
  CHROME_UA,
  SESSION_1X_KEYS,
  emailOf,
  expect1xError,
  insertUser,
  send1x,
  setCookies,
  signIn1x,
  storedLogs,
  storedSessions,
  type Session1x,
} from '../sessions/support.ts';

async function signedIn(options: Parameters<typeof signIn1x>[3] = {}) {
  const project = await createProject();
  const userId = await insertUser(project);
  const session = await signIn1x(project, await emailOf(userId), 'password', options);
  return { project, userId, session };
}

const cookie = (s: Session1x) => ({ cookie: `a_session_${s.projectId}=${s.cookieValue}` });

describe('POST /v1/account/sessions/email', () => {
  it('answers 201 with the 1.x Session (provider email, current, no secret without a key), the cookies and X-Fallback-Cookies', async () => {
    const { userId, session } = await signedIn({ headers: { 'User-Agent': CHROME_UA }, cf: { country: 'US' } });
    expect(Object.keys(session.body)).toEqual(SESSION_1X_KEYS);
    expect(session.body).toMatchObject({
      userId,
      provider: 'email',
      current: true,
      factors: ['password'],
      secret: '',
      osName: 'Windows',
      clientName: 'Chrome',
      deviceName: 'desktop',
      countryCode: 'us',
      countryName: 'United States',
    });
    expect(session.body.expire).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(setCookies(session.response)).toHaveLength(2);
    // No Origin: the SDK may not get the cookie back, so the header carries it.
    expect(JSON.parse(session.response.headers.get('X-Fallback-Cookies')!)).toEqual({ [`a_session_${session.projectId}`]: session.rawValue });
    const [stored] = await storedSessions(userId);
    expect(stored).toMatchObject({ id: session.id, provider: 'email' });
  });

  it('refuses a wrong password or an unknown email with user_invalid_credentials, a blocked user with user_blocked', async () => {
    const project = await createProject();
    const email = await emailOf(await insertUser(project));
    const blocked = await emailOf(await insertUser(project, { status: 2 }));
    const attempt = (e: string, password: string) => send1x('/account/sessions/email', { method: 'POST', project, body: { email: e, password } });
    expect1xError(await attempt(email, 'wrong-password'), 401, 'user_invalid_credentials');
    expect1xError(await attempt('nobody@example.com', 'password'), 401, 'user_invalid_credentials');
    expect1xError(await attempt(blocked, 'password'), 401, 'user_blocked');
    expect1xError(await send1x('/account/sessions/email', { method: 'POST', project, body: { email } }), 400, 'general_argument_invalid');
  });

  it('signs in a user whose password is shorter than the 1.x minimum of 8 (set in the 0.6 dialect)', async () => {
    const project = await createProject();
    const email = await emailOf(await insertUser(project, { password: 'short6' }));
    expect((await signIn1x(project, email, 'short6')).body.provider).toBe('email');
  });
});

describe('GET /v1/account', () => {
  it('returns the 1.x User of the session', async () => {
    const { project, userId, session } = await signedIn();
    const { status, body } = await send1x('/account', { project, headers: cookie(session) });
    expect(status).toBe(200);
    const viaUsersApi = await send1x(`/users/${userId}`, { project, key: project.key });
    expect({ ...body, accessedAt: '' }).toEqual({ ...viaUsersApi.body, accessedAt: '' });
    expect(body.status).toBe(true);
  });

  it('without a session: 401 general_unauthorized_scope, as upstream answers a guest', async () => {
    const project = await createProject();
    const result = await send1x('/account', { project });
    expect1xError(result, 401, 'general_unauthorized_scope');
    expect(result.body.message).toBe('User (role: guests) missing scope (account)');
  });
});

describe('sessions of the signed-in user', () => {
  it('lists them with current, gets one by id or as current, and 404s an unknown or another user’s one', async () => {
    const { project, userId, session } = await signedIn();
    const other = await signIn1x(project, await emailOf(userId));
    const stranger = await signIn1x(project, await emailOf(await insertUser(project)));
    const list = await send1x('/account/sessions', { project, headers: cookie(session) });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    expect(Object.fromEntries(list.body.sessions.map((s: any) => [s.$id, s.current]))).toEqual({ [session.id]: true, [other.id]: false });
    expect(list.body.sessions.every((s: any) => s.secret === '')).toBe(true);

    const current = await send1x('/account/sessions/current', { project, headers: cookie(session) });
    expect(current.body).toMatchObject({ $id: session.id, current: true, secret: '' });
    expect(Object.keys(current.body)).toEqual(SESSION_1X_KEYS);
    expect((await send1x(`/account/sessions/${other.id}`, { project, headers: cookie(session) })).body).toMatchObject({ $id: other.id, current: false });
    expect1xError(await send1x(`/account/sessions/${stranger.id}`, { project, headers: cookie(session) }), 404, 'user_session_not_found');
    expect1xError(await send1x('/account/sessions/nope', { project, headers: cookie(session) }), 404, 'user_session_not_found');
  });

  it('DELETE …/current signs out (cookies expired) and the next request is refused; another stays', async () => {
    const { project, userId, session } = await signedIn();
    const other = await signIn1x(project, await emailOf(userId));
    const result = await send1x('/account/sessions/current', { method: 'DELETE', project, headers: cookie(session) });
    expect(result.status).toBe(204);
    expect(setCookies(result.response).every((c) => c.includes('Expires=Thu, 01 Jan 1970'))).toBe(true);
    expect1xError(await send1x('/account', { project, headers: cookie(session) }), 401, 'general_unauthorized_scope');
    expect((await send1x('/account', { project, headers: cookie(other) })).status).toBe(200);
    expect1xError(await send1x(`/account/sessions/${session.id}`, { method: 'DELETE', project, headers: cookie(other) }), 404, 'user_session_not_found');
  });

  it('DELETE /v1/account/sessions ends every session of the user, each logged and announced; other users keep theirs', async () => {
    const { project, userId, session } = await signedIn();
    const second = await signIn1x(project, await emailOf(userId));
    const bystander = await signIn1x(project, await emailOf(await insertUser(project)));
    await createWebhook(project, ['account.sessions.delete']);
    const result = await send1x('/account/sessions', { method: 'DELETE', project, headers: cookie(session) });
    expect(result.status).toBe(204);
    expect(setCookies(result.response)).toHaveLength(2);
    for (const s of [session, second]) expect1xError(await send1x('/account', { project, headers: cookie(s) }), 401, 'general_unauthorized_scope');
    expect((await send1x('/account', { project, headers: cookie(bystander) })).status).toBe(200);
    expect(await storedSessions(userId)).toEqual([]);
    expect((await storedLogs(userId)).filter((l) => l.event === 'account.sessions.delete')).toHaveLength(2);
    const events = (await storedEvents(project)).filter((e) => e.event === 'account.sessions.delete');
    expect(events.map((e) => (e.data as { $id: string }).$id).sort()).toEqual([session.id, second.id].sort());
  });
});

describe('accessedAt (contract §12.2)', () => {
  const accessedAt = async (userId: string) =>
    (await env.DB.prepare('SELECT accessed_at AS at FROM users WHERE id = ?').bind(userId).first<{ at: number }>())!.at;

  it('is set at sign-in, moved by a request as the user once it is over an hour old, and left alone (no write) otherwise', async () => {
    const { project, userId, session } = await signedIn();
    const signedInAt = await accessedAt(userId);
    expect(Math.abs(signedInAt - Date.now())).toBeLessThan(60_000);

    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await env.DB.prepare('UPDATE users SET accessed_at = ? WHERE id = ?').bind(tenMinutesAgo, userId).run();
    await send1x('/account', { project, headers: cookie(session) });
    expect(await accessedAt(userId)).toBe(tenMinutesAgo);

    const twoHoursAgo = Date.now() - 2 * 3600_000;
    await env.DB.prepare('UPDATE users SET accessed_at = ? WHERE id = ?').bind(twoHoursAgo, userId).run();
    const { body } = await send1x('/account', { project, headers: cookie(session) });
    const moved = await accessedAt(userId);
    expect(Date.now() - moved).toBeLessThan(60_000);
    expect(body.accessedAt).toBe(new Date(moved).toISOString().replace('Z', '+00:00'));
  });
});
