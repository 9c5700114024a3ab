// Test helpers: projects and keys made with the admin CLI's own SQL, and requests
// sent through the Worker's real fetch handler.
import { env, exports } from 'cloudflare:workers';
import { createKeySql, createProjectSql } from '../src/db/admin-sql.ts';

export const BASE = 'http://localhost/v1';
let counter = 0;

export interface TestProject {
  id: string;
  key: string;
  readKey: string;
  writeKey: string;
}

export async function createProject(options: { origins?: string[] } = {}): Promise<TestProject> {
  const id = `p${Date.now().toString(36)}${(counter++).toString(36)}`;
  await env.DB.prepare(createProjectSql(id, `Project ${id}`, options.origins ?? [])).run();
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
