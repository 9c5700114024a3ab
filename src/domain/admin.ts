// The operator's actions on projects, their origins and API keys (scripts/admin.ts, npm start, tests):
// validation and generated values here, the SQL in src/db/admin-sql.ts.
import { insertKeySql, insertProjectSql, replaceOriginsSql } from '../db/admin-sql.ts';
import { SCOPES } from './scopes.ts';
import { nowSeconds } from './context.ts';
import { randomHex, sha256Hex } from './crypto.ts';
import { PROJECT_ID, newId } from './ids.ts';

function checkProjectId(id: string): void {
  if (!PROJECT_ID.test(id)) throw new Error(`project id must match ${PROJECT_ID}`);
}

// new URL() refuses what is not a URL; .origin drops any path a user typed.
const toOrigin = (url: string) => new URL(url).origin;

export function createProjectSql(id: string, name: string, origins: string[]): string {
  checkProjectId(id);
  return insertProjectSql({ id, name, origins: origins.map(toOrigin), created: nowSeconds() });
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
