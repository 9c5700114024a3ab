// SQL for the operator's actions (scripts/admin.ts): projects, their origins and API keys. The CLI
// runs it through `wrangler d1 execute`, which takes no bound parameters, so every
// value is quoted here; src/domain/admin.ts validates and generates the values.
import { DEFAULT_SHARD } from './shards.ts';

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The project's directory row on the control database (DB), with its origins; the column's default says DB. */
export function insertProjectSql(row: { id: string; name: string; origins: string[]; created: number; shard: string }): string {
  const [shardColumn, shardValue] = row.shard === DEFAULT_SHARD ? ['', ''] : [', shard', `, ${quote(row.shard)}`];
  return (
    `INSERT INTO projects (id, name, created${shardColumn}) VALUES (${quote(row.id)}, ${quote(row.name)}, ${row.created}${shardValue});` +
    insertOriginsSql(row.id, row.origins)
  );
}

/** The directory row the shard's own row is made from (same seq: search tokens are namespaced by it). */
export function projectRowSql(projectId: string): string {
  return `SELECT seq, id, name, created, shard FROM projects WHERE id = ${quote(projectId)};`;
}

/** The project's own row on a shard other than DB (what users' foreign keys and counters need); a second run changes nothing. */
export function insertShardProjectSql(row: { seq: number; id: string; name: string; created: number; shard: string }): string {
  return `INSERT OR IGNORE INTO projects (seq, id, name, created, shard) VALUES (${Math.trunc(row.seq)}, ${quote(row.id)}, ${quote(row.name)}, ${row.created}, ${quote(row.shard)});`;
}

/** Users on the shard: every project row's counter (on DB, rows of projects living elsewhere count 0). */
export const shardUsersSql = 'SELECT coalesce(sum(user_count), 0) AS users FROM projects;';

/** Replaces the project's allowed browser origins (the caller checks with projectExistsSql). */
export function replaceOriginsSql(projectId: string, origins: string[]): string {
  return `DELETE FROM project_origins WHERE project_id = ${quote(projectId)};` + insertOriginsSql(projectId, origins);
}

function insertOriginsSql(projectId: string, origins: string[]): string {
  if (origins.length === 0) return '';
  const rows = [...new Set(origins)].map((origin) => `(${quote(origin)}, ${quote(projectId)})`);
  return `\nINSERT INTO project_origins (origin, project_id) VALUES ${rows.join(', ')};`;
}

/** Inserts nothing when the project does not exist (the caller checks with keyExistsSql). */
export function insertKeySql(row: { id: string; projectId: string; name: string; scopes: string[]; secretHash: string; created: number }): string {
  return (
    `INSERT INTO api_keys (id, project_id, name, scopes, secret_hash, created) ` +
    `SELECT ${quote(row.id)}, id, ${quote(row.name)}, ${quote(JSON.stringify(row.scopes))}, ${quote(row.secretHash)}, ${row.created} ` +
    `FROM projects WHERE id = ${quote(row.projectId)};`
  );
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

/** Inserts nothing when the project does not exist (the caller checks with webhookExistsSql). */
export function insertWebhookSql(row: { id: string; projectId: string; name: string; url: string; events: string[]; secret: string; created: number }): string {
  return (
    `INSERT INTO webhooks (id, project_id, name, url, events, secret, created) ` +
    `SELECT ${quote(row.id)}, id, ${quote(row.name)}, ${quote(row.url)}, ${quote(JSON.stringify(row.events))}, ${quote(row.secret)}, ${row.created} ` +
    `FROM projects WHERE id = ${quote(row.projectId)};`
  );
}

export function listWebhooksSql(projectId: string): string {
  return `SELECT id, name, url, events, created FROM webhooks WHERE project_id = ${quote(projectId)} ORDER BY created, id;`;
}

export function webhookExistsSql(projectId: string, webhookId: string): string {
  return `SELECT 1 AS found FROM webhooks WHERE project_id = ${quote(projectId)} AND id = ${quote(webhookId)};`;
}

/** Deletes the webhook and, by cascade, its deliveries. */
export function deleteWebhookSql(projectId: string, webhookId: string): string {
  return `DELETE FROM webhooks WHERE project_id = ${quote(projectId)} AND id = ${quote(webhookId)};`;
}

/** The project's deliveries, newest first (at most `limit`), optionally only the failed ones. */
export function listDeliveriesSql(projectId: string, onlyFailed: boolean, limit: number): string {
  return (
    `SELECT d.event_id AS eventId, d.webhook_id AS webhookId, e.event, e.user_id AS userId, e.time, d.status, d.attempts, ` +
    `d.last_status AS lastStatus, d.last_error AS lastError, d.updated ` +
    `FROM webhook_deliveries AS d JOIN webhook_events AS e ON e.id = d.event_id ` +
    `WHERE d.project_id = ${quote(projectId)}${onlyFailed ? ` AND d.status = 'failed'` : ''} ` +
    `ORDER BY d.updated DESC, d.event_id LIMIT ${Math.trunc(limit)};`
  );
}
