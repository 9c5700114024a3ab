// SQL of a project move (src/domain/moves.ts): the project's rows table by table, the
// change log the move triggers keep (migrations/0013_shards.sql), the staging copies on
// the target, the freeze flags and the directory. Plain D1 calls with `?N` placeholders,
// so the CLI runs the same statements through its wrangler shim (scripts/lib/d1-shim.ts).

/** A table of a project's data and the key its rows are known by in move_changes (the same expression as the move triggers'). */
export interface MovedTable {
  name: string;
  key: string;
  numericKey: boolean;
}

/**
 * Parents before children (foreign keys: sessions and tokens → users, deliveries → events and webhooks).
 * Derived rows are not moved: the target's triggers make users_fts, user_labels and
 * projects.user_count from the users inserted there.
 */
export const MOVED_TABLES: readonly MovedTable[] = [
  { name: 'users', key: 'seq', numericKey: true },
  { name: 'tokens', key: 'id', numericKey: false },
  { name: 'webhooks', key: 'id', numericKey: false },
  { name: 'webhook_events', key: 'id', numericKey: false },
  { name: 'sessions', key: 'id', numericKey: false },
  { name: 'audit_logs', key: 'seq', numericKey: true },
  { name: 'webhook_deliveries', key: "event_id || ' ' || webhook_id", numericKey: false },
  { name: 'usage_counts', key: "metric || ' ' || period || ' ' || bucket", numericKey: false },
];

export type Row = Record<string, unknown>;

const staging = (table: MovedTable) => `move_${table.name}`;
const keyIn = (table: MovedTable, param: number) => `(${table.key}) IN (SELECT value FROM json_each(?${param}))`;

/**
 * Staging copies on the target: the table's columns without its constraints or triggers,
 * so rows copied at different moments never conflict (a unique email moving from one user
 * to another, a session before its user); `fresh` rebuilds them from the current schema.
 */
export function stagingSql(table: MovedTable, fresh: boolean): string[] {
  return [
    ...(fresh ? [`DROP TABLE IF EXISTS ${staging(table)}`] : []),
    `CREATE TABLE IF NOT EXISTS ${staging(table)} AS SELECT * FROM ${table.name} WHERE 0`,
    `CREATE INDEX IF NOT EXISTS ${staging(table)}_key ON ${staging(table)} (project_id, ${table.key})`,
  ];
}

/** The project's rows after `afterRowid`, in rowid order (`_rowid` holds each one's). */
export async function rowsAfter(db: D1Database, table: MovedTable, projectId: string, afterRowid: number, limit: number): Promise<Row[]> {
  const { results } = await db
    .prepare(`SELECT rowid AS _rowid, * FROM ${table.name} WHERE project_id = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3`)
    .bind(projectId, afterRowid, limit)
    .all<Row>();
  return results;
}

/** The project's last rowid in the table (0 for none). */
export async function lastRowid(db: D1Database, table: MovedTable, projectId: string): Promise<number> {
  return (await db.prepare(`SELECT coalesce(max(rowid), 0) AS last FROM ${table.name} WHERE project_id = ?1`).bind(projectId).first<number>('last')) ?? 0;
}

/** The current rows of each table's keys (a key with no row was deleted), in one batch. */
export async function rowsOf(
  db: D1Database,
  projectId: string,
  wanted: ReadonlyArray<{ table: MovedTable; keys: readonly (string | number)[] }>,
): Promise<Row[][]> {
  if (wanted.length === 0) return [];
  const results = await db.batch(
    wanted.map(({ table, keys }) =>
      db.prepare(`SELECT * FROM ${table.name} WHERE project_id = ?1 AND ${keyIn(table, 2)}`).bind(projectId, JSON.stringify(keys)),
    ),
  );
  return results.map((r) => r.results as Row[]);
}

/** The key of a row, as move_changes holds it. */
export function keyOf(table: MovedTable, row: Row): string | number {
  if (table.name === 'webhook_deliveries') return `${row.event_id} ${row.webhook_id}`;
  if (table.name === 'usage_counts') return `${row.metric} ${row.period} ${row.bucket}`;
  return row[table.key] as string | number;
}

/** Statements replacing the staged rows of `keys` with `rows` (those of the keys that still exist). */
export function restageStatements(
  db: D1Database,
  table: MovedTable,
  projectId: string,
  keys: readonly (string | number)[],
  rows: readonly Row[],
): D1PreparedStatement[] {
  const remove = db.prepare(`DELETE FROM ${staging(table)} WHERE project_id = ?1 AND ${keyIn(table, 2)}`).bind(projectId, JSON.stringify(keys));
  return [remove, ...rows.map((row) => insertStatement(db, staging(table), row))];
}

function insertStatement(db: D1Database, into: string, row: Row): D1PreparedStatement {
  const columns = Object.keys(row).filter((c) => c !== '_rowid');
  return db
    .prepare(`INSERT INTO ${into} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(', ')})`)
    .bind(...columns.map((c) => row[c]));
}

export interface Change {
  seq: number;
  table: string;
  key: string;
}

export async function changesAfter(db: D1Database, projectId: string, afterSeq: number, limit: number): Promise<Change[]> {
  const { results } = await db
    .prepare('SELECT seq, tbl AS "table", key FROM move_changes WHERE project_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3')
    .bind(projectId, afterSeq, limit)
    .all<Change>();
  return results;
}

/** Staged rows of the project, per table. */
export async function stagedCounts(db: D1Database, projectId: string): Promise<Record<string, number>> {
  const counts = MOVED_TABLES.map((t) => `(SELECT count(*) FROM ${staging(t)} WHERE project_id = ?1) AS "${t.name}"`).join(', ');
  return (await db.prepare(`SELECT ${counts}`).bind(projectId).first<Record<string, number>>())!;
}

/** The columns of each moved table on this database, in order. */
export async function tableColumns(db: D1Database): Promise<Record<string, string[]>> {
  const { results } = await db
    .prepare(
      `SELECT m.name AS tbl, p.name AS col FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name IN (SELECT value FROM json_each(?1)) ORDER BY m.name, p.cid`,
    )
    .bind(JSON.stringify(MOVED_TABLES.map((t) => t.name)))
    .all<{ tbl: string; col: string }>();
  const columns: Record<string, string[]> = {};
  for (const { tbl, col } of results) (columns[tbl] ??= []).push(col);
  return columns;
}

/**
 * Statements moving `pages` pages of `limit` staged rows into the real table (its triggers
 * index and count them) and out of staging, page by page: in one batch nothing is installed
 * twice. audit_logs take new seqs (the target numbers its own); a key the target has
 * already is an error, never dropped.
 */
export function installStatements(
  db: D1Database,
  table: MovedTable,
  columns: string[],
  projectId: string,
  limit: number,
  pages: number,
): D1PreparedStatement[] {
  const list = columns
    .filter((c) => !(table.name === 'audit_logs' && c === 'seq'))
    .map((c) => `"${c}"`)
    .join(', ');
  const page = `SELECT rowid FROM ${staging(table)} WHERE project_id = ?1 ORDER BY rowid LIMIT ?2`;
  return Array.from({ length: pages }, () => [
    db.prepare(`INSERT INTO ${table.name} (${list}) SELECT ${list} FROM ${staging(table)} WHERE rowid IN (${page}) ORDER BY rowid`).bind(projectId, limit),
    db.prepare(`DELETE FROM ${staging(table)} WHERE rowid IN (${page})`).bind(projectId, limit),
  ]).flat();
}

/**
 * A staged user whose seq the target already gives another user (seqs are drawn per
 * database: registration second × 2^21 + a random stretch, domain/ids.ts) takes the next
 * free seq of the same second; returns how many were renumbered.
 */
export async function renumberTakenSeqs(db: D1Database, projectId: string, second: number): Promise<number> {
  const { results } = await db
    .prepare('SELECT m.rowid AS staged, m.seq FROM move_users AS m JOIN users AS u ON u.seq = m.seq WHERE m.project_id = ?1')
    .bind(projectId)
    .all<{ staged: number; seq: number }>();
  for (const { staged, seq } of results) {
    const end = (Math.floor(seq / second) + 1) * second;
    const free = await db
      .prepare(
        'WITH RECURSIVE c(s) AS (SELECT ?1 + 1 UNION ALL SELECT s + 1 FROM c WHERE s + 1 < ?2 AND (s IN (SELECT seq FROM users) OR s IN (SELECT seq FROM move_users))) ' +
          'SELECT max(s) AS s FROM c',
      )
      .bind(seq, end)
      .first<number>('s');
    if (free === null || free >= end) throw new Error(`no free seq in the second of ${seq} on the target`);
    await db.prepare('UPDATE move_users SET seq = ?2 WHERE rowid = ?1').bind(staged, free).run();
  }
  return results.length;
}

/** Deletes up to `limit` of the project's rows of `table` (`tableName` for the staging and log tables); returns how many. */
export async function deleteSome(db: D1Database, tableName: string, projectId: string, limit: number): Promise<number> {
  const { results } = await db
    .prepare(`DELETE FROM ${tableName} WHERE rowid IN (SELECT rowid FROM ${tableName} WHERE project_id = ?1 LIMIT ?2) RETURNING 1 AS gone`)
    .bind(projectId, limit)
    .all();
  return results.length;
}

export const stagingName = staging;

/** Tracking and freeze flags of the project's row on a database (migrations/0013_shards.sql). */
export function setProjectFlags(db: D1Database, projectId: string, flags: { moving: boolean; frozen: 0 | 1 | 2 }): D1PreparedStatement {
  return db.prepare('UPDATE projects SET moving = ?2, frozen = ?3 WHERE id = ?1').bind(projectId, flags.moving ? 1 : 0, flags.frozen);
}

/** The project's own row on a shard other than DB, as the directory has it (a second run changes nothing). */
export function copyProjectRow(db: D1Database, row: { seq: number; id: string; name: string; created: number }, shard: string): D1PreparedStatement {
  return db
    .prepare('INSERT OR IGNORE INTO projects (seq, id, name, created, shard) VALUES (?1, ?2, ?3, ?4, ?5)')
    .bind(row.seq, row.id, row.name, row.created, shard);
}

export function deleteProjectRow(db: D1Database, projectId: string): D1PreparedStatement {
  return db.prepare('DELETE FROM projects WHERE id = ?1').bind(projectId);
}

export interface DirectoryRow {
  seq: number;
  id: string;
  name: string;
  created: number;
  shard: string;
}

export async function directoryRow(db: D1Database, projectId: string): Promise<DirectoryRow | null> {
  return db.prepare('SELECT seq, id, name, created, shard FROM projects WHERE id = ?1').bind(projectId).first<DirectoryRow>();
}

/** The flip: the project now lives on `shard`, arrived at `now` (unix seconds). */
export function flipDirectory(db: D1Database, projectId: string, shard: string, now: number): D1PreparedStatement {
  return db.prepare('UPDATE projects SET shard = ?2, moved_at = ?3 WHERE id = ?1').bind(projectId, shard, now);
}

export interface MoveRow {
  projectId: string;
  source: string;
  target: string;
  step: string;
  progress: string;
  flipped: number;
}

export async function findMove(db: D1Database, projectId: string): Promise<MoveRow | null> {
  return db
    .prepare('SELECT project_id AS projectId, source, target, step, progress, flipped FROM project_moves WHERE project_id = ?1')
    .bind(projectId)
    .first<MoveRow>();
}

/** Other moves under way into `target` (they share its staging tables). */
export async function movesInto(db: D1Database, target: string, except: string): Promise<number> {
  return (await db.prepare('SELECT count(*) AS n FROM project_moves WHERE target = ?1 AND project_id <> ?2').bind(target, except).first<number>('n')) ?? 0;
}

export function insertMove(db: D1Database, move: { projectId: string; source: string; target: string; step: string; now: number }): D1PreparedStatement {
  return db
    .prepare('INSERT INTO project_moves (project_id, source, target, step, started, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?5)')
    .bind(move.projectId, move.source, move.target, move.step, move.now);
}

export function saveMove(db: D1Database, projectId: string, fields: { step: string; progress: string; flipped: number; now: number }): D1PreparedStatement {
  return db
    .prepare('UPDATE project_moves SET step = ?2, progress = ?3, flipped = ?4, updated = ?5 WHERE project_id = ?1')
    .bind(projectId, fields.step, fields.progress, fields.flipped, fields.now);
}

export function deleteMove(db: D1Database, projectId: string): D1PreparedStatement {
  return db.prepare('DELETE FROM project_moves WHERE project_id = ?1').bind(projectId);
}
