// SQL for the operator's actions (scripts/admin.ts): projects and API keys. The
// CLI runs it through `wrangler d1 execute`, which takes no bound parameters, so
// every value is validated and quoted here; tests run the same statements.
import { PROJECT_ID, newId } from '../domain/ids.ts';
import { randomHex, sha256Hex } from '../domain/crypto.ts';

export const SCOPES = ['users.read', 'users.write'] as const;


const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
const now = () => Math.floor(Date.now() / 1000);

export function createProjectSql(id: string, name: string, origins: string[]): string {
  if (!PROJECT_ID.test(id)) throw new Error(`project id must match ${PROJECT_ID}`);
  for (const origin of origins) new URL(origin);
  const normalized = origins.map((o) => new URL(o).origin);
  return `INSERT INTO projects (id, name, origins, created) VALUES (${quote(id)}, ${quote(name)}, ${quote(JSON.stringify(normalized))}, ${now()});`;
}

export function createKeySql(projectId: string, name: string, scopes: string[]): { sql: string; id: string; secret: string } {
  if (!PROJECT_ID.test(projectId)) throw new Error(`project id must match ${PROJECT_ID}`);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) throw new Error(`scopes must be a non-empty list of ${SCOPES.join(', ')}`);
  const id = newId();
  // 256 bits of lower-case hex: the SDKs lower-case the key header.
  const secret = randomHex(32);
  const sql =
    `INSERT INTO api_keys (id, project_id, name, scopes, secret_hash, created) ` +
    `SELECT ${quote(id)}, id, ${quote(name)}, ${quote(JSON.stringify(scopes))}, ${quote(sha256Hex(secret))}, ${now()} ` +
    `FROM projects WHERE id = ${quote(projectId)};`;
  return { sql, id, secret };
}

export function listKeysSql(projectId: string): string {
  return `SELECT id, name, scopes, created FROM api_keys WHERE project_id = ${quote(projectId)} ORDER BY created, id;`;
}

export function revokeKeySql(projectId: string, keyId: string): string {
  return `DELETE FROM api_keys WHERE project_id = ${quote(projectId)} AND id = ${quote(keyId)};`;
}

export function projectExistsSql(projectId: string): string {
  return `SELECT 1 AS found FROM projects WHERE id = ${quote(projectId)};`;
}

export function keyExistsSql(projectId: string, keyId: string): string {
  return `SELECT 1 AS found FROM api_keys WHERE project_id = ${quote(projectId)} AND id = ${quote(keyId)};`;
}
