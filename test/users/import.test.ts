// Import routes (contract §9.2): POST /v1/users/{bcrypt,argon2,scrypt,scrypt-modified,sha,md5,phpass}
// with custom ids or unique(): the user object, what is stored, and every refusal storing nothing.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { encodeStoredHash } from '../../src/domain/password-formats.ts';
import { searchText } from '../../src/domain/search.ts';
import {
  call,
  callJson,
  createProject,
  databaseSnapshot,
  expectError,
  expectJson,
  projectSeq,
  storedUser,
  storedUserCount,
  type TestProject,
} from '../helpers.ts';
import { ARGON2, BCRYPT, FIREBASE, MD5, PHPASS, SCRYPT, SHA256_ABC } from '../fixtures/imported-hashes.ts';

const post = (project: TestProject, route: string, body: unknown, key?: string) => call(`/users/${route}`, { method: 'POST', project, body, key });

// Each route, a valid body for it, and the stored hash it must produce.
const ROUTES: Array<[string, Record<string, unknown>, string]> = [
  ['bcrypt', { password: BCRYPT }, BCRYPT],
  ['argon2', { password: ARGON2 }, ARGON2],
  ['phpass', { password: PHPASS }, PHPASS],
  ['md5', { password: MD5.toUpperCase() }, `$md5$${MD5}`],
  ['sha', { password: SHA256_ABC, passwordVersion: 'sha256' }, `$sha$v=sha256$${SHA256_ABC}`],
  ['scrypt', SCRYPT, encodeStoredHash({ algorithm: 'scrypt', value: SCRYPT.password, salt: SCRYPT.passwordSalt, cpu: 2, memory: 1, parallel: 1, length: 32 })],
  [
    'scrypt-modified',
    FIREBASE,
    encodeStoredHash({
      algorithm: 'scrypt-modified',
      value: FIREBASE.password,
      salt: FIREBASE.passwordSalt,
      saltSeparator: FIREBASE.passwordSaltSeparator,
      signerKey: FIREBASE.passwordSignerKey,
    }),
  ],
];

let shared: Promise<TestProject> | undefined;
const sharedProject = () => (shared ??= createProject());

async function rejected(route: string, body: unknown, status: number, message: string, project?: TestProject) {
  const target = project ?? (await sharedProject());
  const before = await databaseSnapshot();
  await expectError(post(target, route, body), status, message);
  expect(await databaseSnapshot()).toEqual(before);
}

describe('POST /v1/users/<algorithm>', () => {
  it.each(ROUTES)('%s: 201 with the user, the hash stored as given (no hashing), search and sum', async (route, extra, stored) => {
    const project = await createProject();
    const userId = `${route}.user-1_x`;
    const before = Math.floor(Date.now() / 1000);
    const user = await expectJson(post(project, route, { userId, email: `Imported.${route}@Example.com`, name: 'Ada Import', ...extra }), 201);
    expect(user).toEqual({
      $id: userId,
      email: `Imported.${route}@Example.com`,
      emailVerification: false,
      status: 0,
      registration: expect.any(Number),
      name: 'Ada Import',
      roles: [],
    });
    expect(user.registration).toBeGreaterThanOrEqual(before);
    const row = (await storedUser(userId))!;
    expect(row.password_hash).toBe(stored);
    expect(row.email_key).toBe(`imported.${route}@example.com`);
    expect(row.search_text).toBe(searchText(await projectSeq(project), 'Ada Import', `Imported.${route}@Example.com`));
    expect(await storedUserCount(project)).toBe(1);
    const found = await expectJson(call('/users?search=ada', { project }));
    expect(found).toEqual({
      sum: 1,
      users: [{ $id: userId, email: user.email, emailVerification: false, status: 0, registration: user.registration, name: 'Ada Import' }],
    });
    const logs = await expectJson(call(`/users/${encodeURIComponent(userId)}/logs`, { project }));
    expect(logs.map((l: { event: string }) => l.event)).toEqual(['users.create']);
  });

  it('unique() generates a hex id like POST /v1/users, placed after earlier users', async () => {
    const project = await createProject();
    const first = await expectJson(post(project, 'bcrypt', { userId: 'zzz-first', email: 'a@example.com', password: BCRYPT }), 201);
    const second = await expectJson(post(project, 'md5', { userId: 'unique()', email: 'b@example.com', password: MD5 }), 201);
    expect(second.$id).toMatch(/^[0-9a-f]{14}$/);
    const list = await expectJson(call('/users', { project }));
    expect(list.users.map((u: { $id: string }) => u.$id)).toEqual([first.$id, second.$id]);
  });

  it('a sha digest defaults to sha3-512', async () => {
    const project = await createProject();
    const digest = 'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0';
    await expectJson(post(project, 'sha', { userId: 'sha3', email: 'sha3@example.com', password: digest }), 201);
    expect((await storedUser('sha3'))!.password_hash).toBe(`$sha$v=sha3-512$${digest}`);
  });

  it('409 when the id or the email exists in the project, also against a create or another import', async () => {
    const project = await createProject();
    await expectJson(post(project, 'bcrypt', { userId: 'taken', email: 'taken@example.com', password: BCRYPT }), 201);
    const created = await expectJson(call('/users', { method: 'POST', project, body: { email: 'made@example.com', password: 'password' } }), 201);
    await rejected('md5', { userId: 'taken', email: 'other@example.com', password: MD5 }, 409, 'User already registered', project);
    await rejected('md5', { userId: 'fresh', email: 'TAKEN@example.com', password: MD5 }, 409, 'User already registered', project);
    await rejected('md5', { userId: 'fresh', email: 'made@example.com', password: MD5 }, 409, 'User already registered', project);
    // A custom id equal to a generated one is a duplicate id.
    await rejected('md5', { userId: created.$id, email: 'new@example.com', password: MD5 }, 409, 'User already registered', project);
    // Ids are per project: the same id in another project is fine.
    await expectJson(post(await createProject(), 'md5', { userId: 'taken', email: 'taken@example.com', password: MD5 }), 201);
  });

  const BAD_ID =
    'Invalid userId: Value must be unique() or 1 to 36 chars of a-z, A-Z, 0-9, period, hyphen and underscore, not starting with a special char, and not export, import or usage';
  it.each([
    ['.dot', BAD_ID],
    ['-dash', BAD_ID],
    ['_under', BAD_ID],
    ['a'.repeat(37), BAD_ID],
    ['has space', BAD_ID],
    ['slash/id', BAD_ID],
    ['ünïcode', BAD_ID],
    ['export', BAD_ID],
    ['import', BAD_ID],
    ['usage', BAD_ID],
    ['unique', null],
  ])('refuses the id %j storing nothing', async (userId, message) => {
    if (message === null) {
      // Not reserved: only the exact `unique()` generates.
      const project = await createProject();
      expect((await expectJson(post(project, 'md5', { userId, email: 'u@example.com', password: MD5 }), 201)).$id).toBe('unique');
      return;
    }
    await rejected('md5', { userId, email: 'id@example.com', password: MD5 }, 400, message);
  });

  it('refuses missing and malformed parameters storing nothing', async () => {
    await rejected('md5', { email: 'x@example.com', password: MD5 }, 400, 'Param "userId" is not optional.');
    await rejected('md5', { userId: 'x', password: MD5 }, 400, 'Param "email" is not optional.');
    await rejected('md5', { userId: 'x', email: 'x@example.com' }, 400, 'Param "password" is not optional.');
    await rejected('md5', { userId: 'x', email: 'not-an-email', password: MD5 }, 400, 'Invalid email: Value must be a valid email address');
    await rejected(
      'md5',
      { userId: 'x', email: 'x@example.com', password: MD5, name: 'n'.repeat(101) },
      400,
      'Invalid name: Value must be a string and no longer than 100 chars',
    );
    await rejected(
      'md5',
      { userId: 'x', email: 'x@example.com', password: 'h'.repeat(1025) },
      400,
      'Invalid password: Value must be a string of at most 1024 chars',
    );
    await rejected(
      'sha',
      { userId: 'x', email: 'x@example.com', password: SHA256_ABC, passwordVersion: 'sha0' },
      400,
      'Invalid passwordVersion: Value must be one of (sha1, sha224, sha256, sha384, sha512/224, sha512/256, sha512, sha3-224, sha3-256, sha3-384, sha3-512)',
    );
    await rejected('scrypt', { ...SCRYPT, userId: 'x', email: 'x@example.com', passwordCpu: undefined }, 400, 'Param "passwordCpu" is not optional.');
    await rejected(
      'scrypt-modified',
      { ...FIREBASE, userId: 'x', email: 'x@example.com', passwordSignerKey: undefined },
      400,
      'Param "passwordSignerKey" is not optional.',
    );
  });

  it.each([
    [
      'bcrypt',
      { password: BCRYPT.replace('$2y$10$', '$2x$10$') },
      'Invalid password: bcrypt hash must be $2a$, $2b$ or $2y$, a two-digit cost and 53 characters',
    ],
    ['bcrypt', { password: BCRYPT.replace('$2y$10$', '$2y$13$') }, 'Invalid password: bcrypt cost must be between 4 and 12'],
    ['argon2', { password: ARGON2.replace('m=256', 'm=65536') }, 'Invalid password: argon2 memory (m, KiB) must be between 8 and 32768'],
    [
      'argon2',
      { password: 'argon2id$nonsense' },
      'Invalid password: argon2 hash must be a PHC string: $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash> (base64 without padding)',
    ],
    ['phpass', { password: '$P$short' }, 'Invalid password: phpass hash must be $P$ or $H$ followed by 31 characters'],
    ['md5', { password: MD5.slice(2) }, 'Invalid password: md5 hash must be 32 hex digits'],
    ['sha', { password: SHA256_ABC }, 'Invalid password: sha3-512 hash must be 128 hex digits'],
    ['scrypt', { ...SCRYPT, passwordCpu: 3 }, 'Invalid password: scrypt cpu (N) must be a power of two, at least 2'],
    ['scrypt', { ...SCRYPT, password: 'zz' }, 'Invalid password: scrypt hash must be 64 hex digits'],
    ['scrypt-modified', { ...FIREBASE, passwordSignerKey: 'not base64!' }, 'Invalid password: signerKey must be base64'],
    ['scrypt-modified', { ...FIREBASE, password: FIREBASE.password.slice(4) }, 'Invalid password: hash must be as long as the signer key'],
  ])('%s: a malformed hash is 400 storing nothing (%#)', async (route, extra, message) => {
    await rejected(route, { userId: 'bad-hash', email: 'bad@example.com', ...extra }, 400, message);
  });

  it('needs users.write', async () => {
    const project = await createProject();
    await expectError(
      post(project, 'md5', { userId: 'x', email: 'x@example.com', password: MD5 }, project.readKey),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.write)`,
    );
  });
});

describe('custom ids on every route (URL-encoded dots, dashes, underscores)', () => {
  it('get, prefs, status, logs and sessions find the user', async () => {
    const project = await createProject();
    const id = 'a.b-c_d';
    await expectJson(post(project, 'md5', { userId: id, email: 'dots@example.com', password: MD5, name: 'Dotted' }), 201);
    for (const path of [`/users/${id}`, `/users/${encodeURIComponent(id)}`, '/users/a%2Eb%2Dc%5Fd']) {
      expect((await expectJson(call(path, { project }))).$id).toBe(id);
    }
    expect(await expectJson(call(`/users/${id}/prefs`, { method: 'PATCH', project, body: { prefs: { theme: 'dark' } } }))).toEqual({ theme: 'dark' });
    expect(await expectJson(call(`/users/${id}/prefs`, { project }))).toEqual({ theme: 'dark' });
    expect((await expectJson(call(`/users/${id}/status`, { method: 'PATCH', project, body: { status: 1 } }))).status).toBe(1);
    expect(await expectJson(call(`/users/${id}/sessions`, { project }))).toEqual([]);
    expect(await expectJson(call(`/users/${id}/sessions`, { method: 'DELETE', project, body: {} }))).toEqual({ result: 'success' });
    const events = (await expectJson(call(`/users/${id}/logs`, { project }))).map((l: { event: string }) => l.event);
    // The user had no session to end, so ending them all is not logged (README, Choices).
    expect(events).toEqual(['users.update.status', 'users.update.prefs', 'users.create']);
  });

  it('an id of another project stays unknown', async () => {
    const [one, two] = [await createProject(), await createProject()];
    await expectJson(post(one, 'md5', { userId: 'shared.id', email: 'one@example.com', password: MD5 }), 201);
    await expectError(call('/users/shared.id', { project: two }), 404, 'User not found');
    expect((await callJson('/users/shared.id', { project: one })).status).toBe(200);
    const row = await env.DB.prepare('SELECT count(*) AS n FROM users WHERE id = ?').bind('shared.id').first<{ n: number }>();
    expect(row!.n).toBe(1);
  });
});
