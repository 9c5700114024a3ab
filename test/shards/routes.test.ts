// Every route of both route tables (imported: a new route must get a request here the day
// it is added) on a project of the second shard (SHARD_1), beside the same request on a
// project of DB: the same status and the same shape of answer, and every row the requests
// wrote is on the project's own shard, none on the other.
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Endpoint } from '../../src/http/endpoint.ts';
import { endpoints, endpoints1x } from '../../src/routes/index.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import { createProject, type TestProject } from '../helpers.ts';
import { ARGON2, BCRYPT, FIREBASE, MD5, PHPASS, SCRYPT, SHA256_ABC } from '../fixtures/imported-hashes.ts';
import { CHEAP, sendJson, setHashCost, signIn, type Session } from '../hardening/support.ts';

vi.setConfig({ testTimeout: 60_000 });

type Dialect = '0.6' | '1.x';
const FORMAT = { 'x-appwrite-response-format': '1.6.0' };

interface Fixture {
  user: { id: string; email: string };
  session: Session;
}

/** What a route is sent: its body or query, and whether it authenticates by session instead of key. */
interface Call {
  body?: unknown;
  query?: string;
  session?: boolean;
  /** The route's :sessionId ('current' for the Account API). */
  sessionId?: 'current';
}

let n = 0;
const email = () => `sweep${n++}@example.com`;
const imported = (extra: Record<string, unknown>) => ({
  userId: 'unique()',
  email: email(),
  name: 'Imported',
  ...extra,
});

/** A request for each route, by dialect, method and path. */
const CALLS: Record<string, (dialect: Dialect) => Call> = {
  'GET /health': () => ({}),
  'GET /users': () => ({ query: 'search=sweep' }),
  'POST /users': (d) => ({ body: d === '1.x' ? { userId: 'unique()', email: email(), password: 'password123' } : { email: email(), password: 'password' } }),
  'POST /users/bcrypt': () => ({ body: imported({ password: BCRYPT }) }),
  'POST /users/argon2': () => ({ body: imported({ password: ARGON2 }) }),
  'POST /users/scrypt': () => ({ body: imported(SCRYPT) }),
  'POST /users/scrypt-modified': () => ({ body: imported(FIREBASE) }),
  'POST /users/sha': () => ({ body: imported({ password: SHA256_ABC, passwordVersion: 'sha256' }) }),
  'POST /users/md5': () => ({ body: imported({ password: MD5 }) }),
  'POST /users/phpass': () => ({ body: imported({ password: PHPASS }) }),
  'POST /users/import': () => ({ body: { users: [{ email: email(), name: 'Bulk' }] } }),
  'GET /users/export': () => ({}),
  'GET /users/usage': () => ({ query: 'range=24h' }),
  'GET /users/:userId': () => ({}),
  'DELETE /users/:userId': () => ({}),
  'GET /users/:userId/prefs': () => ({}),
  'PATCH /users/:userId/prefs': () => ({ body: { prefs: { theme: 'dark' } } }),
  'PATCH /users/:userId/status': (d) => ({ body: { status: d === '1.x' ? false : 2 } }),
  'PUT /users/:userId/labels': () => ({ body: { labels: ['vip'] } }),
  'PATCH /users/:userId/name': () => ({ body: { name: 'Renamed' } }),
  'PATCH /users/:userId/email': () => ({ body: { email: email() } }),
  'PATCH /users/:userId/phone': () => ({ body: { number: `+1415555${String(1000 + n++).slice(-4)}` } }),
  'PATCH /users/:userId/password': () => ({ body: { password: 'another-password' } }),
  'PATCH /users/:userId/verification': () => ({ body: { emailVerification: true } }),
  'PATCH /users/:userId/verification/phone': () => ({ body: { phoneVerification: true } }),
  'GET /users/:userId/logs': () => ({}),
  'GET /users/:userId/sessions': () => ({}),
  'DELETE /users/:userId/sessions': () => ({}),
  'DELETE /users/:userId/sessions/:sessionId': () => ({}),
  'POST /account/sessions': () => ({ session: true }),
  'GET /account': () => ({ session: true }),
  'GET /account/sessions': () => ({ session: true }),
  'DELETE /account/sessions/:sessionId': () => ({ session: true, sessionId: 'current' }),
  'POST /users/:userId/sessions': () => ({}),
  'POST /users/:userId/tokens': () => ({ body: {} }),
  'POST /users/:userId/jwts': () => ({ body: { sessionId: 'recent' } }),
  'POST /account/sessions/email': () => ({ session: true }),
  'POST /account/sessions/token': () => ({ session: true }),
  'GET /account/sessions/:sessionId': () => ({ session: true, sessionId: 'current' }),
  'DELETE /account/sessions': () => ({ session: true }),
  'GET /docs': () => ({}),
  'GET /openapi.json': () => ({}),
};

/** A sign-in's body: the password, or a token made for the user just before. */
async function signInWith(path: string, project: TestProject, user: Fixture['user']): Promise<unknown> {
  if (path !== '/account/sessions/token') return { email: user.email, password: 'password' };
  const token = await sendJson(`/users/${user.id}/tokens`, { method: 'POST', project, headers: FORMAT, body: {} });
  expect(token.status).toBe(201);
  return { userId: user.id, secret: token.body.secret };
}

/** The answer's structure: keys and value types, not values (ids and times differ between projects). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return typeof value;
}

async function fixture(project: TestProject): Promise<Fixture> {
  const address = email();
  const created = await sendJson('/users', { method: 'POST', project, body: { email: address, password: 'password', name: 'Sweep' } });
  expect(created.status).toBe(201);
  return { user: { id: created.body.$id, email: address }, session: await signIn(project, address) };
}

async function run(dialect: Dialect, endpoint: Endpoint, project: TestProject) {
  const call = CALLS[`${endpoint.method} ${endpoint.path}`]!(dialect);
  const { user, session } = await fixture(project);
  const path = endpoint.path.replace(':userId', user.id).replace(':sessionId', call.sessionId ?? session.id);
  const signInBody = endpoint.method === 'POST' && endpoint.path.startsWith('/account/sessions') ? await signInWith(endpoint.path, project, user) : undefined;
  const answer = await sendJson(path + (call.query ? `?${call.query}` : ''), {
    method: endpoint.method,
    project: call.session ? project.id : project,
    cookie: call.session && !signInBody ? session.cookie : undefined,
    headers: dialect === '1.x' ? FORMAT : {},
    body: signInBody ?? call.body,
  });
  return { status: answer.status, shape: answer.body === undefined ? answer.text.slice(0, 15) : shape(answer.body), body: answer.body };
}

const TABLES = ['users', 'sessions', 'tokens', 'audit_logs', 'webhook_events', 'usage_counts', 'user_labels', 'webhooks'];

async function rowsOf(db: D1Database, projectId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = (await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?`).bind(projectId).first<number>('n'))!;
  return counts;
}

let onDb: TestProject;
let onShard: TestProject;
let restoreHashCost: () => void;

beforeAll(async () => {
  restoreHashCost = setHashCost(CHEAP);
  onDb = await createProject();
  onShard = await createProject({ shard: 'SHARD_1' });
  // A webhook on each, so the routes' events are written to the outbox too.
  for (const [project, db] of [
    [onDb, env.DB],
    [onShard, env.SHARD_1],
  ] as const) {
    const { sql } = await createWebhookSql(
      { projectId: project.id, url: 'http://127.0.0.1:9/hook', events: ['users.*', 'account.sessions.create'], name: '' },
      env.WEBHOOK_SECRET_KEY,
      true,
    );
    await db.prepare(sql).run();
  }
});
afterAll(() => restoreHashCost());

describe('every route on a project of the second shard', () => {
  it('every route of both tables has a request in this sweep', () => {
    const routes = [...endpoints, ...endpoints1x].map((e) => `${e.method} ${e.path}`);
    expect(routes.filter((r) => !(r in CALLS))).toEqual([]);
  });

  for (const [dialect, table] of [
    ['0.6', endpoints],
    ['1.x', endpoints1x],
  ] as const) {
    for (const endpoint of table) {
      it(`${dialect} ${endpoint.method} ${endpoint.path}: as on DB`, async () => {
        if (!(`${endpoint.method} ${endpoint.path}` in CALLS)) return;
        const [a, b] = [await run(dialect, endpoint, onDb), await run(dialect, endpoint, onShard)];
        expect(b.status, JSON.stringify(b.body)).toBeLessThan(300);
        expect(b.status).toBe(a.status);
        expect(b.shape).toEqual(a.shape);
      });
    }
  }

  it("wrote the shard project's rows on SHARD_1 only, and the DB project's on DB only", async () => {
    const [shardOnShard, shardOnDb, dbOnDb, dbOnShard] = await Promise.all([
      rowsOf(env.SHARD_1, onShard.id),
      rowsOf(env.DB, onShard.id),
      rowsOf(env.DB, onDb.id),
      rowsOf(env.SHARD_1, onDb.id),
    ]);
    for (const table of TABLES) expect(shardOnShard[table], table).toBeGreaterThan(0);
    expect(shardOnShard).toEqual(dbOnDb);
    expect(Object.values(shardOnDb).every((count) => count === 0)).toBe(true);
    expect(Object.values(dbOnShard).every((count) => count === 0)).toBe(true);
  });

  it("keeps each shard's user counter and search index exact", async () => {
    for (const [project, db] of [
      [onShard, env.SHARD_1],
      [onDb, env.DB],
    ] as const) {
      const counted = await db.prepare('SELECT user_count AS n FROM projects WHERE id = ?').bind(project.id).first<number>('n');
      const actual = await db.prepare('SELECT count(*) AS n FROM users WHERE project_id = ?').bind(project.id).first<number>('n');
      expect(counted).toBe(actual);
      await db.prepare("INSERT INTO users_fts(users_fts) VALUES('integrity-check')").run();
    }
  });
});
