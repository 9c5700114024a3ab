// Helpers for the session, account, audit and CORS suites (test/account/, test/sessions/):
// requests with Cloudflare's `cf` data, client IP and User-Agent; sign-in; fast user
// fixtures; and direct looks at the stored sessions, audit entries and KV tokens.
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { OFFLINE } from '../../src/domain/hash-admission.ts';
import { hashPassword } from '../../src/domain/passwords.ts';
import { BASE, insertUsers, type TestProject } from '../helpers.ts';

export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36';
export const CHROME_DEVICE = {
  OS: { name: 'Windows', short_name: 'WIN', version: '10', platform: 'x64' },
  client: { type: 'browser', name: 'Chrome', short_name: 'CH', version: '70.0', engine: 'Blink' },
  device: 0,
  brand: '',
  model: '',
};
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1';

export const US = { isoCode: 'us', country: 'United States' };
export const UNKNOWN_GEO = { isoCode: '--', country: 'Unknown' };
export const GUEST_ACCOUNT = 'Guest (role: guest) missing scope (account)';
export const INVALID_CREDENTIALS = 'Invalid credentials';
export const BLOCKED = 'Invalid credentials. User is blocked';

export interface SendOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sets X-Appwrite-Project. */
  project?: TestProject | null;
  /** Sets X-Appwrite-Key (none by default: these are end-user requests). */
  key?: string | null;
  /** Cloudflare's request.cf data, e.g. { country: 'US' }. */
  cf?: Record<string, unknown>;
  /** Base URL instead of http://localhost/v1. */
  base?: string;
  /** A session to authenticate with, sent as the main cookie. */
  session?: Pick<Session, 'projectId' | 'cookieValue'> | null;
}

/** Sends a request through the Worker's real fetch handler, with `cf` data if given. */
export function send(path: string, options: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  // Abuse limits count per client IP: unless a test names one, each request comes from its own.
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'cf-connecting-ip')) headers['CF-Connecting-IP'] = randomIp();
  if (options.project) headers['x-appwrite-project'] = options.project.id;
  if (options.key) headers['x-appwrite-key'] = options.key;
  if (options.session) headers.cookie = `a_session_${options.session.projectId}=${options.session.cookieValue}`;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const init: RequestInit & { cf?: Record<string, unknown> } = { method: options.method ?? 'GET', headers, body };
  if (options.cf) init.cf = options.cf;
  return exports.default.fetch(new Request((options.base ?? BASE) + path, init));
}

/** Sends and parses the JSON body (undefined for an empty one). */
export async function sendJson<T = any>(path: string, options: SendOptions = {}): Promise<{ status: number; body: T; text: string; response: Response }> {
  const response = await send(path, options);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text, response };
}

/** A random address in 10.0.0.0/8. */
export function randomIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export interface Session {
  id: string;
  userId: string;
  projectId: string;
  secret: string;
  /** The cookie value as sent in Set-Cookie (URL-encoded base64). */
  cookieValue: string;
  /** The same value as X-Fallback-Cookies carries it (plain base64). */
  rawValue: string;
  expire: number;
  response: Response;
  body: { $id: string; type: number; expire: number };
}

/** Signs in (asserting 201) and returns the session with its decoded secret. */
export async function signIn(project: TestProject, email: string, password = 'password', options: SendOptions = {}): Promise<Session> {
  const { status, body, text, response } = await sendJson('/account/sessions', { ...options, method: 'POST', project, body: { email, password } });
  expect(status, text).toBe(201);
  return { id: body.$id, projectId: project.id, ...cookieOf(project, response), expire: body.expire, response, body };
}

/** The session a sign-in response set: its main cookie's value, plain and URL-encoded, and the credentials in it. */
function cookieOf(project: TestProject, response: Response) {
  const cookie = setCookies(response).find((c) => c.startsWith(`a_session_${project.id}=`));
  expect(cookie, 'main session cookie').toBeDefined();
  const cookieValue = cookie!.slice(`a_session_${project.id}=`.length).split(';')[0]!;
  const rawValue = decodeURIComponent(cookieValue);
  const decoded = JSON.parse(atob(rawValue)) as { id: string; secret: string };
  return { userId: decoded.id, secret: decoded.secret, cookieValue, rawValue };
}

/** Every Set-Cookie header of a response. */
export function setCookies(response: Response): string[] {
  return response.headers.getSetCookie();
}

/** The cookie value for credentials of our own making (tampering tests). */
export function credentialsValue(id: unknown, secret: unknown): string {
  return encodeURIComponent(btoa(JSON.stringify({ id, secret })));
}

const cheapHashes = new Map<string, Promise<string>>();

/**
 * Inserts a user straight into D1 with a cheap argon2id hash of `password` (the PHC
 * string records its parameters), so that signing in costs milliseconds. For tests
 * whose subject is not password hashing. `hash`: a stored hash to use instead (an imported one).
 */
export async function insertUser(project: TestProject, fields: { email?: string; password?: string; status?: 0 | 1 | 2; hash?: string } = {}): Promise<string> {
  const email = fields.email ?? `fast${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = fields.password ?? 'password';
  let hash = cheapHashes.get(password);
  if (!hash) cheapHashes.set(password, (hash = hashPassword(password, OFFLINE, { m: 64, t: 1, p: 1 })));
  const [id] = await insertUsers(project, [{ email, status: fields.status }]);
  await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
    .bind(fields.hash ?? (await hash), id)
    .run();
  return id!;
}

export async function emailOf(userId: string): Promise<string> {
  const row = await env.DB.prepare('SELECT email FROM users WHERE id = ?').bind(userId).first<{ email: string }>();
  return row!.email;
}

export interface StoredSession {
  id: string;
  project_id: string;
  user_id: string;
  token_hash: string;
  expire: number;
  created: number;
  ip: string;
  device: string;
  country: string;
}

export async function storedSessions(userId: string): Promise<StoredSession[]> {
  return (await env.DB.prepare('SELECT * FROM sessions WHERE user_id = ? ORDER BY id').bind(userId).all<StoredSession>()).results;
}

export interface StoredLog {
  seq: number;
  project_id: string;
  user_id: string;
  event: string;
  ip: string;
  time: number;
  device: string;
  country: string;
}

/** A user's stored audit entries, oldest first. */
export async function storedLogs(userId: string): Promise<StoredLog[]> {
  return (await env.DB.prepare('SELECT * FROM audit_logs WHERE user_id = ? ORDER BY seq').bind(userId).all<StoredLog>()).results;
}

export async function storedLogCount(): Promise<number> {
  return (await env.DB.prepare('SELECT count(*) AS n FROM audit_logs').first<{ n: number }>())!.n;
}

/** SHA-256 hex, computed independently of src/. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Every value of every row of every table (but D1's own), as one string. */
export async function dumpDatabase(): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%'",
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables.results) {
    try {
      parts.push(JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results));
    } catch {
      // FTS shadow tables can refuse a plain SELECT *; their content is in users_fts.
    }
  }
  return parts.join('\n');
}

/** Every KV key with its value and metadata, as one string. */
export async function dumpKv(): Promise<string> {
  const parts: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.SESSIONS.list(cursor ? { cursor } : {});
    for (const key of page.keys) parts.push(`${key.name}=${await env.SESSIONS.get(key.name)}`);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return parts.join('\n');
}

export const now = () => Math.floor(Date.now() / 1000);

export interface InsertedSession {
  id: string;
  projectId: string;
  secret: string;
  cookieValue: string;
  created: number;
}

/**
 * Gives the user `count` live sessions straight in D1 and KV, as a sign-in writes them
 * (the i-th created i seconds before the first), without paying for `count` sign-ins.
 */
export async function insertSessions(project: TestProject, userId: string, count: number): Promise<InsertedSession[]> {
  const start = now();
  const expire = start + 3600;
  const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const sessions = Array.from({ length: count }, (_, i) => {
    const secret = hex(32);
    return { id: hex(10), projectId: project.id, secret, cookieValue: credentialsValue(userId, secret), created: start - i };
  });
  const hashes = await Promise.all(sessions.map((s) => sha256(s.secret)));
  const insert = env.DB.prepare(
    "INSERT INTO sessions (id, project_id, user_id, token_hash, expire, created, ip, device, country) VALUES (?, ?, ?, ?, ?, ?, '192.0.2.1', ?, 'US')",
  );
  const device = JSON.stringify(CHROME_DEVICE);
  const statements = sessions.map((s, i) => insert.bind(s.id, project.id, userId, hashes[i], expire, s.created, device));
  for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100));
  for (let i = 0; i < sessions.length; i += 100) {
    await Promise.all(
      sessions
        .slice(i, i + 100)
        .map((s, j) =>
          env.SESSIONS.put(`session:${hashes[i + j]}`, JSON.stringify({ sessionId: s.id, userId, projectId: project.id, expire }), { expiration: expire }),
        ),
    );
  }
  return sessions;
}

// ---------------------------------------------------------------------------
// The 1.x dialect's sessions (contract §12.4).

export const FORMAT_1X = { 'x-appwrite-response-format': '1.6.0' };

/** Sends in the 1.x dialect. */
export function send1x(path: string, options: SendOptions = {}): Promise<{ status: number; body: any; text: string; response: Response }> {
  return sendJson(path, { ...options, headers: { ...FORMAT_1X, ...options.headers } });
}

/** A 1.x sign-in's session: `rawValue` is also what X-Appwrite-Session and a server's `secret` carry; `body` the 1.x Session. */
export type Session1x = Omit<Session, 'body' | 'expire'> & { body: any };

/** The session of a 1.x sign-in response (asserting 201), from its main cookie. */
export function sessionOf(project: TestProject, result: { status: number; body: any; text: string; response: Response }): Session1x {
  expect(result.status, result.text).toBe(201);
  return { id: result.body.$id, projectId: project.id, ...cookieOf(project, result.response), body: result.body, response: result.response };
}

/** POST /v1/account/sessions/email in the 1.x dialect (asserting 201). */
export async function signIn1x(project: TestProject, email: string, password = 'password', options: SendOptions = {}): Promise<Session1x> {
  return sessionOf(project, await send1x('/account/sessions/email', { ...options, method: 'POST', project, body: { email, password } }));
}

/** A 1.x error: status, type and the body's exact keys. */
export function expect1xError(result: { status: number; body: any; text: string }, status: number, type: string): void {
  expect({ status: result.status, type: result.body?.type, code: result.body?.code }, result.text).toEqual({ status, type, code: status });
  expect(Object.keys(result.body).sort()).toEqual(['code', 'message', 'type', 'version']);
}

/** The keys of the 1.x Session model, in upstream's order. */
export const SESSION_1X_KEYS = [
  '$id',
  '$createdAt',
  '$updatedAt',
  'userId',
  'expire',
  'provider',
  'providerUid',
  'providerAccessToken',
  'providerAccessTokenExpiry',
  'providerRefreshToken',
  'ip',
  'osCode',
  'osName',
  'osVersion',
  'clientType',
  'clientCode',
  'clientName',
  'clientVersion',
  'clientEngine',
  'clientEngineVersion',
  'deviceName',
  'deviceBrand',
  'deviceModel',
  'countryCode',
  'countryName',
  'current',
  'factors',
  'secret',
  'mfaUpdatedAt',
];

/** POST /v1/users/{userId}/jwts (asserting 201): the JWT. */
export async function createJwt(project: TestProject, userId: string, body: Record<string, unknown> = {}): Promise<string> {
  const result = await send1x(`/users/${userId}/jwts`, { method: 'POST', project, key: project.key, body });
  expect(result.status, result.text).toBe(201);
  expect(Object.keys(result.body)).toEqual(['jwt']);
  return result.body.jwt;
}
