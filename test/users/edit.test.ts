// PATCH /v1/users/{userId}/name, /email, /password, /verification (contract §9.1):
// each answers 200 with the user model, stores the change, logs it, and keeps search
// right; bad input is 400 and changes nothing; an unknown user is 404.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { searchText } from '../../src/domain/search.ts';
import {
  call,
  createProject,
  createUser,
  databaseSnapshot,
  expectError,
  expectJson,
  insertUsers,
  projectSeq,
  storedUser,
  type TestProject,
} from '../helpers.ts';
import { accountStatus, eventsOf, fastUser, sessionRows, signIn } from '../hardening/support.ts';

const patch = (project: TestProject, id: string, field: string, body: unknown) =>
  call(`/users/${encodeURIComponent(id)}/${field}`, { method: 'PATCH', project, body });

async function fixture() {
  const project = await createProject();
  const [id] = await insertUsers(project, [{ email: 'Edit.Me@Example.com', name: 'Olga Oldname', registration: 1_500_000_000 }]);
  const user = { $id: id!, email: 'Edit.Me@Example.com', emailVerification: false, status: 0, registration: 1_500_000_000, name: 'Olga Oldname', roles: [] };
  return { project, id: id!, user };
}

const search = async (project: TestProject, term: string) => {
  const { sum, users } = await expectJson(call(`/users?search=${encodeURIComponent(term)}`, { project }));
  return { sum, ids: users.map((u: { $id: string }) => u.$id) };
};

describe('PATCH /v1/users/{userId}/name', () => {
  it('changes the name: 200 with the user, stored, logged, and search finds the new name only', async () => {
    const { project, id, user } = await fixture();
    expect(await expectJson(patch(project, id, 'name', { name: 'Zoë Renamed' }))).toEqual({ ...user, name: 'Zoë Renamed' });
    const stored = (await storedUser(id))!;
    expect(stored.name).toBe('Zoë Renamed');
    expect(stored.search_text).toBe(searchText(await projectSeq(project), 'Zoë Renamed', 'Edit.Me@Example.com'));
    expect(await eventsOf(id)).toEqual(['users.update.name']);
    expect(await search(project, 'zoe')).toEqual({ sum: 1, ids: [id] });
    expect(await search(project, 'renamed')).toEqual({ sum: 1, ids: [id] });
    expect(await search(project, 'edit.me@example.com')).toEqual({ sum: 1, ids: [id] });
    expect(await search(project, 'oldname')).toEqual({ sum: 0, ids: [] });
  });

  it('{"name": ""} clears the name (200): "" is a value here, not a missing parameter', async () => {
    const { project, id, user } = await fixture();
    expect(await expectJson(patch(project, id, 'name', { name: '' }))).toEqual({ ...user, name: '' });
    expect((await storedUser(id))!.name).toBe('');
    expect(await search(project, 'olga')).toEqual({ sum: 0, ids: [] });
    expect(await search(project, 'example')).toEqual({ sum: 1, ids: [id] });
  });

  it('takes 100 code points (astral ones count once), refuses 101', async () => {
    const { project, id } = await fixture();
    const hundred = '😀'.repeat(100);
    expect((await expectJson(patch(project, id, 'name', { name: hundred }))).name).toBe(hundred);
    const before = await databaseSnapshot();
    await expectError(patch(project, id, 'name', { name: 'x'.repeat(101) }), 400, 'Invalid name: Value must be a string and no longer than 100 chars');
    expect(await databaseSnapshot()).toEqual(before);
  });

  it.each([
    ['a missing name', {}, 'Param "name" is not optional.'],
    ['null', { name: null }, 'Param "name" is not optional.'],
    ['a number', { name: 12 }, 'Invalid name: Value must be a string and no longer than 100 chars'],
    ['an array', { name: ['x'] }, 'Invalid name: Value must be a string and no longer than 100 chars'],
    ['a NUL', { name: 'a\u0000b' }, 'Invalid name: Value must be a string and no longer than 100 chars'],
    ['a lone surrogate', { name: 'a\ud800' }, 'Invalid name: Value must be a string and no longer than 100 chars'],
  ])('%s is 400 and changes nothing', async (_, body, message) => {
    const { project, id } = await fixture();
    const before = await databaseSnapshot();
    await expectError(patch(project, id, 'name', body), 400, message);
    expect(await databaseSnapshot()).toEqual(before);
    expect(await eventsOf(id)).toEqual([]);
  });
});

describe('PATCH /v1/users/{userId}/email', () => {
  it('changes the email: stored as given (lower-cased key), logged, search follows, the old address is free', async () => {
    const { project, id, user } = await fixture();
    expect(await expectJson(patch(project, id, 'email', { email: 'New.Address@Other.org' }))).toEqual({ ...user, email: 'New.Address@Other.org' });
    const stored = (await storedUser(id))!;
    expect([stored.email, stored.email_key]).toEqual(['New.Address@Other.org', 'new.address@other.org']);
    expect(stored.search_text).toBe(searchText(await projectSeq(project), 'Olga Oldname', 'New.Address@Other.org'));
    expect(await eventsOf(id)).toEqual(['users.update.email']);
    expect(await search(project, 'other.org')).toEqual({ sum: 1, ids: [id] });
    expect(await search(project, 'example.com')).toEqual({ sum: 0, ids: [] });
    expect(await search(project, 'olga')).toEqual({ sum: 1, ids: [id] });
    // The old address can be registered by someone else now.
    expect((await createUser(project, { email: 'edit.me@example.com' })).email).toBe('edit.me@example.com');
  });

  it("changing only the case of one's own email is allowed", async () => {
    const { project, id, user } = await fixture();
    expect(await expectJson(patch(project, id, 'email', { email: 'EDIT.ME@EXAMPLE.COM' }))).toEqual({ ...user, email: 'EDIT.ME@EXAMPLE.COM' });
    expect((await storedUser(id))!.email).toBe('EDIT.ME@EXAMPLE.COM');
  });

  it("another user's address, in any case, is 409 User already registered and changes nothing", async () => {
    const { project, id } = await fixture();
    await insertUsers(project, [{ email: 'taken@example.com' }]);
    const before = await databaseSnapshot();
    await expectError(patch(project, id, 'email', { email: 'TAKEN@example.com' }), 409, 'User already registered');
    expect(await databaseSnapshot()).toEqual(before);
    expect(await eventsOf(id)).toEqual([]);
  });

  it('the address of a user of another project is free here', async () => {
    const { project, id } = await fixture();
    const other = await createProject();
    await insertUsers(other, [{ email: 'elsewhere@example.com' }]);
    expect((await expectJson(patch(project, id, 'email', { email: 'elsewhere@example.com' }))).email).toBe('elsewhere@example.com');
  });

  it.each([
    ['missing', {}, 'Param "email" is not optional.'],
    ['empty', { email: '' }, 'Param "email" is not optional.'],
    ['invalid', { email: 'not-an-email' }, 'Invalid email: Value must be a valid email address'],
    ['a number', { email: 5 }, 'Invalid email: Value must be a valid email address'],
  ])('%s is 400 and changes nothing', async (_, body, message) => {
    const { project, id } = await fixture();
    const before = await databaseSnapshot();
    await expectError(patch(project, id, 'email', body), 400, message);
    expect(await databaseSnapshot()).toEqual(before);
  });
});

describe('PATCH /v1/users/{userId}/password', () => {
  it('stores a new argon2id hash, the new password signs in and the old one not, every session ends (D1 and token), logged', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'pw.change@example.com', name: 'Pw' });
    const sessions = [await signIn(project, user.email), await signIn(project, user.email)];
    const oldHash = (await storedUser(user.id))!.password_hash;
    const updated = await expectJson(patch(project, user.id, 'password', { password: 'new-password' }));
    expect(updated).toEqual({ $id: user.id, email: user.email, emailVerification: false, status: 0, registration: expect.any(Number), name: 'Pw', roles: [] });
    const hash = (await storedUser(user.id))!.password_hash;
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
    expect(hash).not.toBe(oldHash);
    expect(await sessionRows(user.id)).toEqual([]);
    for (const s of sessions) {
      expect(await accountStatus(s)).toBe(401);
      expect(await env.SESSIONS.list({ prefix: 'session:' }).then((l) => l.keys.some((k) => k.name.includes(s.secret)))).toBe(false);
    }
    await expectError(
      call('/account/sessions', { method: 'POST', project, key: null, body: { email: user.email, password: 'password' } }),
      401,
      'Invalid credentials',
    );
    const fresh = await signIn(project, user.email, 'new-password');
    expect(await accountStatus(fresh)).toBe(200);
    expect(await eventsOf(user.id)).toEqual([
      'account.sessions.create',
      'account.sessions.create',
      'users.update.password',
      'account.sessions.failed',
      'account.sessions.create',
    ]);
  });

  it.each([
    ['missing', {}, 'Param "password" is not optional.'],
    ['empty', { password: '' }, 'Param "password" is not optional.'],
    ['5 bytes', { password: '12345' }, 'Invalid password: Password must be between 6 and 32 chars and contain ...'],
    ['33 bytes', { password: 'x'.repeat(33) }, 'Invalid password: Password must be between 6 and 32 chars and contain ...'],
    ['17 two-byte characters (34 bytes)', { password: 'é'.repeat(17) }, 'Invalid password: Password must be between 6 and 32 chars and contain ...'],
  ])('%s is 400 and changes nothing (sessions stay)', async (_, body, message) => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'pw.bad@example.com' });
    const session = await signIn(project, user.email);
    const before = await databaseSnapshot();
    await expectError(patch(project, user.id, 'password', body), 400, message);
    expect(await databaseSnapshot()).toEqual(before);
    expect(await accountStatus(session)).toBe(200);
  });
});

describe('PATCH /v1/users/{userId}/verification', () => {
  it.each([
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
  ])('%j is stored as %j, logged', async (sent, stored) => {
    const { project, id, user } = await fixture();
    if (!stored) await env.DB.prepare('UPDATE users SET email_verification = 1 WHERE id = ?').bind(id).run();
    expect(await expectJson(patch(project, id, 'verification', { emailVerification: sent }))).toEqual({ ...user, emailVerification: stored });
    expect((await storedUser(id))!.email_verification).toBe(stored ? 1 : 0);
    expect(await eventsOf(id)).toEqual(['users.update.verification']);
  });

  it.each([
    ['missing', {}, 'Param "emailVerification" is not optional.'],
    ['empty', { emailVerification: '' }, 'Param "emailVerification" is not optional.'],
    ['1', { emailVerification: 1 }, 'Invalid emailVerification: Value must be a valid boolean'],
    ['"yes"', { emailVerification: 'yes' }, 'Invalid emailVerification: Value must be a valid boolean'],
    ['"TRUE"', { emailVerification: 'TRUE' }, 'Invalid emailVerification: Value must be a valid boolean'],
  ])('%s is 400 and changes nothing', async (_, body, message) => {
    const { project, id } = await fixture();
    const before = await databaseSnapshot();
    await expectError(patch(project, id, 'verification', body), 400, message);
    expect(await databaseSnapshot()).toEqual(before);
  });
});

describe('every edit route', () => {
  const bodies: Record<string, unknown> = {
    name: { name: 'x' },
    email: { email: 'x@example.com' },
    password: { password: 'password' },
    verification: { emailVerification: true },
  };

  it.each(Object.keys(bodies))('%s: an unknown user, or one of another project, is 404 User not found; a read-only key is 401', async (field) => {
    const { project } = await fixture();
    const other = await createProject();
    const [foreign] = await insertUsers(other, [{ email: 'foreign@example.com' }]);
    const before = await databaseSnapshot();
    await expectError(patch(project, 'unknown', field, bodies[field]), 404, 'User not found');
    await expectError(patch(project, foreign!, field, bodies[field]), 404, 'User not found');
    await expectError(
      call(`/users/${foreign}/${field}`, { method: 'PATCH', project, key: project.readKey, body: bodies[field] }),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.write)`,
    );
    expect(await databaseSnapshot()).toEqual(before);
  });
});
