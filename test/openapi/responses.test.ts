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
    await expectCall(
      'createSession',
      '/account/sessions',
      { method: 'POST', project, key: null, headers: { Origin: 'https://evil.example' }, body: { email, password } },
      403,
    );
    await expectCall('listUsers', '/users?limit=101', { project }, 400);
    await expectCall('updateUserPrefs', `/users/${userId}/prefs`, { method: 'PATCH', project, body: { prefs: [] } }, 400);
    await expectCall('getUser', '/users/unknown', { project }, 404);
    await expectCall('updateUserStatus', '/users/unknown/status', { method: 'PATCH', project, body: { status: 2 } }, 404);
    await expectCall('createUser', '/users', { method: 'POST', project, rawBody: JSON.stringify({ name: 'x'.repeat(200 * 1024) }) }, 413);
  });

  it('imports and export', async () => {
    const md5 = '5f4dcc3b5aa765d61d8327deb882cf99';
    const base = { email: 'imported@example.com', name: 'Imported' };
    const routes: Array<[string, string, Record<string, unknown>]> = [
      ['createBcryptUser', 'bcrypt', { password: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' }],
      ['createArgon2User', 'argon2', { password: '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4' }],
      [
        'createScryptUser',
        'scrypt',
        {
          password: '87f0bb203a374842dc6c58348be45b7e83d4a37b0fb916544531817af4536f48',
          passwordSalt: 'sälz$,=',
          passwordCpu: 2,
          passwordMemory: 1,
          passwordParallel: 1,
          passwordLength: 32,
        },
      ],
      [
        'createScryptModifiedUser',
        'scrypt-modified',
        {
          password: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
          passwordSalt: '42xEC+ixf3L2lw==',
          passwordSaltSeparator: 'Bw==',
          passwordSignerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
        },
      ],
      ['createShaUser', 'sha', { password: 'ab'.repeat(32), passwordVersion: 'sha256' }],
      ['createMd5User', 'md5', { password: md5 }],
      ['createPhpassUser', 'phpass', { password: '$P$B12345678L6Lpt4BxNotVIMILOa9u81' }],
    ];
    for (const [operationId, route, extra] of routes) {
      const body = { ...base, ...extra, userId: `doc.${route}`, email: `${route}@example.com` };
      await expectCall(operationId, `/users/${route}`, { method: 'POST', project, body }, 201);
      await expectCall(operationId, `/users/${route}`, { method: 'POST', project, body }, 409);
    }
    await expectCall('createMd5User', '/users/md5', { method: 'POST', project, body: { ...base, userId: 'x', password: 'zz' } }, 400);
    const users = [{ userId: 'bulk-1', email: 'bulk1@example.com', prefs: { a: 1 }, hash: { algorithm: 'md5', value: md5 } }, { email: 'bad' }];
    await expectCall('importUsers', '/users/import', { method: 'POST', project, body: { users } }, 200);
    await expectCall('importUsers', '/users/import', { method: 'POST', project, body: { users: 'no' } }, 400);
    await expectCall('importUsers', '/users/import', { method: 'POST', project, rawBody: JSON.stringify({ users: ['x'.repeat(5 * 1024 * 1024)] }) }, 413);
    const page = await expectCall('exportUsers', '/users/export?limit=2', { project }, 200);
    await expectCall('exportUsers', `/users/export?cursor=${page.cursor}`, { project }, 200);
    await expectCall('exportUsers', '/users/export?cursor=nobody', { project }, 400);
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
