// Account enumeration by timing: a refused sign-in does the same work whether the email
// is unknown, the password wrong or the user blocked — one hash and the same D1
// statements — and the first unknown email in an isolate costs no extra hash.
// (The latency distributions are measured by `npm run bench`, not asserted here.)
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import { hashCount } from '../../src/domain/passwords.ts';
import { BASE, createProject, type TestProject } from '../helpers.ts';
import { emailOf, insertUser } from './support.ts';

vi.setConfig({ testTimeout: 60_000 });

/**
 * A D1 binding that notes every statement prepared (its first words) and every batch,
 * also through the request's D1 session (src/http/d1-session.ts), which it stands for.
 */
function recordingDb(log: string[]): D1Database {
  const db = env.DB;
  const prepare = (sql: string) => (log.push(sql.split(/\s+/).slice(0, 4).join(' ')), db.prepare(sql));
  const batch = (statements: D1PreparedStatement[]) => (log.push(`batch of ${statements.length}`), db.batch(statements));
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      if (property === 'batch') return batch;
      if (property === 'withSession') return () => ({ prepare, batch, getBookmark: () => null });
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A sign-in through the Worker, returning its status, the hashes it ran and the D1 work it did. */
async function attempt(project: TestProject, email: string, password: string) {
  const log: string[] = [];
  const ctx = createExecutionContext();
  const hashes = hashCount();
  const request = new Request(`${BASE}/account/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'cf-connecting-ip': `10.9.${log.length}.${Math.floor(Math.random() * 250)}` },
    body: JSON.stringify({ email, password }),
  });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, DB: recordingDb(log) }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: await response.json(), hashes: hashCount() - hashes, d1: log };
}

describe('refused sign-ins do the same work', () => {
  it('unknown email (the first in the isolate too), wrong password, blocked user: one hash each and the same D1 statements', async () => {
    const project = await createProject();
    const active = await emailOf(await insertUser(project));
    const blocked = await emailOf(await insertUser(project, { status: 2 }));
    // The very first sign-in of this isolate is for an unknown email: no decoy to make first.
    const unknown = await attempt(project, 'nobody@example.com', 'password');
    const wrong = await attempt(project, active, 'wrong-password');
    const blockedUser = await attempt(project, blocked, 'password');
    const unknownAgain = await attempt(project, 'nobody.else@example.com', 'password');

    expect(unknown).toMatchObject({ status: 401, body: { message: 'Invalid credentials' }, hashes: 1 });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'Invalid credentials' }, hashes: 1 });
    expect(blockedUser).toMatchObject({ status: 401, body: { message: 'Invalid credentials. User is blocked' }, hashes: 1 });
    expect(unknownAgain).toMatchObject({ status: 401, hashes: 1 });
    // The project was read by the first request only (cached); from there on the paths match statement for statement.
    expect(wrong.d1).toEqual(['select "id", "status", "password_hash"', 'insert into "audit_logs" ("seq",']);
    expect(blockedUser.d1).toEqual(wrong.d1);
    expect(unknownAgain.d1).toEqual(wrong.d1);
    expect(unknown.d1.slice(-2)).toEqual(wrong.d1);
  });
});
