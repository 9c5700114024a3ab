// Editing and deleting users (contract §9.1) against a real `wrangler dev`. node-appwrite
// 1.1.0 has no methods for these routes, so they go over raw HTTP the way the SDK sends
// requests (lower-cased header values, JSON bodies); the SDK then reads the results.
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { User } from '../../src/domain/users.ts';
import { sdk } from './sdk.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');

// The project is shared by every e2e file: this file's users live under their own domain.
const domain = `${randomBytes(4).toString('hex')}.lifecycle.test`;
const email = (local: string) => `${local}@${domain}`;

interface UsersService {
  create(email: string, password: string, name?: string): Promise<User>;
  get(userId: string): Promise<User>;
  list(search?: string): Promise<{ sum: number; users: User[] }>;
  getLogs(userId: string): Promise<Array<{ event: string }>>;
}
const users: UsersService = new sdk.Users(new sdk.Client().setEndpoint(endpoint).setProject(projectId).setKey(key));

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'x-appwrite-key': key },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

async function signIn(address: string, password: string): Promise<{ status: number; cookies: string | null }> {
  const res = await fetch(`${endpoint}/account/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId },
    body: JSON.stringify({ email: address, password }),
  });
  await res.text();
  return { status: res.status, cookies: res.headers.get('x-fallback-cookies') };
}

async function accountStatus(cookies: string): Promise<number> {
  const res = await fetch(`${endpoint}/account`, { headers: { 'x-appwrite-project': projectId, 'x-fallback-cookies': cookies } });
  await res.text();
  return res.status;
}

const ok = (r: { status: number; text: string; contentType: string | null }) => {
  expect(r.status, r.text).toBe(200);
  expect(r.contentType).toBe('application/json; charset=UTF-8');
  return JSON.parse(r.text) as User;
};

describe('PATCH name, email, verification, password', () => {
  it('each answers the user model, the SDK reads the change back, and the log lists the events', async () => {
    const user = await users.create(email('edit'), 'password', 'Before Edit');
    expect(ok(await send('PATCH', `/users/${user.$id}/name`, { name: 'After Edit' }))).toEqual({ ...user, name: 'After Edit' });
    expect(ok(await send('PATCH', `/users/${user.$id}/name`, { name: '' }))).toEqual({ ...user, name: '' });
    expect(ok(await send('PATCH', `/users/${user.$id}/email`, { email: email('Edited') }))).toEqual({ ...user, name: '', email: email('Edited') });
    expect(ok(await send('PATCH', `/users/${user.$id}/verification`, { emailVerification: 'true' }))).toMatchObject({ emailVerification: true });
    expect(await users.get(user.$id)).toEqual({ ...user, name: '', email: email('Edited'), emailVerification: true });
    const found = await users.list(email('edited'));
    expect(found.users.map((u) => u.$id)).toEqual([user.$id]);
    expect((await users.getLogs(user.$id)).map((l) => l.event)).toEqual([
      'users.update.verification',
      'users.update.email',
      'users.update.name',
      'users.update.name',
      'users.create',
    ]);
  });

  it("a missing name is 400, another user's email 409", async () => {
    const user = await users.create(email('errors'), 'password');
    await users.create(email('taken'), 'password');
    const missing = await send('PATCH', `/users/${user.$id}/name`, {});
    expect([missing.status, JSON.parse(missing.text).message]).toEqual([400, 'Param "name" is not optional.']);
    const taken = await send('PATCH', `/users/${user.$id}/email`, { email: email('TAKEN') });
    expect([taken.status, JSON.parse(taken.text).message]).toEqual([409, 'User already registered']);
  });

  it('a new password ends the sessions at once; the old password no longer signs in, the new one does', async () => {
    const user = await users.create(email('password'), 'old-password');
    const before = await signIn(user.email, 'old-password');
    expect(before.status).toBe(201);
    expect(await accountStatus(before.cookies!)).toBe(200);
    ok(await send('PATCH', `/users/${user.$id}/password`, { password: 'new-password' }));
    expect(await accountStatus(before.cookies!)).toBe(401);
    expect((await signIn(user.email, 'old-password')).status).toBe(401);
    const after = await signIn(user.email, 'new-password');
    expect(after.status).toBe(201);
    expect(await accountStatus(after.cookies!)).toBe(200);
  });
});

describe('DELETE /v1/users/{userId}', () => {
  it('204 with no body; the session dies at once; the user is 404, out of sum and search; the email is free again', async () => {
    const user = await users.create(email('delete.me'), 'password', 'Delete Me');
    const session = await signIn(user.email, 'password');
    const sum = (await users.list()).sum;
    const deleted = await send('DELETE', `/users/${user.$id}`, {});
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    expect(await accountStatus(session.cookies!)).toBe(401);
    const gone = await send('GET', `/users/${user.$id}`);
    expect([gone.status, JSON.parse(gone.text).message]).toEqual([404, 'User not found']);
    expect((await users.list()).sum).toBe(sum - 1);
    expect((await users.list(email('delete.me'))).sum).toBe(0);
    const again = await users.create(email('Delete.Me'), 'password');
    expect(again.$id).not.toBe(user.$id);
  });
});
