// Account enumeration by timing: a refused sign-in does the same work whether the email
// is unknown, the password wrong or the user blocked — one hash and the same D1
// statements — and the first unknown email in an isolate costs no extra hash. A user
// still on an imported hash (md5, cheap bcrypt: milliseconds) pays the same argon2id too.
// (The latency distributions are measured by `npm run bench`, not asserted here.)
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import bcrypt from 'bcryptjs';
import { argon2idCount, hashCount } from '../../src/domain/passwords.ts';
import { BASE, createProject, observedDb, type TestProject } from '../helpers.ts';
import { emailOf, insertUser } from './support.ts';

vi.setConfig({ testTimeout: 60_000 });

/** A D1 binding that notes every statement prepared (its first words) and every batch, also through the request's D1 session. */
function recordingDb(log: string[]): D1Database {
  return observedDb({
    prepared: (sql, statement) => (log.push(sql.split(/\s+/).slice(0, 4).join(' ')), statement),
    batched: (statements) => log.push(`batch of ${statements.length}`),
  });
}

/** How a sign-in is sent, and what a refused one answers for a wrong password and for a blocked user. */
interface Route {
  path: string;
  headers(project: TestProject): Record<string, string>;
  invalid: Record<string, string>;
  blocked: Record<string, string>;
}
const OLD: Route = {
  path: '/account/sessions',
  headers: () => ({}),
  invalid: { message: 'Invalid credentials' },
  blocked: { message: 'Invalid credentials. User is blocked' },
};
const FORMAT = { 'x-appwrite-response-format': '1.6.0' };
const ROUTES: Record<string, Route> = {
  'the 0.6 sign-in': OLD,
  'the 1.x sign-in': {
    path: '/account/sessions/email',
    headers: () => FORMAT,
    invalid: { type: 'user_invalid_credentials' },
    blocked: { type: 'user_blocked' },
  },
  'the 1.x sign-in of a server with its key (SSR)': {
    path: '/account/sessions/email',
    headers: (project) => ({ ...FORMAT, 'x-appwrite-key': project.key }),
    invalid: { type: 'user_invalid_credentials' },
    blocked: { type: 'user_blocked' },
  },
};

/** A sign-in through the Worker, returning its status, the hashes it ran and the D1 work it did. */
async function attempt(project: TestProject, email: string, password: string, route: Route = OLD) {
  const log: string[] = [];
  const ctx = createExecutionContext();
  const hashes = hashCount();
  const argon2id = argon2idCount();
  const request = new Request(`${BASE}${route.path}`, {
    method: 'POST',
    headers: {
      ...route.headers(project),
      'content-type': 'application/json',
      'x-appwrite-project': project.id,
      'cf-connecting-ip': `10.9.${log.length}.${Math.floor(Math.random() * 250)}`,
    },
    body: JSON.stringify({ email, password }),
  });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, DB: recordingDb(log) }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: await response.json(), hashes: hashCount() - hashes, argon2id: argon2idCount() - argon2id, d1: log };
}

describe('refused sign-ins do the same work', () => {
  it.each(Object.entries(ROUTES))(
    '%s: unknown email (the first in the isolate too), wrong password, blocked user: one hash each and the same D1 statements',
    async (_, route) => {
      const project = await createProject();
      const active = await emailOf(await insertUser(project));
      const blocked = await emailOf(await insertUser(project, { status: 2 }));
      // The very first sign-in of this isolate is for an unknown email: no decoy to make first.
      const unknown = await attempt(project, 'nobody@example.com', 'password', route);
      const wrong = await attempt(project, active, 'wrong-password', route);
      const blockedUser = await attempt(project, blocked, 'password', route);
      const unknownAgain = await attempt(project, 'nobody.else@example.com', 'password', route);

      expect(unknown).toMatchObject({ status: 401, body: route.invalid, hashes: 1 });
      expect(wrong).toMatchObject({ status: 401, body: route.invalid, hashes: 1 });
      expect(blockedUser).toMatchObject({ status: 401, body: route.blocked, hashes: 1 });
      expect(unknownAgain).toMatchObject({ status: 401, hashes: 1 });
      // The project (and a key) was read by the first request only (cached); from there on the paths match statement for statement.
      expect(wrong.d1).toEqual(['select "id", "status", "password_hash"', 'insert into "audit_logs" ("seq",']);
      expect(blockedUser.d1).toEqual(wrong.d1);
      expect(unknownAgain.d1).toEqual(wrong.d1);
      expect(unknown.d1.slice(-2)).toEqual(wrong.d1);
    },
  );

  it('a wrong password for a user on an imported md5, sha or bcrypt $2y$08$ hash also runs the argon2id an unknown email runs', async () => {
    const project = await createProject();
    const md5 = await insertUser(project, { hash: '$md5$5f4dcc3b5aa765d61d8327deb882cf99' }); // "password"
    const sha = await insertUser(project, { hash: '$sha$v=sha256$5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' });
    // Appwrite 0.6's form.
    const bcrypt08 = await insertUser(project, { hash: bcrypt.hashSync('password', 8).replace(/^\$2[ab]\$/, '$2y$') });
    const unknown = await attempt(project, 'nobody.imported@example.com', 'wrong-password');
    expect(unknown).toMatchObject({ status: 401, hashes: 1, argon2id: 1 });
    for (const userId of [md5, sha, bcrypt08]) {
      const wrong = await attempt(project, await emailOf(userId), 'wrong-password');
      // The imported check, then the decoy's argon2id; the same D1 statements as any refusal.
      expect(wrong, userId).toMatchObject({ status: 401, body: { message: 'Invalid credentials' }, hashes: 2, argon2id: 1, d1: unknown.d1.slice(-2) });
    }
    // The right password still signs in once and upgrades the hash (one argon2id: the new hash).
    expect(await attempt(project, await emailOf(md5), 'password')).toMatchObject({ status: 201, hashes: 2, argon2id: 1 });
    const [stored] = (await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?').bind(md5).all<{ password_hash: string }>()).results;
    expect(stored!.password_hash).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
  });
});
