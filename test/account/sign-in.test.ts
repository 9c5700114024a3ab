// POST /v1/account/sessions (contract §5): the session response, its cookies and the
// X-Fallback-Cookies header, credential checks and parameter errors.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_LIFETIME, sessionLifetime } from '../../src/domain/session-config.ts';
import worker from '../../src/index.ts';
import { createProject, createUser, expectError, expectJson, JSON_CONTENT_TYPE } from '../helpers.ts';
import { emailOf, INVALID_CREDENTIALS, insertUser, now, send, sendJson, setCookies, signIn, storedLogs, storedSessions } from '../sessions/support.ts';

const LIFETIME = 31536000;
const PROJECT = 'Missing or unknown project ID';

/** A Set-Cookie header split into its name, value and attributes (lower-cased names). */
function parseSetCookie(header: string) {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const eq = pair!.indexOf('=');
  const attributes = new Map<string, string | true>();
  for (const attribute of rest) {
    const i = attribute.indexOf('=');
    attributes.set((i < 0 ? attribute : attribute.slice(0, i)).toLowerCase(), i < 0 ? true : attribute.slice(i + 1));
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
}

describe('a successful sign-in', () => {
  it('answers 201 {$id, type: 1, expire} with expire one SESSION_LIFETIME ahead', async () => {
    expect(env.SESSION_LIFETIME).toBe(String(LIFETIME));
    const project = await createProject();
    const userId = await insertUser(project);
    const before = now();
    const response = await send('/account/sessions', { method: 'POST', project, body: { email: await emailOf(userId), password: 'password' } });
    const after = now();
    const body = await expectJson(response, 201);
    expect(Object.keys(body)).toEqual(['$id', 'type', 'expire']);
    expect(body.type).toBe(1);
    expect(body.$id).toMatch(/^[a-z0-9]+$/);
    expect(body.expire).toBeGreaterThanOrEqual(before + LIFETIME);
    expect(body.expire).toBeLessThanOrEqual(after + LIFETIME);
    // The session exists, with that id and expiry, for that user.
    const [row, ...others] = await storedSessions(userId);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ id: body.$id, user_id: userId, project_id: project.id, expire: body.expire });
  });

  it('sets a_session_<projectId>_legacy and a_session_<projectId>: HttpOnly, Path=/, SameSite=None on the main one only, no Secure on http', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId));
    const cookies = setCookies(session.response).map(parseSetCookie);
    expect(cookies.map((c) => c.name)).toEqual([`a_session_${project.id}_legacy`, `a_session_${project.id}`]);

    const [legacy, main] = cookies;
    const expires = new Date(session.expire * 1000).toUTCString();
    expect([...legacy!.attributes]).toEqual(
      expect.arrayContaining([
        ['expires', expires],
        ['path', '/'],
        ['httponly', true],
      ]),
    );
    expect([...main!.attributes]).toEqual(
      expect.arrayContaining([
        ['expires', expires],
        ['path', '/'],
        ['httponly', true],
        ['samesite', 'None'],
      ]),
    );
    expect(legacy!.attributes.has('samesite')).toBe(false);
    for (const cookie of cookies) expect(cookie.attributes.has('secure'), cookie.name).toBe(false);

    // Both carry the same value: URL-encoded base64 of JSON {id: userId, secret}.
    expect(legacy!.value).toBe(main!.value);
    const decoded = JSON.parse(atob(decodeURIComponent(main!.value)));
    expect(Object.keys(decoded)).toEqual(['id', 'secret']);
    expect(decoded.id).toBe(userId);
    expect(decoded.secret).toMatch(/^[0-9a-f]{64,}$/);
    expect(main!.value).toBe(encodeURIComponent(btoa(JSON.stringify({ id: userId, secret: decoded.secret }))));
  });

  it('marks both cookies Secure on an https URL', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId), 'password', { base: 'https://localhost/v1' });
    const cookies = setCookies(session.response).map(parseSetCookie);
    expect(cookies).toHaveLength(2);
    for (const cookie of cookies) expect(cookie.attributes.get('secure'), cookie.name).toBe(true);
    expect(cookies[1]!.attributes.get('samesite')).toBe('None');
  });

  it('hands out a new random secret and session for every sign-in', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const first = await signIn(project, email);
    const second = await signIn(project, email);
    expect(second.id).not.toBe(first.id);
    expect(second.secret).not.toBe(first.secret);
    expect((await storedSessions(userId)).map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('compares the email case-insensitively (user created as a@b.com signs in as A@B.com)', async () => {
    const project = await createProject();
    // Through the API, so the real password hash is checked too.
    const user = await createUser(project, { email: 'a@b.com', password: 'correct horse' });
    const session = await signIn(project, 'A@B.com', 'correct horse');
    expect(session.userId).toBe(user.$id);
    const account = await expectJson(send('/account', { project, session }));
    expect(account.email).toBe('a@b.com');
  });
});

describe('SESSION_LIFETIME', () => {
  it('unset or empty means one year; a whole number of seconds ≥ 60 is used; anything else is a configuration error', () => {
    expect(DEFAULT_SESSION_LIFETIME).toBe(LIFETIME);
    expect(sessionLifetime(undefined)).toBe(LIFETIME);
    expect(sessionLifetime('')).toBe(LIFETIME);
    expect(sessionLifetime('  ')).toBe(LIFETIME);
    expect(sessionLifetime('60')).toBe(60);
    expect(sessionLifetime('86400')).toBe(86400);
    for (const bad of ['59', '0', '-60', '1.5', 'abc', '1e3x'])
      expect(() => sessionLifetime(bad), bad).toThrow('SESSION_LIFETIME must be a whole number of seconds ≥ 60');
  });

  it('a sign-in through the Worker with SESSION_LIFETIME removed from the environment is 201 with a one-year session', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const before = now();
    const ctx = createExecutionContext();
    const request = new Request('http://localhost/v1/account/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'cf-connecting-ip': '10.200.0.1' },
      body: JSON.stringify({ email: await emailOf(userId), password: 'password' }),
    });
    const response = await worker.fetch(
      request as Request<unknown, IncomingRequestCfProperties>,
      { ...env, SESSION_LIFETIME: undefined as unknown as string },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const body = await expectJson(response, 201);
    expect(body.expire - before).toBeGreaterThanOrEqual(LIFETIME);
    expect(body.expire - now()).toBeLessThanOrEqual(LIFETIME);
    expect((await storedSessions(userId)).map((s) => s.expire)).toEqual([body.expire]);
  });
});

describe('X-Fallback-Cookies on sign-in', () => {
  const header = (projectId: string, value: string) => JSON.stringify({ [`a_session_${projectId}`]: value });

  it('is present when the request has no Origin, carrying the cookie value', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId));
    expect(session.response.headers.get('X-Fallback-Cookies')).toBe(header(project.id, session.rawValue));
  });

  it('is present for a cross-site Origin', async () => {
    const project = await createProject({ origins: ['http://app.crosssite.test'] });
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId), 'password', { headers: { Origin: 'http://app.crosssite.test' } });
    expect(session.response.headers.get('X-Fallback-Cookies')).toBe(header(project.id, session.rawValue));
  });

  it('is absent for a same-site Origin', async () => {
    const project = await createProject({ origins: ['https://app.samesite.test'] });
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const sameSite = await signIn(project, email, 'password', { base: 'https://api.samesite.test/v1', headers: { Origin: 'https://app.samesite.test' } });
    expect(sameSite.response.headers.has('X-Fallback-Cookies')).toBe(false);
    expect(setCookies(sameSite.response)).toHaveLength(2);
    // The very same origin as the API.
    const sameOrigin = await signIn(project, email, 'password', { headers: { Origin: 'http://localhost' } });
    expect(sameOrigin.response.headers.has('X-Fallback-Cookies')).toBe(false);
  });
});

describe('same-site or cross-site, by the Public Suffix List', () => {
  // [page origin, API base, whether the sign-in must carry X-Fallback-Cookies]
  const cases: Array<[string, string, boolean]> = [
    ['https://www.app.io', 'https://api.app.io/v1', false], // io is a public suffix, app.io registrable
    ['https://www.example.io', 'https://api.example.io/v1', false],
    ['https://www.bbc.co.uk', 'https://api.bbc.co.uk/v1', false],
    ['https://shop.example.co.uk', 'https://api.other.co.uk/v1', true], // co.uk is a suffix: two sites
    ['https://www.example.com.au', 'https://api.example.com.au/v1', false],
    ['https://alice.github.io', 'https://bob.github.io/v1', true], // a private suffix: each user's own site
    ['https://app.alice.github.io', 'https://api.alice.github.io/v1', false],
    ['https://app.example.workers.dev', 'https://api.example.workers.dev/v1', false],
    ['https://alice.workers.dev', 'https://bob.workers.dev/v1', true],
    ['http://127.0.0.1:5173', 'http://127.0.0.1:8787/v1', false], // an IP is its own site, whatever the port
    ['http://127.0.0.2', 'http://127.0.0.1/v1', true],
    ['http://[::1]:5173', 'http://[::1]:8787/v1', false],
    ['http://localhost:3000', 'http://localhost/v1', false],
    ['http://app.localhost', 'http://localhost/v1', true],
    ['http://www.example.com', 'https://api.example.com/v1', true], // schemeful: http and https are two sites
  ];

  it.each(cases)('%s → %s: fallback header %s', async (origin, base, fallback) => {
    const project = await createProject({ origins: [origin] });
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId), 'password', { base, headers: { Origin: origin } });
    expect(session.response.headers.get('X-Fallback-Cookies')).toBe(fallback ? JSON.stringify({ [`a_session_${project.id}`]: session.rawValue }) : null);
  });
});

describe('refused sign-ins', () => {
  it('a wrong password and an unknown email are both 401 Invalid credentials, with the same body, and set nothing', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const wrong = await send('/account/sessions', { method: 'POST', project, body: { email, password: 'wrong-password' } });
    const unknown = await send('/account/sessions', { method: 'POST', project, body: { email: 'nobody@example.com', password: 'password' } });
    for (const response of [wrong, unknown]) {
      expect(setCookies(response)).toEqual([]);
      expect(response.headers.has('X-Fallback-Cookies')).toBe(false);
    }
    const [wrongText, unknownText] = [await wrong.clone().text(), await unknown.clone().text()];
    expect(wrongText).toBe(unknownText);
    await expectError(wrong, 401, INVALID_CREDENTIALS);
    await expectError(unknown, 401, INVALID_CREDENTIALS);
    expect(await storedSessions(userId)).toEqual([]);
  });

  it('a password differing only in case is wrong', async () => {
    const project = await createProject();
    const userId = await insertUser(project, { password: 'Secret-Pass' });
    await expectError(
      send('/account/sessions', { method: 'POST', project, body: { email: await emailOf(userId), password: 'secret-pass' } }),
      401,
      INVALID_CREDENTIALS,
    );
  });

  it('a user of another project cannot sign in here', async () => {
    const project = await createProject();
    const other = await createProject();
    const userId = await insertUser(other);
    await expectError(
      send('/account/sessions', { method: 'POST', project, body: { email: await emailOf(userId), password: 'password' } }),
      401,
      INVALID_CREDENTIALS,
    );
    expect(await storedSessions(userId)).toEqual([]);
  });

  it.each([
    [{}, 'Param "email" is not optional.'],
    [{ password: 'password' }, 'Param "email" is not optional.'],
    [{ email: '', password: 'password' }, 'Param "email" is not optional.'],
    [{ email: null, password: 'password' }, 'Param "email" is not optional.'],
    [{ email: 'a@b.com' }, 'Param "password" is not optional.'],
    [{ email: 'a@b.com', password: '' }, 'Param "password" is not optional.'],
    [{ email: 'not-an-email', password: 'password' }, 'Invalid email: Value must be a valid email address'],
    [{ email: 'a@b', password: 'password' }, 'Invalid email: Value must be a valid email address'],
    [{ email: 42, password: 'password' }, 'Invalid email: Value must be a valid email address'],
  ])('%j → 400 %s', async (body, message) => {
    const project = await createProject();
    const response = await send('/account/sessions', { method: 'POST', project, body });
    expect(setCookies(response)).toEqual([]);
    await expectError(response, 400, message);
  });

  it('checks the project first: 400 Missing or unknown project ID, whatever the body', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    await expectError(send('/account/sessions', { method: 'POST', body: { email, password: 'password' } }), 400, PROJECT);
    await expectError(send('/account/sessions', { method: 'POST', body: {} }), 400, PROJECT);
    await expectError(
      send('/account/sessions', { method: 'POST', headers: { 'x-appwrite-project': 'nosuchproject' }, body: { email: 'bad', password: '' } }),
      400,
      PROJECT,
    );
    expect(await storedSessions(userId)).toEqual([]);
    expect(await storedLogs(userId)).toEqual([]);
  });

  it('needs no API key; the response is JSON with the charset', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const { status, response } = await sendJson('/account/sessions', {
      method: 'POST',
      project,
      key: null,
      body: { email: await emailOf(userId), password: 'password' },
    });
    expect(status).toBe(201);
    expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
  });
});
