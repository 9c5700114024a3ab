// The scheduled retention job (contract §9.3, §13.1), run through the Worker's own
// `scheduled` handler (under the deployed limits: at most 1,000 D1 queries a run): expired
// sessions and audit entries older than LOG_RETENTION_DAYS go, in batches that grow from
// SWEEP_BOUNDS.firstBatch rows while they come back full; fresh rows stay; every project
// follows the same rule; a backlog larger than a run's bounds drains over the next runs,
// each reporting what it removed and what remains.
import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import { database } from '../../src/db/client.ts';
import { DEFAULT_LOG_RETENTION_DAYS, SWEEP_BOUNDS, logRetentionDays, sweepExpired } from '../../src/domain/retention.ts';
import { createProject, type TestProject } from '../helpers.ts';
import { accountStatus, count, fastUser, signIn } from '../hardening/support.ts';
import { createWebhook, deliver, recordingQueue } from '../webhooks/support.ts';
import { STALL_SECONDS, recordEvent, sweepOutbox } from '../../src/domain/events.ts';
import { newSecretKey } from '../../src/domain/webhook-secrets.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';

vi.setConfig({ testTimeout: 60_000 });
afterEach(() => vi.restoreAllMocks());

const DAY = 86_400;
const NOW = 2_000_000_000; // the run's scheduled time, in seconds

async function runScheduled(vars: Partial<Env> = {}, scheduledTime = NOW * 1000): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: '*/15 * * * *' });
  await worker.scheduled(controller, { ...env, ...vars });
}

/** `n` audit entries of the user at `time`, inserted directly. */
async function insertLogs(project: TestProject, userId: string, time: number, n: number, event = 'users.update.prefs') {
  const statements = Array.from({ length: n }, () =>
    env.DB.prepare("INSERT INTO audit_logs (project_id, user_id, event, ip, time, device, country) VALUES (?, ?, ?, '', ?, '{}', '--')").bind(
      project.id,
      userId,
      event,
      time,
    ),
  );
  for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100));
}

/** `n` sessions of the user expiring at `expire`, inserted directly (no KV tokens: KV expires those itself). */
async function insertSessions(project: TestProject, userId: string, expire: number, n: number, tag: string) {
  const statements = Array.from({ length: n }, (_, i) =>
    env.DB.prepare(
      "INSERT INTO sessions (id, project_id, user_id, token_hash, expire, created, ip, device, country) VALUES (?, ?, ?, ?, ?, ?, '', '{}', '--')",
    ).bind(`${tag}-${i}`, project.id, userId, `${tag}-hash-${i}`, expire, expire - 1000),
  );
  for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100));
}

const logsOf = (project: TestProject) => count('SELECT count(*) AS n FROM audit_logs WHERE project_id = ?', project.id);
const sessionsOf = (project: TestProject) => count('SELECT count(*) AS n FROM sessions WHERE project_id = ?', project.id);

describe('the scheduled retention job', () => {
  it('removes more than one batch of expired sessions and old log entries over rounds; fresh rows stay; every project alike', async () => {
    const a = await createProject();
    const b = await createProject();
    const userA = await fastUser(a, { email: 'retention.a@example.com' });
    const userB = await fastUser(b, { email: 'retention.b@example.com' });
    const cutoff = NOW - DEFAULT_LOG_RETENTION_DAYS * DAY;
    // More expired rows than one DELETE takes, split across two projects.
    await insertLogs(a, userA.id, cutoff - 1, SWEEP_BOUNDS.firstBatch + 150);
    await insertLogs(b, userB.id, cutoff - 5 * DAY, 200);
    await insertLogs(a, userA.id, cutoff, 3, 'users.update.status'); // exactly at the retention: kept
    await insertLogs(b, userB.id, NOW - DAY, 4, 'users.update.status');
    await insertSessions(a, userA.id, NOW, SWEEP_BOUNDS.firstBatch + 20, 'expired-now'); // expire ≤ now: gone
    await insertSessions(b, userB.id, NOW - 3600, 30, 'expired-earlier');
    await insertSessions(a, userA.id, NOW + 1, 2, 'live-a');
    await insertSessions(b, userB.id, NOW + 3600, 3, 'live-b');
    const deletes: string[] = [];
    const proto = Object.getPrototypeOf(env.DB) as D1Database;
    vi.spyOn(env.DB, 'prepare').mockImplementation((query: string) => {
      if (/^delete from/i.test(query)) deletes.push(query);
      return proto.prepare.call(env.DB, query);
    });

    await runScheduled();

    vi.restoreAllMocks();
    expect(await count("SELECT count(*) AS n FROM audit_logs WHERE project_id IN (?, ?) AND event = 'users.update.prefs'", a.id, b.id)).toBe(0);
    expect(await logsOf(a)).toBe(3);
    expect(await logsOf(b)).toBe(4);
    expect((await env.DB.prepare('SELECT id FROM sessions WHERE project_id IN (?, ?) ORDER BY id').bind(a.id, b.id).all()).results.map((r) => r.id)).toEqual([
      'live-a-0',
      'live-a-1',
      'live-b-0',
      'live-b-1',
      'live-b-2',
    ]);
    // Bounded statements: sessions took 2 DELETEs (500, then 50 of up to 1,000), logs 2 (500, then 350), each with a LIMIT.
    const ofTables = deletes.filter((sql) => /^delete from "(sessions|audit_logs)"/i.test(sql));
    expect(ofTables).toHaveLength(4);
    for (const sql of deletes) expect(sql).toMatch(/limit \?/i);
  });

  it('removes webhook events older than the retention once settled (nothing left to deliver), with their deliveries; keeps unsettled ones, however old', async () => {
    const project = await createProject();
    const hook = await createWebhook(project, ['users.*']);
    const cutoff = NOW - DEFAULT_LOG_RETENTION_DAYS * DAY;
    const event = (id: string, time: number, queued: number | null, settled: number | null, delivery: 'pending' | 'delivered' | 'failed' | null) => [
      env.DB.prepare(
        "INSERT INTO webhook_events (id, project_id, event, user_id, time, data, queued, settled) VALUES (?, ?, 'users.create', 'u', ?, '{}', ?, ?)",
      ).bind(id, project.id, time, queued, settled),
      ...(delivery === null
        ? []
        : [
            env.DB.prepare('INSERT INTO webhook_deliveries (event_id, webhook_id, project_id, status, created, updated) VALUES (?, ?, ?, ?, ?, ?)').bind(
              id,
              hook.id,
              project.id,
              delivery,
              time,
              time,
            ),
          ]),
    ];
    await env.DB.batch([
      ...event('old-delivered', cutoff - 10, cutoff - 10, cutoff - 10, 'delivered'),
      ...event('old-failed', cutoff - 9, cutoff - 9, cutoff - 9, 'failed'),
      ...event('old-no-listener', cutoff - 8, cutoff - 8, cutoff - 8, null),
      ...event('old-pending', cutoff - 7, cutoff - 7, null, 'pending'), // still being retried: kept
      // Handed over, then the queue gave up before the consumer got to it (no delivery row
      // yet): the stalled-event sweep re-sends it, so it is kept.
      ...event('old-given-up', cutoff - 6, cutoff - 6, null, null),
      ...event('old-unqueued', cutoff - 5, null, null, null), // the outbox sweep's to send: kept
      ...event('recent', cutoff, cutoff, cutoff, 'delivered'), // exactly at the retention: kept
    ]);

    await runScheduled();

    const ids = (sql: string) =>
      env.DB.prepare(sql)
        .bind(project.id)
        .all<{ id: string }>()
        .then((r) => r.results.map((row) => row.id));
    expect(await ids('SELECT id FROM webhook_events WHERE project_id = ? ORDER BY time')).toEqual(['old-pending', 'old-given-up', 'old-unqueued', 'recent']);
    expect(await ids('SELECT event_id AS id FROM webhook_deliveries WHERE project_id = ? ORDER BY created')).toEqual(['old-pending', 'recent']);
    // The stalled-event sweep can still re-send the one the queue gave up on.
    const sweeper = recordingQueue();
    await sweepOutbox(database(env.DB), sweeper.queue, cutoff - 6 + STALL_SECONDS + 1);
    expect(sweeper.sent).toContainEqual({ eventId: 'old-given-up' });
  });

  it('an event whose webhook secret no longer decrypts (WEBHOOK_SECRET_KEY changed) ends settled, and is removed once older than the retention', async () => {
    const project = await createProject();
    const stale = await createWebhookSql({ projectId: project.id, url: 'http://127.0.0.1:9/stale', events: ['users.*'], name: 'stale' }, newSecretKey(), true);
    await env.DB.prepare(stale.sql).run();
    const user = await fastUser(project, { email: 'rotated.key@example.com' });
    const { id } = (
      await recordEvent(database(env.DB), { projectId: project.id, userId: user.id, event: 'users.update.name', time: Math.floor(Date.now() / 1000) })
    )[0]!;
    await env.DB.prepare('UPDATE webhook_events SET queued = time WHERE id = ?').bind(id).run();
    expect((await deliver([id])).explicitAcks).toEqual(['m0']);

    await runScheduled();

    expect(await count('SELECT count(*) AS n FROM webhook_events WHERE id = ?', id)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM webhook_deliveries WHERE event_id = ?', id)).toBe(0);
  });

  it('a backlog larger than one run’s bounds drains over several runs, each reporting what remains; nothing that should stay goes', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'backlog@example.com' });
    // A `now` before every other test's rows, so that only this test's rows are due.
    const now = 1000 + 2 * DAY;
    const cutoff = now - DAY;
    await insertLogs(project, user.id, 1000, 75);
    await insertLogs(project, user.id, cutoff, 4, 'users.update.name'); // at the retention: kept
    await insertSessions(project, user.id, now, 12, 'backlog');
    await insertSessions(project, user.id, now + 1, 3, 'live');
    // 10 + 20 + 20 rows per table per run.
    const bounds = { firstBatch: 10, maxBatch: 20, rounds: 3, budgetMs: 60_000 };
    const db = database(env.DB);
    const kept = () => count("SELECT count(*) AS n FROM audit_logs WHERE project_id = ? AND event = 'users.update.name'", project.id);
    expect(await sweepExpired(db, now, 1, bounds)).toEqual({
      sessions: { deleted: 12, remaining: 0 },
      tokens: { deleted: 0, remaining: 0 },
      logs: { deleted: 50, remaining: 25 },
      events: { deleted: 0, remaining: 0 },
    });
    expect(await logsOf(project)).toBe(25 + 4);
    expect(await sessionsOf(project)).toBe(3);
    expect(await sweepExpired(db, now, 1, bounds)).toEqual({
      sessions: { deleted: 0, remaining: 0 },
      tokens: { deleted: 0, remaining: 0 },
      logs: { deleted: 25, remaining: 0 },
      events: { deleted: 0, remaining: 0 },
    });
    expect(await kept()).toBe(4);
    expect(await sessionsOf(project)).toBe(3);
    expect(await sweepExpired(db, now, 1, bounds)).toEqual({
      sessions: { deleted: 0, remaining: 0 },
      tokens: { deleted: 0, remaining: 0 },
      logs: { deleted: 0, remaining: 0 },
      events: { deleted: 0, remaining: 0 },
    });
  });

  it('stops starting DELETEs once the run has used its time budget, and says what remains', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'budget@example.com' });
    const now = 1000 + 2 * DAY;
    await insertLogs(project, user.id, 1000, 30);
    const result = await sweepExpired(database(env.DB), now, 1, { firstBatch: 10, maxBatch: 10, rounds: 100, budgetMs: -1 });
    expect(result.logs).toEqual({ deleted: 10, remaining: 20 });
  });

  it('keeps up with a large backlog: 30,000 expired sessions and 30,000 old log entries (more than 20,000, the old per-run bound) go in one run within 1,000 queries, reported in its log line', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'large.backlog@example.com' });
    const cutoff = NOW - DEFAULT_LOG_RETENTION_DAYS * DAY;
    const rows = (n: number) => `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n}) SELECT i FROM k`;
    await env.DB.prepare(
      `INSERT INTO sessions (id, project_id, user_id, token_hash, expire, created, ip, device, country)
       SELECT 'large-' || i, ?1, ?2, 'large-hash-' || i, ?3 - i % 1000, 1, '', '[]', '--' FROM (${rows(30_000)})`,
    )
      .bind(project.id, user.id, NOW)
      .run();
    await env.DB.prepare(
      `INSERT INTO audit_logs (project_id, user_id, event, ip, time, device, country) SELECT ?1, ?2, 'users.update.prefs', '', ?3 - 1 - i % 1000, '[]', '--' FROM (${rows(30_000)})`,
    )
      .bind(project.id, user.id, cutoff)
      .run();
    await insertSessions(project, user.id, NOW + 1, 2, 'large-live');
    await insertLogs(project, user.id, cutoff, 2, 'users.update.status');
    const lines = vi.spyOn(console, 'log').mockImplementation(() => {});

    await runScheduled();

    const line = lines.mock.calls.map((c) => JSON.parse(String(c[0]))).find((l) => l.job === 'retention');
    vi.restoreAllMocks();
    // One result per shard (the project lives on DB; the suite's SHARD_1 shares the run's queries).
    expect(Object.keys(line.result)).toEqual(['DB', 'SHARD_1']);
    expect(line.result.DB.sessions).toEqual({ deleted: expect.any(Number), remaining: 0 });
    expect(line.result.DB.sessions.deleted).toBeGreaterThanOrEqual(30_000);
    expect(line.result.DB.logs.deleted).toBeGreaterThanOrEqual(30_000);
    expect(line.result.DB.logs.remaining).toBe(0);
    expect(await sessionsOf(project)).toBe(2);
    expect(await logsOf(project)).toBe(2);
  });

  it('signs nobody out early: a live session keeps working after the run', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'live.session@example.com' });
    const session = await signIn(project, user.email);
    await runScheduled({}, Date.now());
    expect(await accountStatus(session)).toBe(200);
    expect(await sessionsOf(project)).toBe(1);
    expect(await logsOf(project)).toBe(1); // its sign-in, seconds old
  });

  it('LOG_RETENTION_DAYS sets the cutoff', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'short.retention@example.com' });
    await insertLogs(project, user.id, NOW - 8 * DAY, 2);
    await insertLogs(project, user.id, NOW - 6 * DAY, 3);
    await runScheduled({ LOG_RETENTION_DAYS: '7' });
    expect(await logsOf(project)).toBe(3);
  });

  it('a bad LOG_RETENTION_DAYS fails the run loudly and removes no log entry', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'bad.retention@example.com' });
    await insertLogs(project, user.id, 1000, 2);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const bad of ['0', '-1', '1.5', 'ten', '36501']) {
      await expect(runScheduled({ LOG_RETENTION_DAYS: bad })).rejects.toThrow('scheduled jobs failed: retention');
    }
    expect(errors.mock.calls.map((c) => JSON.parse(String(c[0])).error)).toEqual(
      Array(5).fill('Error: LOG_RETENTION_DAYS must be a whole number of days from 1 to 36500'),
    );
    expect(await logsOf(project)).toBe(2);
  });

  it('reads LOG_RETENTION_DAYS as documented', () => {
    expect(logRetentionDays(undefined)).toBe(365);
    expect(logRetentionDays('')).toBe(365);
    expect(logRetentionDays('30')).toBe(30);
    expect(env.LOG_RETENTION_DAYS).toBe('365');
  });
});
