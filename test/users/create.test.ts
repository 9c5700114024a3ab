// POST /v1/users (contract §3, §4): the user object, parameter rules, unique
// case-insensitive emails per project, and what is stored.
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { newUserKey, userKey } from '../../src/domain/ids.ts';
import { searchText } from '../../src/domain/search.ts';
import {
  call,
  callJson,
  createProject,
  databaseSnapshot,
  expectError,
  expectJson,
  expectNoLeak,
  projectSeq,
  storedUser,
  storedUserCount,
  storedUsers,
  type TestProject,
} from '../helpers.ts';

const post = (project: TestProject, body: unknown) => call('/users', { method: 'POST', project, body });

const EMAIL_REQUIRED = 'Param "email" is not optional.';
const PASSWORD_REQUIRED = 'Param "password" is not optional.';
const EMAIL = 'Invalid email: Value must be a valid email address';
const PASSWORD = 'Invalid password: Password must be between 6 and 32 chars and contain ...';
const NAME = 'Invalid name: Value must be a string and no longer than 100 chars';
const PHC = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

// One project for the many rejected-input cases: each proves it stored nothing.
let shared: Promise<TestProject> | undefined;
const sharedProject = () => (shared ??= createProject());

/** Asserts a 400 that stored nothing. */
async function rejected(project: TestProject, body: unknown, message: string) {
  const before = await databaseSnapshot();
  await expectError(post(project, body), 400, message);
  expect(await databaseSnapshot()).toEqual(before);
}

describe('POST /v1/users', () => {
  it('is 201 with exactly the user object', async () => {
    const project = await createProject();
    const before = Math.floor(Date.now() / 1000);
    const response = await post(project, { email: 'new.user@example.com', password: 'password', name: 'New User' });
    const text = await response.text();
    expect(response.status).toBe(201);
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
    const user = JSON.parse(text);
    expect(Object.keys(user).sort()).toEqual(['$id', 'email', 'emailVerification', 'name', 'registration', 'roles', 'status']);
    expect(user).toEqual({
      $id: expect.any(String),
      email: 'new.user@example.com',
      emailVerification: false,
      status: 0,
      registration: expect.any(Number),
      name: 'New User',
      roles: [],
    });
    expect(Number.isInteger(user.registration)).toBe(true);
    expect(user.registration).toBeGreaterThanOrEqual(before);
    expect(user.registration).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    expectNoLeak(text, 'password', project.key);
  });

  it('stores the user: argon2id PHC hash, lower-cased email key, search text, counter', async () => {
    const project = await createProject();
    const user = await expectJson(post(project, { email: 'Stored.User@Example.COM', password: 'correct horse', name: 'Stored User' }), 201);
    const row = await storedUser(user.$id);
    expect(row).toMatchObject({
      id: user.$id,
      project_id: project.id,
      email: 'Stored.User@Example.COM',
      email_key: 'stored.user@example.com',
      name: 'Stored User',
      status: 0,
      email_verification: 0,
      registration: user.registration,
      prefs: '{}',
      search_text: searchText(await projectSeq(project), 'Stored User', 'Stored.User@Example.COM'),
    });
    expect(row!.password_hash).toMatch(PHC);
    expect(row!.password_hash).not.toContain('correct horse');
    expect(await storedUserCount(project)).toBe(1);
    // Each hash has its own salt.
    const twin = await expectJson(post(project, { email: 'twin@example.com', password: 'correct horse' }), 201);
    expect((await storedUser(twin.$id))!.password_hash).not.toBe(row!.password_hash);
    expect(await storedUserCount(project)).toBe(2);
  });

  it('returns the email as given and name defaulting to ""', async () => {
    const project = await createProject();
    const user = await expectJson(post(project, { email: 'MiXeD.Case+tag@Example.Org', password: 'password' }), 201);
    expect(user.email).toBe('MiXeD.Case+tag@Example.Org');
    expect(user.name).toBe('');
    const empty = await expectJson(post(project, { email: 'emptyname@example.org', password: 'password', name: '' }), 201);
    expect(empty.name).toBe('');
  });

  it('gives lower-case, URL-safe, unique ids that sort by creation and can be fetched', async () => {
    const project = await createProject();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await expectJson(post(project, { email: `id${i}@example.com`, password: 'password' }), 201)).$id);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9_-]{13,}$/);
      expect(encodeURIComponent(id)).toBe(id);
      expect((await expectJson(call(`/users/${id}`, { project }))).$id).toBe(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const listed = await expectJson(call('/users', { project }));
    expect(listed.users.map((u: any) => u.$id)).toEqual(ids);
  });

  it('keeps unicode names as given', async () => {
    const project = await createProject();
    const name = 'Zoë 山田 Иван 😀 \u202eRTL';
    const user = await expectJson(post(project, { email: 'unicode@example.com', password: 'password', name }), 201);
    expect(user.name).toBe(name);
    expect((await storedUser(user.$id))!.name).toBe(name);
    expect((await expectJson(call(`/users/${user.$id}`, { project }))).name).toBe(name);
  });

  describe('required parameters', () => {
    it.each([
      [{ password: 'password' }, EMAIL_REQUIRED],
      [{ email: '', password: 'password' }, EMAIL_REQUIRED],
      [{ email: null, password: 'password' }, EMAIL_REQUIRED],
      [{ email: 'a@b.com' }, PASSWORD_REQUIRED],
      [{ email: 'a@b.com', password: '' }, PASSWORD_REQUIRED],
      [{ email: 'a@b.com', password: null }, PASSWORD_REQUIRED],
      [{}, EMAIL_REQUIRED],
      [{ name: 'Only Name' }, EMAIL_REQUIRED],
    ])('%j is 400 %s', async (body, message) => {
      await rejected(await sharedProject(), body, message);
    });
  });

  describe('email', () => {
    it.each([
      'plainaddress',
      '@example.com',
      'user@',
      'user@@example.com',
      'user@exam ple.com',
      'us er@example.com',
      'user@.example.com',
      'user@example..com',
      '.user@example.com',
      'user.@example.com',
      'user@-example.com',
      'user@example.com.',
      'user@example.com\n',
      ' user@example.com',
      'user\u0000@example.com',
      'üser@example.com',
      `${'a'.repeat(65)}@example.com`,
      `user@${'a'.repeat(250)}.com`,
    ])('%j is invalid', async (email) => {
      await rejected(await sharedProject(), { email, password: 'password' }, EMAIL);
    });

    it.each([5, true, ['a@b.com'], { email: 'a@b.com' }])('non-string %j is invalid', async (email) => {
      await rejected(await sharedProject(), { email, password: 'password' }, EMAIL);
    });

    it('common address forms are valid', async () => {
      const project = await createProject();
      for (const email of ['a@b.co', "first.o'brien+tag@sub.ex-ample.co.uk", 'x_y-z@EXAMPLE.COM']) {
        expect((await expectJson(post(project, { email, password: 'password' }), 201)).email).toBe(email);
      }
    });
  });

  describe('password', () => {
    it.each([
      ['5 bytes', '12345'],
      ['33 bytes', 'a'.repeat(33)],
      ['17 two-byte chars (34 bytes)', 'é'.repeat(17)],
      ['9 four-byte chars (36 bytes)', '😀'.repeat(9)],
      ['a lone surrogate', 'abcdef\ud800'],
      ['a number', 12345678],
      ['an array', ['password']],
      ['true', true],
    ])('%s is invalid', async (_, password) => {
      await rejected(await sharedProject(), { email: 'pw@example.com', password }, PASSWORD);
    });

    it.each([
      ['6 bytes', '123456'],
      ['32 bytes', 'b'.repeat(32)],
      ['3 two-byte chars (6 bytes)', 'ééé'],
      ['8 four-byte chars (32 bytes)', '😀'.repeat(8)],
    ])('%s is valid', async (_, password) => {
      const project = await createProject();
      const user = await expectJson(post(project, { email: 'pw-ok@example.com', password }), 201);
      expect((await storedUser(user.$id))!.password_hash).toMatch(PHC);
    });
  });

  describe('name', () => {
    it.each([
      ['101 chars', 'n'.repeat(101)],
      ['101 emoji', '😀'.repeat(101)],
      ['a number', 42],
      ['an object', { first: 'a' }],
      ['an array', ['a']],
      ['true', true],
      ['a lone surrogate', 'ab\ud800'],
    ])('%s is invalid', async (_, name) => {
      await rejected(await sharedProject(), { email: 'name@example.com', password: 'password', name }, NAME);
    });

    it('100 code points is valid, even as 400 bytes', async () => {
      const project = await createProject();
      expect((await expectJson(post(project, { email: 'n1@example.com', password: 'password', name: 'n'.repeat(100) }), 201)).name).toHaveLength(100);
      expect((await expectJson(post(project, { email: 'n2@example.com', password: 'password', name: '😀'.repeat(100) }), 201)).name).toBe('😀'.repeat(100));
    });
  });

  it('a name written with JSON escapes: a lone surrogate is 400 and stores nothing; an escaped surrogate pair is stored as its character', async () => {
    const project = await createProject();
    const raw = (name: string, email: string) =>
      call('/users', { method: 'POST', project, rawBody: `{"email":"${email}","password":"password","name":"${name}"}` });
    for (const [i, lone] of ['\\ud800', 'a\\udc00b', '\\ude00\\ud83d'].entries()) await expectError(raw(lone, `lone${i}@example.com`), 400, NAME);
    expect(await storedUserCount(project)).toBe(0);
    const created = await expectJson(raw('Ada \\ud83d\\ude00 \\ud835\\udc9c', 'astral@example.com'), 201);
    expect(created.name).toBe('Ada 😀 𝒜');
    expect((await storedUser(created.$id))!.name).toBe('Ada 😀 𝒜');
    expect((await expectJson(call(`/users/${created.$id}`, { project }))).name).toBe('Ada 😀 𝒜');
  });

  it('an id already taken (another isolate drew it in the same second) is drawn again: 201 with the next id', async () => {
    const project = await createProject();
    const other = await createProject();
    // Keys increase within an isolate: one drawn an hour ahead makes the next draw exactly its seq + 1.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);
    const last = newUserKey();
    clock.mockRestore();
    const taken = userKey(last.seq + 1);
    await env.DB.prepare(
      "INSERT INTO users (seq, id, project_id, email, email_key, password_hash, registration, search_text) VALUES (?, ?, ?, 'x@example.com', 'x@example.com', '', ?, '')",
    )
      .bind(taken.seq, taken.id, other.id, taken.registration)
      .run();
    const created = await expectJson(post(project, { email: 'collide@example.com', password: 'password' }), 201);
    expect(created.$id).toBe(userKey(last.seq + 2).id);
    expect((await storedUser(created.$id))!.project_id).toBe(project.id);
    expect(await storedUserCount(project)).toBe(1);
  });

  it('validates email, then password, then name', async () => {
    const project = await createProject();
    await rejected(project, { email: 'bad', password: '1', name: 5 }, EMAIL);
    await rejected(project, { email: 'ok@example.com', password: '1', name: 5 }, PASSWORD);
    await rejected(project, { password: 'password', name: 5 }, EMAIL_REQUIRED);
  });

  it('ignores unknown fields', async () => {
    const project = await createProject();
    const user = await expectJson(
      post(project, { email: 'extra@example.com', password: 'password', status: 2, emailVerification: true, $id: 'chosen', roles: ['admin'], prefs: { a: 1 } }),
      201,
    );
    expect(user).toMatchObject({ status: 0, emailVerification: false, roles: [] });
    expect(user.$id).not.toBe('chosen');
    expect((await storedUser(user.$id))!.prefs).toBe('{}');
  });

  describe('duplicates', () => {
    it('the same email again is 409 User already registered and stores nothing', async () => {
      const project = await createProject();
      await expectJson(post(project, { email: 'dup@example.com', password: 'password' }), 201);
      const before = await databaseSnapshot();
      await expectError(post(project, { email: 'dup@example.com', password: 'other-password', name: 'Again' }), 409, 'User already registered');
      expect(await databaseSnapshot()).toEqual(before);
      expect(await storedUserCount(project)).toBe(1);
    });

    it('emails differing only in case are the same user (A@B.com vs a@b.com)', async () => {
      const project = await createProject();
      await expectJson(post(project, { email: 'a@b.com', password: 'password' }), 201);
      await expectError(post(project, { email: 'A@B.com', password: 'password' }), 409, 'User already registered');
      const rows = await storedUsers(project);
      expect(rows.map((r) => r.email)).toEqual(['a@b.com']);
    });

    it('the same email in another project is fine', async () => {
      const a = await createProject();
      const b = await createProject();
      const inA = await expectJson(post(a, { email: 'shared@example.com', password: 'password' }), 201);
      const inB = await expectJson(post(b, { email: 'Shared@Example.com', password: 'password' }), 201);
      expect(inA.$id).not.toBe(inB.$id);
      expect(await storedUserCount(a)).toBe(1);
      expect(await storedUserCount(b)).toBe(1);
    });

    it('two concurrent creations of one email: one 201, one 409, one stored user', async () => {
      const project = await createProject();
      const results = await Promise.all([
        callJson('/users', { method: 'POST', project, body: { email: 'race@example.com', password: 'password' } }),
        callJson('/users', { method: 'POST', project, body: { email: 'RACE@example.com', password: 'password' } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.message).toBe('User already registered');
      expect(await storedUsers(project)).toHaveLength(1);
      expect(await storedUserCount(project)).toBe(1);
    });
  });
});
