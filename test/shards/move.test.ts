// `project move` (src/domain/moves.ts), driven here as the CLI drives it, on the suite's two
// shards: the project's rows arrive whole on the target (the same rows, an exact counter, a
// sound search index), writes running during the move are either stored or refused with 503
// + Retry-After (never lost, never a wrong answer), and a move failed at any step resumes.
// Waits (the directory caches' lifetime, the cleanup delay) pass on a shifted clock.
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MOVED_TABLES } from '../../src/db/moves.ts';
import { MOVE_STEPS, moveProject, type MoveOptions, type MoveStep } from '../../src/domain/moves.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import { utf8Bytes } from '../../src/domain/chunks.ts';
import { MAX_SQL_BYTES, commandSql, wranglerD1 } from '../../scripts/lib/d1-shim.ts';
import { createProject, type TestProject } from '../helpers.ts';
import { CHEAP, sendJson, setHashCost, signIn } from '../hardening/support.ts';

vi.setConfig({ testTimeout: 120_000 });

const FORMAT = { 'x-appwrite-response-format': '1.6.0' };
const shards: Record<string, D1Database> = { DB: env.DB, SHARD_1: env.SHARD_1 };
const dbs = { control: env.DB, shard: (name: string) => shards[name]! };

// The clock the Worker's caches and the move read, shifted by each wait.
let shift = 0;
const realNow = Date.now.bind(Date);
let restoreHashCost: () => void;
beforeAll(() => {
  restoreHashCost = setHashCost(CHEAP);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
});
afterAll(() => {
  restoreHashCost();
  vi.restoreAllMocks();
});

const options = (extra: MoveOptions = {}): MoveOptions => ({
  wait: async (ms) => void (shift += ms),
  pageRows: 3,
  ...extra,
});

let n = 0;
const email = () => `move${n++}@example.com`;

/** A project on DB with users (labels, sessions, logs), a webhook and its events. */
async function populated(users = 5): Promise<TestProject> {
  const project = await createProject();
  const { sql } = await createWebhookSql(
    { projectId: project.id, url: 'http://127.0.0.1:9/hook', events: ['users.*'], name: '' },
    env.WEBHOOK_SECRET_KEY,
    true,
  );
  await env.DB.prepare(sql).run();
  for (let i = 0; i < users; i++) {
    const address = email();
    const created = await sendJson('/users', { method: 'POST', project, body: { email: address, password: 'password', name: `Person ${i}` } });
    expect(created.status).toBe(201);
    await sendJson(`/users/${created.body.$id}/labels`, { method: 'PUT', project, headers: FORMAT, body: { labels: [`l${i % 2}`] } });
    await signIn(project, address);
  }
  return project;
}

/** Every row of the project on `db`, table by table (the moved tables, and the derived labels and counter). */
async function contents(db: D1Database, projectId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [...MOVED_TABLES.map((t) => t.name), 'user_labels']) {
    const rows = (await db.prepare(`SELECT * FROM ${table} WHERE project_id = ? ORDER BY rowid`).bind(projectId).all<Record<string, unknown>>()).results;
    // Audit entries are numbered anew by the target (their order is their time's).
    out[table] = table === 'audit_logs' ? rows.map(({ seq: _seq, ...entry }) => entry) : rows;
  }
  out.count = [await db.prepare('SELECT user_count FROM projects WHERE id = ?').bind(projectId).first('user_count')];
  return out;
}

async function expectMovedWhole(before: Record<string, unknown[]>, project: TestProject, from: D1Database, to: D1Database) {
  const after = await contents(to, project.id);
  // Row for row, but the order of rowids is the target's (sessions and the like are renumbered).
  for (const table of Object.keys(before)) expect(sortRows(after[table]!), table).toEqual(sortRows(before[table]!));
  for (const table of MOVED_TABLES)
    expect(await from.prepare(`SELECT count(*) AS n FROM ${table.name} WHERE project_id = ?`).bind(project.id).first('n'), table.name).toBe(0);
  await to.prepare("INSERT INTO users_fts(users_fts) VALUES('integrity-check')").run();
  await from.prepare("INSERT INTO users_fts(users_fts) VALUES('integrity-check')").run();
  expect(await env.DB.prepare('SELECT shard FROM projects WHERE id = ?').bind(project.id).first('shard')).toBe(to === env.DB ? 'DB' : 'SHARD_1');
  expect(await env.DB.prepare('SELECT count(*) AS n FROM project_moves WHERE project_id = ?').bind(project.id).first('n')).toBe(0);
}

const sortRows = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

describe('project move', () => {
  it('moves a project to the second shard and back: the same rows, an exact counter, a sound search index, the API unchanged', async () => {
    const project = await populated();
    const signedIn = await signIn(project, (await sendJson('/users?limit=1', { project })).body.users[0].email);
    const listed = (await sendJson('/users?limit=100', { project })).body;
    const logs = (await sendJson(`/users/${listed.users[0].$id}/logs`, { project })).body;
    const before = await contents(env.DB, project.id);
    const result = await moveProject(dbs, project.id, 'SHARD_1', options());
    expect(result).toMatchObject({ source: 'DB', target: 'SHARD_1', frozenMs: expect.any(Number) });
    await expectMovedWhole(before, project, env.DB, env.SHARD_1);
    shift += 31_000; // past the directory caches
    expect((await sendJson('/users?limit=100', { project })).body).toEqual(listed);
    const search = await sendJson(`/users?search=${encodeURIComponent('Person')}`, { project });
    expect(search.body.sum).toBe(5);
    expect((await sendJson(`/users/${listed.users[0].$id}/logs`, { project })).body).toEqual(logs);
    // A session made before the move goes on working after it.
    expect((await sendJson('/account', { project: project.id, cookie: signedIn.cookie })).status).toBe(200);

    await moveProject(dbs, project.id, 'DB', options());
    await expectMovedWhole(before, project, env.SHARD_1, env.DB);
    shift += 31_000;
    expect((await sendJson('/users?limit=100', { project })).body).toEqual(listed);
  });

  it('loses no write made while it runs: each is stored, or refused with 503 and Retry-After and stored on its retry', async () => {
    const project = await populated(8);
    const outcomes: Array<{ status: number; retryAfter: string | null }> = [];
    const stored: Array<{ id: string; name: string }> = [];
    // Edits of a user the move copies early: the last stored name must be the one read after it.
    const edited = (await sendJson('/users?limit=1', { project })).body.users[0].$id as string;
    let lastName = '';
    let moving = true;
    /** A refusal is a 503; the client waits (time passes for it: the caches expire meanwhile). */
    const refused = async (answer: { status: number; text: string }) => {
      expect(answer.status, answer.text).toBe(503);
      shift += 1_000;
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const writer = (async () => {
      for (let i = 0; moving || i < 2; i++) {
        // A steady trickle of writes, each step of the move meets some.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const body = { email: email(), password: 'password', name: `During ${i}` };
        // A client that honours Retry-After: the same request again until it is stored.
        for (;;) {
          const created = await sendJson('/users', { method: 'POST', project, body });
          outcomes.push({ status: created.status, retryAfter: created.response.headers.get('Retry-After') });
          if (created.status === 201) {
            stored.push({ id: created.body.$id, name: body.name });
            break;
          }
          await refused(created);
        }
        for (;;) {
          const renamed = await sendJson(`/users/${edited}/name`, { method: 'PATCH', project, body: { name: `Renamed ${i}` } });
          outcomes.push({ status: renamed.status, retryAfter: renamed.response.headers.get('Retry-After') });
          if (renamed.status === 200) {
            lastName = `Renamed ${i}`;
            break;
          }
          await refused(renamed);
        }
      }
    })();
    const result = await moveProject(
      dbs,
      project.id,
      'SHARD_1',
      options({
        // Each step leaves the writer a moment to write.
        onStep: () => new Promise((resolve) => setTimeout(resolve, 10)),
      }),
    );
    moving = false;
    await writer;
    expect(result.frozenMs).not.toBeNull();
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set([200, 201, 503]));
    for (const o of outcomes.filter((x) => x.status === 503)) expect(o.retryAfter).toBe('5');
    // Every stored write is on the target, readable by its id and counted.
    shift += 31_000;
    for (const { id, name } of stored) expect((await sendJson(`/users/${id}`, { project })).body).toMatchObject({ $id: id, name });
    expect((await sendJson(`/users/${edited}`, { project })).body.name).toBe(lastName);
    expect((await sendJson('/users?limit=1', { project })).body.sum).toBe(8 + stored.length);
    expect(await env.SHARD_1.prepare('SELECT count(*) AS n FROM users WHERE project_id = ?').bind(project.id).first('n')).toBe(8 + stored.length);
    expect(await env.DB.prepare('SELECT count(*) AS n FROM users WHERE project_id = ?').bind(project.id).first('n')).toBe(0);
    await env.SHARD_1.prepare("INSERT INTO users_fts(users_fts) VALUES('integrity-check')").run();
  });

  it('a refused write says so in both dialects: 503, Retry-After, nothing stored', async () => {
    const project = await populated(1);
    await env.DB.prepare('UPDATE projects SET frozen = 1 WHERE id = ?').bind(project.id).run();
    try {
      const old = await sendJson('/users', { method: 'POST', project, body: { email: email(), password: 'password' } });
      expect(old.status).toBe(503);
      expect(old.body).toEqual({ message: 'The project is moving to another database; retry shortly', code: 503, version: expect.any(String) });
      expect(old.response.headers.get('Retry-After')).toBe('5');
      const next = await sendJson('/users', {
        method: 'POST',
        project,
        headers: FORMAT,
        body: { userId: 'unique()', email: email(), password: 'password123' },
      });
      expect(next.status).toBe(503);
      expect(next.body).toMatchObject({ code: 503, type: 'general_service_unavailable' });
      expect(await env.DB.prepare('SELECT count(*) AS n FROM users WHERE project_id = ?').bind(project.id).first('n')).toBe(1);
      // Reads go on.
      expect((await sendJson('/users', { project })).status).toBe(200);
    } finally {
      await env.DB.prepare('UPDATE projects SET frozen = 0 WHERE id = ?').bind(project.id).run();
    }
  });

  for (const failing of MOVE_STEPS) {
    it(`resumes after a failure as ${failing} begins, and ends with the project whole on the target`, async () => {
      const project = await populated(4);
      const before = await contents(env.DB, project.id);
      let failed = false;
      const failAt = (step: MoveStep) => {
        if (step === failing && !failed) {
          failed = true;
          throw new Error(`forced failure at ${step}`);
        }
      };
      await expect(moveProject(dbs, project.id, 'SHARD_1', options({ onStep: failAt }))).rejects.toThrow(`forced failure at ${failing}`);
      expect(await env.DB.prepare('SELECT step FROM project_moves WHERE project_id = ?').bind(project.id).first('step')).toBe(failing);
      await moveProject(dbs, project.id, 'SHARD_1', options());
      await expectMovedWhole(before, project, env.DB, env.SHARD_1);
    });
  }

  it('resumes after a failure in the middle of a step (a batch of the copy, of the install)', async () => {
    for (const failOn of [2, 9]) {
      const project = await populated(6);
      const before = await contents(env.DB, project.id);
      let batches = 0;
      const flaky = new Proxy(env.SHARD_1, {
        get(target, property) {
          if (property === 'batch')
            return (statements: D1PreparedStatement[]) => {
              if (++batches === failOn) throw new Error('D1_ERROR: Network connection lost.');
              return target.batch(statements);
            };
          const value = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      await expect(moveProject({ control: env.DB, shard: (name) => (name === 'SHARD_1' ? flaky : env.DB) }, project.id, 'SHARD_1', options())).rejects.toThrow(
        'Network connection lost',
      );
      await moveProject(dbs, project.id, 'SHARD_1', options());
      await expectMovedWhole(before, project, env.DB, env.SHARD_1);
    }
  });

  it('refuses a move to where the project is, to another shard while one is under way, and of an unknown project', async () => {
    const project = await populated(1);
    await expect(moveProject(dbs, project.id, 'DB', options())).rejects.toThrow(`project ${project.id} is on DB already`);
    const stop = (step: MoveStep) => {
      if (step === 'copy') throw new Error('stopped');
    };
    await expect(moveProject(dbs, project.id, 'SHARD_1', options({ onStep: stop }))).rejects.toThrow('stopped');
    await expect(moveProject(dbs, project.id, 'DB', options())).rejects.toThrow(`project ${project.id} is moving to SHARD_1 already`);
    await moveProject(dbs, project.id, 'SHARD_1', options());
    await expect(moveProject(dbs, 'nope', 'SHARD_1', options())).rejects.toThrow('no project nope');
  });

  it("through the CLI's inlined SQL, keeps every call within D1's 100 KB however many apostrophes its rows hold", async () => {
    const project = await populated(3);
    // 20,000 apostrophes a user: each doubles in a literal, so three users' rows are over 100 KB of SQL.
    const listed = (await sendJson('/users?limit=100', { project })).body.users as Array<{ $id: string }>;
    for (const user of listed) {
      const patched = await sendJson(`/users/${user.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { note: "'".repeat(20_000) } } });
      expect(patched.status).toBe(200);
    }
    const before = await contents(env.DB, project.id);
    const calls: number[] = [];
    // As scripts/lib/projects.ts moveProjectTo with --remote: one --command per batch (the rows hold no ";\n").
    const cli = (db: D1Database) =>
      wranglerD1(async (sql) => {
        calls.push(utf8Bytes(commandSql(sql)));
        const results = await db.batch(sql.split(';\n').map((statement) => db.prepare(statement)));
        return results.map((r) => r.results as Record<string, unknown>[]);
      });
    const viaCli = { control: cli(env.DB), shard: (name: string) => cli(shards[name]!) };
    await moveProject(viaCli, project.id, 'SHARD_1', options({ batchBytes: MAX_SQL_BYTES - 10_000 }));
    await expectMovedWhole(before, project, env.DB, env.SHARD_1);
    expect(Math.max(...calls)).toBeLessThanOrEqual(MAX_SQL_BYTES);
    // The page of three users needed more than one call, and more than half of 100 KB went in one.
    expect(Math.max(...calls)).toBeGreaterThan(MAX_SQL_BYTES / 2);
  });
});
