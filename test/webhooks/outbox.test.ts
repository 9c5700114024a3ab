// The outbox (contract §10): an event row exists exactly when its change was stored,
// only for projects with a webhook listening, with the payload the delivery carries;
// committed events reach the queue after the response, and the sweep re-sends lost ones.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { BASE, call, callJson, createProject, createUser, expectError, type TestProject } from '../helpers.ts';
import { insertUser, send, signIn } from '../sessions/support.ts';
import { createWebhook, recordingQueue, storedEvents } from './support.ts';

// The hand-over marks rows after the response, so comparisons before/after look at ids.
const eventIds = async (project: TestProject) => (await storedEvents(project)).map((e) => e.id);

describe('events are written with their change', () => {
  it('users.create carries the created user, and nothing without a listening webhook', async () => {
    const silent = await createProject();
    await createUser(silent);
    expect(await storedEvents(silent)).toEqual([]);

    const project = await createProject();
    await createWebhook(project, ['users.create']);
    const user = await createUser(project, { name: 'Ada' });
    const [event, ...rest] = await storedEvents(project);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ event: 'users.create', userId: user.$id, projectId: project.id, time: user.registration, data: user });
  });

  it('users.update.prefs and users.update.status carry the user after the change', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*']);
    const userId = await insertUser(project);
    expect((await callJson(`/users/${userId}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1 } } })).status).toBe(200);
    const { body: user } = await callJson(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } });
    const events = await storedEvents(project);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['users.update.prefs', { ...user, status: 0 }],
      ['users.update.status', user],
    ]);
    expect(user.status).toBe(2);
  });

  it('edits carry the user after the change, users.delete the user as it was; a refused edit makes none', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*']);
    const taken = await createUser(project, { email: 'taken@example.com' });
    const userId = await insertUser(project);
    const edit = async (field: string, body: object) => (await callJson(`/users/${userId}/${field}`, { method: 'PATCH', project, body })).body;
    const renamed = await edit('name', { name: 'Renamed' });
    await expectError(call(`/users/${userId}/email`, { method: 'PATCH', project, body: { email: taken.email } }), 409, 'User already registered');
    const readdressed = await edit('email', { email: 'new.address@example.com' });
    const verified = await edit('verification', { emailVerification: true });
    const repassworded = await edit('password', { password: 'another password' });
    expect((await call(`/users/${userId}`, { method: 'DELETE', project })).status).toBe(204);
    const events = (await storedEvents(project)).filter((e) => e.userId === userId);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['users.update.name', renamed],
      ['users.update.email', readdressed],
      ['users.update.verification', verified],
      ['users.update.password', repassworded],
      ['users.delete', repassworded],
    ]);
    expect(readdressed).toMatchObject({ name: 'Renamed', email: 'new.address@example.com' });
  });

  it('imported users are users.create events, one per user created, none for a skipped record', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.create']);
    const single = await callJson('/users/md5', {
      method: 'POST',
      project,
      body: { userId: 'unique()', email: 'md5@example.com', password: '5f4dcc3b5aa765d61d8327deb882cf99' },
    });
    expect(single.status).toBe(201);
    const bulk = await callJson('/users/import', {
      method: 'POST',
      project,
      body: {
        users: [
          { userId: 'first', email: 'first@example.com' },
          { userId: 'dup', email: 'md5@example.com' },
          { email: 'second@example.com', name: 'Second' },
        ],
      },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.sum).toBe(2);
    const events = await storedEvents(project);
    expect(events.map((e) => [e.event, e.userId, e.data])).toEqual([
      ['users.create', single.body.$id, single.body],
      ...bulk.body.users.map((u: { $id: string }) => ['users.create', u.$id, { ...u, roles: [] }]),
    ]);
  });

  it('sign-in and sign-out carry the session id; users.sessions.delete lists the ended sessions, and only when one ended', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*', 'account.sessions.create', 'account.sessions.delete']);
    const userId = await insertUser(project, { email: 'sam@example.com' });
    const first = await signIn(project, 'sam@example.com');
    const second = await signIn(project, 'sam@example.com');
    const third = await signIn(project, 'sam@example.com');
    expect((await send(`/account/sessions/${first.id}`, { method: 'DELETE', project, session: first })).status).toBe(204);
    // One session by id, an unknown one (nothing ends: no event), then all that are left.
    expect((await callJson(`/users/${userId}/sessions/${second.id}`, { method: 'DELETE', project })).status).toBe(200);
    expect((await callJson(`/users/${userId}/sessions/nosuchsession`, { method: 'DELETE', project })).status).toBe(200);
    expect((await callJson(`/users/${userId}/sessions`, { method: 'DELETE', project })).status).toBe(200);
    expect((await callJson(`/users/${userId}/sessions`, { method: 'DELETE', project })).status).toBe(200);

    const events = await storedEvents(project);
    expect(events.map((e) => [e.event, e.userId, e.data])).toEqual([
      ['account.sessions.create', userId, { $id: first.id }],
      ['account.sessions.create', userId, { $id: second.id }],
      ['account.sessions.create', userId, { $id: third.id }],
      ['account.sessions.delete', userId, { $id: first.id }],
      ['users.sessions.delete', userId, { sessions: [second.id] }],
      ['users.sessions.delete', userId, { sessions: [third.id] }],
    ]);
  });

  it('a webhook hears only what it subscribed to, in its own project', async () => {
    const project = await createProject();
    const other = await createProject();
    await createWebhook(project, ['account.sessions.create']);
    await createWebhook(other, ['users.*']);
    await createUser(project);
    expect(await storedEvents(project)).toEqual([]);
    expect(await storedEvents(other)).toEqual([]);
  });

  it('never carries a password, hash, session token or prefs', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*', 'account.sessions.create']);
    const user = await createUser(project, { email: 'secretive@example.com', password: 'hunter22' });
    await callJson(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { private: 'prefs-value' } } });
    const session = await signIn(project, 'secretive@example.com', 'hunter22');
    const { results } = await env.DB.prepare('SELECT data FROM webhook_events WHERE project_id = ?').bind(project.id).all<{ data: string }>();
    const hash = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?').bind(user.$id).first<string>('password_hash');
    expect(results).toHaveLength(3);
    for (const { data } of results) for (const secret of ['hunter22', hash!, session.secret, 'prefs-value']) expect(data).not.toContain(secret);
  });
});

describe('a refused or failed change makes no event', () => {
  it('prefs merged over 64 KiB: 400, the batch rolls back, no event', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*']);
    const userId = await insertUser(project);
    const big = 'x'.repeat(40_000);
    expect((await callJson(`/users/${userId}/prefs`, { method: 'PATCH', project, body: { prefs: { a: big } } })).status).toBe(200);
    const events = await eventIds(project);
    await expectError(
      call(`/users/${userId}/prefs`, { method: 'PATCH', project, body: { prefs: { b: big } } }),
      400,
      'Invalid prefs: Merged prefs must be at most 64 KiB of JSON',
    );
    expect(await eventIds(project)).toEqual(events);
    expect(events).toHaveLength(1);
  });

  it('a duplicate email (409), an unknown user (404) and a refused key (401) make none', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.*']);
    await createUser(project, { email: 'taken@example.com' });
    const before = await eventIds(project);
    expect((await callJson('/users', { method: 'POST', project, body: { email: 'TAKEN@example.com', password: 'password' } })).status).toBe(409);
    expect((await callJson('/users/nosuchuser/status', { method: 'PATCH', project, body: { status: 1 } })).status).toBe(404);
    expect((await callJson('/users/nosuchuser/prefs', { method: 'PATCH', project, body: { prefs: {} } })).status).toBe(404);
    expect((await callJson('/users', { method: 'POST', project, key: project.readKey, body: { email: 'new@example.com', password: 'password' } })).status).toBe(
      401,
    );
    expect(await eventIds(project)).toEqual(before);
    expect(before).toHaveLength(1);
  });

  it('a sign-in whose token cannot be stored leaves no event (the compensation takes it back)', async () => {
    const project = await createProject();
    await createWebhook(project, ['account.sessions.create']);
    await insertUser(project, { email: 'kvdown@example.com' });
    const failingKv = { ...env.SESSIONS, put: async () => Promise.reject(new Error('KV down')) } as unknown as KVNamespace;
    const request = new Request(`${BASE}/account/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id },
      body: JSON.stringify({ email: 'kvdown@example.com', password: 'password' }),
    });
    const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, SESSIONS: failingKv }, createExecutionContext());
    expect(response.status).toBe(500);
    expect(await storedEvents(project)).toEqual([]);
  });
});

/** POST /v1/users for the Worker's fetch handler called directly (so a test can give it its own env). */
function createUserRequest(project: TestProject, email: string) {
  const request = new Request(`${BASE}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key },
    body: JSON.stringify({ email, password: 'password' }),
  });
  return request as Parameters<typeof worker.fetch>[0];
}

describe('hand-over to the queue', () => {
  it('sends committed events after the response and marks them handed over', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.create']);
    const { sent, queue } = recordingQueue();
    const ctx = createExecutionContext();
    const response = await worker.fetch(createUserRequest(project, 'queued@example.com'), { ...env, WEBHOOK_EVENTS: queue }, ctx);
    expect(response.status).toBe(201);
    await waitOnExecutionContext(ctx);
    const [event] = await storedEvents(project);
    expect(sent).toEqual([{ eventId: event!.id }]);
    expect(event!.queued).toEqual(expect.any(Number));
  });

  it('a lost send leaves the event unmarked, and the scheduled sweep re-sends it once', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.create']);
    const ctx = createExecutionContext();
    const response = await worker.fetch(createUserRequest(project, 'lost@example.com'), { ...env, WEBHOOK_EVENTS: recordingQueue({ fail: true }).queue }, ctx);
    // The client never notices: the change is stored, the send is the sweep's business now.
    expect(response.status).toBe(201);
    await waitOnExecutionContext(ctx);
    const [event] = await storedEvents(project);
    expect(event!.queued).toBeNull();

    // Within the grace period the sweep leaves it to an announcement still in flight.
    const sweeper = recordingQueue();
    await worker.scheduled(createScheduledController(), { ...env, WEBHOOK_EVENTS: sweeper.queue });
    expect(sweeper.sent.filter((m) => m.eventId === event!.id)).toEqual([]);

    await env.DB.prepare('UPDATE webhook_events SET time = time - 61 WHERE id = ?').bind(event!.id).run();
    await worker.scheduled(createScheduledController(), { ...env, WEBHOOK_EVENTS: sweeper.queue });
    await worker.scheduled(createScheduledController(), { ...env, WEBHOOK_EVENTS: sweeper.queue });
    expect(sweeper.sent.filter((m) => m.eventId === event!.id)).toEqual([{ eventId: event!.id }]);
    expect((await storedEvents(project))[0]!.queued).toEqual(expect.any(Number));
  });
});

// Deployed limits (test/setup/deployed-limits.ts): one sendBatch holds at most 100 messages, one
// statement binds at most 100 parameters. Both broke the outbox once 100 events waited.
describe('hand-over within the deployed limits', () => {
  it('the sweep hands over a backlog of 150 events, in batches the queue accepts', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.create']);
    const userId = await insertUser(project);
    const old = Math.floor(Date.now() / 1000) - 3600;
    const ids = Array.from({ length: 150 }, (_, i) => `backlog${i.toString().padStart(3, '0')}`);
    await env.DB.batch(
      ids.map((id) =>
        env.DB.prepare(`INSERT INTO webhook_events (id, project_id, event, user_id, time, data) VALUES (?, ?, 'users.create', ?, ?, '{}')`).bind(
          id,
          project.id,
          userId,
          old,
        ),
      ),
    );
    const sweeper = recordingQueue();
    await worker.scheduled(createScheduledController(), { ...env, WEBHOOK_EVENTS: sweeper.queue });
    expect(
      sweeper.sent
        .map((m) => m.eventId)
        .filter((id) => id.startsWith('backlog'))
        .sort(),
    ).toEqual(ids);
    expect((await storedEvents(project)).filter((e) => e.queued === null)).toEqual([]);
  });

  it('a bulk import of 150 users hands over its 150 events, and marks every one', async () => {
    const project = await createProject();
    await createWebhook(project, ['users.create']);
    const { queue, sent } = recordingQueue();
    const ctx = createExecutionContext();
    const users = Array.from({ length: 150 }, (_, i) => ({ email: `bulk${i}@example.com` }));
    const request = new Request(`${BASE}/users/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key },
      body: JSON.stringify({ users }),
    }) as Parameters<typeof worker.fetch>[0];
    const response = await worker.fetch(request, { ...env, WEBHOOK_EVENTS: queue }, ctx);
    expect(((await response.json()) as { sum: number }).sum).toBe(150);
    await waitOnExecutionContext(ctx);
    const events = await storedEvents(project);
    expect(events).toHaveLength(150);
    expect(sent.map((m) => m.eventId).sort()).toEqual(events.map((e) => e.id).sort());
    expect(events.filter((e) => e.queued === null)).toEqual([]);
  });
});
