// Queries on users. Everything is scoped by project id: a user id from another
// project behaves exactly like an unknown one.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { projects, users } from './schema.ts';

export type NewUserRow = typeof users.$inferInsert;

/** The columns a user object is made of; hashes, prefs and search text stay in the database. */
export const publicColumns = {
  id: users.id,
  email: users.email,
  emailVerification: users.emailVerification,
  status: users.status,
  registration: users.registration,
  name: users.name,
};
export type PublicUserRow = { id: string; email: string; emailVerification: boolean; status: number; registration: number; name: string };

export interface Page {
  limit: number;
  offset: number;
  order: 'ASC' | 'DESC';
}

/** Inserts a user; the counter and search index follow through triggers in the same statement. */
export function insertUser(db: Db, row: NewUserRow) {
  return db.insert(users).values(row).returning(publicColumns);
}

/** The user as a list of zero or one rows, so that it can take part in a batch. */
export function findUser(db: Db, projectId: string, id: string) {
  return db.select(publicColumns).from(users).where(and(eq(users.id, id), eq(users.projectId, projectId))).limit(1);
}

/** The user with this (lower-cased) email in the project: sign-in, and the duplicate check before hashing. */
export async function findUserByEmail(db: Db, projectId: string, emailKey: string) {
  return db
    .select({ id: users.id, status: users.status, passwordHash: users.passwordHash })
    .from(users)
    .where(and(eq(users.projectId, projectId), eq(users.emailKey, emailKey)))
    .get();
}

/** One page in registration order, and the project's total from its counter, in one round trip. */
export async function listUsers(db: Db, projectId: string, page: Page): Promise<{ sum: number; users: PublicUserRow[] }> {
  const dir = page.order === 'DESC' ? desc : asc;
  const [rows, count] = await db.batch([
    db
      .select(publicColumns)
      .from(users)
      .where(eq(users.projectId, projectId))
      // seq order is (registration, creation) order: domain/ids.ts.
      .orderBy(dir(users.seq))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ sum: projects.userCount }).from(projects).where(eq(projects.id, projectId)),
  ]);
  return { sum: count[0]?.sum ?? 0, users: rows };
}

/**
 * One page of full-text matches and their count; `match` is built by domain/search.ts.
 * The index is read in rowid order, which is (registration, $id) order (see
 * domain/ids.ts), so a page stops after offset + limit matches instead of sorting
 * them all (CROSS JOIN keeps the index as the driving table). The count reads the
 * index alone: its tokens carry the project's key.
 */
export async function searchUsers(
  db: Db,
  projectId: string,
  match: string,
  page: Page,
): Promise<{ sum: number; users: PublicUserRow[] }> {
  const dir = sql.raw(page.order === 'DESC' ? 'DESC' : 'ASC');
  // Two independent reads, sent together (drizzle cannot batch raw SQL).
  const [rows, [count]] = await Promise.all([
    db.all<SearchRow>(sql`
      SELECT ${users.id} AS id, ${users.email} AS email, ${users.emailVerification} AS email_verification,
        ${users.status} AS status, ${users.registration} AS registration, ${users.name} AS name
      FROM users_fts CROSS JOIN ${users} ON ${users.seq} = users_fts.rowid
      WHERE users_fts MATCH ${match} AND ${users.projectId} = ${projectId}
      ORDER BY users_fts.rowid ${dir}
      LIMIT ${page.limit} OFFSET ${page.offset}`),
    db.all<{ total: number }>(sql`SELECT count(*) AS total FROM users_fts WHERE users_fts MATCH ${match}`),
  ]);
  return { sum: count?.total ?? 0, users: rows.map(fromSearchRow) };
}

interface SearchRow {
  id: string;
  email: string;
  email_verification: number;
  status: number;
  registration: number;
  name: string;
}

function fromSearchRow(row: SearchRow): PublicUserRow {
  return {
    id: row.id,
    email: row.email,
    emailVerification: row.email_verification === 1,
    status: row.status,
    registration: row.registration,
    name: row.name,
  };
}

export async function findPrefs(db: Db, projectId: string, id: string): Promise<string | undefined> {
  const row = await db.select({ prefs: users.prefs }).from(users).where(and(eq(users.id, id), eq(users.projectId, projectId))).get();
  return row?.prefs;
}

// A JSON value as text, from a json_each row. Built as text because SQLite drops
// the JSON subtype of json_each values once they pass through a subquery.
const valueJson = (alias: string) =>
  sql.raw(
    `CASE ${alias}.type WHEN 'object' THEN ${alias}.value WHEN 'array' THEN ${alias}.value WHEN 'true' THEN 'true' ` +
      `WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE json_quote(${alias}.value) END`,
  );

/**
 * Shallow merge of `patch` (a JSON object) into the stored prefs in one UPDATE, so
 * concurrent merges of different keys never lose each other. Keeps PHP array_merge's
 * order: existing keys in place (with new values), new keys appended. Returns the
 * merged JSON, or no row for an unknown user. A result over 64 KiB violates the
 * users_prefs_size CHECK constraint and changes nothing.
 */
export function mergePrefs(db: Db, projectId: string, id: string, patch: string) {
  const merged = sql`(
    SELECT json('{' || coalesce(group_concat(json_quote(k) || ':' || v, ','), '') || '}') FROM (
      SELECT o.key AS k, CASE WHEN n.key IS NULL THEN ${valueJson('o')} ELSE ${valueJson('n')} END AS v
        FROM json_each(users.prefs) AS o LEFT JOIN json_each(${patch}) AS n ON n.key = o.key
      UNION ALL
      SELECT n.key, ${valueJson('n')} FROM json_each(${patch}) AS n
        WHERE n.key NOT IN (SELECT key FROM json_each(users.prefs))
    )
  )`;
  return db
    .update(users)
    .set({ prefs: merged })
    .where(and(eq(users.id, id), eq(users.projectId, projectId)))
    .returning({ prefs: users.prefs });
}

export function updateStatus(db: Db, projectId: string, id: string, status: number) {
  return db.update(users).set({ status }).where(and(eq(users.id, id), eq(users.projectId, projectId))).returning(publicColumns);
}

/**
 * Replaces the password hash `from` by `to` only while it is still `from` (compare and
 * set: a hash is upgraded exactly once, however many sign-ins race); `to` null makes it
 * a no-op, so a batch can hold it unconditionally.
 */
export function replacePasswordHash(db: Db, projectId: string, id: string, from: string, to: string | null) {
  return db
    .update(users)
    .set({ passwordHash: to ?? from })
    .where(and(eq(users.id, id), eq(users.projectId, projectId), eq(users.passwordHash, from), to === null ? sql`0` : undefined));
}
