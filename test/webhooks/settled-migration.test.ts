// Migration 0007 on a database with webhook history: events already handed over with
// nothing left to deliver count as settled (so the stalled-event sweep does not re-send
// the whole history); one still pending, or never handed over, does not. Runs on this
// file's own copy of the second test database (REPLICA), migrated step by step.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { createProjectSql } from '../../src/domain/admin.ts';

const db = env.REPLICA;
const BEFORE = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith('0007_'));

it('marks handed-over events without a pending delivery settled at their hand-over time, and no others', async () => {
  expect(BEFORE).toBeGreaterThan(0);
  await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, BEFORE));
  await db.prepare(createProjectSql('history', 'History', [])).run();
  const event = (id: string, queued: number | null) =>
    db
      .prepare("INSERT INTO webhook_events (id, project_id, event, user_id, time, data, queued) VALUES (?, 'history', 'users.create', 'u', 100, '{}', ?)")
      .bind(id, queued);
  const delivery = (eventId: string, status: string) =>
    db
      .prepare(
        "INSERT INTO webhook_deliveries (event_id, webhook_id, project_id, status, attempts, created, updated) VALUES (?, 'hook', 'history', ?, 1, 100, 100)",
      )
      .bind(eventId, status);
  await db.batch([
    db.prepare(
      "INSERT INTO webhooks (id, project_id, url, events, secret, created) VALUES ('hook', 'history', 'https://example.com/h', '[\"users.*\"]', 'v1.x.y', 1)",
    ),
    event('delivered', 200),
    event('failed', 300),
    event('pending', 400),
    event('no-webhook-then', 500),
    event('never-handed-over', null),
    delivery('delivered', 'delivered'),
    delivery('failed', 'failed'),
    delivery('pending', 'pending'),
  ]);

  await applyD1Migrations(db, env.TEST_MIGRATIONS);

  const { results } = await db.prepare('SELECT id, queued, settled FROM webhook_events ORDER BY rowid').all();
  expect(results).toEqual([
    { id: 'delivered', queued: 200, settled: 200 },
    { id: 'failed', queued: 300, settled: 300 },
    { id: 'pending', queued: 400, settled: null },
    { id: 'no-webhook-then', queued: 500, settled: 500 },
    { id: 'never-handed-over', queued: null, settled: null },
  ]);
});
