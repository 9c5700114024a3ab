// Real responses against the document: a walk through every operation of the route
// table (users, sign-in, sessions, logs, errors), each response body validated
// against the schema the document gives its operation and status.
import { describe, expect, it } from 'vitest';
import { endpoints } from '../../src/routes/index.ts';
import { call, createProject, type CallOptions, type TestProject } from '../helpers.ts';
import { expectDocumented, fetchDocument } from './support.ts';

const doc = await fetchDocument();
const checked = new Set<string>();

/** Sends a request, expects its status and checks the answer is the one documented for the operation. */
async function expectCall(operationId: string, path: string, options: CallOptions, status: number): Promise<any> {
  const response = await call(path, options);
  expect(response.status, `${operationId} ${path}`).toBe(status);
  checked.add(operationId);
  return expectDocumented(doc, operationId, response);
}

let project: TestProject;
let userId: string;
const email = 'documented@example.com';
const password = 'password';

describe('documented responses', () => {
  it('open endpoints', async () => {
    await expectCall('getHealth', '/health', { project: null }, 200);
    await expectCall('getOpenApi', '/openapi.json', { project: null }, 200);
    const page = await expectCall('getDocs', '/docs', { project: null }, 200);
    expect(page).toContain('<html');
  });

  it('users: create, list, get, prefs, status', async () => {
    project = await createProject();
    const user = await expectCall('createUser', '/users', { method: 'POST', project, body: { email, password, name: 'Doc' } }, 201);
    userId = user.$id;
    await expectCall('createUser', '/users', { method: 'POST', project, body: { email, password } }, 409);
    await expectCall('listUsers', '/users?search=documented&limit=5&orderType=DESC', { project }, 200);
    await expectCall('getUser', `/users/${userId}`, { project }, 200);
    await expectCall('updateUserPrefs', `/users/${userId}/prefs`, { method: 'PATCH', project, body: { prefs: { theme: 'dark', n: [1] } } }, 200);
    await expectCall('getUserPrefs', `/users/${userId}/prefs`, { project }, 200);
    await expectCall('updateUserStatus', `/users/${userId}/status`, { method: 'PATCH', project, body: { status: '1' } }, 200);
  });

  it('account: sign-in, the session user and sessions, sign-out', async () => {
    const signIn = { method: 'POST', project, key: null, body: { email, password } };
    await expectCall('createSession', '/account/sessions', { ...signIn, body: { email, password: 'wrong-password' } }, 401);
    const response = await call('/account/sessions', signIn);
    expect(response.status).toBe(201);
    const fallbackCookies = response.headers.get('X-Fallback-Cookies')!;
    expect(fallbackCookies).toContain(`a_session_${project.id}`);
    await expectDocumented(doc, 'createSession', response);
    const session = { project, key: null, headers: { 'X-Fallback-Cookies': fallbackCookies } };
    await expectCall('getAccount', '/account', session, 200);
    const [own] = await expectCall('getAccountSessions', '/account/sessions', session, 200);
    expect(own.current).toBe(true);
    await expectCall('getUserSessions', `/users/${userId}/sessions`, { project }, 200);
    await expectCall('getUserLogs', `/users/${userId}/logs`, { project }, 200);
    await expectCall('deleteAccountSession', '/account/sessions/current', { ...session, method: 'DELETE' }, 204);
    await expectCall('getAccount', '/account', session, 401);
  });

  it('users: session deletions', async () => {
    await expectCall('deleteUserSession', `/users/${userId}/sessions/unknown`, { method: 'DELETE', project }, 200);
    await expectCall('deleteUserSessions', `/users/${userId}/sessions`, { method: 'DELETE', project }, 200);
  });

  it('users: edits and delete', async () => {
    await expectCall('updateUserName', `/users/${userId}/name`, { method: 'PATCH', project, body: { name: '' } }, 200);
    await expectCall('updateUserEmail', `/users/${userId}/email`, { method: 'PATCH', project, body: { email: 'Documented@Example.com' } }, 200);
    const other = await expectCall('createUser', '/users', { method: 'POST', project, body: { email: 'other.documented@example.com', password } }, 201);
    await expectCall('updateUserEmail', `/users/${other.$id}/email`, { method: 'PATCH', project, body: { email } }, 409);
    await expectCall('updateUserPassword', `/users/${other.$id}/password`, { method: 'PATCH', project, body: { password: 'another-password' } }, 200);
    await expectCall('updateUserVerification', `/users/${other.$id}/verification`, { method: 'PATCH', project, body: { emailVerification: 'true' } }, 200);
    await expectCall('updateUserVerification', `/users/${other.$id}/verification`, { method: 'PATCH', project, body: { emailVerification: 1 } }, 400);
    await expectCall('deleteUser', `/users/${other.$id}`, { method: 'DELETE', project }, 204);
    await expectCall('deleteUser', `/users/${other.$id}`, { method: 'DELETE', project }, 404);
  });

  it('errors: project, key, scope, origin, parameters, unknown user, body size', async () => {
    await expectCall('listUsers', '/users', { project: null }, 400);
    await expectCall('listUsers', '/users', { project, key: null }, 401);
    await expectCall('createUser', '/users', { method: 'POST', project, key: project.readKey, body: { email, password } }, 401);
    await expectCall('createSession', '/account/sessions', { method: 'POST', project, key: null, headers: { Origin: 'https://evil.example' }, body: { email, password } }, 403);
    await expectCall('listUsers', '/users?limit=101', { project }, 400);
    await expectCall('updateUserPrefs', `/users/${userId}/prefs`, { method: 'PATCH', project, body: { prefs: [] } }, 400);
    await expectCall('getUser', '/users/unknown', { project }, 404);
    await expectCall('updateUserStatus', '/users/unknown/status', { method: 'PATCH', project, body: { status: 2 } }, 404);
    await expectCall('createUser', '/users', { method: 'POST', project, rawBody: JSON.stringify({ name: 'x'.repeat(200 * 1024) }) }, 413);
  });

  it('would catch a body the document does not describe', async () => {
    const user = await expectCall('getUser', `/users/${userId}`, { project }, 200);
    const json = { 'Content-Type': 'application/json; charset=UTF-8' };
    for (const body of [{ ...user, password_hash: 'x' }, { ...user, status: 'active' }, { sum: 1 }]) {
      await expect(expectDocumented(doc, 'getUser', new Response(JSON.stringify(body), { headers: json }))).rejects.toThrow();
    }
  });

  it('covered every route of the table', () => {
    expect([...checked].sort()).toEqual(endpoints.map((endpoint) => endpoint.operationId).sort());
  });
});
