// MAX_SESSIONS (contract §13.1): a session beyond the cap ends the user's oldest live one in
// the same batch; its token is refused on the next request, and the ending is logged and
// announced like any other (`account.sessions.delete`, data {"$id"}). Concurrent session
// starts never leave more than MAX_SESSIONS live sessions.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { SIGN_IN_ENTRIES_KEPT } from '../../src/db/audit.ts';
import { database } from '../../src/db/client.ts';
import { beginSession } from '../../src/domain/sessions.ts';
import { DEFAULT_MAX_SESSIONS, maxSessions } from '../../src/domain/session-config.ts';
import { passwordHashIs } from '../../src/db/sessions.ts';
import { parseUserAgent } from '../../src/domain/user-agent.ts';
import { createProject, expectError, expectJson, type TestProject } from '../helpers.ts';
import { createWebhook, storedEvents } from '../webhooks/support.ts';
import { CHROME_UA, GUEST_ACCOUNT, credentialsValue, emailOf, insertSessions, insertUser, now, send, signIn, type InsertedSession } from './support.ts';

const MAX = 10;

const liveSessionIds = async (userId: string) =>
  (
    await env.DB.prepare('SELECT id FROM sessions WHERE user_id = ? AND expire > ? ORDER BY created DESC, id DESC').bind(userId, now()).all<{ id: string }>()
  ).results.map((r) => r.id);

async function expectRefused(project: TestProject, sessions: InsertedSession[]) {
  for (const session of sessions) await expectError(send('/account', { project, session }), 401, GUEST_ACCOUNT);
}

describe('the log of a user who signs in often', () => {
  it('keeps the newest 20 entries of each sign-in event, and every change made to the user, whatever the number of sign-ins', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const email = await emailOf(userId);
    const t = now() - 100_000;
    const entry = (event: string, time: number) =>
      env.DB.prepare("INSERT INTO audit_logs (project_id, user_id, event, ip, time, device, country) VALUES (?, ?, ?, '', ?, '[]', '--')").bind(
        project.id,
        userId,
        event,
        time,
      );
    // Changes first (the oldest entries), then 60 sign-ins, endings and failures in turn.
    await env.DB.batch(['users.create', 'users.update.name', 'users.update.password'].map((event, i) => entry(event, t + i)));
    const kinds = ['account.sessions.create', 'account.sessions.delete', 'account.sessions.failed'];
    await env.DB.batch(Array.from({ length: 90 }, (_, i) => entry(kinds[i % 3]!, t + 10 + i)));
    await signIn(project, email);
    expect((await send('/account/sessions', { method: 'POST', project, body: { email, password: 'wrong-password' } })).status).toBe(401);

    const logs = await expectJson<any[]>(send(`/users/${userId}/logs?limit=100`, { project, key: project.readKey }));
    const counts = Object.fromEntries(
      [...kinds, 'users.create', 'users.update.name', 'users.update.password'].map((e) => [e, logs.filter((l) => l.event === e).length]),
    );
    expect(counts).toEqual({
      'account.sessions.create': SIGN_IN_ENTRIES_KEPT,
      'account.sessions.delete': SIGN_IN_ENTRIES_KEPT,
      'account.sessions.failed': SIGN_IN_ENTRIES_KEPT,
      'users.create': 1,
      'users.update.name': 1,
      'users.update.password': 1,
    });
    expect(SIGN_IN_ENTRIES_KEPT).toBe(20);
    // The newest of each kind stayed: today's sign-in and failure lead the log.
    expect(logs.slice(0, 2).map((l) => l.event)).toEqual(['account.sessions.failed', 'account.sessions.create']);
    expect(logs.at(-1).event).toBe('users.create');
  });
});

describe('MAX_SESSIONS', () => {
  it('is 10 in every environment (wrangler.toml), as Appwrite; unset means 10, a bad value fails loudly', () => {
    expect(env.MAX_SESSIONS).toBe(String(MAX));
    expect(DEFAULT_MAX_SESSIONS).toBe(MAX);
    expect(maxSessions(undefined)).toBe(MAX);
    expect(maxSessions(' ')).toBe(MAX);
    expect(maxSessions('3')).toBe(3);
    for (const bad of ['0', '-1', '2.5', 'ten']) expect(() => maxSessions(bad), bad).toThrow('MAX_SESSIONS must be a whole number ≥ 1');
  });

  it('the 11th sign-in ends the oldest session: its token is refused on the next request, the other ten work; logged and announced', async () => {
    const project = await createProject();
    await createWebhook(project, ['account.sessions.delete', 'account.sessions.create']);
    const userId = await insertUser(project);
    // Ten live sessions as sign-ins write them, the i-th i seconds older than the first.
    const existing = await insertSessions(project, userId, MAX);
    const oldest = existing.at(-1)!;
    expect((await expectJson(send('/account', { project, session: oldest }))).$id).toBe(userId);

    const fresh = await signIn(project, await emailOf(userId), 'password', { headers: { 'User-Agent': CHROME_UA } });

    await expectRefused(project, [oldest]);
    for (const session of [fresh, ...existing.slice(0, -1)]) expect((await expectJson(send('/account', { project, session }))).$id).toBe(userId);
    // (The newest fixture session and the fresh one may share a second: compared as sets.)
    const kept = [fresh.id, ...existing.slice(0, -1).map((s) => s.id)].sort();
    expect((await liveSessionIds(userId)).sort()).toEqual(kept);
    const listed = await expectJson<any[]>(send(`/users/${userId}/sessions`, { project, key: project.readKey }));
    expect(listed.map((s) => s.$id).sort()).toEqual(kept);
    // The 1.x dialect sees the same ten: the ended one is gone from its list and its total.
    const listed1x = await expectJson<{ total: number; sessions: any[] }>(
      send(`/users/${userId}/sessions`, { project, key: project.readKey, headers: { 'x-appwrite-response-format': '1.6.0' } }),
    );
    expect(listed1x.total).toBe(MAX);
    expect(listed1x.sessions.map((s) => s.$id).sort()).toEqual(kept);

    const logs = await expectJson<any[]>(send(`/users/${userId}/logs`, { project, key: project.readKey }));
    // Newest first: the ending is written right after the sign-in's entry.
    expect(logs.map((l) => l.event)).toEqual(['account.sessions.delete', 'account.sessions.create']);
    // The ending carries the request that caused it, like every entry.
    expect(logs[0]).toMatchObject({ OS: { name: 'Windows' }, client: { name: 'Chrome' }, device: 0 });
    const events = (await storedEvents(project)).map((e) => [e.event, e.data]);
    expect(events).toEqual(
      expect.arrayContaining([
        ['account.sessions.create', { $id: fresh.id }],
        ['account.sessions.delete', { $id: oldest.id }],
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it('a user below the cap loses nothing; expired sessions do not count', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const existing = await insertSessions(project, userId, MAX - 1);
    await env.DB.prepare(
      "INSERT INTO sessions (id, project_id, user_id, token_hash, expire, created, ip, device, country) VALUES ('expired', ?, ?, 'expired-hash', ?, ?, '', '{}', '--')",
    )
      .bind(project.id, userId, now() - 10, now() - 100)
      .run();
    const fresh = await signIn(project, await emailOf(userId));
    expect((await liveSessionIds(userId)).sort()).toEqual([fresh.id, ...existing.map((s) => s.id)].sort());
    const logs = await expectJson<any[]>(send(`/users/${userId}/logs`, { project, key: project.readKey }));
    expect(logs.map((l) => l.event)).toEqual(['account.sessions.create']);
  });

  it('concurrent sign-ins never leave more than MAX_SESSIONS live sessions; the newest stay, every ended token is refused', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const existing = await insertSessions(project, userId, 5);
    const email = await emailOf(userId);
    // 8 at once: within the per-email limit (10 a minute).
    const fresh = await Promise.all(Array.from({ length: 8 }, () => signIn(project, email)));
    const live = await liveSessionIds(userId);
    expect(live).toHaveLength(MAX);
    expect(live).toEqual(expect.arrayContaining(fresh.map((s) => s.id)));
    expect(live).toEqual(expect.arrayContaining(existing.slice(0, 2).map((s) => s.id)));
    await expectRefused(project, existing.slice(2));
    const deletes = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE user_id = ? AND event = 'account.sessions.delete'")
      .bind(userId)
      .first<{ n: number }>();
    expect(deletes!.n).toBe(3);
  });

  it('concurrent session starts of the batch piece itself (every way a session begins) hold the cap of 3', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const { password_hash: verifiedHash } = (await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
      .bind(userId)
      .first<{ password_hash: string }>())!;
    const db = database(env.DB);
    const stores = { db, kv: env.SESSIONS, primary: () => db, events: { announce() {} } };
    const actor = { ip: '192.0.2.7', device: parseUserAgent(CHROME_UA), country: 'us' };
    const project0 = { seq: 0, id: project.id, name: '', origins: [], shard: 'DB', movedAt: 0 };
    const start = {
      project: project0,
      userId,
      guard: passwordHashIs(verifiedHash),
      provider: 'email' as const,
      actor,
      settings: { lifetimeSeconds: 3600, maxSessions: 3 },
    };
    const begun = await Promise.all(Array.from({ length: 20 }, () => beginSession(stores, { ...start, now: now() })));
    expect(begun.every((b) => b !== null)).toBe(true);
    const live = await liveSessionIds(userId);
    expect(live).toHaveLength(3);
    // The ended ones are refused (a KV token put after a racing batch ended its session included: D1 decides).
    const asSession = (b: (typeof begun)[number]) => ({ projectId: project.id, cookieValue: credentialsValue(userId, b!.credentials.secret) });
    for (const b of begun) {
      const response = await send('/account', { project, session: asSession(b) });
      expect(response.status, b!.id).toBe(live.includes(b!.id) ? 200 : 401);
    }
    const ended = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE user_id = ? AND event = 'account.sessions.delete'")
      .bind(userId)
      .first<{ n: number }>();
    expect(ended!.n).toBe(17);
  });
});
