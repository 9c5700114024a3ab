// Durability: users, prefs, sessions and logs survive a restart of the local server.
// This file runs its own `wrangler dev` on its own state directory, so it can stop and
// start it without disturbing the shared server of the other e2e files.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCredentials, freePort, startServer, stop, waitForHealth } from './server.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'edge-users-durability-'));
let server: ChildProcess | undefined;
let endpoint = '';
let port = 0;
let credentials: { projectId: string; key: string };

async function start(): Promise<void> {
  server = startServer(port, stateDir);
  await waitForHealth(server, endpoint);
}

beforeAll(async () => {
  port = await freePort();
  endpoint = `http://127.0.0.1:${port}/v1`;
  credentials = await createCredentials(stateDir);
  await start();
}, 120_000);

afterAll(async () => {
  if (server) await stop(server);
  rmSync(stateDir, { recursive: true, force: true });
});

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${endpoint}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': credentials.projectId, ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

it('keeps users, prefs, sessions and logs across a restart', async () => {
  const withKey = { 'x-appwrite-key': credentials.key };
  const user = await api('/users', { method: 'POST', headers: withKey, body: { email: 'durable@example.com', password: 'password', name: 'Durable' } });
  expect(user.status).toBe(201);
  const userId = user.body.$id as string;
  expect((await api(`/users/${userId}/prefs`, { method: 'PATCH', headers: withKey, body: { prefs: { theme: 'dark' } } })).body).toEqual({ theme: 'dark' });
  const signIn = await api('/account/sessions', { method: 'POST', body: { email: 'durable@example.com', password: 'password' } });
  expect(signIn.status).toBe(201);
  const session = { 'x-fallback-cookies': signIn.headers.get('x-fallback-cookies')! };
  expect((await api('/account', { headers: session })).status).toBe(200);
  const before = {
    user: (await api(`/users/${userId}`, { headers: withKey })).body,
    logs: (await api(`/users/${userId}/logs`, { headers: withKey })).body,
    sessions: (await api(`/users/${userId}/sessions`, { headers: withKey })).body,
    list: (await api('/users?search=durable', { headers: withKey })).body,
  };
  expect(before.logs.map((entry: { event: string }) => entry.event)).toEqual(['account.sessions.create', 'users.update.prefs', 'users.create']);

  await stop(server!);
  await start();

  expect((await api(`/users/${userId}`, { headers: withKey })).body).toEqual(before.user);
  expect((await api(`/users/${userId}/prefs`, { headers: withKey })).body).toEqual({ theme: 'dark' });
  expect((await api(`/users/${userId}/logs`, { headers: withKey })).body).toEqual(before.logs);
  expect((await api(`/users/${userId}/sessions`, { headers: withKey })).body).toEqual(before.sessions);
  expect((await api('/users?search=durable', { headers: withKey })).body).toEqual(before.list);
  // The session token still signs the user in: its KV entry and D1 row both survived.
  expect((await api('/account', { headers: session })).body).toMatchObject({ $id: userId, email: 'durable@example.com' });
}, 120_000);
