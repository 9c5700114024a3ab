// Helpers for the hardening suites (test/hardening/): requests with a client IP,
// cheap-to-verify users, sign-in, the configured rate limits, fixed-window timing,
// and a one-query fingerprint of everything the API can store.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { expect, vi } from 'vitest';
import worker from '../../src/index.ts';
import { OFFLINE } from '../../src/domain/hash-admission.ts';
import { DEFAULT_PARAMS, hashPassword, type Argon2Params } from '../../src/domain/passwords.ts';
import { SERVICE_VERSION } from '../../src/http/errors.ts';
import { BASE, JSON_CONTENT_TYPE, insertUsers, type TestProject } from '../helpers.ts';

export { SERVICE_VERSION, JSON_CONTENT_TYPE };

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: BodyInit;
  /** X-Appwrite-Project (a project or a plain id). */
  project?: TestProject | string | null;
  /** X-Appwrite-Key; by default the project's full key when `project` is a TestProject (null: none). */
  key?: string | null;
  /** CF-Connecting-IP; a fresh random one unless given (null: none). */
  ip?: string | null;
  /** A session cookie header value. */
  cookie?: string;
  base?: string;
  /**
   * Calls the Worker's fetch handler in the test's own request context instead of
   * through exports.default (a new request context per call). Needed where many
   * requests hash passwords at once: requests waiting in src/domain/hash-admission.ts's
   * queue are resumed by other requests, which the vitest pool refuses across
   * request contexts (the waiting request is cancelled as "hung"; `wrangler dev`
   * serves the same burst fine).
   */
  direct?: boolean;
}

/** Sends a request through the Worker's real fetch handler, like the SDKs (lower-case headers, JSON). */
export function send(path: string, options: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const ip = options.ip === undefined ? randomIp() : options.ip;
  if (ip !== null) headers['cf-connecting-ip'] = ip;
  if (options.project) headers['x-appwrite-project'] = typeof options.project === 'string' ? options.project : options.project.id;
  const key = options.key === undefined && options.project && typeof options.project === 'object' ? options.project.key : options.key;
  if (key) headers['x-appwrite-key'] = key;
  if (options.cookie) headers.cookie = options.cookie;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const request = new Request((options.base ?? BASE) + path, { method: options.method ?? 'GET', headers, body });
  return options.direct ? fetchDirect(request) : exports.default.fetch(request);
}

/** Sends a ready-made request (through exports.default unless `direct`). */
export function sendRequest(request: Request, direct = false): Promise<Response> {
  return direct ? fetchDirect(request) : exports.default.fetch(request);
}

async function fetchDirect(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export async function sendJson<T = any>(path: string, options: SendOptions = {}): Promise<{ status: number; body: T; text: string; response: Response }> {
  const response = await send(path, options);
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, response };
}

let ipCounter = 0;
/** A fresh address in 10.0.0.0/8 (random high bytes, so that test files do not collide). */
export function randomIp(): string {
  const [a, b] = crypto.getRandomValues(new Uint8Array(2));
  ipCounter = (ipCounter + 1) % 256;
  return `10.${a}.${b}.${ipCounter}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Argon2id parameters cheap enough to sign in within milliseconds (the PHC string records them). */
export const CHEAP: Argon2Params = { m: 64, t: 1, p: 1 };

/**
 * Runs `run` with the Worker's default hashing cost lowered to `params` (the module's
 * DEFAULT_PARAMS object, shared with the Worker in this isolate), then restores it.
 * For tests whose subject is not hashing but must create many users through the API.
 */
export async function withHashCost<T>(params: Argon2Params, run: () => Promise<T>): Promise<T> {
  const saved = { ...DEFAULT_PARAMS };
  Object.assign(DEFAULT_PARAMS, params);
  try {
    return await run();
  } finally {
    Object.assign(DEFAULT_PARAMS, saved);
  }
}

/** Lowers the Worker's default hashing cost until the returned function is called. */
export function setHashCost(params: Argon2Params): () => void {
  const saved = { ...DEFAULT_PARAMS };
  Object.assign(DEFAULT_PARAMS, params);
  return () => void Object.assign(DEFAULT_PARAMS, saved);
}

const hashes = new Map<string, Promise<string>>();
function hashOf(password: string, params: Argon2Params): Promise<string> {
  const key = `${JSON.stringify(params)}|${password}`;
  let hash = hashes.get(key);
  if (!hash) hashes.set(key, (hash = hashPassword(password, OFFLINE, params)));
  return hash;
}

export interface FastUser {
  id: string;
  email: string;
  password: string;
}

/**
 * Users inserted straight into D1 (counter and search index follow through the
 * schema's triggers) with a password hash of the given cost: cheap by default, so
 * that signing in costs milliseconds.
 */
export async function fastUsers(
  project: TestProject,
  fixtures: Array<{ email: string; password?: string; name?: string; status?: 0 | 1 | 2; prefs?: string }>,
  params: Argon2Params = CHEAP,
): Promise<FastUser[]> {
  const ids = await insertUsers(project, fixtures);
  const users = fixtures.map((f, i) => ({ id: ids[i]!, email: f.email, password: f.password ?? 'password' }));
  const statements = await Promise.all(
    users.map(async (u) => env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?').bind(await hashOf(u.password, params), u.id)),
  );
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
  return users;
}

export async function fastUser(
  project: TestProject,
  fixture: { email: string; password?: string; name?: string; status?: 0 | 1 | 2; prefs?: string },
  params: Argon2Params = CHEAP,
): Promise<FastUser> {
  return (await fastUsers(project, [fixture], params))[0]!;
}

export interface Session {
  id: string;
  userId: string;
  projectId: string;
  secret: string;
  /** base64(JSON {id, secret}), as X-Fallback-Cookies carries it. */
  value: string;
  /** The Cookie header that authenticates with it. */
  cookie: string;
}

/** The session a 201 sign-in response hands out. */
export async function sessionOf(projectId: string, response: Response): Promise<Session> {
  const body = (await response.clone().json()) as { $id: string };
  const prefix = `a_session_${projectId}=`;
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(prefix));
  if (!cookie) throw new Error('no session cookie');
  const value = decodeURIComponent(cookie.slice(prefix.length).split(';')[0]!);
  const decoded = JSON.parse(atob(value)) as { id: string; secret: string };
  return { id: body.$id, userId: decoded.id, projectId, secret: decoded.secret, value, cookie: `${prefix}${encodeURIComponent(value)}` };
}

/** Signs in (asserting 201). */
export async function signIn(project: TestProject, email: string, password = 'password', options: SendOptions = {}): Promise<Session> {
  const response = await send('/account/sessions', { ...options, method: 'POST', project, body: { email, password } });
  if (response.status !== 201) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return sessionOf(project.id, response);
}

/** The status of GET /v1/account with the session: 200 while it lives, 401 once it ended. */
export async function accountStatus(session: Session): Promise<number> {
  const response = await send('/account', { project: session.projectId, cookie: session.cookie });
  await response.text();
  return response.status;
}

export interface LimitConfig {
  limit: number;
  period: number;
}

/** The configured limits (RATE_LIMITS restates each [[ratelimits]] binding). */
export function rateLimits(): Record<
  'SIGN_IN_EMAIL_LIMITER' | 'SIGN_IN_IP_LIMITER' | 'SIGN_IN_PROJECT_LIMITER' | 'SESSION_DELETE_IP_LIMITER' | 'TOKEN_USER_LIMITER' | 'TOKEN_IP_LIMITER',
  LimitConfig
> {
  return JSON.parse(env.RATE_LIMITS);
}

/**
 * The rate limiter counts in fixed windows aligned to the wall clock. Waits, when
 * needed, until the current window has at least `neededMs` left, and returns the
 * window's number so the caller can check that it stayed inside it.
 */
export async function freshWindow(period: number, neededMs: number): Promise<number> {
  const periodMs = period * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < neededMs + 500) await sleep(left + 250);
  return Math.floor(Date.now() / periodMs);
}

export function windowOf(period: number): number {
  return Math.floor(Date.now() / (period * 1000));
}

/** Asserts a contract error response: status, {message, code, version}, JSON content type. */
export async function expectErrorResponse(response: Response, status: number, message?: string): Promise<any> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
  const body = JSON.parse(text);
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'version']);
  expect(body.code).toBe(status);
  expect(body.version).toBe(SERVICE_VERSION);
  if (message !== undefined) expect(body.message).toBe(message);
  return body;
}

/** Runs the tasks with at most `concurrency` in flight; results in task order. */
export async function pool<T>(tasks: Array<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

/**
 * Everything the API can store, as one JSON string from one D1 query (every row of
 * users, sessions, audit_logs, projects (with their origins) and api_keys, plus the size of the search
 * index), and the KV token keys.
 */
export async function fingerprint(): Promise<string> {
  const row = await env.DB.prepare(FINGERPRINT_SQL).first<Record<string, string>>();
  const kv = await env.SESSIONS.list();
  return JSON.stringify({ ...row, kv: kv.keys.map((k) => k.name).sort() });
}

const FINGERPRINT_SQL = `SELECT
  (SELECT json_group_array(json_array(seq, id, project_id, email, email_key, name, password_hash, status, email_verification, registration, prefs, search_text)) FROM (SELECT * FROM users ORDER BY seq)) AS users,
  (SELECT json_group_array(json_array(id, project_id, user_id, token_hash, expire, created, ip, device, country)) FROM (SELECT * FROM sessions ORDER BY id)) AS sessions,
  (SELECT json_group_array(json_array(seq, project_id, user_id, event, ip, time, device, country)) FROM (SELECT * FROM audit_logs ORDER BY seq)) AS audit_logs,
  (SELECT json_group_array(json_array(seq, id, name, (SELECT json_group_array(origin) FROM (SELECT origin FROM project_origins o WHERE o.project_id = p.id ORDER BY origin)), user_count, created)) FROM (SELECT * FROM projects ORDER BY seq) p) AS projects,
  (SELECT json_group_array(json_array(id, project_id, name, scopes, secret_hash, created)) FROM (SELECT * FROM api_keys ORDER BY id)) AS api_keys,
  (SELECT count(*) || ':' || coalesce(sum(length(block)), 0) FROM users_fts_data) AS fts`;

/** Audit events of a user, oldest first. */
export async function eventsOf(userId: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT event FROM audit_logs WHERE user_id = ? ORDER BY seq').bind(userId).all<{ event: string }>();
  return results.map((r) => r.event);
}

export async function sessionRows(userId: string): Promise<Array<{ id: string; token_hash: string }>> {
  return (await env.DB.prepare('SELECT id, token_hash FROM sessions WHERE user_id = ? ORDER BY id').bind(userId).all<{ id: string; token_hash: string }>())
    .results;
}

export async function count(sql: string, ...values: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql)
    .bind(...values)
    .first<{ n: number }>())!.n;
}

/** SHA-256 hex, computed without src/. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Lets spies on env.DB.prepare/batch see the Worker's queries: the Worker runs them on a
 * per-request D1 session (env.DB.withSession), which such spies would not see.
 */
export function sessionsThroughDb(): void {
  vi.spyOn(env.DB, 'withSession').mockImplementation(
    () =>
      ({
        prepare: (query: string) => env.DB.prepare(query),
        batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
        getBookmark: () => null,
      }) as unknown as D1DatabaseSession,
  );
}
