// Project and API-key checks on the Users API, and their order (contract §2):
// project (400) → key and scope (401) → parameters (400) → the action (404/409).
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, callJson, createProject, databaseSnapshot, expectError, expectJson, insertUsers, storedUserCount } from '../helpers.ts';

const PROJECT = 'Missing or unknown project ID';
const guest = (scope: string) => `Guest (role: guest) missing scope (${scope})`;
const app = (projectId: string, scope: string) => `app.${projectId}@service.localhost (role: application) missing scope (${scope})`;

// Every Users route with the scope it needs and a body that would otherwise be valid.
interface Route {
  method: string;
  path: string;
  scope: string;
  body?: unknown;
}
const routes: Route[] = [
  { method: 'GET', path: '/users', scope: 'users.read' },
  { method: 'GET', path: '/users/someid', scope: 'users.read' },
  { method: 'GET', path: '/users/someid/prefs', scope: 'users.read' },
  { method: 'POST', path: '/users', scope: 'users.write', body: { email: 'auth@example.com', password: 'password' } },
  { method: 'PATCH', path: '/users/someid/prefs', scope: 'users.write', body: { prefs: { a: 1 } } },
  { method: 'PATCH', path: '/users/someid/status', scope: 'users.write', body: { status: 1 } },
];

describe('project', () => {
  it.each(routes)('$method $path without a project is 400, even without a key', async ({ method, path, body }) => {
    const project = await createProject();
    await expectError(call(path, { method, body, key: null }), 400, PROJECT);
    await expectError(call(path, { method, body, key: project.key }), 400, PROJECT);
  });

  it('an unknown project is 400, even with a valid key of another project', async () => {
    const project = await createProject();
    const before = await databaseSnapshot();
    for (const route of routes) {
      await expectError(
        call(route.path, { method: route.method, body: route.body, headers: { 'x-appwrite-project': 'nosuchproject' }, key: project.key }),
        400,
        PROJECT,
      );
    }
    await expectError(call('/users', { headers: { 'x-appwrite-project': 'nosuchproject' }, key: null }), 400, PROJECT);
    await expectError(call('/users', { headers: { 'x-appwrite-project': '' }, key: project.key }), 400, PROJECT);
    await expectError(call('/users', { headers: { 'x-appwrite-project': 'x'.repeat(5000) }, key: project.key }), 400, PROJECT);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('is compared case-insensitively: an upper-case project header still works', async () => {
    const project = await createProject();
    const body = await expectJson(call('/users', { headers: { 'x-appwrite-project': project.id.toUpperCase() }, key: project.key }));
    expect(body).toEqual({ sum: 0, users: [] });
    await expectJson(call('/users', { headers: { 'x-appwrite-project': ` ${project.id} ` }, key: project.key }));
  });

  it('a `project` query parameter overrides the header', async () => {
    const a = await createProject();
    const b = await createProject();
    await insertUsers(a, [{ email: 'only-in-a@example.com' }]);
    // Unknown header, valid query parameter: the parameter wins.
    const listed = await expectJson(call(`/users?project=${a.id}`, { headers: { 'x-appwrite-project': 'nosuchproject' }, key: a.key }));
    expect(listed.sum).toBe(1);
    expect(listed.users.map((u: any) => u.email)).toEqual(['only-in-a@example.com']);
    // Valid header, unknown query parameter: still the parameter.
    await expectError(call('/users?project=nosuchproject', { project: a }), 400, PROJECT);
    // Header of A with A's key, parameter B: the key is checked against B.
    await expectError(call(`/users?project=${b.id}`, { project: a }), 401, guest('users.read'));
    // Upper-case parameter works like the header.
    await expectJson(call(`/users?project=${a.id.toUpperCase()}`, { key: a.key }));
  });

  it('a `project` body parameter overrides the header on POST', async () => {
    const a = await createProject();
    const created = await expectJson(
      call('/users', {
        method: 'POST',
        headers: { 'x-appwrite-project': 'nosuchproject' },
        key: a.key,
        body: { project: a.id, email: 'body-project@example.com', password: 'password' },
      }),
      201,
    );
    expect(created.email).toBe('body-project@example.com');
    expect(await storedUserCount(a)).toBe(1);
  });
});

describe('API key', () => {
  it.each(routes)('$method $path: no key, wrong key or another project’s key is 401 for a guest', async ({ method, path, scope, body }) => {
    const project = await createProject();
    const other = await createProject();
    const before = await databaseSnapshot();
    await expectError(call(path, { method, body, project, key: null }), 401, guest(scope));
    await expectError(call(path, { method, body, project, key: '' }), 401, guest(scope));
    await expectError(call(path, { method, body, project, key: 'f'.repeat(64) }), 401, guest(scope));
    await expectError(call(path, { method, body, project, key: project.key.slice(0, -1) }), 401, guest(scope));
    await expectError(call(path, { method, body, project, key: 'k'.repeat(10_000) }), 401, guest(scope));
    await expectError(call(path, { method, body, project, key: other.key }), 401, guest(scope));
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('a key without the route’s scope is 401 for the application, with the request host', async () => {
    const project = await createProject();
    const before = await databaseSnapshot();
    for (const route of routes) {
      const wrongKey = route.scope === 'users.write' ? project.readKey : project.writeKey;
      await expectError(call(route.path, { method: route.method, body: route.body, project, key: wrongKey }), 401, app(project.id, route.scope));
    }
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('the scope message names the host the request was sent to', async () => {
    const project = await createProject();
    const response = exports.default.fetch(
      new Request('http://api.example.test:8787/v1/users', {
        method: 'POST',
        headers: { 'x-appwrite-project': project.id, 'x-appwrite-key': project.readKey, 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    await expectError(response, 401, `app.${project.id}@service.api.example.test:8787 (role: application) missing scope (users.write)`);
  });

  it('a key with the scope is accepted; an upper-case secret still works', async () => {
    const project = await createProject();
    await expectJson(call('/users', { project, key: project.readKey }));
    await expectJson(call('/users', { project, key: project.key.toUpperCase() }));
    await expectJson(call('/users', { project, key: project.readKey.toUpperCase() }));
    const created = await expectJson(
      call('/users', { method: 'POST', project, key: project.writeKey.toUpperCase(), body: { email: 'upper@example.com', password: 'password' } }),
      201,
    );
    expect(created.email).toBe('upper@example.com');
  });
});

describe('check order', () => {
  it('auth errors win over parameter errors', async () => {
    const project = await createProject();
    const before = await databaseSnapshot();
    await expectError(call('/users?limit=abc&offset=-1&orderType=up', { project, key: null }), 401, guest('users.read'));
    await expectError(call('/users?limit=abc', { project, key: project.writeKey }), 401, app(project.id, 'users.read'));
    await expectError(call('/users', { method: 'POST', project, key: null, body: {} }), 401, guest('users.write'));
    await expectError(
      call('/users', { method: 'POST', project, key: project.readKey, body: { email: 'bad', password: '1' } }),
      401,
      app(project.id, 'users.write'),
    );
    await expectError(call('/users', { method: 'POST', project, key: null, rawBody: '{not json' }), 401, guest('users.write'));
    await expectError(call('/users/x/status', { method: 'PATCH', project, key: project.readKey, body: { status: 9 } }), 401, app(project.id, 'users.write'));
    await expectError(call('/users/x/prefs', { method: 'PATCH', project, key: null, body: { prefs: 'bad-string' } }), 401, guest('users.write'));
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('project errors win over auth and parameter errors', async () => {
    await expectError(call('/users?limit=abc', { key: null }), 400, PROJECT);
    await expectError(call('/users', { method: 'POST', key: null, rawBody: '{not json' }), 400, PROJECT);
  });

  it('auth errors win over unknown users; parameter errors win over unknown users', async () => {
    const project = await createProject();
    await expectError(call('/users/nosuchuser', { project, key: null }), 401, guest('users.read'));
    await expectError(call('/users/nosuchuser/status', { method: 'PATCH', project, key: null, body: { status: 1 } }), 401, guest('users.write'));
    await expectError(
      call('/users/nosuchuser/status', { method: 'PATCH', project, body: { status: 7 } }),
      400,
      'Invalid status: Value must be one of (1, 2, 0)',
    );
    await expectError(call('/users/nosuchuser/status', { method: 'PATCH', project, body: { status: 1 } }), 404, 'User not found');
  });

  it('the open health route needs neither project nor key', async () => {
    const { body, status } = await callJson('/health');
    expect({ status, body }).toEqual({ status: 200, body: { status: 'OK' } });
  });
});
