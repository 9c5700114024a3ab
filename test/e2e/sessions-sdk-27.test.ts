// Sessions for today's apps (contract §12.4) through node-appwrite 27.1.0 against a real
// `wrangler dev`: the SSR flow (a server with its key signs the user in, keeps the secret,
// then acts as the user with setSession), tokens, JWTs and server-made sessions.
import { randomBytes } from 'node:crypto';
import { Account, Client, ID, Users } from 'node-appwrite-27';
import { describe, expect, inject, it } from 'vitest';
import { expectType } from './sdk.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');

const domain = `${randomBytes(4).toString('hex')}.sessions27.test`;
const email = (local: string) => `${local}@${domain}`;
const admin = () => new Client().setEndpoint(endpoint).setProject(projectId).setKey(key);
const users = new Users(admin());
const asSession = (secret: string) => new Account(new Client().setEndpoint(endpoint).setProject(projectId).setSession(secret));
const asJwt = (jwt: string) => new Account(new Client().setEndpoint(endpoint).setProject(projectId).setJWT(jwt));

async function newUser(local: string) {
  return users.create({ userId: ID.unique(), email: email(local), password: 'password123', name: local });
}

describe('node-appwrite 27.1.0 sessions', () => {
  it('SSR: createEmailPasswordSession with the key gives the secret; setSession(secret) then account.get() is the user', async () => {
    const user = await newUser('ssr');
    const server = new Account(
      admin().setForwardedUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1',
      ),
    );
    const session = await server.createEmailPasswordSession({ email: email('ssr'), password: 'password123' });
    expect(session).toMatchObject({ userId: user.$id, provider: 'email', current: true, osName: 'iOS' });
    expect(session.secret).not.toBe('');
    const account = asSession(session.secret);
    expect((await account.get()).$id).toBe(user.$id);
    const list = await account.listSessions();
    expect(list.sessions.map((s) => [s.$id, s.current])).toEqual([[session.$id, true]]);
    await account.deleteSession({ sessionId: 'current' });
    await expectType(account.get(), 401, 'general_unauthorized_scope');
  });

  it('a wrong password is AppwriteException user_invalid_credentials', async () => {
    await newUser('wrong');
    await expectType(new Account(admin()).createEmailPasswordSession({ email: email('wrong'), password: 'not-the-password' }), 401, 'user_invalid_credentials');
  });

  it('tokens: users.createToken, then account.createSession(userId, secret) once', async () => {
    const user = await newUser('token');
    const token = await users.createToken({ userId: user.$id, length: 8, expire: 600 });
    expect(token).toMatchObject({ userId: user.$id, phrase: '' });
    expect(token.secret).toMatch(/^[0-9a-f]{8}$/);
    const session = await new Account(admin()).createSession({ userId: user.$id, secret: token.secret });
    expect(session).toMatchObject({ userId: user.$id, provider: 'token' });
    expect((await asSession(session.secret).get()).$id).toBe(user.$id);
    await expectType(new Account(admin()).createSession({ userId: user.$id, secret: token.secret }), 401, 'user_invalid_token');
  });

  it('JWTs: users.createJWT, client.setJWT, account.get; revoked with the session on the next request', async () => {
    const user = await newUser('jwt');
    const session = await users.createSession({ userId: user.$id });
    const { jwt } = await users.createJWT({ userId: user.$id, sessionId: session.$id, duration: 600 });
    const account = asJwt(jwt);
    expect((await account.get()).$id).toBe(user.$id);
    await users.deleteSession({ userId: user.$id, sessionId: session.$id });
    await expectType(account.get(), 401, 'user_jwt_invalid');
    await expectType(asJwt(`${jwt}x`).get(), 401, 'user_jwt_invalid');
  });

  it('server sessions: users.createSession gives the session value as secret; blocking ends it', async () => {
    const user = await newUser('server');
    const session = await users.createSession({ userId: user.$id });
    expect(session).toMatchObject({ userId: user.$id, provider: 'server' });
    const account = asSession(session.secret);
    expect((await account.get()).email).toBe(email('server'));
    await users.updateStatus({ userId: user.$id, status: false });
    await expectType(account.get(), 401, 'general_unauthorized_scope');
    await expectType(users.createSession({ userId: user.$id }), 401, 'user_blocked');
  });
});
