// The Users API through today's node-appwrite 27.1.0 (the 1.x dialect, contract §12)
// against a real `wrangler dev`: its models, its JSON queries, errors by
// AppwriteException.type, and users shared with the 0.6 SDK on the same store.
import { randomBytes } from 'node:crypto';
import { Client, ID, Query, Users } from 'node-appwrite-27';
import { describe, expect, inject, it } from 'vitest';
import { expectType, sdk } from './sdk.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');

const domain = `${randomBytes(4).toString('hex')}.sdk27.test`;
const email = (local: string) => `${local}@${domain}`;
const users = new Users(new Client().setEndpoint(endpoint).setProject(projectId).setKey(key));
const oldUsers = new sdk.Users(new sdk.Client().setEndpoint(endpoint).setProject(projectId).setKey(key));
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;

async function signIn(address: string, password: string): Promise<void> {
  const response = await fetch(`${endpoint}/account/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId },
    body: JSON.stringify({ email: address, password }),
  });
  expect(response.status).toBe(201);
}

describe('node-appwrite 27.1.0', () => {
  it('creates and gets a user in the 1.x model', async () => {
    const user = await users.create({ userId: ID.unique(), email: email('ada'), password: 'password123', name: 'Ada' });
    expect(user).toMatchObject({ email: email('ada'), name: 'Ada', status: true, labels: [], phone: '', mfa: false, prefs: {}, targets: [] });
    expect(user.$createdAt).toMatch(ISO);
    expect(user.passwordUpdate).toMatch(ISO);
    expect(await users.get({ userId: user.$id })).toEqual(user);
  });

  it('lists with total and queries; equal(email) finds exactly that user', async () => {
    const a = await users.create({ userId: ID.unique(), email: email('find.me'), name: 'Find' });
    await users.create({ userId: ID.unique(), email: email('other') });
    const found = await users.list({ queries: [Query.equal('email', [email('FIND.me')])] });
    expect(found.total).toBe(1);
    expect(found.users.map((u) => u.$id)).toEqual([a.$id]);
    const page = await users.list({ queries: [Query.endsWith('email', `@${domain}`), Query.limit(1)] });
    expect(page.users).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);
    const next = await users.list({ queries: [Query.endsWith('email', `@${domain}`), Query.cursorAfter(page.users[0]!.$id), Query.limit(1)] });
    expect(next.users[0]!.$id).not.toBe(page.users[0]!.$id);
    const searched = await users.list({ search: 'Find', queries: [Query.endsWith('email', `@${domain}`)] });
    expect(searched.users.map((u) => u.$id)).toEqual([a.$id]);
  });

  it('edits: name, email, phone, password, verification, labels, prefs (replaced), status', async () => {
    const { $id: userId } = await users.create({ userId: ID.unique(), email: email('edit'), password: 'password123' });
    expect((await users.updateName({ userId, name: 'Edited' })).name).toBe('Edited');
    expect((await users.updateEmail({ userId, email: email('edited') })).email).toBe(email('edited'));
    const phone = `+1415${randomBytes(3).readUIntBE(0, 3).toString().padStart(7, '0')}`;
    expect((await users.updatePhone({ userId, number: phone })).phone).toBe(phone);
    expect((await users.updatePassword({ userId, password: 'another-password' })).$id).toBe(userId);
    expect((await users.updateEmailVerification({ userId, emailVerification: true })).emailVerification).toBe(true);
    expect((await users.updatePhoneVerification({ userId, phoneVerification: true })).phoneVerification).toBe(true);
    expect((await users.updateLabels({ userId, labels: ['vip', 'beta'] })).labels).toEqual(['vip', 'beta']);
    expect((await users.list({ queries: [Query.contains('labels', ['vip']), Query.endsWith('email', `@${domain}`)] })).users.map((u) => u.$id)).toEqual([
      userId,
    ]);
    await users.updatePrefs({ userId, prefs: { a: 1 } });
    expect(await users.updatePrefs({ userId, prefs: { b: 2 } })).toEqual({ b: 2 });
    expect(await users.getPrefs({ userId })).toEqual({ b: 2 });
    expect((await users.updateStatus({ userId, status: false })).status).toBe(false);
    expect((await users.updateStatus({ userId, status: true })).status).toBe(true);
  });

  it('sessions and logs: list, delete one, delete all', async () => {
    const { $id: userId } = await users.create({ userId: ID.unique(), email: email('sessions'), password: 'password123' });
    await signIn(email('sessions'), 'password123');
    await signIn(email('sessions'), 'password123');
    const list = await users.listSessions({ userId });
    expect(list.total).toBe(2);
    expect(list.sessions[0]).toMatchObject({ userId, provider: 'email' });
    await users.deleteSession({ userId, sessionId: list.sessions[0]!.$id });
    await expectType(users.deleteSession({ userId, sessionId: 'nosuchsession' }), 404, 'user_session_not_found');
    await users.deleteSessions({ userId });
    expect((await users.listSessions({ userId })).total).toBe(0);
    const logs = await users.listLogs({ userId, queries: [Query.limit(2)] });
    expect(logs.logs).toHaveLength(2);
    expect(logs.logs[0]).toMatchObject({ userId, mode: 'admin' });
    expect(logs.total).toBeGreaterThanOrEqual(4);
  });

  it('usage counts what was created', async () => {
    const response = await fetch(`${endpoint}/users/usage?range=24h`, {
      headers: { 'x-appwrite-project': projectId, 'x-appwrite-key': key, 'x-appwrite-response-format': '1.6.0' },
    });
    const usage = (await response.json()) as { users: unknown[]; usersTotal: number };
    expect(usage.users).toHaveLength(24);
    expect(usage.usersTotal).toBeGreaterThan(0);
  });

  it('errors carry their type', async () => {
    await expectType(users.get({ userId: 'nosuchuser' }), 404, 'user_not_found');
    await users.create({ userId: ID.unique(), email: email('taken') });
    await expectType(users.create({ userId: ID.unique(), email: email('taken') }), 409, 'user_already_exists');
    await expectType(users.list({ queries: [Query.equal('password', ['x'])] }), 400, 'general_query_invalid');
    await expectType(users.list({ queries: [Query.cursorAfter('nosuchuser')] }), 400, 'general_cursor_not_found');
    await expectType(users.createSession({ userId: 'nosuchuser' }), 404, 'user_not_found');
    await expectType(users.listMemberships({ userId: 'x' }), 404, 'general_route_not_found');
    await expectType(new Users(new Client().setEndpoint(endpoint).setProject(projectId)).list(), 401, 'general_unauthorized_scope');
  });

  it('a user created by the 0.6 SDK is edited by the 1.x one, and back', async () => {
    const old = await oldUsers.create(email('crossing'), 'password', 'Old');
    const edited = await users.updateName({ userId: old.$id, name: 'New' });
    expect(edited.name).toBe('New');
    expect((await oldUsers.get(old.$id)).name).toBe('New');
    await oldUsers.updateStatus(old.$id, 2);
    expect((await users.get({ userId: old.$id })).status).toBe(false);
    await oldUsers.updatePrefs(old.$id, { a: 1 });
    await oldUsers.updatePrefs(old.$id, { b: 2 });
    expect(await users.getPrefs({ userId: old.$id })).toEqual({ a: 1, b: 2 });
    await users.delete({ userId: old.$id });
    await expect(oldUsers.get(old.$id)).rejects.toMatchObject({ statusCode: 404 });
  });
});
