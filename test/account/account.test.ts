// Session authentication (cookie, legacy cookie, X-Fallback-Cookies), GET /v1/account
// and GET /v1/account/sessions (contract §3, §5).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createProject, expectError, expectJson } from '../helpers.ts';
import {
  BLOCKED,
  CHROME_DEVICE,
  CHROME_UA,
  credentialsValue,
  emailOf,
  GUEST_ACCOUNT,
  IPHONE_UA,
  insertUser,
  send,
  signIn,
  UNKNOWN_GEO,
  US,
  type Session,
} from '../sessions/support.ts';

const SESSION_KEYS = ['$id', 'ip', 'OS', 'client', 'device', 'brand', 'model', 'geo', 'current'];

async function signedIn() {
  const project = await createProject();
  const userId = await insertUser(project);
  const session = await signIn(project, await emailOf(userId));
  return { project, userId, session };
}

const withCookie = (cookie: string) => ({ headers: { cookie } });

describe('GET /v1/account', () => {
  it('returns the session’s user, with roles [], the same user the Users API shows', async () => {
    const { project, userId, session } = await signedIn();
    const account = await expectJson(send('/account', { project, session }));
    const viaUsersApi = await expectJson(send(`/users/${userId}`, { project, key: project.key }));
    expect(account).toEqual(viaUsersApi);
    expect(account).toEqual({
      $id: userId,
      email: await emailOf(userId),
      emailVerification: false,
      status: 0,
      registration: expect.any(Number),
      name: '',
      roles: [],
    });
    expect(Object.keys(account)).toEqual(['$id', 'email', 'emailVerification', 'status', 'registration', 'name', 'roles']);
  });

  it('authenticates with the main cookie among others, the legacy cookie alone, or X-Fallback-Cookies', async () => {
    const { project, userId, session } = await signedIn();
    const name = `a_session_${project.id}`;
    const ways: Record<string, string>[] = [
      { cookie: `${name}=${session.cookieValue}` },
      { cookie: `foo=bar; ${name}=${session.cookieValue}; baz=qux` },
      { cookie: `${name}_legacy=${session.cookieValue}` },
      // The browser SDK echoes the header value it received, plain base64.
      { 'x-fallback-cookies': JSON.stringify({ [name]: session.rawValue }) },
      { 'x-fallback-cookies': JSON.stringify({ [name]: session.cookieValue }) },
    ];
    for (const headers of ways) {
      const account = await expectJson(send('/account', { project, headers }));
      expect(account.$id, JSON.stringify(headers)).toBe(userId);
    }
  });

  it('without credentials is 401 for a guest', async () => {
    const { project } = await signedIn();
    await expectError(send('/account', { project }), 401, GUEST_ACCOUNT);
    await expectError(send('/account', { project, headers: { cookie: '' } }), 401, GUEST_ACCOUNT);
    await expectError(send('/account', { project, headers: { 'x-fallback-cookies': '' } }), 401, GUEST_ACCOUNT);
    // An API key is not a session.
    await expectError(send('/account', { project, key: project.key }), 401, GUEST_ACCOUNT);
  });

  it('refuses garbage, tampered and foreign credentials with 401 for a guest', async () => {
    const { project, userId, session } = await signedIn();
    const other = await signedIn();
    const otherUserId = await insertUser(project);
    const name = `a_session_${project.id}`;
    const cookies = [
      'garbage',
      '%%%',
      '!!!not-base64!!!',
      encodeURIComponent(btoa('not json')),
      encodeURIComponent(btoa('[]')),
      encodeURIComponent(btoa('null')),
      encodeURIComponent(btoa(JSON.stringify({ id: userId }))),
      credentialsValue(userId, 12345),
      credentialsValue(userId, ''),
      // Wrong secret for the right user, in several shapes.
      credentialsValue(userId, 'f'.repeat(session.secret.length)),
      credentialsValue(userId, session.secret.slice(0, -1)),
      credentialsValue(userId, `${session.secret}0`),
      credentialsValue(userId, session.secret.toUpperCase()),
      // The right secret claimed for another user, or for no user.
      credentialsValue(otherUserId, session.secret),
      credentialsValue('', session.secret),
      // Another project's session presented under this project's name.
      other.session.cookieValue,
      // An oversized value.
      credentialsValue(userId, session.secret + 'a'.repeat(5000)),
    ];
    for (const value of cookies) {
      await expectError(send('/account', { project, ...withCookie(`${name}=${value}`) }), 401, GUEST_ACCOUNT);
      await expectError(send('/account', { project, headers: { 'x-fallback-cookies': JSON.stringify({ [name]: value }) } }), 401, GUEST_ACCOUNT);
    }
    // Another project's cookie under its own name, or this project's cookie sent to the other project.
    await expectError(send('/account', { project, ...withCookie(`a_session_${other.project.id}=${other.session.cookieValue}`) }), 401, GUEST_ACCOUNT);
    await expectError(send('/account', { project: other.project, ...withCookie(`${name}=${session.cookieValue}`) }), 401, GUEST_ACCOUNT);
    await expectError(send('/account', { project: other.project, ...withCookie(`a_session_${other.project.id}=${session.cookieValue}`) }), 401, GUEST_ACCOUNT);
    // Malformed X-Fallback-Cookies headers.
    for (const header of ['not json', '[]', `"${session.rawValue}"`, JSON.stringify({ [name]: 42 }), JSON.stringify({ other: session.rawValue })]) {
      await expectError(send('/account', { project, headers: { 'x-fallback-cookies': header } }), 401, GUEST_ACCOUNT);
    }
    // The real session still works after all that.
    expect((await expectJson(send('/account', { project, session }))).$id).toBe(userId);
  });

  it('an expired session is refused, even while its KV entry remains', async () => {
    const { project, session } = await signedIn();
    await env.DB.prepare('UPDATE sessions SET expire = ? WHERE id = ?')
      .bind(Math.floor(Date.now() / 1000) - 1, session.id)
      .run();
    await expectError(send('/account', { project, session }), 401, GUEST_ACCOUNT);
  });

  it('a session whose D1 row is gone is refused at once, even while its KV entry remains', async () => {
    const { project, session } = await signedIn();
    await env.DB.prepare('DELETE FROM sessions WHERE id = ?').bind(session.id).run();
    await expectError(send('/account', { project, session }), 401, GUEST_ACCOUNT);
  });

  it('a session of a user blocked behind the API’s back is 401 User is blocked', async () => {
    const { project, userId, session } = await signedIn();
    await env.DB.prepare('UPDATE users SET status = 2 WHERE id = ?').bind(userId).run();
    await expectError(send('/account', { project, session }), 401, BLOCKED);
    await expectError(send('/account/sessions', { project, session }), 401, BLOCKED);
  });
});

describe('GET /v1/account/sessions', () => {
  async function twoSessions() {
    const project = await createProject();
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const chrome = await signIn(project, email, 'password', { cf: { country: 'US' }, headers: { 'CF-Connecting-IP': '203.0.113.7', 'User-Agent': CHROME_UA } });
    const iphone = await signIn(project, email, 'password', { headers: { 'CF-Connecting-IP': '2001:db8::1', 'User-Agent': IPHONE_UA } });
    return { project, userId, chrome, iphone };
  }

  const byId = (list: any[]) => Object.fromEntries(list.map((s) => [s.$id, s]));

  it('lists every session of the user, current: true exactly for the one in use', async () => {
    const { project, chrome, iphone } = await twoSessions();
    for (const [inUse, other] of [
      [chrome, iphone],
      [iphone, chrome],
    ] as [Session, Session][]) {
      const list = await expectJson<any[]>(send('/account/sessions', { project, session: inUse }));
      expect(list).toHaveLength(2);
      const sessions = byId(list);
      expect(sessions[inUse.id].current).toBe(true);
      expect(sessions[other.id].current).toBe(false);
      expect(list.filter((s) => s.current === true)).toHaveLength(1);
    }
  });

  it('describes each session by the User-Agent, client IP and country of its sign-in', async () => {
    const { project, chrome, iphone } = await twoSessions();
    // The listing request's own UA, IP and country do not matter.
    const list = await expectJson<any[]>(
      send('/account/sessions', { project, session: chrome, cf: { country: 'FR' }, headers: { 'User-Agent': 'curl/8.0', 'CF-Connecting-IP': '198.51.100.1' } }),
    );
    for (const session of list) expect(Object.keys(session)).toEqual(SESSION_KEYS);
    const sessions = byId(list);
    expect(sessions[chrome.id]).toEqual({ $id: chrome.id, ip: '203.0.113.7', ...CHROME_DEVICE, geo: US, current: true });
    expect(sessions[iphone.id]).toMatchObject({
      $id: iphone.id,
      ip: '2001:db8::1',
      device: 1,
      OS: { name: 'iOS', short_name: 'IOS' },
      client: { type: 'browser', name: 'Mobile Safari' },
      geo: UNKNOWN_GEO,
      current: false,
    });
  });

  it('localises country names with X-Appwrite-Locale', async () => {
    const { project, chrome } = await twoSessions();
    const de = byId(await expectJson<any[]>(send('/account/sessions', { project, session: chrome, headers: { 'X-Appwrite-Locale': 'de' } })));
    expect(de[chrome.id].geo).toEqual({ isoCode: 'us', country: 'Vereinigte Staaten' });
    const en = byId(await expectJson<any[]>(send('/account/sessions', { project, session: chrome, headers: { 'X-Appwrite-Locale': 'en' } })));
    expect(en[chrome.id].geo).toEqual(US);
  });

  it('does not list other users’ sessions', async () => {
    const { project, chrome, iphone } = await twoSessions();
    const stranger = await signIn(project, await emailOf(await insertUser(project)));
    const list = await expectJson<any[]>(send('/account/sessions', { project, session: stranger }));
    expect(list.map((s) => s.$id)).toEqual([stranger.id]);
    const mine = await expectJson<any[]>(send('/account/sessions', { project, session: chrome }));
    expect(mine.map((s) => s.$id).sort()).toEqual([chrome.id, iphone.id].sort());
  });

  it('without a session is 401 for a guest', async () => {
    const { project } = await twoSessions();
    await expectError(send('/account/sessions', { project }), 401, GUEST_ACCOUNT);
    await expectError(send('/account/sessions', { project, key: project.key }), 401, GUEST_ACCOUNT);
  });
});
