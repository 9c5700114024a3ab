// Shards (contract §13.2; src/db/shards.ts): placement of new projects, the directory,
// bookmarks per shard, CORS from the control database, and the scheduled jobs and the
// queue consumer over both of the suite's shards (DB and SHARD_1).
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import { shardUsersSql } from '../../src/db/admin-sql.ts';
import { shardDatabases } from '../../src/db/shards.ts';
import { roomiestShard } from '../../src/domain/admin.ts';
import type { EventMessage } from '../../src/domain/events.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import { BASE, createProject, type TestProject } from '../helpers.ts';
import { CHEAP, sendJson, setHashCost, signIn } from '../hardening/support.ts';
import { StaleReplica } from '../replicas/stale-replica.ts';
import { receiver, recordingQueue } from '../webhooks/support.ts';

vi.setConfig({ testTimeout: 60_000 });
let restoreHashCost: () => void;
beforeAll(() => void (restoreHashCost = setHashCost(CHEAP)));
afterAll(() => restoreHashCost());

const BOOKMARK = '[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}';
let n = 0;
const email = () => `shard${n++}@example.com`;

async function createUser(project: TestProject, extra: RequestInit['headers'] = {}) {
  const created = await sendJson('/users', {
    method: 'POST',
    project,
    body: { email: email(), password: 'password' },
    headers: extra as Record<string, string>,
  });
  expect(created.status).toBe(201);
  return created;
}

async function webhookOn(db: D1Database, project: TestProject): Promise<string> {
  const { sql, id } = await createWebhookSql(
    { projectId: project.id, url: 'http://127.0.0.1:9/hook', events: ['users.*'], name: '' },
    env.WEBHOOK_SECRET_KEY,
    true,
  );
  await db.prepare(sql).run();
  return id;
}

const count = (db: D1Database, sql: string, ...values: unknown[]) =>
  db
    .prepare(sql)
    .bind(...values)
    .first<number>('n');

describe('shards as configuration', () => {
  it('DB first, then every SHARD_* D1 binding; other bindings are not shards', () => {
    expect([...shardDatabases(env).keys()]).toEqual(['DB', 'SHARD_1']);
  });

  it('a new project goes to the shard with the fewest users, ties to DB', async () => {
    expect(roomiestShard(new Map([['DB', 0]]))).toBe('DB');
    expect(
      roomiestShard(
        new Map([
          ['DB', 3],
          ['SHARD_1', 3],
        ]),
      ),
    ).toBe('DB');
    expect(
      roomiestShard(
        new Map([
          ['DB', 3],
          ['SHARD_1', 2],
          ['SHARD_2', 2],
        ]),
      ),
    ).toBe('SHARD_1');
    // The counts the CLI reads: each shard's own users, whatever the directory rows on DB say.
    const before = {
      DB: await count(env.DB, shardUsersSql.replace('AS users', 'AS n')),
      SHARD_1: await count(env.SHARD_1, shardUsersSql.replace('AS users', 'AS n')),
    };
    const project = await createProject({ shard: 'SHARD_1' });
    await createUser(project);
    await createUser(project);
    expect(await count(env.SHARD_1, shardUsersSql.replace('AS users', 'AS n'))).toBe(before.SHARD_1! + 2);
    expect(await count(env.DB, shardUsersSql.replace('AS users', 'AS n'))).toBe(before.DB);
  });

  it("the directory sends a project's requests to its shard: a user made there is not on DB, and a DB project's not there", async () => {
    const onShard = await createProject({ shard: 'SHARD_1' });
    const onDb = await createProject();
    const a = (await createUser(onShard)).body;
    const b = (await createUser(onDb)).body;
    expect(await count(env.SHARD_1, 'SELECT count(*) AS n FROM users WHERE id = ?', a.$id)).toBe(1);
    expect(await count(env.DB, 'SELECT count(*) AS n FROM users WHERE id = ?', a.$id)).toBe(0);
    expect(await count(env.DB, 'SELECT count(*) AS n FROM users WHERE id = ?', b.$id)).toBe(1);
    expect(await count(env.SHARD_1, 'SELECT count(*) AS n FROM users WHERE id = ?', b.$id)).toBe(0);
    // Each project sees only its own users, by list and by search.
    expect((await sendJson('/users', { project: onShard })).body).toMatchObject({ sum: 1, users: [{ $id: a.$id }] });
    expect((await sendJson(`/users?search=${encodeURIComponent(a.email)}`, { project: onShard })).body).toMatchObject({ sum: 1 });
    expect((await sendJson(`/users/${b.$id}`, { project: onShard })).status).toBe(404);
  });

  it('a CORS preflight allows the origin of a project on another shard (origins live on the control database)', async () => {
    const origin = `https://app-${crypto.randomUUID().slice(0, 8)}.example`;
    const project = await createProject({ shard: 'SHARD_1', origins: [origin] });
    const preflight = await worker.fetch(
      new Request(`${BASE}/account/sessions`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }) as Parameters<
        typeof worker.fetch
      >[0],
      env,
      createExecutionContext(),
    );
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe(origin);
    const user = (await createUser(project)).body;
    const session = await signIn(project, user.email, 'password', { headers: { origin } });
    const account = await sendJson('/account', { project: project.id, cookie: session.cookie, headers: { origin } });
    expect(account.status).toBe(200);
    expect(account.response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
  });
});

describe('X-D1-Bookmark per shard', () => {
  /** A request to the Worker whose SHARD_1 is the stale-replica double (DB is real). */
  let replica: StaleReplica;
  const via = async (path: string, project: TestProject, init: { method?: string; body?: unknown; bookmark?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    if (init.bookmark) headers['x-d1-bookmark'] = init.bookmark;
    const request = new Request(BASE + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const ctx = createExecutionContext();
    const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, SHARD_1: replica.binding() } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  let project: TestProject;
  beforeAll(async () => {
    project = await createProject({ shard: 'SHARD_1' });
    replica = await StaleReplica.create(env.SHARD_1);
  });

  it("names the shard in the bookmark it hands back, and a read with it sees the write; without it, the replica's past", async () => {
    const created = await via('/users', project, { method: 'POST', body: { email: email(), password: 'password' } });
    expect(created.status).toBe(201);
    const bookmark = created.headers.get('X-D1-Bookmark')!;
    expect(bookmark).toMatch(new RegExp(`^shard_1:${BOOKMARK}$`));
    const user = (await created.json()) as { $id: string };
    expect((await via(`/users/${user.$id}`, project)).status).toBe(404);
    const fresh = await via(`/users/${user.$id}`, project, { bookmark });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('X-D1-Bookmark')).toMatch(new RegExp(`^shard_1:${BOOKMARK}$`));
    // Upper case, as a client may echo it, is the same bookmark.
    expect((await via(`/users/${user.$id}`, project, { bookmark: bookmark.toUpperCase() })).status).toBe(200);
  });

  it("a bookmark of another shard (DB's, or one this deployment lacks) is never a 400 and never reads older than the primary", async () => {
    const created = await via('/users', project, { method: 'POST', body: { email: email(), password: 'password' } });
    const user = (await created.json()) as { $id: string };
    const dbBookmark = (await createUser(await createProject())).response.headers.get('X-D1-Bookmark')!;
    expect(dbBookmark).toMatch(new RegExp(`^${BOOKMARK}$`));
    const bare = created.headers.get('X-D1-Bookmark')!.slice('shard_1:'.length);
    for (const foreign of [dbBookmark, `shard_9:${bare}`]) {
      const read = await via(`/users/${user.$id}`, project, { bookmark: foreign });
      expect(read.status, foreign).toBe(200);
      expect(read.headers.get('X-D1-Bookmark')).toMatch(new RegExp(`^shard_1:${BOOKMARK}$`));
    }
  });

  it("a DB project given a shard's bookmark answers as usual, with a bare DB bookmark; a malformed one is still 400", async () => {
    const onDb = await createProject();
    const user = (await createUser(onDb)).body;
    const shardBookmark = (await via('/users', project, { method: 'POST', body: { email: email(), password: 'password' } })).headers.get('X-D1-Bookmark')!;
    const read = await sendJson(`/users/${user.$id}`, { project: onDb, headers: { 'x-d1-bookmark': shardBookmark } });
    expect(read.status).toBe(200);
    expect(read.response.headers.get('X-D1-Bookmark')).toMatch(new RegExp(`^${BOOKMARK}$`));
    for (const bad of ['shard_1:', 'shard_1:garbage', `SHARD-1:${shardBookmark.slice(8)}`, `db:${shardBookmark.slice(8)}`]) {
      expect((await sendJson('/users', { project: onDb, headers: { 'x-d1-bookmark': bad } })).status, bad).toBe(400);
    }
  });
});

describe('the scheduled jobs and the queue consumer over every shard', () => {
  const NOW = Math.floor(Date.now() / 1000);

  async function expiredSession(db: D1Database, project: TestProject, userId: string, id: string) {
    await db
      .prepare("INSERT INTO sessions (id, project_id, user_id, token_hash, expire, created, ip, device, country) VALUES (?, ?, ?, ?, ?, 1, '', '{}', '--')")
      .bind(id, project.id, userId, `hash-${id}`, NOW - 10)
      .run();
  }

  it('retention removes expired sessions on each shard in one run, and reports per shard', async () => {
    const onShard = await createProject({ shard: 'SHARD_1' });
    const onDb = await createProject();
    const id = crypto.randomUUID().slice(0, 8);
    await expiredSession(env.SHARD_1, onShard, (await createUser(onShard)).body.$id, `s1-${id}`);
    await expiredSession(env.DB, onDb, (await createUser(onDb)).body.$id, `db-${id}`);
    const lines = vi.spyOn(console, 'log').mockImplementation(() => {});
    await worker.scheduled(createScheduledController({ scheduledTime: NOW * 1000 }), env);
    const line = lines.mock.calls.map((c) => JSON.parse(String(c[0]))).find((l) => l.job === 'retention');
    lines.mockRestore();
    expect(Object.keys(line.result)).toEqual(['DB', 'SHARD_1']);
    expect(line.result.SHARD_1.sessions.deleted).toBeGreaterThanOrEqual(1);
    expect(line.result.DB.sessions.deleted).toBeGreaterThanOrEqual(1);
    expect(await count(env.SHARD_1, 'SELECT count(*) AS n FROM sessions WHERE id = ?', `s1-${id}`)).toBe(0);
    expect(await count(env.DB, 'SELECT count(*) AS n FROM sessions WHERE id = ?', `db-${id}`)).toBe(0);
  });

  it('events are handed to the queue naming their shard; the sweep re-sends a lost one from its shard; the consumer delivers it from there', async () => {
    const project = await createProject({ shard: 'SHARD_1' });
    const webhookId = await webhookOn(env.SHARD_1, project);
    const announced = recordingQueue();
    const ctx = createExecutionContext();
    const request = new Request(`${BASE}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key },
      body: JSON.stringify({ email: email(), password: 'password' }),
    });
    expect((await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, WEBHOOK_EVENTS: announced.queue }, ctx)).status).toBe(201);
    await waitOnExecutionContext(ctx);
    const events = (
      await env.SHARD_1.prepare('SELECT id, queued FROM webhook_events WHERE project_id = ?').bind(project.id).all<{ id: string; queued: number | null }>()
    ).results;
    expect(events).toEqual([{ id: expect.any(String), queued: expect.any(Number) }]);
    expect(announced.sent).toEqual([{ eventId: events[0]!.id, shard: 'SHARD_1' }]);

    // Lost after the commit: the sweep finds it on SHARD_1 and names the shard.
    await env.SHARD_1.prepare('UPDATE webhook_events SET queued = NULL, time = time - 61 WHERE id = ?').bind(events[0]!.id).run();
    // Webhooks made after an event do not receive it: this one is older than the event still.
    await env.SHARD_1.prepare('UPDATE webhooks SET created = created - 120 WHERE id = ?').bind(webhookId).run();
    const swept = recordingQueue();
    await worker.scheduled(createScheduledController(), { ...env, WEBHOOK_EVENTS: swept.queue });
    expect(swept.sent.filter((m) => m.eventId === events[0]!.id)).toEqual([{ eventId: events[0]!.id, shard: 'SHARD_1' }]);

    const hook = receiver();
    try {
      const batch = createMessageBatch<EventMessage>('edge-users-webhooks', [{ id: 'm0', timestamp: new Date(), attempts: 1, body: swept.sent.at(-1)! }]);
      const queueCtx = createExecutionContext();
      await worker.queue(batch, env);
      const result = await getQueueResult(batch, queueCtx);
      expect(result.explicitAcks).toEqual(['m0']);
      expect(hook.received).toHaveLength(1);
    } finally {
      hook.restore();
    }
    const delivery = await env.SHARD_1.prepare('SELECT status FROM webhook_deliveries WHERE event_id = ? AND webhook_id = ?')
      .bind(events[0]!.id, webhookId)
      .first('status');
    expect(delivery).toBe('delivered');
    expect(await count(env.DB, 'SELECT count(*) AS n FROM webhook_deliveries WHERE event_id = ?', events[0]!.id)).toBe(0);
  });

  it('a message of a DB event names no shard, as before shards', async () => {
    const project = await createProject();
    await webhookOn(env.DB, project);
    const announced = recordingQueue();
    const ctx = createExecutionContext();
    const request = new Request(`${BASE}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key },
      body: JSON.stringify({ email: email(), password: 'password' }),
    });
    expect((await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, WEBHOOK_EVENTS: announced.queue }, ctx)).status).toBe(201);
    await waitOnExecutionContext(ctx);
    expect(announced.sent).toEqual([{ eventId: expect.any(String) }]);
  });
});
