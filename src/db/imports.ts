// Bulk writes and reads for imports and exports (contract §9.2–9.3). Each statement
// takes its rows as ONE bound JSON text expanded by json_each, so a chunk of hundreds
// of users stays far below D1's 100 bound parameters; the users_fts and user_count
// triggers fire for every row inserted, as for a single create.
import type { Db } from './client.ts';

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

const SECOND = 2 ** 21;

/** The highest seq of each given registration second (any project: seq is the table's rowid). */
export async function topSeqs(db: Db, seconds: number[]): Promise<Map<number, number>> {
  const { results } = await db.$client
    .prepare(
      `SELECT s.value AS second, (SELECT max(seq) FROM users WHERE seq >= s.value * ${SECOND} AND seq < (s.value + 1) * ${SECOND}) AS top
       FROM json_each(?1) AS s`,
    )
    .bind(JSON.stringify(seconds))
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
    .bind(projectId, entry.ip, entry.time, entry.device, entry.country, JSON.stringify(keys));
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

/**
 * Keyset paging in list order: `limit` users of the project after `after` (a seq, a
 * user id, or null for the first page), read along the users_project index
 * (project_id, rowid), so a page costs about `limit` rows however deep it is. SQL
 * text with quoted literals, so that the admin CLI runs the very same query through
 * `wrangler d1 execute` (which binds nothing) or node:sqlite.
 */
export function pageAfterSql(projectId: string, after: number | string | null, limit: number): string {
  if (!Number.isSafeInteger(limit) || (typeof after === 'number' && !Number.isSafeInteger(after))) throw new Error('page bounds must be integers');
  const project = quote(projectId);
  const bound =
    after === null ? '' : typeof after === 'number' ? ` AND seq > ${after}` : ` AND seq > (SELECT seq FROM users WHERE project_id = ${project} AND id = ${quote(after)})`;
  return `SELECT ${EXPORT_COLUMNS} FROM users WHERE project_id = ${project}${bound} ORDER BY seq LIMIT ${limit}`;
}

/** The page after the user `cursorId` (null: the first page), and whether that user exists, in one round trip. */
export async function pageAfter(db: Db, projectId: string, cursorId: string | null, limit: number): Promise<{ cursorFound: boolean; rows: ExportRow[] }> {
  const page = db.$client.prepare(pageAfterSql(projectId, cursorId, limit));
  if (cursorId === null) return { cursorFound: true, rows: (await page.all<ExportRow>()).results };
  const [found, rows] = await db.$client.batch<ExportRow>([
    db.$client.prepare('SELECT seq FROM users WHERE project_id = ?1 AND id = ?2').bind(projectId, cursorId),
    page,
  ]);
  return { cursorFound: found!.results.length > 0, rows: rows!.results };
}
