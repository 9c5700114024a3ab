// Bulk writes and reads for imports and exports (contract §9.2–9.3). Each statement
// takes its rows as ONE bound JSON text expanded by json_each, so a chunk of hundreds
// of users stays far below D1's 100 bound parameters; the users_fts and user_count
// triggers fire for every row inserted, as for a single create.
import type { Db } from './client.ts';
import { packDevice } from './device.ts';
import { users } from './schema.ts';
import { userIs } from './users.ts';

/** A users row as the import writes it (see users in schema.ts). */
export interface ImportRow {
  seq: number;
  id: string;
  email: string;
  emailKey: string;
  name: string;
  passwordHash: string;
  status: number;
  emailVerification: boolean;
  registration: number;
  prefs: string;
  searchText: string;
  phone: string;
  phoneVerification: boolean;
  /** JSON array. */
  labels: string;
  /** Unix ms (0: never). */
  passwordUpdate: number;
  updatedAt: number;
}

/**
 * The highest seq of each given registration second (any project: seq is the table's
 * rowid), where a second spans `span` seqs (domain/ids.ts lays them out).
 */
export async function topSeqs(db: Db, seconds: number[], span: number): Promise<Map<number, number>> {
  const { results } = await db.$client
    .prepare(
      `SELECT s.value AS second, (SELECT max(seq) FROM users WHERE seq >= s.value * ?2 AND seq < (s.value + 1) * ?2) AS top
       FROM json_each(?1) AS s`,
    )
    .bind(JSON.stringify(seconds), span)
    .all<{ second: number; top: number | null }>();
  return new Map(results.filter((r) => r.top !== null).map((r) => [r.second, r.top!]));
}

/**
 * Inserts the rows that conflict with nothing (seq, id or email in the project) and
 * returns the seqs of those it inserted. `WHERE true` lets SQLite parse the upsert
 * clause after a SELECT.
 */
export function insertImported(db: Db, projectId: string, rows: ImportRow[]) {
  return db.$client
    .prepare(
      `INSERT INTO users (seq, id, project_id, email, email_key, name, password_hash, status, email_verification, registration, prefs, search_text,
         phone, phone_verification, labels, password_update, updated_at)
       SELECT r.value ->> 'seq', r.value ->> 'id', ?1, r.value ->> 'email', r.value ->> 'emailKey', r.value ->> 'name', r.value ->> 'passwordHash',
         r.value ->> 'status', r.value ->> 'emailVerification', r.value ->> 'registration', r.value ->> 'prefs', r.value ->> 'searchText',
         r.value ->> 'phone', r.value ->> 'phoneVerification', r.value ->> 'labels', r.value ->> 'passwordUpdate', r.value ->> 'updatedAt'
       FROM json_each(?2) AS r WHERE true
       ON CONFLICT DO NOTHING
       RETURNING seq`,
    )
    .bind(projectId, JSON.stringify(rows));
}

/**
 * Logs `users.create` for the given (seq, id) pairs that are users of the project,
 * in the batch that inserted them: rows the insert skipped have another id, or none.
 * CROSS JOIN keeps the pairs as the outer loop (one rowid lookup each); left to
 * itself the planner walks all of the project's users for every chunk.
 */
export function logImported(db: Db, projectId: string, keys: Array<[number, string]>, entry: { ip: string; time: number; device: string; country: string }) {
  return db.$client
    .prepare(
      `INSERT INTO audit_logs (project_id, user_id, event, ip, time, device, country)
       SELECT u.project_id, u.id, 'users.create', ?2, ?3, ?4, ?5
       FROM json_each(?6) AS k CROSS JOIN users AS u ON u.seq = k.value ->> 0 AND u.id = k.value ->> 1 AND u.project_id = ?1`,
    )
    .bind(projectId, entry.ip, entry.time, packDevice(entry.device), entry.country, JSON.stringify(keys));
}

/** Which of these ids, (lower-cased) emails and phones the project already has. */
export async function existingKeys(
  db: Db,
  projectId: string,
  ids: string[],
  emailKeys: string[],
  phones: string[],
): Promise<{ ids: Set<string>; emailKeys: Set<string>; phones: Set<string> }> {
  const { results } = await db.$client
    .prepare(
      `SELECT id, email_key AS emailKey, phone FROM users WHERE project_id = ?1 AND id IN (SELECT value FROM json_each(?2))
       UNION
       SELECT id, email_key AS emailKey, phone FROM users WHERE project_id = ?1 AND email_key IN (SELECT value FROM json_each(?3)) AND email_key <> ''
       UNION
       SELECT id, email_key AS emailKey, phone FROM users WHERE project_id = ?1 AND phone IN (SELECT value FROM json_each(?4)) AND phone <> ''`,
    )
    .bind(projectId, JSON.stringify(ids), JSON.stringify(emailKeys), JSON.stringify(phones))
    .all<{ id: string; emailKey: string; phone: string }>();
  return { ids: new Set(results.map((r) => r.id)), emailKeys: new Set(results.map((r) => r.emailKey)), phones: new Set(results.map((r) => r.phone)) };
}

/** A user as the export writes it (password_hash included: the caller decides whether it leaves). */
export interface ExportRow {
  seq: number;
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  status: number;
  emailVerification: number;
  registration: number;
  prefs: string;
  phone: string;
  phoneVerification: number;
  /** JSON array. */
  labels: string;
}

const EXPORT_COLUMNS = `seq, id, email, name, password_hash AS passwordHash, status, email_verification AS emailVerification, registration, prefs,
  phone, phone_verification AS phoneVerification, labels`;
const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
const utf8 = (column: string) => `length(CAST(${column} AS BLOB))`;

/**
 * What an export page may hold, in bytes of its records' text (UTF-8): well under the
 * Worker's 128 MB, as 1000 users with 64 KiB of prefs each would not be.
 */
export const EXPORT_PAGE_BYTES = 4 * 1024 * 1024;
// A record's bytes beyond its text columns: field names, flags, numbers, the hash's keys.
const RECORD_OVERHEAD = 256;

/**
 * Keyset paging in list order: up to `limit` users of the project after the seq
 * `after` (null: from the first), read along the users_project index (project_id,
 * rowid), so a page costs about `limit` rows however deep it is. The page also stops
 * before the record that would take it past EXPORT_PAGE_BYTES (it always holds one),
 * counted here so that no more than that leaves the database: rows come with
 * `included`, and at most one row after the page (included = 0) tells that more
 * follow. SQL text with quoted literals, so that the admin CLI runs the very same
 * query through `wrangler d1 execute` (which binds nothing) or node:sqlite.
 */
export function pageAfterSql(projectId: string, after: number | null, limit: number): string {
  if (!Number.isSafeInteger(limit) || (after !== null && !Number.isSafeInteger(after))) throw new Error('page bounds must be integers');
  const bytes = `${['id', 'email', 'name', 'password_hash', 'prefs', 'phone', 'labels'].map(utf8).join(' + ')} + ${RECORD_OVERHEAD}`;
  const candidates = `SELECT ${EXPORT_COLUMNS}, ${bytes} AS bytes FROM users WHERE project_id = ${quote(projectId)}${after === null ? '' : ` AND seq > ${after}`} ORDER BY seq LIMIT ${limit + 1}`;
  // n: place in the page; upto: bytes up to and including this row. The second row
  // always comes, so that a first record past the budget on its own still tells whether more follow.
  const sized = `SELECT *, row_number() OVER w AS n, sum(bytes) OVER w AS upto FROM (${candidates}) WINDOW w AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)`;
  return `SELECT seq, id, email, name, passwordHash, status, emailVerification, registration, prefs, phone, phoneVerification, labels, n = 1 OR (n <= ${limit} AND upto <= ${EXPORT_PAGE_BYTES}) AS included FROM (${sized})
    WHERE n <= 2 OR upto - bytes <= ${EXPORT_PAGE_BYTES} ORDER BY seq`;
}

/** A row of pageAfterSql: 1 if in the page, 0 for the one after it. */
export type PageRow = ExportRow & { included: number };

/** The page's rows out of pageAfterSql's, and whether more follow. */
export function pageOf(rows: PageRow[]): { rows: ExportRow[]; more: boolean } {
  const page = rows.filter((row) => row.included === 1).map(({ included: _, ...row }) => row);
  return { rows: page, more: rows.length > page.length };
}

/** The place in list order of a user of the project (an export cursor given as a user id). */
export async function seqOfUser(db: Db, projectId: string, id: string): Promise<number | undefined> {
  const [row] = await db.select({ seq: users.seq }).from(users).where(userIs(projectId, id));
  return row?.seq;
}

/** The page after the seq `after` (null: the first page). */
export async function pageAfter(db: Db, projectId: string, after: number | null, limit: number): Promise<{ rows: ExportRow[]; more: boolean }> {
  return pageOf((await db.$client.prepare(pageAfterSql(projectId, after, limit)).all<PageRow>()).results);
}
