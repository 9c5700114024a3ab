// Who may act in a project: the project itself and its API keys. Both are cached per
// isolate for AUTH_CACHE_TTL_MS, so a warm isolate authenticates without D1; a
// revoked key therefore keeps working for at most that long (README, Security model).
// A lookup reads the request's D1 session (perhaps a replica); only a miss is confirmed
// on the primary, since a replica may not have a project or key created a second ago.
// A confirmed miss is remembered for MISS_CACHE_TTL_MS, so requests naming an unknown
// project or key do not reach the primary each time; one created since works after that.
import type { Db } from '../db/client.ts';
import { findApiKeyByHash, findProject, type ProjectRow } from '../db/projects.ts';
import type { Project, Stores } from './context.ts';
import { sha256HexNative } from './crypto.ts';
import { PROJECT_ID } from './ids.ts';
import { AUTH_CACHE_TTL_MS, MISS_CACHE_TTL_MS } from './cache-lifetimes.ts';
import { LookupCache } from './ttl-cache.ts';

export { AUTH_CACHE_TTL_MS, MISS_CACHE_TTL_MS } from './cache-lifetimes.ts';

export interface ApiKey {
  projectId: string;
  scopes: string[];
}

const projectCache = new LookupCache<Project>(AUTH_CACHE_TTL_MS, MISS_CACHE_TTL_MS);
const keyCache = new LookupCache<ApiKey>(AUTH_CACHE_TTL_MS, MISS_CACHE_TTL_MS);

/** The project with this id (compared in lower case: the SDKs lower-case header values), if any. */
export async function findProjectById(stores: Stores, projectId: string): Promise<Project | undefined> {
  const id = projectId.trim().toLowerCase();
  if (!PROJECT_ID.test(id)) return undefined;
  return projectCache.get(id, async () => {
    const row = await confirmedRead(stores, (db) => findProject(db, id));
    return row && toProject(row);
  });
}

/** The API key with this secret, if any. Only a hash is stored, so the lookup is by hash. */
export async function findApiKey(stores: Stores, secret: string): Promise<ApiKey | undefined> {
  const normalized = secret.trim().toLowerCase();
  if (normalized.length > 512) return undefined;
  const hash = await sha256HexNative(normalized);
  return keyCache.get(hash, async () => {
    const row = await confirmedRead(stores, (db) => findApiKeyByHash(db, hash));
    return row && { projectId: row.projectId, scopes: parseList(row.scopes) };
  });
}

/** `read` on the request's database; a miss is read again on the primary, unless it came from there. */
async function confirmedRead<T>(stores: Stores, read: (db: Db) => Promise<T | undefined>): Promise<T | undefined> {
  const found = await read(stores.db);
  if (found !== undefined) return found;
  const primary = stores.primary();
  return primary === stores.db ? undefined : read(primary);
}

function toProject(row: ProjectRow): Project {
  return { seq: row.seq, id: row.id, name: row.name, origins: parseList(row.origins), shard: row.shard, movedAt: row.movedAt };
}

function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
