// GET /v1/openapi.json asked in the 1.x dialect: its own document (contract §12), from the same
// declarations that route, validate and render its requests; real 1.x answers validate against it.
import { describe, expect, it } from 'vitest';
import { endpoints, endpoints1x } from '../../src/routes/index.ts';
import { call, createProject, createUser, expectJson } from '../helpers.ts';
import { documentedPath, expectDocumented, type OpenApiDocument } from '../openapi/support.ts';
import { FORMAT } from './support.ts';

const doc = await expectJson<OpenApiDocument>(call('/openapi.json', { project: null, headers: FORMAT }));

describe('the 1.x document', () => {
  it('lists every route of the 1.x table once, by its operationId', () => {
    const documented = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(documented).toHaveLength(endpoints1x.length);
    for (const endpoint of endpoints1x) expect(doc.paths[documentedPath(endpoint)]?.[endpoint.method.toLowerCase()]?.operationId).toBe(endpoint.operationId);
  });

  it('describes the 1.x models and error', () => {
    const { User, UserList, Session, Log, Error, UsageUsers } = doc.components.schemas;
    expect(Object.keys(User!.properties)).toEqual([
      '$id',
      '$createdAt',
      '$updatedAt',
      'name',
      'registration',
      'status',
      'labels',
      'passwordUpdate',
      'email',
      'phone',
      'emailVerification',
      'phoneVerification',
      'mfa',
      'prefs',
      'targets',
      'accessedAt',
    ]);
    expect(Object.keys(UserList!.properties)).toEqual(['total', 'users']);
    expect(Session!.properties.countryCode).toBeDefined();
    expect(Log!.properties.mode).toBeDefined();
    expect(UsageUsers).toBeDefined();
    expect(Object.keys(Error!.properties)).toEqual(['message', 'code', 'type', 'version']);
  });

  it('the 0.6 document keeps its models and routes', async () => {
    const old = await expectJson<OpenApiDocument>(call('/openapi.json', { project: null }));
    expect(Object.keys(old.components.schemas.User!.properties)).toEqual(['$id', 'email', 'emailVerification', 'status', 'registration', 'name', 'roles']);
    expect(Object.values(old.paths).flatMap((item) => Object.values(item))).toHaveLength(endpoints.length);
  });

  it('real answers validate against it', async () => {
    const project = await createProject();
    const user = await createUser(project);
    const headers = { ...FORMAT, 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    const get = (path: string) => call(path, { project: null, key: null, headers });
    await expectDocumented(doc, 'getUser', await get(`/users/${user.$id}`));
    await expectDocumented(doc, 'listUsers', await get('/users'));
    await expectDocumented(doc, 'listUserLogs', await get(`/users/${user.$id}/logs`));
    await expectDocumented(doc, 'listUserSessions', await get(`/users/${user.$id}/sessions`));
    await expectDocumented(doc, 'getUsage', await get('/users/usage'));
    await expectDocumented(doc, 'getUser', await get('/users/nosuchuser'));
  });

  it('real answers of the sessions routes (§12.4) validate against it, errors included', async () => {
    const project = await createProject();
    const user = await createUser(project);
    const asServer = { ...FORMAT, 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    const asBrowser = { ...FORMAT, 'x-appwrite-project': project.id };
    const post = (path: string, headers: Record<string, string>, body: object = {}) => call(path, { method: 'POST', project: null, key: null, headers, body });
    const session = await expectDocumented(doc, 'createUserSession', await post(`/users/${user.$id}/sessions`, asServer));
    const token = await expectDocumented(doc, 'createUserToken', await post(`/users/${user.$id}/tokens`, asServer));
    const { jwt } = await expectDocumented(doc, 'createUserJWT', await post(`/users/${user.$id}/jwts`, asServer));
    await expectDocumented(doc, 'createUserJWT', await post('/users/nosuchuser/jwts', asServer));
    await expectDocumented(doc, 'createSession', await post('/account/sessions/token', asBrowser, { userId: user.$id, secret: token.secret }));
    await expectDocumented(doc, 'createSession', await post('/account/sessions/token', asBrowser, { userId: user.$id, secret: token.secret }));
    await expectDocumented(doc, 'createEmailPasswordSession', await post('/account/sessions/email', asBrowser, { email: user.email, password: 'password' }));
    await expectDocumented(doc, 'createEmailPasswordSession', await post('/account/sessions/email', asBrowser, { email: user.email, password: 'wrong' }));
    const withSession = { ...asBrowser, 'x-appwrite-session': session.secret };
    const get = (path: string, headers: Record<string, string>) => call(path, { project: null, key: null, headers });
    await expectDocumented(doc, 'getAccount', await get('/account', withSession));
    await expectDocumented(doc, 'getAccount', await get('/account', { ...asBrowser, 'x-appwrite-jwt': `${jwt}x` }));
    await expectDocumented(doc, 'getAccountSessions', await get('/account/sessions', { ...asBrowser, 'x-appwrite-jwt': jwt }));
    await expectDocumented(doc, 'getAccountSession', await get('/account/sessions/current', withSession));
    await expectDocumented(doc, 'getAccountSession', await get('/account/sessions/nosuchsession', withSession));
    await expectDocumented(doc, 'deleteAccountSessions', await call('/account/sessions', { method: 'DELETE', project: null, key: null, headers: withSession }));
  });
});
