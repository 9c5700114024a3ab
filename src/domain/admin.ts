// The operator's actions on projects, their origins and API keys (scripts/admin.ts, npm start, tests):
// validation and generated values here, the SQL in src/db/admin-sql.ts.
import { insertKeySql, insertProjectSql, insertShardProjectSql, replaceOriginsSql } from '../db/admin-sql.ts';
import { DEFAULT_SHARD, SHARD_NAME } from '../db/shards.ts';
import { SCOPES } from './scopes.ts';
import { nowSeconds } from './context.ts';
import { randomHex, sha256Hex } from './crypto.ts';
import { PROJECT_ID, newId } from './ids.ts';

function checkProjectId(id: string): void {
  if (!PROJECT_ID.test(id)) throw new Error(`project id must match ${PROJECT_ID}`);
}

// new URL() refuses what is not a URL; .origin drops any path a user typed.
const toOrigin = (url: string) => new URL(url).origin;

function checkShard(shard: string): void {
  if (!SHARD_NAME.test(shard)) throw new Error(`shard must be DB or SHARD_<name> (capitals, digits, _), not ${shard}`);
}

/** The project's directory row (control database); a shard other than DB then needs shardProjectSql too. */
export function createProjectSql(id: string, name: string, origins: string[], shard = DEFAULT_SHARD): string {
  checkProjectId(id);
  checkShard(shard);
  return insertProjectSql({ id, name, origins: origins.map(toOrigin), created: nowSeconds(), shard });
}

/** The project's own row on `shard`, from its directory row. */
export function shardProjectSql(row: { seq: number; id: string; name: string; created: number }, shard: string): string {
  checkShard(shard);
  return insertShardProjectSql({ ...row, shard });
}

/**
 * Where a new project goes: the shard with the most room, which is the fewest users (what
 * grows a shard: a user's sessions and logs are bounded, contract §13.1); ties go to the
 * first in `users`' order (DB first).
 */
export function roomiestShard(users: ReadonlyMap<string, number>): string {
  let best: [string, number] | undefined;
  for (const entry of users) if (!best || entry[1] < best[1]) best = entry;
  if (!best) throw new Error('no shard configured');
  return best[0];
}

/** Replaces the project's allowed browser origins with `origins` (none: no browser may call it). */
export function setOriginsSql(projectId: string, origins: string[]): string {
  checkProjectId(projectId);
  return replaceOriginsSql(projectId, origins.map(toOrigin));
}

export function createKeySql(projectId: string, name: string, scopes: string[]): { sql: string; id: string; secret: string } {
  checkProjectId(projectId);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) throw new Error(`scopes must be a non-empty list of ${SCOPES.join(', ')}`);
  const id = newId();
  // 256 bits of lower-case hex: the SDKs lower-case the key header.
  const secret = randomHex(32);
  return { sql: insertKeySql({ id, projectId, name, scopes, secretHash: sha256Hex(secret), created: nowSeconds() }), id, secret };
}
