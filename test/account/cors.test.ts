// CORS for the browser SDK (contract §7): preflights answered for origins some project
// allows, real requests checked against their own project's origins; an origin the
// project does not allow gets 403 and nothing happens.
import { describe, expect, it } from 'vitest';
import { createProject, expectError, expectJson } from '../helpers.ts';
import {
  emailOf,
  GUEST_ACCOUNT,
  INVALID_CREDENTIALS,
  insertUser,
  send,
  sendJson,
  setCookies,
  signIn,
  storedLogCount,
  storedSessions,
} from '../sessions/support.ts';

const REQUIRED_HEADERS = ['Content-Type', 'X-Appwrite-Project', 'X-Appwrite-Key', 'X-Appwrite-Locale', 'X-SDK-Version', 'X-Fallback-Cookies', 'X-D1-Bookmark'];

/** A fresh origin per test: preflight answers may be cached per origin. */
const newOrigin = (label: string) => `http://${label}-${crypto.randomUUID().slice(0, 8)}.cors.test`;

function expectCors(response: Response, origin: string) {
  expect(response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
  expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
  expect(response.headers.get('Access-Control-Allow-Methods')).toBe('GET, POST, PUT, PATCH, DELETE');
  const allowed = (response.headers.get('Access-Control-Allow-Headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
  for (const header of REQUIRED_HEADERS) expect(allowed, header).toContain(header.toLowerCase());
  expect(response.headers.get('Access-Control-Expose-Headers')).toBe('X-Fallback-Cookies, X-D1-Bookmark');
}

function expectNoCors(response: Response) {
  expect(response.headers.has('Access-Control-Allow-Origin')).toBe(false);
  expect(response.headers.has('Access-Control-Allow-Credentials')).toBe(false);
}

const preflight = (path: string, origin: string | null, method = 'POST') =>
  send(path, {
    method: 'OPTIONS',
    headers: {
      ...(origin ? { Origin: origin } : {}),
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'content-type,x-appwrite-project,x-sdk-version,x-fallback-cookies',
    },
  });

async function expectForbidden(pending: Promise<Response>) {
  const { status, body, response } = await sendJsonOf(pending);
  expect(status).toBe(403);
  expect(body.code).toBe(403);
  expect(typeof body.message).toBe('string');
  expectNoCors(response);
  expect(setCookies(response)).toEqual([]);
  expect(response.headers.has('X-Fallback-Cookies')).toBe(false);
}

async function sendJsonOf(pending: Promise<Response>) {
  const response = await pending;
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), response };
}

describe('preflight (OPTIONS)', () => {
  it('answers 200 with no body and the CORS headers for an origin a project allows, with no project header', async () => {
    const origin = newOrigin('app');
    await createProject({ origins: [origin] });
    for (const [path, method] of [
      ['/account/sessions', 'POST'],
      ['/account', 'GET'],
      ['/account/sessions/current', 'DELETE'],
      ['/users/x/prefs', 'PATCH'],
    ]) {
      const response = await preflight(path!, origin, method);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe('');
      expectCors(response, origin);
    }
  });

  it('echoes the origin exactly; a different port, scheme or host is not that origin', async () => {
    const origin = newOrigin('exact');
    await createProject({ origins: [origin] });
    expect((await preflight('/account/sessions', origin)).headers.get('Access-Control-Allow-Origin')).toBe(origin);
    for (const other of [`${origin}:8080`, origin.replace('http:', 'https:'), origin.replace('exact-', 'exactx-'), `${origin}/`, 'null', '*']) {
      const response = await preflight('/account/sessions', other);
      expect(response.headers.get('Access-Control-Allow-Origin'), other).toBeNull();
    }
  });

  it('gives an unknown origin, or none, no Allow-Origin', async () => {
    await createProject({ origins: [newOrigin('known')] });
    for (const origin of [newOrigin('unknown'), null]) {
      const response = await preflight('/account/sessions', origin);
      expect(await response.text()).toBe('');
      expectNoCors(response);
    }
  });
});

describe('real requests from an allowed origin', () => {
  it('sign-in, account and Users API responses carry the CORS headers, errors too', async () => {
    const origin = newOrigin('real');
    const project = await createProject({ origins: [origin] });
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const headers = { Origin: origin };

    const session = await signIn(project, email, 'password', { headers });
    expectCors(session.response, origin);
    expectCors(await send('/account', { project, session, headers }), origin);
    expectCors(await send('/account/sessions', { project, session, headers }), origin);
    expectCors(await send(`/users/${userId}`, { project, key: project.key, headers }), origin);

    // Errors, so that the browser can read them.
    const errors: [Promise<Response>, number, string][] = [
      [send('/account/sessions', { method: 'POST', project, headers, body: { email, password: 'wrong-password' } }), 401, INVALID_CREDENTIALS],
      [
        send('/account/sessions', { method: 'POST', project, headers, body: { email: 'bad', password: 'password' } }),
        400,
        'Invalid email: Value must be a valid email address',
      ],
      [send('/account', { project, headers }), 401, GUEST_ACCOUNT],
      [send('/account/sessions/nosuchsession', { method: 'DELETE', project, session, headers }), 404, 'Session not found'],
      [send('/users/nosuchuser', { project, key: project.key, headers }), 404, 'User not found'],
      [send(`/users/${userId}`, { project, headers }), 401, 'Guest (role: guest) missing scope (users.read)'],
    ];
    for (const [pending, status, message] of errors) {
      const response = await pending;
      expectCors(response, origin);
      await expectError(response, status, message);
    }

    const signOut = await send('/account/sessions/current', { method: 'DELETE', project, session, headers });
    expect(signOut.status).toBe(204);
    expectCors(signOut, origin);
  });

  it('an origin allowed along with others is echoed alone', async () => {
    const a = newOrigin('first');
    const b = newOrigin('second');
    const project = await createProject({ origins: [a, b] });
    const userId = await insertUser(project);
    const response = await send(`/users/${userId}`, { project, key: project.key, headers: { Origin: b } });
    expect(response.status).toBe(200);
    expectCors(response, b);
  });
});

describe('an origin the project does not allow', () => {
  it('is refused with 403 before anything happens: no session, no log entry, no cookie', async () => {
    const project = await createProject({ origins: [newOrigin('good')] });
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const logs = await storedLogCount();
    await expectForbidden(
      send('/account/sessions', { method: 'POST', project, headers: { Origin: newOrigin('evil') }, body: { email, password: 'password' } }),
    );
    await expectForbidden(
      send('/account/sessions', { method: 'POST', project, headers: { Origin: newOrigin('evil') }, body: { email, password: 'wrong-password' } }),
    );
    expect(await storedSessions(userId)).toEqual([]);
    expect(await storedLogCount()).toBe(logs);
  });

  it('cannot use or end a session either', async () => {
    const project = await createProject({ origins: [newOrigin('good')] });
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId));
    const evil = { Origin: newOrigin('evil') };
    await expectForbidden(send('/account', { project, session, headers: evil }));
    await expectForbidden(send('/account/sessions', { project, session, headers: evil }));
    await expectForbidden(send('/account/sessions/current', { method: 'DELETE', project, session, headers: evil }));
    await expectForbidden(send(`/account/sessions/${session.id}`, { method: 'DELETE', project, session, headers: evil }));
    // The session lives on.
    expect((await expectJson(send('/account', { project, session }))).$id).toBe(userId);
    expect((await storedSessions(userId)).map((s) => s.id)).toEqual([session.id]);
  });

  it('is refused for the Users API without a key (403 comes before 401), but a server with a key is not a browser', async () => {
    const project = await createProject({ origins: [newOrigin('good')] });
    const userId = await insertUser(project);
    const evil = { Origin: newOrigin('evil') };
    await expectForbidden(send(`/users/${userId}`, { project, headers: evil }));
    await expectForbidden(send(`/users/${userId}/status`, { method: 'PATCH', project, headers: evil, body: { status: 2 } }));
    const { status, body, response } = await sendJson(`/users/${userId}`, { project, key: project.key, headers: evil });
    expect(status).toBe(200);
    expect(body.$id).toBe(userId);
    expectNoCors(response);
  });

  it('an X-Appwrite-Key header lifts nothing where no key is checked: the fallback cookie cannot be used, ended or planted', async () => {
    const project = await createProject({ origins: [newOrigin('good')] });
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const session = await signIn(project, email);
    const origin = newOrigin('evil');
    const refused = `Invalid Origin. Register your new client (${new URL(origin).host}) as a new Web platform on your project console`;
    const headers = { Origin: origin, 'x-fallback-cookies': JSON.stringify({ [`a_session_${project.id}`]: session.rawValue }) };
    // Any key: a made-up one, and the project's own valid one (a key route would accept it).
    for (const key of ['x', project.key]) {
      await expectError(send('/account', { project, key, headers }), 403, refused);
      await expectError(send('/account/sessions/current', { method: 'DELETE', project, key, headers, body: {} }), 403, refused);
      await expectError(
        send('/account/sessions', { method: 'POST', project, key, headers: { Origin: origin }, body: { email, password: 'password' } }),
        403,
        refused,
      );
    }
    // The session survives, and the refused sign-ins made none.
    expect((await storedSessions(userId)).map((s) => s.id)).toEqual([session.id]);
    expect((await expectJson(send('/account', { project, headers: { 'x-fallback-cookies': headers['x-fallback-cookies'] } }))).$id).toBe(userId);
  });

  it('on the Users API only a valid key of this project lifts the origin rule', async () => {
    const project = await createProject({ origins: [newOrigin('good')] });
    const other = await createProject();
    const userId = await insertUser(project);
    const origin = newOrigin('evil');
    const refused = `Invalid Origin. Register your new client (${new URL(origin).host}) as a new Web platform on your project console`;
    await expectError(send(`/users/${userId}`, { project, key: 'x', headers: { Origin: origin } }), 403, refused);
    await expectError(send(`/users/${userId}`, { project, key: other.key, headers: { Origin: origin } }), 403, refused);
    await expectError(
      send(`/users/${userId}/status`, { method: 'PATCH', project, key: other.key, headers: { Origin: origin }, body: { status: 2 } }),
      403,
      refused,
    );
    expect((await expectJson(send(`/users/${userId}`, { project, key: project.key, headers: { Origin: origin } }))).$id).toBe(userId);
    expect((await expectJson(send(`/users/${userId}`, { project, key: project.key }))).status).toBe(0);
  });

  it('the project check comes first: an unknown project is 400', async () => {
    await expectError(
      send('/account/sessions', { method: 'POST', headers: { Origin: newOrigin('evil'), 'x-appwrite-project': 'nosuchproject' }, body: {} }),
      400,
      'Missing or unknown project ID',
    );
  });

  it('an origin allowed by project A is refused for project B, though its preflight is answered', async () => {
    const origin = newOrigin('a-only');
    const a = await createProject({ origins: [origin] });
    const b = await createProject({ origins: [newOrigin('b-only')] });
    expectCors(await preflight('/account/sessions', origin), origin);
    const userA = await insertUser(a);
    const userB = await insertUser(b);
    // The same origin works for A …
    await signIn(a, await emailOf(userA), 'password', { headers: { Origin: origin } });
    // … and not for B.
    await expectForbidden(
      send('/account/sessions', { method: 'POST', project: b, headers: { Origin: origin }, body: { email: await emailOf(userB), password: 'password' } }),
    );
    expect(await storedSessions(userB)).toEqual([]);
    const sessionB = await signIn(b, await emailOf(userB));
    await expectForbidden(send('/account', { project: b, session: sessionB, headers: { Origin: origin } }));
  });
});
