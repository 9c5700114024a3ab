// Sign-in by a server for server-side rendering (contract §12.4): a sign-in that carries a
// valid API key of the project answers with the session's `secret`, takes the device from
// X-Forwarded-User-Agent; an invalid key is refused (user_unauthorized, as upstream refuses
// an unknown key) rather than taken for a browser's sign-in.
import { describe, expect, it } from 'vitest';
import { createProject, type TestProject } from '../helpers.ts';
import { CHROME_UA, IPHONE_UA, emailOf, expect1xError, insertUser, send1x, sessionOf, storedLogs, storedSessions } from './support.ts';

const emailSignIn = (project: TestProject, email: string, key: string | null, headers: Record<string, string> = {}, password = 'password') =>
  send1x('/account/sessions/email', { method: 'POST', project, key, headers, body: { email, password } });

describe('SSR sign-in with an API key', () => {
  it('answers with secret = the session value, which then authenticates as X-Appwrite-Session; the device is the forwarded one', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const result = await emailSignIn(project, await emailOf(userId), project.key, { 'User-Agent': 'node-appwrite/27', 'X-Forwarded-User-Agent': IPHONE_UA });
    const session = sessionOf(project, result);
    expect(result.body.secret).toBe(session.rawValue);
    expect(result.body).toMatchObject({ provider: 'email', osName: 'iOS', clientName: 'Mobile Safari', deviceName: 'smartphone' });
    const account = await send1x('/account', { project, headers: { 'x-appwrite-session': result.body.secret } });
    expect(account.body.$id).toBe(userId);
    const listed = await send1x(`/users/${userId}/sessions`, { project, key: project.key });
    expect(listed.body.sessions[0]).toMatchObject({ $id: result.body.$id, osName: 'iOS', secret: '' });
  });

  it('any valid key of the project will do, whatever its scopes', async () => {
    const project = await createProject();
    const email = await emailOf(await insertUser(project));
    for (const key of [project.readKey, project.writeKey]) expect((await emailSignIn(project, email, key)).body.secret).not.toBe('');
  });

  it('without a key: no secret, and X-Forwarded-User-Agent is not believed', async () => {
    const project = await createProject();
    const email = await emailOf(await insertUser(project));
    const result = await emailSignIn(project, email, null, { 'User-Agent': CHROME_UA, 'X-Forwarded-User-Agent': IPHONE_UA });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ secret: '', osName: 'Windows', clientName: 'Chrome' });
  });

  it('an unknown key, or another project’s, is 401 user_unauthorized before any password check or log', async () => {
    const project = await createProject();
    const other = await createProject();
    const userId = await insertUser(project);
    for (const key of ['not-a-key', other.key]) expect1xError(await emailSignIn(project, await emailOf(userId), key), 401, 'user_unauthorized');
    expect(await storedLogs(userId)).toEqual([]);
    expect(await storedSessions(userId)).toEqual([]);
  });

  it('keeps the sign-in rules: wrong password and unknown email are user_invalid_credentials, a blocked user user_blocked', async () => {
    const project = await createProject();
    const email = await emailOf(await insertUser(project));
    const blocked = await emailOf(await insertUser(project, { status: 2 }));
    expect1xError(await emailSignIn(project, email, project.key, {}, 'wrong-password'), 401, 'user_invalid_credentials');
    expect1xError(await emailSignIn(project, 'nobody@example.com', project.key), 401, 'user_invalid_credentials');
    expect1xError(await emailSignIn(project, blocked, project.key), 401, 'user_blocked');
  });

  it('the token exchange with a key answers with the secret too', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const token = await send1x(`/users/${userId}/tokens`, { method: 'POST', project, key: project.key });
    const result = await send1x('/account/sessions/token', { method: 'POST', project, key: project.key, body: { userId, secret: token.body.secret } });
    const session = sessionOf(project, result);
    expect(result.body).toMatchObject({ provider: 'token', secret: session.rawValue });
  });

  it('a valid key lifts the origin rule on these sign-ins (a server is not a browser); an invalid one does not', async () => {
    const project = await createProject({ origins: ['https://app.example.com'] });
    const email = await emailOf(await insertUser(project));
    const foreign = { Origin: 'https://elsewhere.example.com' };
    expect((await emailSignIn(project, email, null, foreign)).status).toBe(403);
    expect((await emailSignIn(project, email, 'not-a-key', foreign)).status).toBe(403);
    expect((await emailSignIn(project, email, project.key, foreign)).status).toBe(201);
  });
});
