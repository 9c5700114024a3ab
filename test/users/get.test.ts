// GET /v1/users/{userId} (contract §3, §4): the user with roles; any other id,
// including another project's user and odd ids, is 404 User not found.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { BASE, call, createProject, createUser, expectError, expectJson, insertUsers } from '../helpers.ts';

describe('GET /v1/users/{userId}', () => {
  it('is 200 with exactly the user object, roles included', async () => {
    const project = await createProject();
    const created = await createUser(project, { email: 'Get.Me@Example.com', name: 'Get Me' });
    const response = await call(`/users/${created.$id}`, { project });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      $id: created.$id,
      email: 'Get.Me@Example.com',
      emailVerification: false,
      status: 0,
      registration: created.registration,
      name: 'Get Me',
      roles: [],
    });
    expect(JSON.parse(text)).toEqual(created);
    for (const leak of ['password', 'argon2', 'prefs', 'search']) expect(text).not.toContain(leak);
  });

  it('shows the stored status and registration', async () => {
    const project = await createProject();
    const [id] = await insertUsers(project, [{ email: 'blocked@example.com', name: 'Blocked', status: 2, registration: 1_234_567_890 }]);
    expect(await expectJson(call(`/users/${id}`, { project }))).toEqual({
      $id: id,
      email: 'blocked@example.com',
      emailVerification: false,
      status: 2,
      registration: 1_234_567_890,
      name: 'Blocked',
      roles: [],
    });
  });

  it('an unknown id is 404 User not found', async () => {
    const project = await createProject();
    await insertUsers(project, [{ email: 'someone@example.com' }]);
    await expectError(call('/users/nosuchuser', { project }), 404, 'User not found');
    await expectError(call('/users/00000000000000000000', { project }), 404, 'User not found');
  });

  it('ids are exact: a prefix, a case variant or a padded id is not the user', async () => {
    const project = await createProject();
    const [id] = await insertUsers(project, [{ email: 'exact@example.com' }]);
    for (const variant of [id!.slice(0, -1), `${id}0`, id!.toUpperCase(), `%20${id}`, `${id}%20`]) {
      await expectError(call(`/users/${variant}`, { project }), 404, 'User not found');
    }
    expect((await expectJson(call(`/users/${id}`, { project }))).$id).toBe(id);
  });

  it('another project’s user is 404, on get and prefs', async () => {
    const a = await createProject();
    const b = await createProject();
    const [inB] = await insertUsers(b, [{ email: 'elsewhere@example.com', prefs: '{"secret":"b"}' }]);
    await expectError(call(`/users/${inB}`, { project: a }), 404, 'User not found');
    await expectError(call(`/users/${inB}/prefs`, { project: a }), 404, 'User not found');
    // With B's credentials it is found.
    expect((await expectJson(call(`/users/${inB}`, { project: b }))).email).toBe('elsewhere@example.com');
  });

  it.each([
    ['NUL', '%00'],
    ['a NUL inside', 'ab%00cd'],
    ['very long', 'x'.repeat(8000)],
    ['unicode', encodeURIComponent('Zoë-山田-😀')],
    ['an encoded slash', '..%2F'],
    ['an encoded slash and more', '..%2F..%2Fprojects'],
    ['a malformed escape', '%E0%A4%A'],
    ['an encoded lone surrogate', '%ED%A0%80'],
    ['a percent', '%25'],
    ['quotes', `%27%22%3B--`],
    ['SQL', encodeURIComponent("' OR '1'='1")],
    ['a LIKE wildcard', '_'],
    ['spaces', '%20%20'],
  ])('an id with %s is 404, not 500', async (_, id) => {
    const project = await createProject();
    await insertUsers(project, [{ email: 'target@example.com' }]);
    await expectError(call(`/users/${id}`, { project }), 404, 'User not found');
    await expectError(call(`/users/${id}/prefs`, { project }), 404, 'User not found');
    await expectError(call(`/users/${id}/status`, { method: 'PATCH', project, body: { status: 1 } }), 404, 'User not found');
    await expectError(call(`/users/${id}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1 } } }), 404, 'User not found');
  });

  it('dot segments are resolved by URL parsing before routing', async () => {
    const project = await createProject();
    const headers = { 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    // /v1/users/.. is /v1/: an unknown route.
    await expectError(exports.default.fetch(new Request(`${BASE}/users/..`, { headers })), 404, 'Not Found');
    // /v1/users/x/../ is /v1/users/: not a user either.
    const response = await exports.default.fetch(new Request(`${BASE}/users/x/..`, { headers }));
    expect(response.status).not.toBe(500);
    await response.text();
  });

  it('an id made of the percent-decoded path finds a user whose id has such characters', async () => {
    const project = await createProject();
    const [id] = await insertUsers(project, [{ email: 'odd@example.com', id: `odd id/ü-${project.id}` }]);
    expect((await expectJson(call(`/users/${encodeURIComponent(id!)}`, { project }))).email).toBe('odd@example.com');
  });
});
