// The Users API in the 1.x dialect (contract §12): the dialect switch, the 1.x models and
// error types, the new stored facts and their routes, both dialects on one store.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { callJson, createProject, createUser, type TestProject } from '../helpers.ts';
import { signIn } from '../sessions/support.ts';
import { call1x, expectType } from './support.ts';
import { createWebhook, storedEvents } from '../webhooks/support.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;
const USER_KEYS = [
  '$createdAt',
  '$id',
  '$updatedAt',
  'accessedAt',
  'email',
  'emailVerification',
  'labels',
  'mfa',
  'name',
  'passwordUpdate',
  'phone',
  'phoneVerification',
  'prefs',
  'registration',
  'status',
  'targets',
];

let project: TestProject;
beforeAll(async () => {
  project = await createProject();
});

const create = (body: Record<string, unknown>) => call1x('/users', { method: 'POST', project, body: { userId: 'unique()', ...body } });
let counter = 0;
const email = () => `u${Date.now().toString(36)}${counter++}@example.com`;

describe('choosing the dialect', () => {
  it('no header is 0.6 (sum), 1.5.0 and later are 1.x (total)', async () => {
    expect(Object.keys((await callJson('/users', { project })).body)).toEqual(['sum', 'users']);
    for (const version of ['1.5.0', '1.6.0', '2.3.0', '10.0.0']) {
      const { status, body } = await call1x('/users', { project, headers: { 'x-appwrite-response-format': version } });
      expect(status, version).toBe(200);
      expect(Object.keys(body)).toEqual(['total', 'users']);
    }
  });

  it.each(['1.4.9', '0.6.2', '1.5', 'abc', ''])('%j is a 400 naming both dialects, in the 1.x format', async (version) => {
    const result = await call1x('/users', { project, headers: { 'x-appwrite-response-format': version } });
    expectType(result, 400, 'general_argument_invalid');
    expect(result.body.message).toContain('0.6');
    expect(result.body.message).toContain('1.5.0');
  });

  it('an unknown route is general_route_not_found; the 0.6 404 keeps its format', async () => {
    expectType(await call1x('/users/x/memberships', { project }), 404, 'general_route_not_found');
    expectType(await call1x('/users/x/targets', { project, method: 'POST', body: {} }), 404, 'general_route_not_found');
    const old = await callJson('/users/x/memberships', { project });
    expect(old.body).toEqual({ message: 'Not Found', code: 404, version: expect.any(String) });
  });

  it('credentials and projects fail with their 1.x types', async () => {
    expectType(await call1x('/users', { project, key: null }), 401, 'general_unauthorized_scope', 'User (role: guests) missing scope (users.read)');
    expectType(await call1x('/users', { project, key: project.readKey, method: 'POST', body: { userId: 'unique()' } }), 401, 'general_unauthorized_scope');
    expectType(await call1x('/users', { project: { ...project, id: 'nosuchproject' } }), 400, 'project_not_found');
  });
});

describe('the User model', () => {
  it('create answers the 1.x User, never a hash', async () => {
    const address = email();
    const before = Date.now();
    const { status, body } = await create({ email: address, password: 'password123', name: 'Ann' });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(USER_KEYS);
    expect(body).toMatchObject({
      email: address,
      name: 'Ann',
      status: true,
      labels: [],
      phone: '',
      emailVerification: false,
      phoneVerification: false,
      mfa: false,
      prefs: {},
      targets: [],
      accessedAt: '',
    });
    for (const date of ['$createdAt', '$updatedAt', 'registration', 'passwordUpdate']) expect(body[date], date).toMatch(ISO);
    expect(Date.parse(body.passwordUpdate)).toBeGreaterThanOrEqual(before - 1);
    expect(JSON.stringify(body)).not.toMatch(/argon|hash|password"/i);
  });

  it('a custom id, a phone only, or neither email nor password', async () => {
    const id = `custom-${Date.now()}`;
    expect((await create({ userId: id, phone: '+14155550100' })).body).toMatchObject({ $id: id, email: '', phone: '+14155550100', passwordUpdate: '' });
    const bare = await create({});
    expect(bare.status).toBe(201);
    expect(bare.body).toMatchObject({ email: '', phone: '', passwordUpdate: '' });
    // Several users without an email coexist: only real addresses are unique.
    expect((await create({})).status).toBe(201);
  });

  it('a taken id, email or phone is user_already_exists', async () => {
    const address = email();
    const first = await create({ email: address, phone: '+14155550111' });
    expectType(
      await create({ email: address.toUpperCase() }),
      409,
      'user_already_exists',
      'A user with the same id, email, or phone already exists in this project.',
    );
    expectType(await create({ phone: '+14155550111' }), 409, 'user_already_exists');
    expectType(await create({ userId: first.body.$id }), 409, 'user_already_exists');
  });

  it('bad parameters are general_argument_invalid in Appwrite 1.6 words', async () => {
    expectType(
      await create({ password: 'short' }),
      400,
      'general_argument_invalid',
      'Invalid `password` param: Password must be between 8 and 256 characters long.',
    );
    expectType(
      await create({ phone: '4155550100' }),
      400,
      'general_argument_invalid',
      "Invalid `phone` param: Phone number must start with a '+' can have a maximum of fifteen digits.",
    );
    expectType(await call1x('/users', { method: 'POST', project, body: {} }), 400, 'general_argument_invalid', 'Param "userId" is not optional.');
  });

  it('an unknown user is user_not_found', async () => {
    expectType(await call1x('/users/nosuchuser', { project }), 404, 'user_not_found', 'User with the requested ID could not be found.');
    expectType(await call1x('/users/nosuchuser/labels', { project, method: 'PUT', body: { labels: ['a'] } }), 404, 'user_not_found');
  });
});

describe('edits', () => {
  it('status: false blocks (0.6 sees 2, sessions end), true unblocks', async () => {
    const user = await createUser(project, { password: 'password' });
    const session = await signIn(project, user.email, 'password');
    const blocked = await call1x(`/users/${user.$id}/status`, { method: 'PATCH', project, body: { status: false } });
    expect(blocked.body.status).toBe(false);
    expect((await callJson(`/users/${user.$id}`, { project })).body.status).toBe(2);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').bind(user.$id).first<{ n: number }>())!.n).toBe(0);
    expect(session).toBeDefined();
    expect((await call1x(`/users/${user.$id}/status`, { method: 'PATCH', project, body: { status: true } })).body.status).toBe(true);
    expect((await callJson(`/users/${user.$id}`, { project })).body.status).toBe(1);
    expectType(await call1x(`/users/${user.$id}/status`, { method: 'PATCH', project, body: { status: 2 } }), 400, 'general_argument_invalid');
  });

  it('prefs: 1.x replaces, 0.6 still merges', async () => {
    const user = await createUser(project);
    await callJson(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1, b: 2 } } });
    const replaced = await call1x(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { c: 3 } } });
    expect(replaced.body).toEqual({ c: 3 });
    expect((await callJson(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { d: 4 } } })).body).toEqual({ c: 3, d: 4 });
    expect((await call1x(`/users/${user.$id}`, { project })).body.prefs).toEqual({ c: 3, d: 4 });
  });

  it('labels replace, deduplicated; bad labels are 400', async () => {
    const user = await createUser(project);
    const put = (labels: unknown) => call1x(`/users/${user.$id}/labels`, { method: 'PUT', project, body: { labels } });
    expect((await put(['vip', 'beta', 'vip'])).body.labels).toEqual(['vip', 'beta']);
    expect((await put(['gold'])).body.labels).toEqual(['gold']);
    expect((await put([])).body.labels).toEqual([]);
    for (const bad of [['with space'], ['x'.repeat(37)], [''], 'vip', Array.from({ length: 1001 }, (_, i) => `l${i}`)])
      expectType(await put(bad), 400, 'general_argument_invalid');
  });

  it('phone: set, unique (user_phone_already_exists), removed with ""; verification', async () => {
    const a = await createUser(project);
    const b = await createUser(project);
    const phone = (id: string, number: string) => call1x(`/users/${id}/phone`, { method: 'PATCH', project, body: { number } });
    expect((await phone(a.$id, '+14155550122')).body.phone).toBe('+14155550122');
    expectType(await phone(b.$id, '+14155550122'), 409, 'user_phone_already_exists');
    expect((await phone(a.$id, '')).body.phone).toBe('');
    expect((await phone(b.$id, '+14155550122')).body.phone).toBe('+14155550122');
    const verified = await call1x(`/users/${b.$id}/verification/phone`, { method: 'PATCH', project, body: { phoneVerification: true } });
    expect(verified.body.phoneVerification).toBe(true);
  });

  it('email taken by another user is user_email_already_exists', async () => {
    const a = await createUser(project);
    const b = await createUser(project);
    expectType(await call1x(`/users/${b.$id}/email`, { method: 'PATCH', project, body: { email: a.email.toUpperCase() } }), 409, 'user_email_already_exists');
  });

  it('every change moves $updatedAt; a new password moves passwordUpdate', async () => {
    const { body: user } = await create({ email: email(), password: 'password123' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renamed = await call1x(`/users/${user.$id}/name`, { method: 'PATCH', project, body: { name: 'New' } });
    expect(Date.parse(renamed.body.$updatedAt)).toBeGreaterThan(Date.parse(user.$updatedAt));
    expect(renamed.body.passwordUpdate).toBe(user.passwordUpdate);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const changed = await call1x(`/users/${user.$id}/password`, { method: 'PATCH', project, body: { password: 'another-password' } });
    expect(Date.parse(changed.body.passwordUpdate)).toBeGreaterThan(Date.parse(user.passwordUpdate));
  });

  it('a user created in 0.6 is edited in 1.x and read back in 0.6', async () => {
    const user = await createUser(project, { name: 'Old' });
    await call1x(`/users/${user.$id}/labels`, { method: 'PUT', project, body: { labels: ['x'] } });
    await call1x(`/users/${user.$id}/name`, { method: 'PATCH', project, body: { name: 'Neu' } });
    const old = await callJson(`/users/${user.$id}`, { project });
    expect(old.body).toEqual({ ...user, name: 'Neu' });
    await call1x(`/users/${user.$id}`, { method: 'DELETE', project });
    expect((await callJson(`/users/${user.$id}`, { project })).status).toBe(404);
  });

  it('the new edits are logged and announced as users.update.labels / phone / phoneVerification', async () => {
    const user = await createUser(project);
    await call1x(`/users/${user.$id}/labels`, { method: 'PUT', project, body: { labels: ['a'] } });
    await call1x(`/users/${user.$id}/phone`, { method: 'PATCH', project, body: { number: '+14155550133' } });
    await call1x(`/users/${user.$id}/verification/phone`, { method: 'PATCH', project, body: { phoneVerification: true } });
    const logs = await call1x(`/users/${user.$id}/logs`, { project });
    expect(logs.body.total).toBe(4);
    expect(logs.body.logs.map((l: any) => l.event)).toEqual(['users.update.phoneVerification', 'users.update.phone', 'users.update.labels', 'users.create']);
    expect(logs.body.logs[0]).toMatchObject({ userId: user.$id, userEmail: user.email, mode: 'admin', countryCode: expect.any(String) });
    expect(logs.body.logs[0].time).toMatch(ISO);
  });
});

describe('sessions and logs', () => {
  it('lists sessions with total, deletes one (unknown: user_session_not_found) and all (204)', async () => {
    const user = await createUser(project, { password: 'password' });
    await signIn(project, user.email, 'password');
    await signIn(project, user.email, 'password');
    const list = await call1x(`/users/${user.$id}/sessions`, { project });
    expect(list.body.total).toBe(2);
    expect(list.body.sessions[0]).toMatchObject({ userId: user.$id, provider: 'email', current: false, secret: '' });
    expect(list.body.sessions[0].expire).toMatch(ISO);
    expect((await call1x(`/users/${user.$id}/sessions?total=false`, { project })).body.total).toBe(0);
    expectType(await call1x(`/users/${user.$id}/sessions/nosuchsession`, { method: 'DELETE', project }), 404, 'user_session_not_found');
    expect((await call1x(`/users/${user.$id}/sessions/${list.body.sessions[0].$id}`, { method: 'DELETE', project })).status).toBe(204);
    expect((await call1x(`/users/${user.$id}/sessions`, { method: 'DELETE', project })).status).toBe(204);
    expect((await call1x(`/users/${user.$id}/sessions`, { project })).body).toEqual({ total: 0, sessions: [] });
  });

  it('logs take limit and offset queries only', async () => {
    const user = await createUser(project);
    await call1x(`/users/${user.$id}/name`, { method: 'PATCH', project, body: { name: 'a' } });
    const page = await call1x(
      `/users/${user.$id}/logs?queries[0]=${encodeURIComponent('{"method":"limit","values":[1]}')}&queries[1]=${encodeURIComponent('{"method":"offset","values":[1]}')}`,
      { project },
    );
    expect(page.body.logs.map((l: any) => l.event)).toEqual(['users.create']);
    expect(page.body.total).toBe(2);
    expectType(
      await call1x(`/users/${user.$id}/logs?queries[0]=${encodeURIComponent('{"method":"equal","attribute":"event","values":["x"]}')}`, { project }),
      400,
      'general_query_invalid',
    );
  });
});

describe('import routes', () => {
  it('answer the 1.x User', async () => {
    const { status, body } = await call1x('/users/md5', {
      method: 'POST',
      project,
      body: { userId: 'unique()', email: email(), password: '5f4dcc3b5aa765d61d8327deb882cf99' },
    });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(USER_KEYS);
    expect(body.passwordUpdate).toMatch(ISO);
  });
});

describe('usage', () => {
  it('counts users and sessions created, per hour and per day, from counters', async () => {
    const own = await createProject();
    const before = await call1x('/users/usage?range=24h', { project: own });
    expect(before.body).toMatchObject({ range: '24h', usersTotal: 0, sessionsTotal: 0 });
    expect(before.body.users).toHaveLength(24);
    const user = await createUser(own, { password: 'password' });
    await call1x('/users', { method: 'POST', project: own, body: { userId: 'unique()' } });
    await signIn(own, user.email, 'password');
    const day = await call1x('/users/usage?range=24h', { project: own });
    expect(day.body).toMatchObject({ usersTotal: 2, sessionsTotal: 1 });
    expect(day.body.users.at(-1)).toEqual({ value: 2, date: expect.stringMatching(ISO) });
    expect(day.body.sessions.at(-1).value).toBe(1);
    const month = await call1x('/users/usage', { project: own });
    expect(month.body.range).toBe('30d');
    expect(month.body.users).toHaveLength(30);
    expect(month.body.users.at(-1).value).toBe(2);
    expect((await call1x('/users/usage?range=90d', { project: own })).body.users).toHaveLength(90);
    expectType(await call1x('/users/usage?range=1y', { project: own }), 400, 'general_argument_invalid');
  });

  it('a sign-in sets accessedAt', async () => {
    const user = await createUser(project, { password: 'password' });
    expect((await call1x(`/users/${user.$id}`, { project })).body.accessedAt).toBe('');
    await signIn(project, user.email, 'password');
    expect((await call1x(`/users/${user.$id}`, { project })).body.accessedAt).toMatch(ISO);
  });
});

describe('export and import keep the new facts', () => {
  it('phone, phoneVerification and labels round-trip; a record may have a phone instead of an email', async () => {
    const from = await createProject();
    const user = await createUser(from, { name: 'Round' });
    await call1x(`/users/${user.$id}/phone`, { method: 'PATCH', project: from, body: { number: '+14155550177' } });
    await call1x(`/users/${user.$id}/verification/phone`, { method: 'PATCH', project: from, body: { phoneVerification: true } });
    await call1x(`/users/${user.$id}/labels`, { method: 'PUT', project: from, body: { labels: ['vip'] } });
    const phoneOnly = await call1x('/users', { method: 'POST', project: from, body: { userId: 'phoneonly', phone: '+14155550178' } });
    const plain = await createUser(from);
    const exported = await callJson('/users/export', { project: from });
    const records = exported.body.records;
    expect(records.find((r: any) => r.userId === user.$id)).toMatchObject({ phone: '+14155550177', phoneVerification: true, labels: ['vip'] });
    expect(records.find((r: any) => r.userId === 'phoneonly')).toMatchObject({ email: '', phone: '+14155550178' });
    // A user without them exports as before.
    expect(Object.keys(records.find((r: any) => r.userId === plain.$id)).sort()).toEqual([
      'email',
      'emailVerification',
      'name',
      'prefs',
      'registration',
      'status',
      'userId',
    ]);

    const to = await createProject();
    const imported = await callJson('/users/import', { method: 'POST', project: to, body: { users: records } });
    expect(imported.body.errors).toEqual([]);
    expect((await call1x(`/users/${user.$id}`, { project: to })).body).toMatchObject({
      phone: '+14155550177',
      phoneVerification: true,
      labels: ['vip'],
      name: 'Round',
    });
    expect((await call1x('/users/phoneonly', { project: to })).body).toMatchObject({ email: '', phone: phoneOnly.body.phone });
    expect(
      names(
        await call1x(`/users?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'contains', attribute: 'labels', values: ['vip'] }))}`, { project: to }),
      ),
    ).toEqual(['Round']);

    // Again: every record conflicts, the phone-only one by its phone too.
    const again = await callJson('/users/import', { method: 'POST', project: to, body: { users: [{ phone: '+14155550178' }, { name: 'nothing' }] } });
    expect(again.body.errors).toEqual([
      { index: 0, code: 409, message: 'User already registered' },
      { index: 1, code: 400, message: 'Param "email" is not optional.' },
    ]);
  });
});

function names(result: { body: any }) {
  return result.body.users.map((u: any) => u.name);
}

describe('webhook events of the new edits', () => {
  it('users.update.labels, .phone and .phoneVerification are recorded with the user as data', async () => {
    const own = await createProject();
    await createWebhook(own, ['users.*']);
    const user = await createUser(own);
    await call1x(`/users/${user.$id}/labels`, { method: 'PUT', project: own, body: { labels: ['a'] } });
    await call1x(`/users/${user.$id}/phone`, { method: 'PATCH', project: own, body: { number: '+14155550188' } });
    await call1x(`/users/${user.$id}/verification/phone`, { method: 'PATCH', project: own, body: { phoneVerification: true } });
    const events = await storedEvents(own);
    expect(events.map((e) => e.event).sort(), JSON.stringify(events)).toEqual([
      'users.create',
      'users.update.labels',
      'users.update.phone',
      'users.update.phoneVerification',
    ]);
    expect(events.find((e) => e.event === 'users.update.labels')!.data).toMatchObject({ $id: user.$id });
  });
});

describe('usage of imports', () => {
  it('counts the users an import created, not those it skipped', async () => {
    const own = await createProject();
    await callJson('/users/import', {
      method: 'POST',
      project: own,
      body: { users: [{ email: 'a@imp.test' }, { email: 'b@imp.test' }, { email: 'a@imp.test' }] },
    });
    await call1x('/users/md5', {
      method: 'POST',
      project: own,
      body: { userId: 'unique()', email: 'c@imp.test', password: '5f4dcc3b5aa765d61d8327deb882cf99' },
    });
    const usage = await call1x('/users/usage?range=24h', { project: own });
    expect(usage.body.users.at(-1).value).toBe(3);
    expect(usage.body.usersTotal).toBe(3);
  });
});

describe('creating right after an import', () => {
  it('never collides with the seqs the import placed after this isolate’s last user (no 500)', async () => {
    const own = await createProject();
    for (let round = 0; round < 6; round++) {
      await createUser(own);
      // The import places its users right after the newest seq of this second: the one just created.
      const records = Array.from({ length: 4 }, (_, i) => ({ email: `r${round}.${i}@after.test` }));
      await callJson('/users/import', { method: 'POST', project: own, body: { users: records } });
      const { status, body } = await callJson('/users', { method: 'POST', project: own, body: { email: `next${round}@after.test`, password: 'password' } });
      expect(status, JSON.stringify(body)).toBe(201);
    }
    // Twelve password hashes: more than the default 5 s on a busy machine.
  }, 30_000);
});
