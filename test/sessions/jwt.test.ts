// JWTs (contract §12.4): POST /v1/users/{userId}/jwts signs one for a session; the
// X-Appwrite-JWT header authenticates the Account routes while that session lives. A
// tampered, expired, foreign-project or garbage token is a clear 401 user_jwt_invalid.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../src/domain/jwt.ts';
import { createProject } from '../helpers.ts';
import { createJwt, emailOf, expect1xError, insertUser, now, send1x, sendJson, signIn1x } from './support.ts';

const claimsOf = (jwt: string) => JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));

async function signedIn() {
  const project = await createProject();
  const userId = await insertUser(project);
  const session = await signIn1x(project, await emailOf(userId));
  return { project, userId, session };
}

describe('POST /v1/users/{userId}/jwts', () => {
  it('signs an HS256 JWT for the newest session (recent, the default) or a named one, expiring after duration (default 900)', async () => {
    const { project, userId, session } = await signedIn();
    const newer = await signIn1x(project, await emailOf(userId));
    const recent = await createJwt(project, userId);
    expect(JSON.parse(atob(recent.split('.')[0]!))).toEqual({ typ: 'JWT', alg: 'HS256' });
    const claims = claimsOf(recent);
    expect(claims).toMatchObject({ projectId: project.id, userId, sessionId: newer.id });
    expect(claims.exp - claims.iat).toBe(900);
    expect(claimsOf(await createJwt(project, userId, { sessionId: session.id, duration: 60 }))).toMatchObject({ sessionId: session.id });
    const forever = claimsOf(await createJwt(project, userId, { sessionId: 'recent', duration: 0 }));
    expect(forever.exp).toBeUndefined();
  });

  it('404 for an unknown user, user_session_not_found for no session, an unknown one or another user’s; 400 for a duration outside 0–3600', async () => {
    const { project, userId, session } = await signedIn();
    const loner = await insertUser(project);
    const jwts = (id: string, body: Record<string, unknown> = {}) => send1x(`/users/${id}/jwts`, { method: 'POST', project, key: project.key, body });
    expect1xError(await jwts('nobody'), 404, 'user_not_found');
    expect1xError(await jwts(loner), 404, 'user_session_not_found');
    expect1xError(await jwts(userId, { sessionId: 'nope' }), 404, 'user_session_not_found');
    expect1xError(await jwts(loner, { sessionId: session.id }), 404, 'user_session_not_found');
    for (const duration of [-1, 3601, 'long']) expect1xError(await jwts(userId, { duration }), 400, 'general_argument_invalid');
    expect1xError(await send1x(`/users/${userId}/jwts`, { method: 'POST', project, key: project.readKey }), 401, 'general_unauthorized_scope');
  });
});

describe('X-Appwrite-JWT', () => {
  it('authenticates as the user and session of the token, in both dialects; the JWT wins over a cookie', async () => {
    const { project, userId, session } = await signedIn();
    const stranger = await signIn1x(project, await emailOf(await insertUser(project)));
    const jwt = await createJwt(project, userId, { sessionId: session.id });
    const headers = { 'x-appwrite-jwt': jwt, cookie: `a_session_${project.id}=${stranger.cookieValue}` };
    expect((await send1x('/account', { project, headers })).body.$id).toBe(userId);
    expect((await sendJson('/account', { project, headers })).body.$id).toBe(userId);
    const current = await send1x('/account/sessions/current', { project, headers });
    expect(current.body.$id).toBe(session.id);
  });

  it('a duration-0 token lives as long as its session', async () => {
    const { project, userId, session } = await signedIn();
    const headers = { 'x-appwrite-jwt': await createJwt(project, userId, { duration: 0 }) };
    expect((await send1x('/account', { project, headers })).status).toBe(200);
    await send1x('/account/sessions/current', { method: 'DELETE', project, headers: { cookie: `a_session_${project.id}=${session.cookieValue}` } });
    expect1xError(await send1x('/account', { project, headers }), 401, 'user_jwt_invalid');
  });

  it('refuses tampered, expired, foreign-project, wrongly signed and garbage tokens with 401 user_jwt_invalid (0.6: 401 too)', async () => {
    const { project, userId, session } = await signedIn();
    const other = await createProject();
    const jwt = await createJwt(project, userId, { sessionId: session.id });
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const claims = claimsOf(jwt);
    const t = now();
    const cases: Record<string, string> = {
      'payload changed': `${header}.${encode({ ...claims, userId: 'someone-else' })}.${signature}`,
      'signature changed': `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
      'alg none': `${encode({ typ: 'JWT', alg: 'none' })}.${payload}.`,
      expired: await signJwt(env.JWT_SECRET, { projectId: project.id, userId, sessionId: session.id, exp: t - 1 }, t - 10),
      'another key': await signJwt('not-the-secret', { projectId: project.id, userId, sessionId: session.id }, t),
      'another user for the session': await signJwt(env.JWT_SECRET, { projectId: project.id, userId: 'someone-else', sessionId: session.id }, t),
      garbage: 'not.a.jwt',
      'bad base64': '!!!.???.***',
      empty: '...',
      long: 'a'.repeat(5000),
      'payload not JSON': `${header}.${btoa('nope')}.${signature}`,
    };
    for (const [name, token] of Object.entries(cases)) {
      const result = await send1x('/account', { project, headers: { 'x-appwrite-jwt': token } });
      expect(result.status, name).toBe(401);
      expect1xError(result, 401, 'user_jwt_invalid');
      expect((await sendJson('/account', { project, headers: { 'x-appwrite-jwt': token } })).status, name).toBe(401);
    }
    // A valid token of this project names no session of the other.
    expect1xError(await send1x('/account', { project: other, headers: { 'x-appwrite-jwt': jwt } }), 401, 'user_jwt_invalid');
  });
});
