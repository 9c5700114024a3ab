// Tokens (contract §12.4): POST /v1/users/{userId}/tokens makes one, POST
// /v1/account/sessions/token exchanges it exactly once for a session; only a hash is stored.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { sweepExpired } from '../../src/domain/retention.ts';
import { createProject, type TestProject } from '../helpers.ts';
import { createWebhook, storedEvents } from '../webhooks/support.ts';
import { SESSION_1X_KEYS, dumpDatabase, expect1xError, insertUser, now, send1x, sessionOf, sha256, storedLogs, storedSessions } from './support.ts';

const createToken = (project: TestProject, userId: string, body: Record<string, unknown> = {}) =>
  send1x(`/users/${userId}/tokens`, { method: 'POST', project, key: project.key, body });
const exchange = (project: TestProject, userId: string, secret: string, headers: Record<string, string> = {}) =>
  send1x('/account/sessions/token', { method: 'POST', project, body: { userId, secret }, headers });

const storedTokens = async (userId: string) =>
  (await env.DB.prepare('SELECT * FROM tokens WHERE user_id = ?').bind(userId).all<{ id: string; secret_hash: string; expire: number }>()).results;

describe('POST /v1/users/{userId}/tokens', () => {
  it('answers 201 with the Token model: 6 hex characters by default, expiring in 15 minutes; only the hash is stored', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const before = now();
    const { status, body, text } = await createToken(project, userId);
    expect(status, text).toBe(201);
    expect(Object.keys(body)).toEqual(['$id', '$createdAt', 'userId', 'secret', 'expire', 'phrase']);
    expect(body).toMatchObject({ userId, phrase: '' });
    expect(body.secret).toMatch(/^[0-9a-f]{6}$/);
    const expire = Date.parse(body.expire) / 1000;
    expect(expire - before).toBeGreaterThanOrEqual(900);
    expect(expire - before).toBeLessThanOrEqual(901);
    const [stored] = await storedTokens(userId);
    expect(stored).toMatchObject({ id: body.$id, secret_hash: await sha256(body.secret) });
    expect(await dumpDatabase()).not.toContain(`"${body.secret}"`);
  });

  it('takes length 4–128 and expire 60–31536000; anything else is 400; an unknown user 404', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    expect((await createToken(project, userId, { length: 128, expire: 60 })).body.secret).toMatch(/^[0-9a-f]{128}$/);
    expect((await createToken(project, userId, { length: 4 })).body.secret).toMatch(/^[0-9a-f]{4}$/);
    for (const bad of [{ length: 3 }, { length: 129 }, { expire: 59 }, { expire: 31_536_001 }, { length: 'six' }, { expire: 1.5 }]) {
      expect1xError(await createToken(project, userId, bad), 400, 'general_argument_invalid');
    }
    expect1xError(await createToken(project, 'nobody'), 404, 'user_not_found');
    expect1xError(await send1x(`/users/${userId}/tokens`, { method: 'POST', project, key: project.readKey }), 401, 'general_unauthorized_scope');
  });

  it('is logged and announced as users.tokens.create, with the token id and never its secret', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*']);
    const userId = await insertUser(project);
    const { body } = await createToken(project, userId);
    expect((await storedLogs(userId)).map((l) => l.event)).toEqual(['users.tokens.create']);
    const events = (await storedEvents(project)).filter((e) => e.event === 'users.tokens.create');
    expect(events.map((e) => e.data)).toEqual([{ $id: body.$id }]);
  });
});

describe('POST /v1/account/sessions/token', () => {
  it('exchanges a token once for a session of provider token, with the cookies; the token is gone', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const token = (await createToken(project, userId)).body;
    const session = sessionOf(project, await exchange(project, userId, token.secret));
    expect(Object.keys(session.body)).toEqual(SESSION_1X_KEYS);
    expect(session.body).toMatchObject({ userId, provider: 'token', factors: ['token'], current: true, secret: '' });
    expect(session.response.headers.get('X-Fallback-Cookies')).toContain(session.rawValue);
    expect((await send1x('/account', { project, headers: { cookie: `a_session_${project.id}=${session.cookieValue}` } })).body.$id).toBe(userId);
    expect(await storedTokens(userId)).toEqual([]);
    expect((await storedLogs(userId)).map((l) => l.event)).toEqual(['users.tokens.create', 'account.sessions.create']);

    expect1xError(await exchange(project, userId, token.secret), 401, 'user_invalid_token');
    expect(await storedSessions(userId)).toHaveLength(1);
  });

  it('two concurrent exchanges of one token begin exactly one session', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const { secret } = (await createToken(project, userId)).body;
    const results = await Promise.all(Array.from({ length: 5 }, () => exchange(project, userId, secret)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 401, 401, 401, 401]);
    for (const r of results.filter((r) => r.status === 401)) expect1xError(r, 401, 'user_invalid_token');
    expect(await storedSessions(userId)).toHaveLength(1);
  });

  it('refuses a wrong, expired, other user’s, unknown user’s or blocked user’s token with user_invalid_token, never a 500', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const other = await insertUser(project);
    const token = (await createToken(project, userId)).body;
    expect1xError(await exchange(project, userId, token.secret === 'aaaaaa' ? 'bbbbbb' : 'aaaaaa'), 401, 'user_invalid_token');
    expect1xError(await exchange(project, other, token.secret), 401, 'user_invalid_token');
    expect1xError(await exchange(project, 'nobody', token.secret), 401, 'user_invalid_token');
    expect1xError(await exchange(project, userId, 'x'.repeat(256)), 401, 'user_invalid_token');
    expect1xError(await send1x('/account/sessions/token', { method: 'POST', project, body: { userId } }), 400, 'general_argument_invalid');
    expect1xError(
      await send1x('/account/sessions/token', { method: 'POST', project, body: { userId, secret: 'x'.repeat(257) } }),
      400,
      'general_argument_invalid',
    );

    await env.DB.prepare('UPDATE tokens SET expire = ? WHERE id = ?')
      .bind(now() - 1, token.$id)
      .run();
    expect1xError(await exchange(project, userId, token.secret), 401, 'user_invalid_token');

    const blockedToken = (await createToken(project, other)).body;
    await send1x(`/users/${other}/status`, { method: 'PATCH', project, key: project.key, body: { status: false } });
    expect(await storedTokens(other)).toEqual([]);
    await send1x(`/users/${other}/status`, { method: 'PATCH', project, key: project.key, body: { status: true } });
    expect1xError(await exchange(project, other, blockedToken.secret), 401, 'user_invalid_token');
    expect(await storedSessions(other)).toEqual([]);
  });

  it('a password change or the user’s delete ends their tokens', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const { secret } = (await createToken(project, userId)).body;
    await send1x(`/users/${userId}/password`, { method: 'PATCH', project, key: project.key, body: { password: 'new-password' } });
    expect1xError(await exchange(project, userId, secret), 401, 'user_invalid_token');
    await createToken(project, userId);
    await send1x(`/users/${userId}`, { method: 'DELETE', project, key: project.key });
    expect(await storedTokens(userId)).toEqual([]);
  });
});

describe('retention', () => {
  it('removes expired tokens and keeps live ones', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const expired = (await createToken(project, userId)).body;
    const live = (await createToken(project, userId, { expire: 3600 })).body;
    await env.DB.prepare('UPDATE tokens SET expire = ? WHERE id = ?')
      .bind(now() - 10, expired.$id)
      .run();
    const result = await sweepExpired(database(env.DB), now(), 365);
    expect(result.tokens.deleted).toBeGreaterThanOrEqual(1);
    expect((await storedTokens(userId)).map((t) => t.id)).toEqual([live.$id]);
  });
});
