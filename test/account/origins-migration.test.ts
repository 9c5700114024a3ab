// Migration 0008 on a database with projects: each project's origins move from its JSON
// `origins` column into the project_origins index, and browsers on them keep working
// (preflight and real requests), while the project's users stay. Runs on this file's own
// copy of the second test database (REPLICA), migrated step by step, served by the Worker.
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { BASE } from '../helpers.ts';

const db = env.REPLICA;
const BEFORE = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith('0008_'));

async function send(path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(BASE + path, init) as Request<unknown, IncomingRequestCfProperties>, { ...env, DB: db }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

it('moves every project’s origins into the index; preflights and requests from them still get CORS, other origins still 403', async () => {
  expect(BEFORE).toBeGreaterThan(0);
  await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, BEFORE));
  const projects: Array<[string, string[]]> = [
    ['migrated', ['https://app.migrated.test', 'http://localhost:3000']],
    ['shared', ['https://app.migrated.test']],
    ['none', []],
  ];
  await db.batch(
    projects.map(([id, origins]) => db.prepare("INSERT INTO projects (id, name, origins, created) VALUES (?, '', ?, 1)").bind(id, JSON.stringify(origins))),
  );
  await db
    .prepare(
      "INSERT INTO users (seq, id, project_id, email, email_key, password_hash, registration) VALUES (1, 'kept', 'migrated', 'k@x.test', 'k@x.test', '', 1)",
    )
    .run();

  await applyD1Migrations(db, env.TEST_MIGRATIONS);

  const { results } = await db.prepare('SELECT project_id, origin FROM project_origins ORDER BY project_id, origin').all();
  expect(results).toEqual([
    { project_id: 'migrated', origin: 'http://localhost:3000' },
    { project_id: 'migrated', origin: 'https://app.migrated.test' },
    { project_id: 'shared', origin: 'https://app.migrated.test' },
  ]);
  const columns = await db.prepare("SELECT name FROM pragma_table_info('projects')").all<{ name: string }>();
  expect(columns.results.map((c) => c.name)).not.toContain('origins');
  expect(await db.prepare('SELECT id FROM users').all()).toMatchObject({ results: [{ id: 'kept' }] });

  for (const origin of ['https://app.migrated.test', 'http://localhost:3000']) {
    const preflight = await send('/account/sessions', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers.get('Access-Control-Allow-Origin'), origin).toBe(origin);
    // A guest on an allowed origin: 401, readable by the page.
    const account = await send('/account', { headers: { Origin: origin, 'x-appwrite-project': 'migrated' } });
    expect(account.status, origin).toBe(401);
    expect(account.headers.get('Access-Control-Allow-Origin'), origin).toBe(origin);
  }
  expect((await send('/account', { headers: { Origin: 'http://localhost:3000', 'x-appwrite-project': 'shared' } })).status).toBe(403);
  expect((await send('/account', { headers: { Origin: 'https://app.migrated.test', 'x-appwrite-project': 'none' } })).status).toBe(403);
});
