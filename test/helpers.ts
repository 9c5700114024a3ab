// Test helpers: projects and keys made with the admin CLI's own SQL, and requests
// sent through the Worker's real fetch handler.
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { projectRowSql } from '../src/db/admin-sql.ts';
import { createKeySql, createProjectSql, shardProjectSql } from '../src/domain/admin.ts';
import { SECOND, userKey, type UserKey } from '../src/domain/ids.ts';
import { searchText } from '../src/domain/search.ts';
import { SERVICE_VERSION } from '../src/http/errors.ts';

export const BASE = 'http://localhost/v1';
let counter = 0;

export interface TestProject {
  id: string;
  key: string;
  readKey: string;
  writeKey: string;
}

/** A project on `shard` (DB by default), made as `project create --shard` makes it. */
export async function createProject(options: { origins?: string[]; shard?: 'DB' | 'SHARD_1' } = {}): Promise<TestProject> {
  const id = `p${Date.now().toString(36)}${(counter++).toString(36)}`;
  const shard = options.shard ?? 'DB';
  await env.DB.prepare(createProjectSql(id, `Project ${id}`, options.origins ?? [], shard)).run();
  if (shard !== 'DB') {
    const row = await env.DB.prepare(projectRowSql(id)).first<{ seq: number; id: string; name: string; created: number }>();
    await env[shard].prepare(shardProjectSql(row!, shard)).run();
  }
  const key = async (scopes: string[]) => {
    const { sql, secret } = createKeySql(id, scopes.join(' '), scopes);
    await env.DB.prepare(sql).run();
    return secret;
  };
  return { id, key: await key(['users.read', 'users.write']), readKey: await key(['users.read']), writeKey: await key(['users.write']) };
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  project?: TestProject | null;
  key?: string | null;
}

/** Calls the Worker like node-appwrite does: lower-cased headers, JSON content type. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.project) headers['x-appwrite-project'] = options.project.id;
  const key = options.key === undefined ? options.project?.key : options.key;
  if (key) headers['x-appwrite-key'] = key;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return exports.default.fetch(new Request(BASE + path, { method: options.method ?? 'GET', headers, body }));
}

export async function callJson<T = any>(path: string, options: CallOptions = {}): Promise<{ status: number; body: T; response: Response }> {
  const response = await call(path, options);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, response };
}

export async function createUser(project: TestProject, fields: { email?: string; password?: string; name?: string } = {}) {
  const email = fields.email ?? `user${counter++}@example.com`;
  const { status, body } = await callJson('/users', {
    method: 'POST',
    project,
    body: { email, password: fields.password ?? 'password', name: fields.name ?? '' },
  });
  if (status !== 201) throw new Error(`createUser failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

// ---------------------------------------------------------------------------
// Assertions and direct-database fixtures for the Users API suites (test/users/).

/** The content type every JSON response must carry (contract §2). */
export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Asserts an Appwrite error response: status, exact body, JSON content type, no-cache headers. */
export async function expectError(pending: Response | Promise<Response>, status: number, message: string): Promise<void> {
  const response = await pending;
  const text = await response.text();
  expect({ status: response.status, body: JSON.parse(text) }, text).toEqual({ status, body: { message, code: status, version: SERVICE_VERSION } });
  expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
  expect(response.headers.get('Cache-Control')).toBe('no-cache, no-store, must-revalidate');
}

/** Asserts a successful JSON response and returns its parsed body. */
export async function expectJson<T = any>(pending: Response | Promise<Response>, status = 200): Promise<T> {
  const response = await pending;
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
  return JSON.parse(text) as T;
}

/** Asserts a response text carries nothing secret: hashes, SQL, D1 internals or the given values. */
export function expectNoLeak(text: string, ...secrets: string[]): void {
  for (const needle of ['argon2', '$argon', 'password_hash', 'secret_hash', 'SELECT ', 'INSERT ', 'UPDATE ', 'sqlite', 'SQLITE', 'D1_', ...secrets]) {
    expect(text, `response leaks ${JSON.stringify(needle)}`).not.toContain(needle);
  }
}

/** The project's integer key, which namespaces its search tokens. */
export async function projectSeq(project: TestProject): Promise<number> {
  const row = await env.DB.prepare('SELECT seq FROM projects WHERE id = ?').bind(project.id).first<{ seq: number }>();
  if (!row) throw new Error(`no project ${project.id}`);
  return row.seq;
}

export interface UserFixture {
  email: string;
  name?: string;
  id?: string;
  registration?: number;
  status?: 0 | 1 | 2;
  prefs?: string;
}

/**
 * Inserts users straight into D1 (no password hashing), as the API would store them:
 * the counter and search index follow through the schema's triggers. For bulk fixtures
 * of tests whose subject is not user creation. Returns the ids in input order.
 */
export async function insertUsers(project: TestProject, fixtures: UserFixture[]): Promise<string[]> {
  const seq = await projectSeq(project);
  const keys = userKeys(fixtures);
  const ids = fixtures.map((f, i) => f.id ?? keys[i]!.id);
  const statements = fixtures.map((f, i) =>
    env.DB.prepare(
      'INSERT INTO users (seq, id, project_id, email, email_key, name, password_hash, status, email_verification, registration, prefs, search_text) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)',
    ).bind(
      keys[i]!.seq,
      ids[i],
      project.id,
      f.email,
      f.email.toLowerCase(),
      f.name ?? '',
      '$argon2id$v=19$m=7168,t=5,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
      f.status ?? 0,
      keys[i]!.registration,
      f.prefs ?? '{}',
      searchText(seq, f.name ?? '', f.email),
    ),
  );
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
  return ids;
}

/**
 * Row keys as the service assigns them (src/domain/ids.ts): rowid order must be
 * (registration, $id) order, so fixtures with chosen registrations or ids get seqs
 * ranked by both within their second.
 */
let fixtureCounter = 0;
function userKeys(fixtures: UserFixture[]): UserKey[] {
  const now = Math.floor(Date.now() / 1000);
  const drafts = fixtures.map((f, i) => ({ i, registration: f.registration ?? now, id: f.id }));
  const ranked = [...drafts].sort(
    (a, b) => a.registration - b.registration || ((a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : a.i - b.i),
  );
  const keys: UserKey[] = [];
  for (const draft of ranked) keys[draft.i] = userKey(draft.registration * SECOND + 1000 * (fixtureCounter % 1000) + ranked.indexOf(draft));
  fixtureCounter++;
  return keys;
}

export interface StoredUser {
  seq: number;
  id: string;
  project_id: string;
  email: string;
  email_key: string;
  name: string;
  password_hash: string;
  status: number;
  email_verification: number;
  registration: number;
  prefs: string;
  search_text: string;
}

/** The stored row of a user, or null. */
export async function storedUser(id: string): Promise<StoredUser | null> {
  return env.DB.prepare('SELECT * FROM users WHERE id = ?').bind(id).first<StoredUser>();
}

/** Every stored user of a project, in insertion order. */
export async function storedUsers(project: TestProject): Promise<StoredUser[]> {
  return (await env.DB.prepare('SELECT * FROM users WHERE project_id = ? ORDER BY seq').bind(project.id).all<StoredUser>()).results;
}

/** The project's stored user counter (projects.user_count). */
export async function storedUserCount(project: TestProject): Promise<number> {
  const row = await env.DB.prepare('SELECT user_count FROM projects WHERE id = ?').bind(project.id).first<{ user_count: number }>();
  return row!.user_count;
}

/** Everything the Users API can change, to prove a request changed nothing. */
export async function databaseSnapshot(): Promise<unknown> {
  const all = async (sql: string) => (await env.DB.prepare(sql).all()).results;
  return {
    users: await all('SELECT * FROM users ORDER BY seq'),
    projects: await all('SELECT * FROM projects ORDER BY seq'),
    fts: await all('SELECT rowid, search_text FROM users_fts ORDER BY rowid'),
  };
}

/**
 * env.DB as the Worker sees it, observed: `prepared` sees each statement prepared (and
 * may hand back a wrapped one), `batched` each batch, also through the request's D1
 * session, which this binding stands for (no replica: no bookmark).
 */
export function observedDb(observe: {
  prepared?: (sql: string, statement: D1PreparedStatement) => D1PreparedStatement;
  batched?: (statements: D1PreparedStatement[]) => void;
}): D1Database {
  const db = env.DB;
  const prepare = (sql: string) => {
    const statement = db.prepare(sql);
    return observe.prepared?.(sql, statement) ?? statement;
  };
  const batch = (statements: D1PreparedStatement[]) => (observe.batched?.(statements), db.batch(statements));
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
