// POST /v1/users/{userId}/sessions (contract §12.4): a session made by a server, whose
// `secret` is the session value a browser or a server's client then authenticates with.
import { describe, expect, it } from 'vitest';
import { createProject, type TestProject } from '../helpers.ts';
import { createWebhook, storedEvents } from '../webhooks/support.ts';
import { CHROME_UA, SESSION_1X_KEYS, expect1xError, insertUser, send1x, sha256, storedLogs, storedSessions } from './support.ts';

const createSession = (project: TestProject, userId: string, key = project.key, headers: Record<string, string> = {}) =>
  send1x(`/users/${userId}/sessions`, { method: 'POST', project, key, headers });

describe('POST /v1/users/{userId}/sessions', () => {
  it('answers 201 with a Session of provider server whose secret is the cookie value; only its hash is stored', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const { status, body, text } = await createSession(project, userId, project.key, { 'User-Agent': CHROME_UA });
    expect(status, text).toBe(201);
    expect(Object.keys(body)).toEqual(SESSION_1X_KEYS);
    expect(body).toMatchObject({ userId, provider: 'server', factors: ['server'], current: true, clientName: 'Chrome' });
    const decoded = JSON.parse(atob(body.secret)) as { id: string; secret: string };
    expect(decoded.id).toBe(userId);
    const [stored] = await storedSessions(userId);
    expect(stored).toMatchObject({ id: body.$id, provider: 'server', token_hash: await sha256(decoded.secret) });
    expect(JSON.stringify(stored)).not.toContain(decoded.secret);

    for (const headers of [{ cookie: `a_session_${project.id}=${encodeURIComponent(body.secret)}` }, { 'x-appwrite-session': body.secret }] as Record<
      string,
      string
    >[]) {
      const account = await send1x('/account', { project, headers });
      expect(account.body.$id).toBe(userId);
    }
    const listed = await send1x(`/users/${userId}/sessions`, { project, key: project.key });
    expect(listed.body.sessions).toEqual([expect.objectContaining({ $id: body.$id, provider: 'server', secret: '' })]);
  });

  it('is logged (mode admin) and announced as users.sessions.create', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*']);
    const userId = await insertUser(project);
    const { body } = await createSession(project, userId);
    expect((await storedLogs(userId)).map((l) => l.event)).toEqual(['users.sessions.create']);
    const logs = await send1x(`/users/${userId}/logs`, { project, key: project.key });
    expect(logs.body.logs[0]).toMatchObject({ event: 'users.sessions.create', mode: 'admin' });
    const events = (await storedEvents(project)).filter((e) => e.event === 'users.sessions.create');
    expect(events.map((e) => e.data)).toEqual([{ $id: body.$id }]);
  });

  it('404 for an unknown user, 401 user_blocked for a blocked one, 401 without users.write', async () => {
    const project = await createProject();
    expect1xError(await createSession(project, 'nobody'), 404, 'user_not_found');
    const blocked = await insertUser(project, { status: 2 });
    expect1xError(await createSession(project, blocked), 401, 'user_blocked');
    expect(await storedSessions(blocked)).toEqual([]);
    const userId = await insertUser(project);
    expect1xError(await createSession(project, userId, project.readKey), 401, 'general_unauthorized_scope');
    expect1xError(await createSession(project, userId, ''), 401, 'general_unauthorized_scope');
  });

  it('counts toward MAX_SESSIONS like a sign-in: the 11th ends the oldest', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const made = [];
    for (let i = 0; i < 11; i++) made.push((await createSession(project, userId)).body);
    const live = (await storedSessions(userId)).map((s) => s.id);
    expect(live).toHaveLength(10);
    expect(live).not.toContain(made[0].$id);
    expect1xError(await send1x('/account', { project, headers: { 'x-appwrite-session': made[0].secret } }), 401, 'general_unauthorized_scope');
  });
});
