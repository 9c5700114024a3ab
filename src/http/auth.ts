// Who is calling: the project (X-Appwrite-Project or a `project` parameter) and, for
// server routes, an API key with the route's scope. Projects and keys are cached
// per isolate for AUTH_CACHE_TTL_MS, so a warm isolate authenticates without D1;
// a revoked key therefore stops working within that bound (README, Security model).
import type { Db } from '../db/client.ts';
import { findApiKeyByHash, findProject, type ProjectRow } from '../db/projects.ts';
import { sha256Hex } from '../domain/crypto.ts';
import { PROJECT_ID } from '../domain/ids.ts';
import { TtlCache } from '../domain/ttl-cache.ts';
import { badRequest, unauthorized } from './errors.ts';

export const AUTH_CACHE_TTL_MS = 30_000;

export type Scope = 'users.read' | 'users.write';

export interface Project {
  seq: number;
  id: string;
  name: string;
  origins: string[];
}

interface ApiKey {
  projectId: string;
  scopes: string[];
}

const projectCache = new TtlCache<Project>(AUTH_CACHE_TTL_MS);
const keyCache = new TtlCache<ApiKey>(AUTH_CACHE_TTL_MS);

export async function resolveProject(db: Db, projectId: string | undefined): Promise<Project> {
  // The SDKs lower-case header values, so ids are compared in lower case.
  const id = projectId?.trim().toLowerCase();
  if (!id) throw badRequest('Missing or unknown project ID');
  const cached = projectCache.get(id);
  if (cached) return cached;
  const row = PROJECT_ID.test(id) ? await findProject(db, id) : undefined;
  if (!row) throw badRequest('Missing or unknown project ID');
  const project = toProject(row);
  projectCache.set(id, project);
  return project;
}

export async function requireScope(db: Db, project: Project, secret: string | null, scope: Scope, host: string): Promise<void> {
  const key = secret ? await findKey(db, secret.trim().toLowerCase()) : undefined;
  if (!key || key.projectId !== project.id) throw unauthorized(`Guest (role: guest) missing scope (${scope})`);
  if (!key.scopes.includes(scope)) {
    throw unauthorized(`app.${project.id}@service.${host} (role: application) missing scope (${scope})`);
  }
}

async function findKey(db: Db, secret: string): Promise<ApiKey | undefined> {
  // Only a hash is stored; looking the key up by its hash leaks nothing about the secret.
  const hash = sha256Hex(secret);
  const cached = keyCache.get(hash);
  if (cached) return cached;
  const row = secret.length <= 512 ? await findApiKeyByHash(db, hash) : undefined;
  if (!row) return undefined;
  const key = { projectId: row.projectId, scopes: parseList(row.scopes) };
  keyCache.set(hash, key);
  return key;
}

function toProject(row: ProjectRow): Project {
  return { seq: row.seq, id: row.id, name: row.name, origins: parseList(row.origins) };
}

function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
