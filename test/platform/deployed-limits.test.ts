// The guards of test/setup/deployed-limits.ts: each refuses what deployed Cloudflare refuses,
// and the Worker the tests run is the guarded one (so every suite is checked by them).
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import guarded from '../setup/guarded-worker.ts';
import { DeployedLimitError, guardD1, guardKv, guardQueue, newBudget, takeViolations } from '../setup/deployed-limits.ts';
import { recordingQueue } from '../webhooks/support.ts';

// These tests break the limits on purpose; what they broke must not fail them afterwards.
let expected: string[] = [];
afterEach(() => {
  expect(takeViolations()).toEqual(expected);
  expected = [];
});
const refused = async (run: () => unknown, message: RegExp) => {
  await expect(async () => run()).rejects.toThrow(DeployedLimitError);
  const [violation] = takeViolations();
  expect(violation).toMatch(message);
};

describe('D1', () => {
  it('refuses a statement with more than 100 bound parameters, allows 100', async () => {
    const db = guardD1(env.DB, newBudget());
    const sql = (n: number) => `SELECT ${Array.from({ length: n }, () => '?').join(', ')}`;
    expect(
      await db
        .prepare(sql(100))
        .bind(...Array.from({ length: 100 }, (_, i) => i))
        .raw(),
    ).toHaveLength(1);
    await refused(() => db.prepare(sql(101)).bind(...Array.from({ length: 101 }, (_, i) => i)), /101 bound parameters/);
  });

  it('refuses a statement over 100 KB of SQL (UTF-8 bytes), on the database and in a session', async () => {
    const db = guardD1(env.DB, newBudget());
    const text = (bytes: number) => `SELECT '${'é'.repeat(bytes / 2)}'`;
    expect(await db.prepare(text(99_000)).first()).not.toBeNull();
    await refused(() => db.prepare(text(100_000)), /statement of 100009 bytes/);
    await refused(() => db.withSession('first-primary').prepare(text(100_000)), /statement of 100009 bytes/);
  });

  it('refuses the 1,001st query of an invocation, batched statements counted one by one', async () => {
    const db = guardD1(env.DB, newBudget());
    const one = () => db.prepare('SELECT 1');
    for (let i = 0; i < 10; i++) await db.batch(Array.from({ length: 99 }, one));
    const session = db.withSession('first-unconstrained');
    for (let i = 0; i < 10; i++) await session.prepare('SELECT 1').first();
    await refused(() => one().all(), /more than 1000 D1 queries in one invocation \(1001\)/);
    // A new invocation has a new budget.
    expect(await guardD1(env.DB, newBudget()).prepare('SELECT 1 AS one').first('one')).toBe(1);
  });
});

describe('KV', () => {
  it('refuses the 1,001st operation of an invocation', async () => {
    const kv = guardKv(env.SESSIONS, newBudget());
    await kv.put('k', 'v', { expirationTtl: 60 });
    await Promise.all(Array.from({ length: 998 }, () => kv.get('k')));
    await kv.delete('k');
    await refused(() => kv.list(), /more than 1000 KV operations/);
  });

  it('refuses an expirationTtl under 60 s and a key over 512 bytes', async () => {
    const kv = guardKv(env.SESSIONS, newBudget());
    await refused(() => kv.put('k', 'v', { expirationTtl: 59 }), /expirationTtl of 59 s/);
    await refused(() => kv.put('k', 'v', { expiration: Math.floor(Date.now() / 1000) + 30 }), /expiration less than 60 s ahead/);
    await refused(() => kv.get('k'.repeat(513)), /key of 513 bytes/);
  });
});

describe('Queues', () => {
  it('refuses a sendBatch of 101 messages or over 256 KB, and a message over 128 KB', async () => {
    const { queue, sent } = recordingQueue();
    const q = guardQueue(queue);
    await q.sendBatch(Array.from({ length: 100 }, (_, i) => ({ body: { eventId: `e${i}` } })));
    expect(sent).toHaveLength(100);
    await refused(() => q.sendBatch(Array.from({ length: 101 }, () => ({ body: { eventId: 'e' } }))), /sendBatch of 101 messages/);
    const big = { eventId: 'x'.repeat(100 * 1024) };
    await refused(() => q.sendBatch([{ body: big }, { body: big }, { body: big }]), /sendBatch of \d+ bytes/);
    await refused(() => q.send({ eventId: 'x'.repeat(128 * 1024) }), /queue message of \d+ bytes/);
    expect(sent).toHaveLength(100);
  });
});

describe('the Worker under test', () => {
  it('is the guarded one, also for test files that import src/index.ts', () => {
    expect(worker).toBe(guarded);
  });

  it('breaks no limit on a request it answers, and records a violation the Worker swallows', async () => {
    const response = await worker.fetch(new Request('http://localhost/v1/health') as Parameters<typeof worker.fetch>[0], env, {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext);
    expect(response.status).toBe(200);
    // A violation inside a handler that catches errors still reaches the check after the test.
    try {
      guardQueue(recordingQueue().queue).sendBatch(Array.from({ length: 101 }, () => ({ body: { eventId: 'e' } })));
    } catch {
      // swallowed, as code under test might
    }
    expected = ['deployed limit: a sendBatch of 101 messages (at most 100)'];
  });
});
