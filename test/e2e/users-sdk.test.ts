// The Users API through the unmodified node-appwrite 1.1.0 SDK against a real `wrangler dev`:
// lower-cased header values, a `null` body on every GET, rejections as StatusCodeError.
import { randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { UserListItem } from '../../src/domain/users.ts';
import { expectSdkError, sdk } from './sdk.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');
const readKey = inject('readKey');

// The project is shared by every e2e file: this file's users live under their own domain.
const domain = `${randomBytes(4).toString('hex')}.sdk.test`;
const email = (local: string) => `${local}@${domain}`;

/** The user as the service sends it; list items have no `roles`. */
type User = UserListItem & { roles?: string[] };

/** The part of node-appwrite's Users service used here (the package has no types). */
interface UsersService {
  create(email: string, password: string, name?: string): Promise<User>;
  get(userId: string): Promise<User>;
  list(search?: string, limit?: number, offset?: number, orderType?: string): Promise<{ sum: number; users: User[] }>;
  getPrefs(userId: string): Promise<Record<string, unknown>>;
  updatePrefs(userId: string, prefs: object | string): Promise<Record<string, unknown>>;
  updateStatus(userId: string, status: number | string): Promise<User>;
}

function usersApi(secret = key, project = projectId): UsersService {
  return new sdk.Users(new sdk.Client().setEndpoint(endpoint).setProject(project).setKey(secret));
}
const users = usersApi();

describe('create and get', () => {
  it('creates a user (201) and returns the user model', async () => {
    const before = Math.floor(Date.now() / 1000);
    const user = await users.create(email('Create.Me'), 'password', 'Create Me');
    expect(user).toEqual({
      $id: expect.stringMatching(/^[0-9a-z]{13,}$/),
      email: email('Create.Me'),
      emailVerification: false,
      status: 0,
      registration: expect.any(Number),
      name: 'Create Me',
      roles: [],
    });
    expect(user.registration).toBeGreaterThanOrEqual(before - 5);
    expect(await users.get(user.$id)).toEqual(user);
  });

  it('defaults the name to an empty string', async () => {
    expect(await users.create(email('nameless'), 'password')).toMatchObject({ name: '' });
  });

  it('rejects a duplicate email, compared case-insensitively (409)', async () => {
    await users.create(email('twice'), 'password');
    await expectSdkError(users.create(email('twice'), 'password'), 409, 'User already registered');
    await expectSdkError(users.create(email('TWICE'), 'password'), 409, 'User already registered');
  });

  it('rejects invalid parameters (400)', async () => {
    await expectSdkError(users.create('', 'password'), 400, 'Param "email" is not optional.');
    await expectSdkError(users.create('not-an-email', 'password'), 400, 'Invalid email: Value must be a valid email address');
    await expectSdkError(users.create(email('short'), '12345'), 400, 'Invalid password: Password must be between 6 and 32 chars and contain ...');
  });

  it('answers 404 for an unknown user', async () => {
    await expectSdkError(users.get('no-such-user'), 404, 'User not found');
  });
});

describe('list', () => {
  const names = ['John Doe', 'Jane Roe', 'Joanna Smith', 'Max Mustermann', 'Erika Mustermann'];
  const listDomain = `list.${domain}`;
  const created: User[] = [];

  beforeAll(async () => {
    // One after another, so the ascending order is the creation order.
    for (const name of names) {
      const local = name.toLowerCase().replace(' ', '.');
      created.push(await users.create(`${local}@${listDomain}`, 'password', name));
    }
  });

  const ids = (list: { users: User[] }) => list.users.map((u) => u.$id);

  it('accepts the defaults the SDK sends (search=&limit=25&offset=0&orderType=ASC)', async () => {
    const list = await users.list();
    expect(list.sum).toBeGreaterThanOrEqual(names.length);
    expect(list.users.length).toBe(Math.min(list.sum, 25));
    expect(list.users[0]).toEqual({
      $id: expect.any(String),
      email: expect.any(String),
      emailVerification: expect.any(Boolean),
      status: expect.any(Number),
      registration: expect.any(Number),
      name: expect.any(String),
    });
  });

  it('searches names and emails by word, the last word as a prefix', async () => {
    const all = await users.list(listDomain);
    expect(all).toMatchObject({ sum: names.length });
    expect(ids(all)).toEqual(created.map((u) => u.$id));

    const mustermann = await users.list(`mustermann ${listDomain}`);
    expect(mustermann.sum).toBe(2);
    expect(mustermann.users.map((u) => u.name)).toEqual(['Max Mustermann', 'Erika Mustermann']);

    const jo = await users.list(`${listDomain} jo`);
    expect(jo.users.map((u) => u.name)).toEqual(['John Doe', 'Joanna Smith']);
  });

  it('pages with limit and offset, in both orders', async () => {
    const asc = created.map((u) => u.$id);
    const page = await users.list(listDomain, 2, 1);
    expect(page.sum).toBe(names.length);
    expect(ids(page)).toEqual(asc.slice(1, 3));
    expect(ids(await users.list(listDomain, 25, 0, 'DESC'))).toEqual(asc.toReversed());
    expect(ids(await users.list(listDomain, 2, 3, 'DESC'))).toEqual(asc.toReversed().slice(3, 5));
    expect(await users.list(listDomain, 0)).toEqual({ sum: names.length, users: [] });
  });

  it('rejects invalid parameters (400)', async () => {
    await expectSdkError(users.list('', 101), 400, 'Invalid limit: Value must be in range between 0 and 100');
    await expectSdkError(users.list('', 25, 2001), 400, 'Invalid offset: Value must be in range between 0 and 2,000');
    await expectSdkError(users.list('', 25, 0, 'desc'), 400, 'Invalid orderType: Value must be one of (ASC, DESC)');
  });
});

describe('prefs', () => {
  let user: User;
  beforeAll(async () => {
    user = await users.create(email('prefs'), 'password');
  });

  it('starts empty and merges updates shallowly', async () => {
    expect(await users.getPrefs(user.$id)).toEqual({});
    expect(await users.updatePrefs(user.$id, { theme: 'dark', nested: { a: 1 } })).toEqual({ theme: 'dark', nested: { a: 1 } });
    const merged = { theme: 'dark', nested: { b: 2 }, lang: 'de' };
    expect(await users.updatePrefs(user.$id, { nested: { b: 2 }, lang: 'de' })).toEqual(merged);
    // The official SDK example sends an empty object.
    expect(await users.updatePrefs(user.$id, {})).toEqual(merged);
    expect(await users.getPrefs(user.$id)).toEqual(merged);
  });

  it('rejects prefs that are not an object (400)', async () => {
    await expectSdkError(users.updatePrefs(user.$id, 'bad-string'), 400, 'Invalid prefs: Value must be a valid object.');
  });

  it('answers 404 for an unknown user', async () => {
    await expectSdkError(users.getPrefs('no-such-user'), 404, 'User not found');
    await expectSdkError(users.updatePrefs('no-such-user', {}), 404, 'User not found');
  });
});

describe('status', () => {
  it('accepts a number and, as in the official docs example, a numeric string', async () => {
    const user = await users.create(email('status'), 'password');
    expect(await users.updateStatus(user.$id, 2)).toEqual({ ...user, status: 2 });
    expect(await users.get(user.$id)).toMatchObject({ status: 2 });
    expect(await users.updateStatus(user.$id, '1')).toEqual({ ...user, status: 1 });
  });

  it('rejects other values (400) and unknown users (404)', async () => {
    const user = await users.create(email('status.invalid'), 'password');
    await expectSdkError(users.updateStatus(user.$id, 3), 400, 'Invalid status: Value must be one of (1, 2, 0)');
    await expectSdkError(users.updateStatus('no-such-user', 1), 404, 'User not found');
  });
});

describe('project and API key', () => {
  it('works with an upper-case project id (the SDK lower-cases header values)', async () => {
    await expect(usersApi(key, projectId.toUpperCase()).list()).resolves.toMatchObject({ sum: expect.any(Number) });
  });

  it('rejects an unknown project (400)', async () => {
    await expectSdkError(usersApi(key, 'no-such-project').list(), 400, 'Missing or unknown project ID');
  });

  it('rejects an unknown key as a guest (401)', async () => {
    await expectSdkError(usersApi('wrong-key').list(), 401, 'Guest (role: guest) missing scope (users.read)');
  });

  it('lets a read-only key read but not write (401)', async () => {
    const readOnly = usersApi(readKey);
    await expect(readOnly.list()).resolves.toMatchObject({ sum: expect.any(Number) });
    await expectSdkError(
      readOnly.create(email('read.only'), 'password'),
      401,
      `app.${projectId}@service.${new URL(endpoint).host} (role: application) missing scope (users.write)`,
    );
  });
});

describe('raw HTTP, exactly as node-appwrite sends a GET', () => {
  /** fetch() cannot send a GET body, so this goes through node:http. */
  function sdkStyleGet(path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    const headers = {
      'content-type': 'application/json',
      'content-length': '4',
      accept: 'application/json',
      'x-sdk-version': 'appwrite:nodejs:1.1.0',
      'x-appwrite-project': projectId,
      'x-appwrite-key': key,
    };
    return new Promise((resolve, reject) => {
      const req = request(endpoint + path, { method: 'GET', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end('null');
    });
  }

  it('answers a GET with a `null` body', async () => {
    const res = await sdkStyleGet('/users?search=&limit=25&offset=0&orderType=ASC');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(res.body)).toMatchObject({ sum: expect.any(Number), users: expect.any(Array) });
  });

  it('answers errors with the same content type and no caching', async () => {
    const res = await sdkStyleGet('/users/no-such-user');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(res.headers['cache-control']).toMatch(/no-cache, no-store/);
  });
});
