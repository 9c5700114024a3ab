// Only hashes are stored (contract §5): D1 keeps sha256(secret), KV keys tokens by that
// hash, and the secret itself appears nowhere but in the sign-in response's cookie
// headers. No response ever carries a session secret, its hash, a password hash or an
// API key secret.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createProject, expectJson } from '../helpers.ts';
import { dumpDatabase, dumpKv, emailOf, insertUser, send, sha256, signIn, storedSessions, type SendOptions, type Session } from './support.ts';

describe('session storage', () => {
  it('D1 holds sha256(secret) as token_hash; KV maps session:<hash> to {sessionId, userId, projectId, expire}, expiring with the session', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId));
    const hash = await sha256(session.secret);

    const [row] = await storedSessions(userId);
    expect(row!.token_hash).toBe(hash);
    expect(row!.id).toBe(session.id);

    const key = `session:${hash}`;
    const { value, metadata } = await env.SESSIONS.getWithMetadata(key);
    expect(JSON.parse(value!)).toEqual({ sessionId: session.id, userId, projectId: project.id, expire: session.expire });
    expect(metadata).toBeNull();
    const listed = await env.SESSIONS.list({ prefix: key });
    expect(listed.keys).toEqual([{ name: key, expiration: session.expire }]);
  });

  it('the secret (in any encoding) appears neither in D1 nor in KV; KV holds only session:<sha256 hex> keys', async () => {
    const project = await createProject();
    const sessions: Session[] = [];
    for (let i = 0; i < 3; i++) sessions.push(await signIn(project, await emailOf(await insertUser(project))));
    const database = await dumpDatabase();
    const kv = await dumpKv();
    expect(database).toContain(await sha256(sessions[0]!.secret)); // the dump does see the sessions
    for (const session of sessions) {
      for (const needle of [session.secret, session.rawValue, session.cookieValue, btoa(session.secret)]) {
        expect(database).not.toContain(needle);
        expect(kv).not.toContain(needle);
      }
    }
    const { keys } = await env.SESSIONS.list();
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const { name } of keys) expect(name).toMatch(/^session:[0-9a-f]{64}$/);
  });
});

describe('no response leaks a secret', () => {
  it('across sign-in, account, Users API, errors, preflight and sign-out', async () => {
    const origin = 'http://app.leaks.test';
    const project = await createProject({ origins: [origin] });
    const password = 'Pa55-unique-xyzzy';
    const seen: { label: string; response: Response; isSignIn: boolean }[] = [];
    const record = async (label: string, path: string, options: SendOptions, isSignIn = false) => {
      const response = await send(path, options);
      seen.push({ label, response: response.clone(), isSignIn });
      return response;
    };

    // The user signs in with a cheap hash (fast); one more user is created through the API
    // so that the create response is scanned too.
    const userId = await insertUser(project, { email: 'leak@example.com', password });
    await expectJson(
      record('create user', '/users', { method: 'POST', project, key: project.key, body: { email: 'created@example.com', password, name: 'Leak Test' } }),
      201,
    );
    const signInOnce = async (label: string, extra: SendOptions = {}) => {
      const response = await record(label, '/account/sessions', { method: 'POST', project, body: { email: 'leak@example.com', password }, ...extra }, true);
      expect(response.status).toBe(201);
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`a_session_${project.id}=`))!;
      const cookieValue = cookie.slice(`a_session_${project.id}=`.length).split(';')[0]!;
      const rawValue = decodeURIComponent(cookieValue);
      const body = await response.json<{ $id: string; expire: number }>();
      return { id: body.$id, userId, projectId: project.id, secret: JSON.parse(atob(rawValue)).secret, cookieValue, rawValue, expire: body.expire } as Session;
    };
    const first = await signInOnce('sign in');
    const second = await signInOnce('sign in cross-origin', { headers: { Origin: origin } });

    const fallback = { 'x-fallback-cookies': JSON.stringify({ [`a_session_${project.id}`]: first.rawValue }) };
    await record('wrong password', '/account/sessions', { method: 'POST', project, body: { email: 'leak@example.com', password: 'wrong-password' } });
    await record('unknown email', '/account/sessions', { method: 'POST', project, body: { email: 'nobody@example.com', password } });
    await record('account', '/account', { project, session: first });
    await record('account via fallback', '/account', { project, headers: fallback });
    await record('account sessions', '/account/sessions', { project, session: first, headers: { Origin: origin } });
    await record('account tampered', '/account', {
      project,
      headers: { cookie: `a_session_${project.id}=${encodeURIComponent(btoa(JSON.stringify({ id: userId, secret: first.secret.slice(1) })))}` },
    });
    await record('get user', `/users/${userId}`, { project, key: project.readKey });
    await record('list users', '/users?search=leak', { project, key: project.readKey });
    await record('user sessions', `/users/${userId}/sessions`, { project, key: project.key });
    await record('user logs', `/users/${userId}/logs`, { project, key: project.key });
    await record('prefs', `/users/${userId}/prefs`, { method: 'PATCH', project, key: project.key, body: { prefs: { a: 1 } } });
    await record('get prefs', `/users/${userId}/prefs`, { project, key: project.key });
    await record('status', `/users/${userId}/status`, { method: 'PATCH', project, key: project.key, body: { status: 1 } });
    await record('wrong key', `/users/${userId}`, { project, key: project.key.slice(0, -1) });
    await record('read key writes', `/users/${userId}/status`, { method: 'PATCH', project, key: project.readKey, body: { status: 1 } });
    await record('unknown user', '/users/nosuchuser', { project, key: project.key });
    await record('duplicate', '/users', { method: 'POST', project, key: project.key, body: { email: 'CREATED@example.com', password } });
    await record('foreign origin', '/account', { project, session: first, headers: { Origin: 'http://evil.test' } });
    await record('preflight', '/account/sessions', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
    await record('health', '/health', {});
    await record('delete other session', `/account/sessions/${second.id}`, { method: 'DELETE', project, session: first });
    await record('delete current', '/account/sessions/current', { method: 'DELETE', project, session: first });
    await record('ended session', '/account', { project, session: first });
    const third = await signInOnce('sign in again');
    await record('delete one via users', `/users/${userId}/sessions/${third.id}`, { method: 'DELETE', project, key: project.key });
    const fourth = await signInOnce('sign in once more');
    await record('delete all via users', `/users/${userId}/sessions`, { method: 'DELETE', project, key: project.key });
    await record('block', `/users/${userId}/status`, { method: 'PATCH', project, key: project.key, body: { status: 2 } });
    await record('blocked sign-in', '/account/sessions', { method: 'POST', project, body: { email: 'leak@example.com', password } });

    const sessions = [first, second, third, fourth];
    const secrets = [password, project.key, project.readKey, project.writeKey];
    for (const key of [project.key, project.readKey, project.writeKey]) secrets.push(await sha256(key));
    for (const session of sessions) secrets.push(session.secret, await sha256(session.secret), session.rawValue, session.cookieValue);
    for (const { password_hash } of (await env.DB.prepare('SELECT password_hash FROM users').all<{ password_hash: string }>()).results) {
      secrets.push(password_hash, password_hash.split('$').pop()!);
    }
    const tokenHashes = (await env.DB.prepare('SELECT token_hash FROM sessions').all<{ token_hash: string }>()).results.map((r) => r.token_hash);
    secrets.push(...tokenHashes);

    expect(seen.length).toBeGreaterThan(30);
    for (const { label, response, isSignIn } of seen) {
      const headers = [...response.headers]
        .filter(([name]) => !(isSignIn && (name === 'set-cookie' || name === 'x-fallback-cookies')))
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n');
      const text = `${headers}\n\n${await response.text()}`;
      for (const needle of ['$argon2id', 'argon2', 'password_hash', 'token_hash', 'secret', ...secrets]) {
        expect(text, `${label} leaks ${needle.slice(0, 12)}…`).not.toContain(needle);
      }
    }
    // A sign-in response's cookie headers carry only its own session.
    for (const { label, response, isSignIn } of seen) {
      if (!isSignIn || response.status !== 201) continue;
      const cookieHeaders = `${response.headers.get('set-cookie')}\n${response.headers.get('x-fallback-cookies')}`;
      const own = sessions.filter((s) => cookieHeaders.includes(s.cookieValue) || cookieHeaders.includes(s.rawValue));
      expect(own.length, label).toBe(1);
      for (const session of sessions) expect(cookieHeaders, label).not.toContain(await sha256(session.secret));
      expect(cookieHeaders).not.toContain('argon2');
    }
  }, 20_000);
});
