// Migration 0010 on a database with users: every user stays as it was in 0.6, and gets
// the 1.x facts ($updatedAt and passwordUpdate at registration, no phone, no labels).
// Runs on this file's own copy of the second test database (REPLICA), migrated step by step.
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { createKeySql } from '../../src/domain/admin.ts';
import { BASE } from '../helpers.ts';
import { FORMAT } from './support.ts';

const db = env.REPLICA;
const BEFORE = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith('0010_'));

it('keeps every user; the 1.x model reads them with $updatedAt and passwordUpdate at registration', async () => {
  expect(BEFORE).toBeGreaterThan(0);
  await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, BEFORE));
  await db.prepare("INSERT INTO projects (id, name, created) VALUES ('old', '', 1)").run();
  await db.batch([
    db
      .prepare(
        "INSERT INTO users (seq, id, project_id, email, email_key, name, password_hash, status, registration) VALUES (?, 'withpw', 'old', 'A@x.test', 'a@x.test', 'A', '$2y$08$abcdefghijklmnopqrstuu5Ch6xJ9d.Hl4XUkeRYyH0bAWFzUqKq', 1, 1500000000)",
      )
      .bind(1500000000 * 2 ** 21),
    db
      .prepare(
        "INSERT INTO users (seq, id, project_id, email, email_key, name, password_hash, status, registration) VALUES (?, 'nopw', 'old', 'b@x.test', 'b@x.test', 'B', '', 2, 1500000001)",
      )
      .bind(1500000001 * 2 ** 21),
  ]);
  const { sql, secret } = createKeySql('old', 'k', ['users.read', 'users.write']);
  await db.prepare(sql).run();

  await applyD1Migrations(db, env.TEST_MIGRATIONS);

  const send = async (path: string, init: RequestInit = {}, format = true) => {
    const ctx = createExecutionContext();
    const headers = { 'content-type': 'application/json', 'x-appwrite-project': 'old', 'x-appwrite-key': secret, ...(format ? FORMAT : {}) };
    const response = await worker.fetch(
      new Request(BASE + path, { ...init, headers }) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, DB: db },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: response.status, body: (await response.json()) as any };
  };
  expect((await send('/users/withpw', {}, false)).body).toEqual({
    $id: 'withpw',
    email: 'A@x.test',
    emailVerification: false,
    status: 1,
    registration: 1500000000,
    name: 'A',
    roles: [],
  });
  expect((await send('/users/withpw')).body).toMatchObject({
    $createdAt: '2017-07-14T02:40:00.000+00:00',
    $updatedAt: '2017-07-14T02:40:00.000+00:00',
    passwordUpdate: '2017-07-14T02:40:00.000+00:00',
    phone: '',
    labels: [],
    status: true,
  });
  expect((await send('/users/nopw')).body).toMatchObject({ passwordUpdate: '', status: false });
  // The email stays unique; the new facts take edits.
  expect((await send('/users', { method: 'POST', body: JSON.stringify({ userId: 'unique()', email: 'a@X.test' }) })).status).toBe(409);
  expect((await send('/users/nopw/labels', { method: 'PUT', body: JSON.stringify({ labels: ['old'] }) })).body.labels).toEqual(['old']);
  expect((await send(`/users?queries[0]=${encodeURIComponent('{"method":"contains","attribute":"labels","values":["old"]}')}`)).body).toMatchObject({
    total: 1,
    users: [{ $id: 'nopw' }],
  });
});
