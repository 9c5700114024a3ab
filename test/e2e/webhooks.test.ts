// Webhooks end to end (contract §10): a real `wrangler dev` with Miniflare's local queue
// delivers every event to a receiver on 127.0.0.1, signed so that the official Standard
// Webhooks library verifies it; a 500 is retried with the same webhook-id; refused
// actions and other projects send nothing. Its own server and state directory, as in
// durability.test.ts, so no other file's traffic reaches the receiver.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { applyMigrations, ensureDevSecretKey, execute } from '../../scripts/lib/tools.ts';
import { createKeySql, createProjectSql } from '../../src/domain/admin.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import { admin, freePort, startServer, stop, waitForHealth } from './server.ts';

interface Delivery {
  path: string;
  at: number;
  headers: Record<string, string>;
  body: string;
}

const stateDir = mkdtempSync(join(tmpdir(), 'edge-users-webhooks-'));
const received: Delivery[] = [];
let server: ChildProcess | undefined;
let receiver: Server | undefined;
let endpoint = '';
let receiverUrl = '';
const EVENTS = 'users.*,account.sessions.create,account.sessions.delete';
const project = { projectId: `e2ehooks${randomBytes(4).toString('hex')}`, key: '', readKey: '' };
const other = { projectId: `e2eother${randomBytes(4).toString('hex')}`, key: '' };
let hook: { id: string; secret: string };
let flaky: { id: string; secret: string };

beforeAll(async () => {
  await ensureDevSecretKey();
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}/v1`;
  // The flaky endpoint answers 500 the first time it sees an event, then 200.
  const seen = new Set<string>();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      received.push({ path: request.url!, at: Date.now(), headers, body });
      const seenKey = `${request.url} ${headers['webhook-id']}`;
      const first = !seen.has(seenKey);
      seen.add(seenKey);
      response.writeHead(request.url === '/flaky' && first ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  server = startServer(port, stateDir);
  // The operator CLI's own SQL, run as one wrangler call while the server boots (each
  // CLI command is a few wrangler runs: too slow for seven of them on a busy machine).
  const prepared = (async () => {
    const target = { remote: false, persistTo: stateDir };
    const secretKey = await ensureDevSecretKey();
    const key = (projectId: string, scopes: string[]) => createKeySql(projectId, '', scopes);
    const webhook = (projectId: string, path: string, events: string) =>
      createWebhookSql({ projectId, url: `${receiverUrl}${path}`, events: events.split(','), name: path }, secretKey, true);
    const keys = [key(project.projectId, ['users.read', 'users.write']), key(project.projectId, ['users.read']), key(other.projectId, ['users.write'])];
    const hooks = [
      await webhook(project.projectId, '/hook', EVENTS),
      await webhook(project.projectId, '/flaky', 'users.create'),
      await webhook(other.projectId, '/other', 'users.create'),
    ];
    project.key = keys[0]!.secret;
    project.readKey = keys[1]!.secret;
    other.key = keys[2]!.secret;
    hook = hooks[0]!;
    flaky = hooks[1]!;
    await applyMigrations(target);
    execute(
      [createProjectSql(project.projectId, 'E2E', []), createProjectSql(other.projectId, 'Other', []), ...keys, ...hooks]
        .map((x) => (typeof x === 'string' ? x : x.sql))
        .join('\n'),
      target,
    );
  })();
  const [setup, health] = await Promise.allSettled([prepared, waitForHealth(server, endpoint)]);
  if (setup.status === 'rejected') throw setup.reason;
  if (health.status === 'rejected') throw health.reason;
}, 300_000);

afterAll(async () => {
  if (server) await stop(server);
  receiver?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function api(projectId: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${endpoint}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(received.map((r) => [r.path, r.body]))}`);
    await sleep(200);
  }
}

it('delivers every event to 127.0.0.1, signed, retried after a 500 with the same webhook-id, and nothing else', async () => {
  expect(hook.secret).toMatch(/^whsec_/);
  const listed = admin('webhook', 'list', project.projectId, '--persist-to', stateDir);

  const key = { 'x-appwrite-key': project.key };
  const created = await api(project.projectId, '/users', {
    method: 'POST',
    headers: key,
    body: { email: 'hook@example.com', password: 'password', name: 'Hook' },
  });
  expect(created.status).toBe(201);
  const userId = created.body.$id as string;
  // Refused: a duplicate, a missing scope, an unknown user. None may send anything.
  expect((await api(project.projectId, '/users', { method: 'POST', headers: key, body: { email: 'HOOK@example.com', password: 'password' } })).status).toBe(
    409,
  );
  expect(
    (
      await api(project.projectId, '/users', {
        method: 'POST',
        headers: { 'x-appwrite-key': project.readKey },
        body: { email: 'x@example.com', password: 'password' },
      })
    ).status,
  ).toBe(401);
  expect((await api(project.projectId, '/users/nosuchuser/status', { method: 'PATCH', headers: key, body: { status: 1 } })).status).toBe(404);
  // Another project's activity reaches only that project's webhook.
  expect(
    (
      await api(other.projectId, '/users', {
        method: 'POST',
        headers: { 'x-appwrite-key': other.key },
        body: { email: 'else@example.com', password: 'password' },
      })
    ).status,
  ).toBe(201);

  expect((await api(project.projectId, `/users/${userId}/prefs`, { method: 'PATCH', headers: key, body: { prefs: { plan: 'pro' } } })).status).toBe(200);
  const signIn = async () => {
    const response = await api(project.projectId, '/account/sessions', { method: 'POST', body: { email: 'hook@example.com', password: 'password' } });
    expect(response.status).toBe(201);
    return {
      id: response.body.$id as string,
      cookie: response.headers
        .getSetCookie()
        .find((c) => c.startsWith(`a_session_${project.projectId}=`))!
        .split(';')[0]!,
    };
  };
  const first = await signIn();
  expect((await api(project.projectId, '/account/sessions/current', { method: 'DELETE', headers: { cookie: first.cookie } })).status).toBe(204);
  const second = await signIn();
  expect((await api(project.projectId, `/users/${userId}/sessions`, { method: 'DELETE', headers: key })).status).toBe(200);
  const blocked = await api(project.projectId, `/users/${userId}/status`, { method: 'PATCH', headers: key, body: { status: 2 } });
  expect(blocked.status).toBe(200);
  const edit = async (field: string, body: object) => {
    const response = await api(project.projectId, `/users/${userId}/${field}`, { method: 'PATCH', headers: key, body });
    expect(response.status).toBe(200);
    return response.body;
  };
  const renamed = await edit('name', { name: 'Hooked' });
  const readdressed = await edit('email', { email: 'hooked@example.com' });
  const verified = await edit('verification', { emailVerification: true });
  const repassworded = await edit('password', { password: 'password2' });
  expect((await api(project.projectId, `/users/${userId}`, { method: 'DELETE', headers: key })).status).toBe(204);

  const expected = [
    ['users.create', created.body],
    ['users.update.prefs', created.body],
    ['account.sessions.create', { $id: first.id }],
    ['account.sessions.delete', { $id: first.id }],
    ['account.sessions.create', { $id: second.id }],
    ['users.sessions.delete', { sessions: [second.id] }],
    ['users.update.status', blocked.body],
    ['users.update.name', renamed],
    ['users.update.email', readdressed],
    ['users.update.verification', verified],
    ['users.update.password', repassworded],
    ['users.delete', repassworded],
  ];
  const toHook = await until('every event at /hook', () => {
    const got = received.filter((r) => r.path === '/hook');
    return got.length >= expected.length ? got : undefined;
  });
  const verifier = new Webhook(hook.secret);
  const bodies = toHook.map((r) => verifier.verify(r.body, r.headers) as { event: string; time: number; data: unknown });
  // Events of different requests may arrive in any order.
  const byOrder = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  expect(bodies.map((b) => [b.event, b.data]).sort(byOrder)).toEqual(expected.sort(byOrder));
  for (const [i, b] of bodies.entries()) {
    expect(b).toEqual({ event: b.event, projectId: project.projectId, userId, time: expect.any(Number), data: b.data });
    expect(toHook[i]!.headers).toMatchObject({
      'x-appwrite-webhook-event': b.event,
      'x-appwrite-webhook-project-id': project.projectId,
      'content-type': 'application/json',
    });
  }
  expect(new Set(toHook.map((r) => r.headers['webhook-id'])).size).toBe(expected.length);

  // The flaky endpoint failed once and got the same event again, later, with the same id.
  const toFlaky = await until('the retry at /flaky', () => {
    const got = received.filter((r) => r.path === '/flaky');
    return got.length >= 2 ? got : undefined;
  });
  expect(toFlaky.map((r) => r.headers['webhook-id'])).toEqual([toFlaky[0]!.headers['webhook-id'], toFlaky[0]!.headers['webhook-id']]);
  expect(toFlaky[1]!.at - toFlaky[0]!.at).toBeGreaterThanOrEqual(4_000);
  for (const r of toFlaky) expect(new Webhook(flaky.secret).verify(r.body, r.headers)).toMatchObject({ event: 'users.create', data: created.body });

  const otherDeliveries = await until("the other project's delivery", () => {
    const got = received.filter((r) => r.path === '/other');
    return got.length >= 1 ? got : undefined;
  });
  expect(JSON.parse(otherDeliveries[0]!.body)).toMatchObject({ event: 'users.create', projectId: other.projectId });

  // Nothing more arrives: refused actions sent nothing, the retried event only went to /flaky again.
  await sleep(3_000);
  expect(received.filter((r) => r.path === '/hook')).toHaveLength(expected.length);
  expect(received.filter((r) => r.path === '/flaky')).toHaveLength(2);
  expect(received.filter((r) => r.path === '/other')).toHaveLength(1);

  expect(await listed).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: hook.id, url: `${receiverUrl}/hook`, events: EVENTS.split(',') }),
      expect.objectContaining({ id: flaky.id, url: `${receiverUrl}/flaky`, events: ['users.create'] }),
    ]),
  );
  expect(JSON.stringify(await listed)).not.toContain(hook.secret);
  const deliveries = (await admin('webhook', 'deliveries', project.projectId, '--persist-to', stateDir)) as unknown as Array<Record<string, unknown>>;
  expect(deliveries.filter((d) => d.webhookId === flaky.id)).toEqual([
    expect.objectContaining({ event: 'users.create', status: 'delivered', attempts: 2, lastStatus: 204 }),
  ]);
  expect(deliveries.filter((d) => d.webhookId === hook.id && d.status === 'delivered')).toHaveLength(expected.length);
  expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([]);
}, 240_000);
