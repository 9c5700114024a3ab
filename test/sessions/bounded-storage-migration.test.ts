// Migration 0009 on a database with sessions and logs from before it: rows that hold the
// parsed device as the keyed JSON object still read as before, every route that touches
// sessions and logs still answers, and the new bounds take hold at the user's next sign-in
// (MAX_SESSIONS ends the oldest sessions; each sign-in event keeps its newest 20 entries).
// Runs on this file's own copy of the second test database (REPLICA), migrated step by step.
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { SIGN_IN_ENTRIES_KEPT } from '../../src/db/audit.ts';
import { createKeySql, createProjectSql } from '../../src/domain/admin.ts';
import { OFFLINE } from '../../src/domain/hash-admission.ts';
import { hashPassword } from '../../src/domain/passwords.ts';
import worker from '../../src/index.ts';
import { BASE } from '../helpers.ts';
import { CHROME_DEVICE, IPHONE_UA, credentialsValue, now, sha256 } from './support.ts';

const db = env.REPLICA;
const BEFORE = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith('0009_'));
const PROJECT = 'bounded';
const USER = 'legacy';
const LEGACY_DEVICE = JSON.stringify(CHROME_DEVICE);

async function send(path: string, init: { method?: string; key?: string; secret?: string; body?: unknown; ua?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-appwrite-project': PROJECT, 'cf-connecting-ip': '192.0.2.9' };
  if (init.key) headers['x-appwrite-key'] = init.key;
  if (init.secret) headers.cookie = `a_session_${PROJECT}=${credentialsValue(USER, init.secret)}`;
  if (init.ua) headers['user-agent'] = init.ua;
  const request = new Request(BASE + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, DB: db }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as any), response };
}

it('keeps every session and log entry readable, and bounds the user from the next sign-in on', async () => {
  expect(BEFORE).toBeGreaterThan(0);
  await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, BEFORE));
  await db.prepare(createProjectSql(PROJECT, PROJECT, [])).run();
  const key = createKeySql(PROJECT, 'all', ['users.read', 'users.write']);
  await db.prepare(key.sql).run();
  const hash = await hashPassword('password', OFFLINE, { m: 64, t: 1, p: 1 });
  await db
    .prepare(
      "INSERT INTO users (seq, id, project_id, email, email_key, password_hash, registration) VALUES (1, ?, ?, 'legacy@example.com', 'legacy@example.com', ?, 1700000000)",
    )
    .bind(USER, PROJECT, hash)
    .run();
  // 12 live sessions (more than MAX_SESSIONS: none was capped then), the first the newest, with their KV tokens.
  const start = now();
  const sessions = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const secret = `${i}`.padStart(64, 'a');
      return { id: `old-${String(i).padStart(2, '0')}`, secret, hash: await sha256(secret), created: start - 100 - i };
    }),
  );
  await db.batch(
    sessions.map((s) =>
      db
        .prepare(
          "INSERT INTO sessions (id, project_id, user_id, token_hash, expire, created, ip, device, country) VALUES (?, ?, ?, ?, ?, ?, '192.0.2.1', ?, 'us')",
        )
        .bind(s.id, PROJECT, USER, s.hash, start + 3600, s.created, LEGACY_DEVICE),
    ),
  );
  for (const s of sessions) {
    await env.SESSIONS.put(`session:${s.hash}`, JSON.stringify({ sessionId: s.id, userId: USER, projectId: PROJECT, expire: start + 3600 }), {
      expiration: start + 3600,
    });
  }
  // 40 sign-ins and 3 changes in the log, older than the sessions.
  const log = (event: string, time: number) =>
    db
      .prepare("INSERT INTO audit_logs (project_id, user_id, event, ip, time, device, country) VALUES (?, ?, ?, '192.0.2.1', ?, ?, 'us')")
      .bind(PROJECT, USER, event, time, LEGACY_DEVICE);
  await db.batch([
    ...Array.from({ length: 3 }, (_, i) => log('users.update.name', start - 10_000 - i)),
    ...Array.from({ length: 40 }, (_, i) => log('account.sessions.create', start - 1000 - i)),
  ]);

  await applyD1Migrations(db, env.TEST_MIGRATIONS);

  // Old rows read as they did.
  const newest = sessions[0]!;
  expect((await send('/account', { secret: newest.secret })).body.$id).toBe(USER);
  const own = await send('/account/sessions', { secret: newest.secret });
  expect(own.body).toHaveLength(12);
  expect(own.body[0]).toEqual({ $id: newest.id, ip: '192.0.2.1', ...CHROME_DEVICE, geo: { isoCode: 'us', country: 'United States' }, current: true });
  const listed = await send(`/users/${USER}/sessions`, { key: key.secret });
  expect(listed.body.map((s: any) => s.$id)).toEqual(sessions.map((s) => s.id));
  const logs = await send(`/users/${USER}/logs?limit=100`, { key: key.secret });
  expect(logs.body).toHaveLength(43);
  expect(logs.body[0]).toEqual({
    event: 'account.sessions.create',
    ip: '192.0.2.1',
    time: start - 1000,
    ...CHROME_DEVICE,
    geo: { isoCode: 'us', country: 'United States' },
  });

  // The next sign-in ends all but the newest 9 old sessions; the log keeps 20 sign-ins, and the changes.
  const signedIn = await send('/account/sessions', { method: 'POST', body: { email: 'legacy@example.com', password: 'password' }, ua: IPHONE_UA });
  expect(signedIn.status).toBe(201);
  const fresh = JSON.parse(atob(decodeURIComponent(signedIn.response.headers.getSetCookie()[0]!.split(';')[0]!.split('=')[1]!))).secret as string;
  expect((await send('/account', { secret: sessions[8]!.secret })).status).toBe(200);
  for (const ended of sessions.slice(9)) expect((await send('/account', { secret: ended.secret })).status, ended.id).toBe(401);
  const after = await send(`/users/${USER}/sessions`, { key: key.secret });
  expect(after.body.map((s: any) => s.$id)).toEqual([signedIn.body.$id, ...sessions.slice(0, 9).map((s) => s.id)]);
  expect(after.body[0]).toMatchObject({ OS: { name: 'iOS' }, device: 1 });
  const events = (await send(`/users/${USER}/logs?limit=100`, { key: key.secret })).body.map((l: any) => l.event);
  const counts = Object.fromEntries(
    ['account.sessions.create', 'account.sessions.delete', 'users.update.name'].map((e) => [e, events.filter((x: string) => x === e).length]),
  );
  expect(counts).toEqual({ 'account.sessions.create': SIGN_IN_ENTRIES_KEPT, 'account.sessions.delete': 3, 'users.update.name': 3 });

  // The other routes that touch sessions and logs.
  expect((await send(`/users/${USER}/name`, { method: 'PATCH', key: key.secret, body: { name: 'Legacy' } })).status).toBe(200);
  expect((await send('/account/sessions/current', { method: 'DELETE', secret: sessions[1]!.secret })).status).toBe(204);
  expect((await send(`/users/${USER}/sessions/${sessions[2]!.id}`, { method: 'DELETE', key: key.secret })).status).toBe(200);
  expect((await send(`/users/${USER}/status`, { method: 'PATCH', key: key.secret, body: { status: 2 } })).status).toBe(200);
  expect((await send('/account', { secret: fresh })).status).toBe(401);
  expect((await send(`/users/${USER}`, { method: 'DELETE', key: key.secret })).status).toBe(204);
  expect(await db.prepare('SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM audit_logs) AS n').first('n')).toBe(0);
});
