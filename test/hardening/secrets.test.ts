// Secrets: API-key secrets, session secrets and passwords are stored only as hashes,
// and no response (beyond the sign-in's own cookie headers) and no log line carries a
// password, a password hash, an API-key secret, a session secret, SQL or a stack
// trace, on success, on errors and on forced server errors. The Worker is called
// with LOG_REQUESTS on (its one-line request log) while console.* is spied on.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import { BASE, createProject, storedUser, type TestProject } from '../helpers.ts';
import { randomIp, sessionOf, sessionsThroughDb, type Session } from './support.ts';

vi.setConfig({ testTimeout: 30_000 });
beforeEach(sessionsThroughDb);
afterEach(() => {
  vi.restoreAllMocks();
});

const PASSWORDS = ['Plain-Pa55word-Alpha', 'Plain-Pa55word-Beta', 'Plain-Pa55word-Gamma'];
const WRONG_GUESS = 'Wrong-Guess-Secret-9';

let project: TestProject;
let users: Array<{ id: string; email: string; password: string }>;

/** SHA-256 hex, computed without src/. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

interface Exchange {
  label: string;
  status: number;
  requestId: string | null;
  /** Headers (minus the sign-in's own cookie headers) and body. */
  text: string;
  signIn: boolean;
  response: Response;
}

const exchanges: Exchange[] = [];
const logs: string[] = [];

/** Calls the Worker's fetch handler with request logging on, recording the exchange. */
async function call(
  label: string,
  path: string,
  options: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string | null; cookie?: string; base?: string } = {},
): Promise<Exchange> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-appwrite-project': project.id,
    'cf-connecting-ip': randomIp(),
    ...options.headers,
  };
  if (options.key) headers['x-appwrite-key'] = options.key;
  if (options.cookie) headers.cookie = options.cookie;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const request = new Request((options.base ?? BASE) + path, { method: options.method ?? 'GET', headers, body });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, LOG_REQUESTS: 'true' }, ctx);
  await waitOnExecutionContext(ctx);
  const signIn = path === '/account/sessions' && (options.method ?? 'GET') === 'POST';
  const shownHeaders = [...response.headers].filter(
    ([name]) => !(signIn && response.status === 201 && (name === 'set-cookie' || name === 'x-fallback-cookies')),
  );
  const text = `${shownHeaders.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${await response.clone().text()}`;
  const exchange = { label, status: response.status, requestId: response.headers.get('X-Request-Id'), text, signIn, response };
  exchanges.push(exchange);
  return exchange;
}

function captureLogs() {
  for (const level of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logs.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : JSON.stringify(a))).join(' '));
    });
  }
}

async function signInAs(label: string, user: { email: string; password: string }, base?: string): Promise<Session> {
  const { response, status, text } = await call(label, '/account/sessions', { method: 'POST', body: { email: user.email, password: user.password }, base });
  expect(status, text).toBe(201);
  return sessionOf(project.id, response);
}

beforeAll(async () => {
  project = await createProject();
  users = [];
  // Through the API, so that the stored hashes are what the Worker writes.
  for (const [i, password] of PASSWORDS.slice(0, 2).entries()) {
    const { status, text } = await call(`create ${i}`, '/users', {
      method: 'POST',
      key: project.key,
      body: { email: `secret.${i}@example.com`, password, name: `Secret ${i}` },
    });
    expect(status, text).toBe(201);
    users.push({ id: JSON.parse(text.split('\n\n')[1]!).$id, email: `secret.${i}@example.com`, password });
  }
});

describe('storage', () => {
  it('API keys are stored as sha256(secret), sessions as sha256(secret), passwords as argon2id; no plain secret anywhere in D1 or KV', async () => {
    const sessions = [await signInAs('s1', users[0]!), await signInAs('s2', users[0]!), await signInAs('s3', users[1]!)];
    const keys = (await env.DB.prepare('SELECT secret_hash FROM api_keys WHERE project_id = ?').bind(project.id).all<{ secret_hash: string }>()).results.map(
      (r) => r.secret_hash,
    );
    expect(keys.sort()).toEqual((await Promise.all([project.key, project.readKey, project.writeKey].map(sha256))).sort());
    for (const s of sessions) {
      const row = await env.DB.prepare('SELECT token_hash FROM sessions WHERE id = ?').bind(s.id).first<{ token_hash: string }>();
      expect(row!.token_hash).toBe(await sha256(s.secret));
    }
    for (const u of users) expect((await storedUser(u.id))!.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);

    // Every value of every table, and every KV key, value and metadata.
    const tables = (
      await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>()
    ).results;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'sessions', 'api_keys', 'audit_logs', 'projects']));
    let stored = '';
    for (const { name } of tables) {
      try {
        stored += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results) + '\n';
      } catch {
        // FTS5 shadow tables may refuse a plain SELECT *; their text is users.search_text.
      }
    }
    const { keys: kvKeys } = await env.SESSIONS.list();
    expect(kvKeys.length).toBeGreaterThanOrEqual(3);
    for (const { name, metadata } of kvKeys) stored += `${name} ${JSON.stringify(metadata)} ${await env.SESSIONS.get(name)}\n`;
    expect(stored).toContain(keys[0]); // the dump does see the keys table

    const needles = [
      ...[project.key, project.readKey, project.writeKey].flatMap((k) => [k, k.toUpperCase(), btoa(k)]),
      ...sessions.flatMap((s) => [s.secret, s.value, encodeURIComponent(s.value), btoa(s.secret)]),
      ...PASSWORDS.flatMap((p) => [p, p.toLowerCase(), btoa(p)]),
    ];
    for (const needle of needles) expect(stored.includes(needle), `storage holds ${needle.slice(0, 10)}…`).toBe(false);
  });
});

describe('responses and logs', () => {
  // Anything of these in a log line is SQL or a stack trace.
  const SQL = [/\bselect\b[\s\S]{0,200}\bfrom\b/i, /\binsert\s+into\b/i, /\bdelete\s+from\b/i, /\bupdate\s+"?\w+"?\s+set\b/i, /\bparams:/i];
  const STACK = [/\n\s+at\s/, /\bat\s+\S+\s+\(?\S+\.(ts|js|mjs):\d+/, /\.ts:\d+:\d+/];

  it('a sweep of successes, errors and forced 500s leaks no secret, hash, SQL or stack trace', async () => {
    captureLogs();
    const [u0, u1] = users as [(typeof users)[0], (typeof users)[0]];
    const ses = await signInAs('sign in', u0);
    const ses2 = await signInAs('sign in cross-site', u0);
    const httpsSession = await signInAs('sign in https', u1, 'https://localhost/v1');

    // Successes.
    await call('create', '/users', { method: 'POST', key: project.key, body: { email: 'secret.2@example.com', password: PASSWORDS[2], name: 'Third' } });
    await call('list', '/users?search=secret', { key: project.readKey });
    await call('get', `/users/${u0.id}`, { key: project.readKey });
    await call('prefs', `/users/${u0.id}/prefs`, { method: 'PATCH', key: project.key, body: { prefs: { note: 'hello' } } });
    await call('get prefs', `/users/${u0.id}/prefs`, { key: project.key });
    await call('status', `/users/${u0.id}/status`, { method: 'PATCH', key: project.key, body: { status: 1 } });
    await call('logs', `/users/${u0.id}/logs`, { key: project.key });
    await call('sessions', `/users/${u0.id}/sessions`, { key: project.key });
    await call('account', '/account', { cookie: ses.cookie });
    await call('account via fallback', '/account', { headers: { 'x-fallback-cookies': JSON.stringify({ [`a_session_${project.id}`]: ses.value }) } });
    await call('account sessions', '/account/sessions', { cookie: ses.cookie });
    await call('health', '/health');
    // Errors, many carrying secrets as input.
    await call('wrong password', '/account/sessions', { method: 'POST', body: { email: u0.email, password: WRONG_GUESS } });
    await call('unknown email', '/account/sessions', { method: 'POST', body: { email: 'nobody@example.com', password: WRONG_GUESS } });
    await call('password as email', '/account/sessions', { method: 'POST', body: { email: u0.password, password: u0.password } });
    await call('key one char off', `/users/${u0.id}`, { key: `${project.key.slice(0, -1)}0` });
    await call('read key writes', `/users/${u0.id}/status`, { method: 'PATCH', key: project.readKey, body: { status: 1 } });
    await call('tampered secret', '/account', {
      cookie: `a_session_${project.id}=${encodeURIComponent(btoa(JSON.stringify({ id: u0.id, secret: `${ses.secret.slice(0, -1)}0` })))}`,
    });
    await call('secret of another user', '/account', {
      cookie: `a_session_${project.id}=${encodeURIComponent(btoa(JSON.stringify({ id: u1.id, secret: ses.secret })))}`,
    });
    await call('unknown user', '/users/nosuchuser', { key: project.key });
    await call('duplicate', '/users', { method: 'POST', key: project.key, body: { email: u0.email.toUpperCase(), password: u0.password } });
    await call('invalid password', '/users', {
      method: 'POST',
      key: project.key,
      body: { email: 'x@example.com', password: `${u0.password}${'x'.repeat(40)}` },
    });
    await call('broken JSON with password', '/users', { method: 'POST', key: project.key, rawBody: `{"email":"y@example.com","password":"${u0.password}"` });
    await call('too large', '/users', {
      method: 'POST',
      key: project.key,
      rawBody: JSON.stringify({ email: 'z@example.com', password: u0.password, name: 'x'.repeat(140_000) }),
    });
    await call('no route', '/nope', { key: project.key });

    // Forced server errors: real D1 errors (drizzle wraps them with the SQL and its
    // bound values, the new password hash among them), KV failures, aborted batches.
    const realPrepare = Object.getPrototypeOf(env.DB).prepare as D1Database['prepare'];
    const failures: Exchange[] = [];
    const broken = (pattern: RegExp) =>
      vi.spyOn(env.DB, 'prepare').mockImplementation(function (query: string) {
        return realPrepare.call(env.DB, pattern.test(query) ? query.replace(/"(users|sessions|audit_logs)"/, '"$1_gone"') : query);
      });
    broken(/^insert into "users"/);
    failures.push(
      await call('500: create user', '/users', {
        method: 'POST',
        key: project.key,
        body: { email: 'fail.1@example.com', password: PASSWORDS[2], name: 'Fail' },
      }),
    );
    vi.mocked(env.DB.prepare).mockRestore();
    broken(/^insert into "sessions"/);
    failures.push(await call('500: sign in', '/account/sessions', { method: 'POST', body: { email: u1.email, password: u1.password } }));
    vi.mocked(env.DB.prepare).mockRestore();
    broken(/^select .* from "sessions"/);
    failures.push(await call('500: account', '/account', { cookie: ses2.cookie }));
    vi.mocked(env.DB.prepare).mockRestore();
    broken(/^update "users"/);
    failures.push(await call('500: prefs', `/users/${u0.id}/prefs`, { method: 'PATCH', key: project.key, body: { prefs: { password: u0.password } } }));
    vi.mocked(env.DB.prepare).mockRestore();
    vi.spyOn(env.SESSIONS, 'put').mockRejectedValue(new Error('KV PUT failed'));
    failures.push(await call('500: KV put', '/account/sessions', { method: 'POST', body: { email: u1.email, password: u1.password } }));
    vi.mocked(env.SESSIONS.put).mockRestore();
    vi.spyOn(env.DB, 'batch').mockRejectedValue(new Error('D1_ERROR: Network connection lost.'));
    failures.push(await call('500: batch', `/users/${u0.id}/status`, { method: 'PATCH', key: project.key, body: { status: 2 } }));
    vi.mocked(env.DB.batch).mockRestore();
    await env.DB.prepare("CREATE TRIGGER secret_abort BEFORE INSERT ON audit_logs BEGIN SELECT RAISE(ABORT, 'aborted'); END").run();
    try {
      failures.push(
        await call('500: aborted batch', '/users', { method: 'POST', key: project.key, body: { email: 'fail.2@example.com', password: PASSWORDS[2] } }),
      );
    } finally {
      await env.DB.prepare('DROP TRIGGER secret_abort').run();
    }
    for (const f of failures) expect(f.status, `${f.label}: ${f.text}`).toBe(500);

    // Sign-outs, at the end (on https: the expired cookies are Secure too).
    await call('delete one via users', `/users/${u0.id}/sessions/${ses2.id}`, { method: 'DELETE', key: project.key, body: {} });
    const logout = await call('logout https', '/account/sessions/current', {
      method: 'DELETE',
      cookie: httpsSession.cookie,
      body: {},
      base: 'https://localhost/v1',
    });
    await call('delete all via users', `/users/${u0.id}/sessions`, { method: 'DELETE', key: project.key, body: {} });

    // What must never appear.
    const hashes = (await env.DB.prepare('SELECT password_hash FROM users WHERE project_id = ?').bind(project.id).all<{ password_hash: string }>()).results.map(
      (r) => r.password_hash,
    );
    const sessions = [ses, ses2, httpsSession];
    const needles = [
      ...PASSWORDS,
      WRONG_GUESS,
      '$argon2id',
      ...hashes.flatMap((h) => [h, h.split('$').at(-1)!, h.split('$').at(-2)!]),
      ...[project.key, project.readKey, project.writeKey].flatMap((k) => [k, k.toUpperCase()]),
      ...sessions.flatMap((s) => [s.secret, s.value, encodeURIComponent(s.value)]),
    ];
    expect(exchanges.length).toBeGreaterThan(40);
    expect(logs.length).toBeGreaterThanOrEqual(exchanges.length - 5);

    for (const e of exchanges) {
      for (const needle of needles) expect(e.text.includes(needle), `${e.label} (${e.status}) leaks ${needle.slice(0, 12)}…`).toBe(false);
      for (const pattern of [...SQL, ...STACK]) expect(e.text, `${e.label} (${e.status})`).not.toMatch(pattern);
      // Only sign-in and sign-out set cookies.
      if (!e.signIn && !e.label.startsWith('logout')) expect(e.response.headers.getSetCookie(), e.label).toEqual([]);
    }
    for (const line of logs) {
      for (const needle of needles) expect(line.includes(needle), `a log line leaks ${needle.slice(0, 12)}…: ${line.slice(0, 200)}`).toBe(false);
      for (const pattern of [...SQL, ...STACK]) expect(line, 'a log line').not.toMatch(pattern);
    }
    // Every 500 is logged with its request id (and the 500 body says nothing more).
    for (const f of failures) {
      expect(JSON.parse(f.text.split('\n\n')[1]!)).toEqual({ message: 'Server Error', code: 500, version: expect.any(String) });
      expect(
        logs.some((l) => l.includes(f.requestId!) && /error/i.test(l)),
        `${f.label}: no error log line with its request id`,
      ).toBe(true);
    }

    // Cookies: HttpOnly always, Secure on https, for the session and for its expiry.
    const httpsCookies = exchanges.find((e) => e.label === 'sign in https')!.response.headers.getSetCookie();
    const httpCookies = exchanges.find((e) => e.label === 'sign in')!.response.headers.getSetCookie();
    expect(httpsCookies).toHaveLength(2);
    for (const c of httpsCookies) expect(c).toMatch(/;\s*HttpOnly(;|$)/i);
    for (const c of httpsCookies) expect(c).toMatch(/;\s*Secure(;|$)/i);
    for (const c of httpCookies) expect(c).toMatch(/;\s*HttpOnly(;|$)/i);
    for (const c of httpCookies) expect(c).not.toMatch(/;\s*Secure(;|$)/i);
    expect(logout.status).toBe(204);
    const expired = logout.response.headers.getSetCookie();
    expect(expired).toHaveLength(2);
    for (const c of expired) expect(c).toMatch(/;\s*HttpOnly(;|$)/i);
    for (const c of expired) expect(c).toMatch(/;\s*Secure(;|$)/i);
  });

  it('an API key sent in the wrong header (X-Appwrite-Project, e.g. swapped in an SDK setup) is not written to the log', async () => {
    captureLogs();
    logs.length = 0;
    const exchange = await call('key as project', '/users', { key: project.key, headers: { 'x-appwrite-project': project.key } });
    expect(exchange.status).toBe(400);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(line.includes(project.key), `the request log line holds the key: ${line}`).toBe(false);
  });
});
