// Signing in with a hash made elsewhere (contract §9.2): published vectors through
// POST /v1/account/sessions, and the one-time upgrade to this service's argon2id.
import { describe, expect, it } from 'vitest';
import { call, callJson, createProject, expectError, expectJson, storedUser, type TestProject } from '../helpers.ts';

const PHC = /^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

// Published vectors: firebase/scrypt README (user1), PHP manual password_verify, passlib (WordPress portable hash).
const VECTORS: Array<[string, string, Record<string, unknown>]> = [
  [
    'scrypt-modified',
    'user1password',
    {
      password: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      passwordSalt: '42xEC+ixf3L2lw==',
      passwordSaltSeparator: 'Bw==',
      passwordSignerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
    },
  ],
  ['bcrypt', 'rasmuslerdorf', { password: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' }],
  ['phpass', 'JohnRipper', { password: '$P$B12345678L6Lpt4BxNotVIMILOa9u81' }],
  ['md5', 'password', { password: '5f4dcc3b5aa765d61d8327deb882cf99' }],
  ['sha', 'password', { password: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', passwordVersion: 'sha256' }],
  ['argon2', 'password', { password: '$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8' }],
];

const signIn = (project: TestProject, email: string, password: string) =>
  call('/account/sessions', { method: 'POST', project, key: null, body: { email, password } });

async function imported(route: string, extra: Record<string, unknown>) {
  const project = await createProject();
  const userId = `${route}-user`;
  const email = `${route}@example.com`;
  await expectJson(call(`/users/${route}`, { method: 'POST', project, body: { userId, email, ...extra } }), 201);
  return { project, userId, email, original: (await storedUser(userId))!.password_hash };
}

// Several argon2id hashes per test, on a machine shared with other suites.
describe('sign-in with an imported hash', { timeout: 60_000 }, () => {
  it.each(VECTORS)('%s: the right password signs in, and the hash becomes argon2id exactly once', async (route, password, extra) => {
    const { project, userId, email, original } = await imported(route, extra);
    await expectError(signIn(project, email, `${password}x`), 401, 'Invalid credentials');
    expect((await storedUser(userId))!.password_hash).toBe(original);

    const session = await expectJson(signIn(project, email.toUpperCase(), password), 201);
    expect(session).toEqual({ $id: expect.any(String), type: 1, expire: expect.any(Number) });
    const upgraded = (await storedUser(userId))!.password_hash;
    expect(upgraded).toMatch(PHC);

    // Later sign-ins verify the argon2id hash and leave it as it is; the old hash is gone.
    await expectJson(signIn(project, email, password), 201);
    expect((await storedUser(userId))!.password_hash).toBe(upgraded);
    await expectError(signIn(project, email, `${password}x`), 401, 'Invalid credentials');
    const events = (await expectJson(call(`/users/${userId}/logs`, { project }))).map((l: { event: string }) => l.event);
    expect(events).toEqual(['account.sessions.failed', 'account.sessions.create', 'account.sessions.create', 'account.sessions.failed', 'users.create']);
  });

  it('two sign-ins racing each create a session; the hash is replaced once and keeps working', async () => {
    const [, password, extra] = VECTORS[3]!;
    const { project, userId, email } = await imported('md5', extra);
    const results = await Promise.all([signIn(project, email, password), signIn(project, email, password)]);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    const upgraded = (await storedUser(userId))!.password_hash;
    expect(upgraded).toMatch(PHC);
    expect(await expectJson(call(`/users/${userId}/sessions`, { project }))).toHaveLength(2);
    await expectJson(signIn(project, email, password), 201);
    expect((await storedUser(userId))!.password_hash).toBe(upgraded);
  });

  it('a blocked imported user is refused and the hash stays as imported', async () => {
    const [, password, extra] = VECTORS[1]!;
    const { project, userId, email, original } = await imported('bcrypt', extra);
    await expectJson(call(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } }));
    await expectError(signIn(project, email, password), 401, 'Invalid credentials. User is blocked');
    expect((await storedUser(userId))!.password_hash).toBe(original);
  });

  it('a user imported without a hash cannot sign in, whatever the password', async () => {
    const project = await createProject();
    const result = await expectJson(call('/users/import', { method: 'POST', project, body: { users: [{ userId: 'nohash', email: 'nohash@example.com' }] } }));
    expect(result.sum).toBe(1);
    expect((await storedUser('nohash'))!.password_hash).toBe('');
    for (const password of ['password', 'x'.repeat(32)]) {
      await expectError(signIn(project, 'nohash@example.com', password), 401, 'Invalid credentials');
    }
    const logs = await callJson('/users/nohash/logs', { project });
    expect(logs.body.map((l: { event: string }) => l.event)).toEqual(['account.sessions.failed', 'account.sessions.failed', 'users.create']);
  });
});
