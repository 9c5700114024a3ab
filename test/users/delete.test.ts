// DELETE /v1/users/{userId} (contract §9.1): 204 with an empty body; the user, prefs,
// sessions (tokens refused on the very next request), logs and search entries are gone,
// `sum` drops, every /users/{userId}… route is 404, and the email can be registered again.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { eraseSettledUserEvents } from '../../src/db/webhooks.ts';
import {
  call,
  callJson,
  createProject,
  createUser,
  databaseSnapshot,
  expectError,
  expectJson,
  storedUser,
  storedUserCount,
  type TestProject,
} from '../helpers.ts';
import { accountStatus, count, fastUser, sha256, signIn } from '../hardening/support.ts';
import { createWebhook, deliver, receiver, storedDeliveries, storedEvents } from '../webhooks/support.ts';

const remove = (project: TestProject, id: string) => call(`/users/${encodeURIComponent(id)}`, { method: 'DELETE', project, body: {} });

describe('DELETE /v1/users/{userId}', () => {
  it('erases the user with prefs, sessions, logs and search entries; 204, empty body', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'Gone.Soon@Example.com', name: 'Gustav Gone', prefs: '{"theme":"dark"}' });
    const keep = await fastUser(project, { email: 'stays@example.com', name: 'Gustav Stays' });
    const sessions = [await signIn(project, user.email), await signIn(project, user.email)];
    const kept = await signIn(project, keep.email);
    expect((await expectJson(call('/users?search=gustav', { project }))).sum).toBe(2);

    const response = await remove(project, user.id);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('Content-Type')).toBeNull();

    // Tokens fail on the very next request, and KV forgot them.
    for (const s of sessions) {
      expect(await accountStatus(s)).toBe(401);
      expect(await env.SESSIONS.get(`session:${await sha256(s.secret)}`)).toBeNull();
    }
    expect(await storedUser(user.id)).toBeNull();
    expect(await count('SELECT count(*) AS n FROM sessions WHERE project_id = ? AND user_id = ?', project.id, user.id)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM audit_logs WHERE project_id = ? AND user_id = ?', project.id, user.id)).toBe(0);
    // The other user keeps everything.
    expect(await accountStatus(kept)).toBe(200);
    expect(await count('SELECT count(*) AS n FROM audit_logs WHERE user_id = ?', keep.id)).toBe(1);

    // sum, the counter and search no longer count the user.
    expect(await storedUserCount(project)).toBe(1);
    expect(await expectJson(call('/users', { project }))).toMatchObject({ sum: 1, users: [{ $id: keep.id }] });
    expect(await expectJson(call('/users?search=gustav', { project }))).toMatchObject({ sum: 1, users: [{ $id: keep.id }] });
    expect((await expectJson(call('/users?search=gone.soon@example.com', { project }))).sum).toBe(0);
    // The index agrees with the users table (rank 1: checked against the content table).
    expect((await env.DB.prepare("INSERT INTO users_fts(users_fts, rank) VALUES('integrity-check', 1)").run()).success).toBe(true);

    // Every /users/{userId}… route is 404.
    const routes: Array<[string, string, unknown?]> = [
      ['GET', ''],
      ['GET', '/prefs'],
      ['GET', '/logs'],
      ['GET', '/sessions'],
      ['PATCH', '/prefs', { prefs: { a: 1 } }],
      ['PATCH', '/status', { status: 1 }],
      ['PATCH', '/name', { name: 'x' }],
      ['PATCH', '/email', { email: 'x@example.com' }],
      ['PATCH', '/password', { password: 'password' }],
      ['PATCH', '/verification', { emailVerification: true }],
      ['DELETE', '/sessions', {}],
      ['DELETE', `/sessions/${sessions[0]!.id}`, {}],
      ['DELETE', '', {}],
    ];
    const before = await databaseSnapshot();
    for (const [method, suffix, body] of routes) {
      await expectError(call(`/users/${user.id}${suffix}`, { method, project, body }), 404, 'User not found');
    }
    expect(await databaseSnapshot()).toEqual(before);

    // The email can be registered again, in any case, and signs in as the new user.
    const again = await expectJson(call('/users', { method: 'POST', project, body: { email: 'gone.soon@example.com', password: 'password2' } }), 201);
    expect(again.$id).not.toBe(user.id);
    expect((await signIn(project, 'GONE.SOON@example.com', 'password2')).userId).toBe(again.$id);
    expect((await expectJson(call('/users?search=gone.soon@example.com', { project }))).sum).toBe(1);
  });

  it('an unknown user, or one of another project, is 404 User not found and changes nothing', async () => {
    const project = await createProject();
    const other = await createProject();
    const foreign = await fastUser(other, { email: 'foreign.delete@example.com' });
    const session = await signIn(other, foreign.email);
    const before = await databaseSnapshot();
    await expectError(remove(project, 'unknown'), 404, 'User not found');
    await expectError(remove(project, foreign.id), 404, 'User not found');
    expect(await databaseSnapshot()).toEqual(before);
    expect(await accountStatus(session)).toBe(200);
  });

  it('needs users.write: a read-only key is 401 and nothing is deleted', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'guarded@example.com' });
    await expectError(
      call(`/users/${user.id}`, { method: 'DELETE', project, key: project.readKey }),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.write)`,
    );
    expect(await storedUser(user.id)).not.toBeNull();
  });

  it('works without a body, and does not shadow DELETE /users/{userId}/sessions (nor is shadowed by it)', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'routes@example.com' });
    const session = await signIn(project, user.email);
    expect(await expectJson(call(`/users/${user.id}/sessions`, { method: 'DELETE', project }))).toEqual({ result: 'success' });
    expect(await storedUser(user.id)).not.toBeNull();
    expect(await accountStatus(session)).toBe(401);
    const response = await call(`/users/${user.id}`, { method: 'DELETE', project });
    expect(response.status).toBe(204);
    expect(await storedUser(user.id)).toBeNull();
  });

  describe('webhook events (delete erases; delivery stays at least once)', () => {
    let restore = () => {};
    afterEach(() => restore());

    it('a delivered event loses its data in the same batch; one still to deliver, and users.delete, are delivered whole and then lose it; other users keep theirs', async () => {
      const project = await createProject();
      const hook = await createWebhook(project, ['users.*']);
      const user = await createUser(project, { email: 'erase.me@example.com', name: 'Erin Erased' });
      const keep = await createUser(project, { email: 'keep.me@example.com', name: 'Kim Kept' });
      const { body: renamed } = await callJson(`/users/${user.$id}/name`, { method: 'PATCH', project, body: { name: 'Erin Renamed' } });
      const [created, kept, rename] = await storedEvents(project);
      let failing = false;
      const r = receiver(() => (failing ? 500 : 200));
      restore = r.restore;
      await deliver([created!.id, kept!.id]);
      failing = true;
      await deliver([rename!.id]); // still pending: the endpoint fails

      expect((await remove(project, user.$id)).status).toBe(204);

      const afterDelete = await storedEvents(project);
      const deleted = afterDelete[3]!;
      expect(afterDelete.map((e) => [e.event, e.userId, e.data])).toEqual([
        ['users.create', user.$id, null],
        ['users.create', keep.$id, keep],
        ['users.update.name', user.$id, renamed],
        ['users.delete', user.$id, renamed],
      ]);
      // The erased event's delivery record stays (webhook deliveries lists it).
      expect(await storedDeliveries(created!.id)).toEqual([{ webhookId: hook.id, status: 'delivered', attempts: 1, lastStatus: 200, lastError: null }]);

      failing = false;
      expect((await deliver([rename!.id, deleted.id])).explicitAcks.sort()).toEqual(['m0', 'm1']);
      const bodies = r.received.slice(-2).map((got) => JSON.parse(got.body));
      expect(bodies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ event: 'users.update.name', userId: user.$id, data: renamed }),
          expect.objectContaining({ event: 'users.delete', userId: user.$id, data: renamed }),
        ]),
      );
      expect((await storedEvents(project)).map((e) => [e.event, e.data, e.settled === null])).toEqual([
        ['users.create', null, false],
        ['users.create', keep, false],
        ['users.update.name', null, false],
        ['users.delete', null, false],
      ]);
      expect(await count("SELECT count(*) AS n FROM webhook_events WHERE data LIKE '%erase.me%' OR data LIKE '%Erin%'")).toBe(0);
    });
  });
});

describe('the erase of webhook events in a delete', () => {
  it("seeks the user's events by index, never walking the project's", async () => {
    const { sql, params } = eraseSettledUserEvents(database(env.DB), 'p', 'u').toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    expect(results.map((r) => r.detail).join('\n')).toMatch(/SEARCH webhook_events USING INDEX webhook_events_user \(project_id=\? AND user_id=\?\)/);
  });
});
