// Queries on users. Everything is scoped by project id: a user id from another
// project behaves exactly like an unknown one.
import { and, asc, desc, eq, gt, lt, ne, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Db } from './client.ts';
import { batchRawPrepared, preparedOnce, rawPreparedOnce } from './prepared.ts';
import { projects, users } from './schema.ts';

export type NewUserRow = typeof users.$inferInsert;

/** A value bound now, or a placeholder of a query built once (db/prepared.ts). */
type Param = string | Placeholder;
const PROJECT = sql.placeholder('projectId');
const ID = sql.placeholder('id');
const CURSOR = sql.placeholder('cursor');
const MATCH = sql.placeholder('match');

/** The users row of this id in this project: every lookup by id is scoped by project. */
export const userIs = (projectId: Param, id: Param) => and(eq(users.id, id), eq(users.projectId, projectId));

/** The columns a user record is made of; hashes and search text stay in the database. */
export const publicColumns = {
  id: users.id,
  email: users.email,
  emailVerification: users.emailVerification,
  status: users.status,
  registration: users.registration,
  name: users.name,
  phone: users.phone,
  phoneVerification: users.phoneVerification,
  labels: users.labels,
  passwordUpdate: users.passwordUpdate,
  updatedAt: users.updatedAt,
  accessedAt: users.accessedAt,
  prefs: users.prefs,
};
export type PublicUserRow = {
  id: string;
  email: string;
  emailVerification: boolean;
  status: number;
  /** Unix seconds. */
  registration: number;
  name: string;
  phone: string;
  phoneVerification: boolean;
  labels: string[];
  /** Unix milliseconds; 0 = never. */
  passwordUpdate: number;
  updatedAt: number;
  accessedAt: number;
  /** The prefs JSON as stored. */
  prefs: string;
};

export interface Page {
  limit: number;
  offset: number;
  order: 'ASC' | 'DESC';
  /** Keyset paging (contract §9.4): the users after, or before, this user in list order. */
  cursor?: { id: string; direction: 'after' | 'before' };
}

/** Inserts a user; the counter and search index follow through triggers in the same statement. */
export function insertUser(db: Db, row: NewUserRow) {
  return db.insert(users).values(row).returning(publicColumns);
}

/** The user as a list of zero or one rows, so that it can take part in a batch. */
export function findUser(db: Db, projectId: Param, id: Param) {
  return db.select(publicColumns).from(users).where(userIs(projectId, id)).limit(1);
}

const userQuery = preparedOnce((db) => findUser(db, PROJECT, ID));

/** findUser, built once per isolate: for reads and read-only batches (batchPrepared). */
export const userById = (db: Db, projectId: string, id: string) => userQuery(db, { projectId, id });

/** The user with this (lower-cased) email in the project: sign-in, and the duplicate check before hashing. */
export async function findUserByEmail(db: Db, projectId: string, emailKey: string) {
  return (
    db
      .select({ id: users.id, status: users.status, passwordHash: users.passwordHash })
      .from(users)
      // The `<> ''` term lets SQLite use the partial unique index (users without an email are not in it).
      .where(and(eq(users.projectId, projectId), eq(users.emailKey, emailKey), ne(users.emailKey, '')))
      .get()
  );
}

/** A page, and the exact number of matches ignoring limit, offset and cursor; undefined for an unknown cursor. */
export type PageResult = { sum: number; users: PublicUserRow[] } | undefined;

/** The seq (list position) of a user of the project, as a SQL value: NULL for an unknown id, which bounds nothing in. */
function seqOf(projectId: Param, id: Param) {
  return sql`(SELECT ${users.seq} FROM ${users} WHERE ${users.projectId} = ${projectId} AND ${users.id} = ${id})`;
}

/**
 * How a page walks seq, which is list order (domain/ids.ts): from the cursor away
 * from it, so that `offset` counts away from the cursor and a page at any depth reads
 * about `limit` rows. A `before` page walks backwards and is reversed into list order.
 */
function walk(page: Page): { ascending: boolean; reverse: boolean } {
  const before = page.cursor?.direction === 'before';
  return { ascending: (page.order === 'ASC') !== before, reverse: before };
}

/** Where a keyset walk starts and which way it goes, as the WHERE and ORDER BY of a users query. */
function keyset(projectId: Param, w: { ascending: boolean; from?: number | SQL }) {
  const bound = w.from === undefined ? undefined : w.ascending ? gt(users.seq, w.from) : lt(users.seq, w.from);
  return { where: and(eq(users.projectId, projectId), bound), orderBy: w.ascending ? asc(users.seq) : desc(users.seq) };
}

/**
 * A page's columns, as a raw statement's row (UserRow): list and search pages are raw
 * statements mapped by fromUserRow, which costs a fraction of drizzle's per-column row mapping.
 */
const userRowColumns = sql`${users.id} AS id, ${users.email} AS email, ${users.emailVerification} AS email_verification,
  ${users.status} AS status, ${users.registration} AS registration, ${users.name} AS name,
  ${users.phone} AS phone, ${users.phoneVerification} AS phone_verification, ${users.labels} AS labels,
  ${users.passwordUpdate} AS password_update, ${users.updatedAt} AS updated_at, ${users.accessedAt} AS accessed_at, ${users.prefs} AS prefs`;
const LIMIT_OFFSET = sql`LIMIT ${sql.placeholder('limit')} OFFSET ${sql.placeholder('offset')}`;

/** The list page's statement for each way of walking, and the count with and without a cursor, built once per isolate (db/prepared.ts). */
const pageQueries = [false, true].flatMap((ascending) =>
  [false, true].map((cursored) =>
    rawPreparedOnce(() => {
      const k = keyset(PROJECT, { ascending, from: cursored ? seqOf(PROJECT, CURSOR) : undefined });
      return sql`SELECT ${userRowColumns} FROM ${users} WHERE ${k.where} ORDER BY ${k.orderBy} ${LIMIT_OFFSET}`;
    }),
  ),
);
const countQueries = [false, true].map((cursored) =>
  // Aliased: D1 returns rows as objects, and a column named "1" would sort first.
  rawPreparedOnce(
    () =>
      sql`SELECT ${projects.userCount} AS sum, ${cursorFound(PROJECT, cursored ? CURSOR : undefined)} AS found FROM ${projects} WHERE ${projects.id} = ${PROJECT}`,
  ),
);

/** One page in list order, the project's total (its counter) and the cursor check: one round trip. */
export async function listUsers(db: Db, projectId: string, page: Page): Promise<PageResult> {
  const w = walk(page);
  const values = { projectId, cursor: page.cursor?.id, limit: page.limit, offset: page.offset };
  const cursored = page.cursor !== undefined;
  const [rows, [count]] = await batchRawPrepared<[UserRow[], { sum: number; found: number }[]]>(db, [
    pageQueries[Number(w.ascending) * 2 + Number(cursored)]!(db, values),
    countQueries[Number(cursored)]!(db, values),
  ]);
  if (count?.found !== 1) return undefined;
  const found = rows.map(fromUserRow);
  return { sum: count.sum, users: w.reverse ? found.reverse() : found };
}

/** 1 when there is no cursor or it is a user of the project, 0 for an unknown cursor: a column of the count. */
function cursorFound(projectId: Param, cursorId: Param | undefined) {
  return cursorId === undefined ? sql<number>`1` : sql<number>`${seqOf(projectId, cursorId)} IS NOT NULL`;
}

/** The search page's statement for each way of walking, and its count with and without a cursor, built once per isolate. */
const searchPages = [false, true].flatMap((ascending) =>
  [false, true].map((cursored) =>
    rawPreparedOnce(() => {
      const from = seqOf(PROJECT, CURSOR);
      const bound = !cursored ? sql`` : ascending ? sql`AND users_fts.rowid > ${from}` : sql`AND users_fts.rowid < ${from}`;
      return sql`
      SELECT ${userRowColumns}
      FROM users_fts CROSS JOIN ${users} ON ${users.seq} = users_fts.rowid
      WHERE users_fts MATCH ${MATCH} ${bound} AND ${users.projectId} = ${PROJECT}
      ORDER BY users_fts.rowid ${sql.raw(ascending ? 'ASC' : 'DESC')}
      ${LIMIT_OFFSET}`;
    }),
  ),
);
const searchCounts = [false, true].map((cursored) =>
  rawPreparedOnce(
    () => sql`SELECT count(*) AS total, ${cursorFound(PROJECT, cursored ? CURSOR : undefined)} AS found FROM users_fts WHERE users_fts MATCH ${MATCH}`,
  ),
);

/**
 * One page of full-text matches, their count and the cursor check, in one batch (one
 * round trip, one snapshot: the count always agrees with the page); `match` is built
 * by domain/search.ts. The index is read in rowid order, which is list order (see
 * domain/ids.ts), from the cursor on, so a page stops after offset + limit matches
 * instead of sorting them all (CROSS JOIN keeps the index as the driving table). The
 * count reads the index alone: its tokens carry the project's key.
 */
export async function searchUsers(db: Db, projectId: string, match: string, page: Page): Promise<PageResult> {
  const w = walk(page);
  const values = { projectId, match, cursor: page.cursor?.id, limit: page.limit, offset: page.offset };
  const cursored = page.cursor !== undefined;
  const [rows, [count]] = await batchRawPrepared<[UserRow[], { total: number; found: number }[]]>(db, [
    searchPages[Number(w.ascending) * 2 + Number(cursored)]!(db, values),
    searchCounts[Number(cursored)]!(db, values),
  ]);
  if (count?.found !== 1) return undefined;
  const found = rows.map(fromUserRow);
  return { sum: count.total, users: w.reverse ? found.reverse() : found };
}

interface UserRow {
  id: string;
  email: string;
  email_verification: number;
  status: number;
  registration: number;
  name: string;
  phone: string;
  phone_verification: number;
  labels: string;
  password_update: number;
  updated_at: number;
  accessed_at: number;
  prefs: string;
}

function fromUserRow(row: UserRow): PublicUserRow {
  return {
    id: row.id,
    email: row.email,
    emailVerification: row.email_verification === 1,
    status: row.status,
    registration: row.registration,
    name: row.name,
    phone: row.phone,
    phoneVerification: row.phone_verification === 1,
    labels: JSON.parse(row.labels) as string[],
    passwordUpdate: row.password_update,
    updatedAt: row.updated_at,
    accessedAt: row.accessed_at,
    prefs: row.prefs,
  };
}

const prefsQuery = preparedOnce((db) => db.select({ prefs: users.prefs }).from(users).where(userIs(PROJECT, ID)));

export async function findPrefs(db: Db, projectId: string, id: string): Promise<string | undefined> {
  const [row] = await prefsQuery(db, { projectId, id }).all();
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
export function mergePrefs(db: Db, projectId: string, id: string, patch: string, updatedAt: number) {
  const merged = sql`(
    SELECT json('{' || coalesce(group_concat(json_quote(k) || ':' || v, ','), '') || '}') FROM (
      SELECT o.key AS k, CASE WHEN n.key IS NULL THEN ${valueJson('o')} ELSE ${valueJson('n')} END AS v
        FROM json_each(users.prefs) AS o LEFT JOIN json_each(${patch}) AS n ON n.key = o.key
      UNION ALL
      SELECT n.key, ${valueJson('n')} FROM json_each(${patch}) AS n
        WHERE n.key NOT IN (SELECT key FROM json_each(users.prefs))
    )
  )`;
  return db.update(users).set({ prefs: merged, updatedAt }).where(userIs(projectId, id)).returning({ prefs: users.prefs });
}

/**
 * Changes plain columns of a user (none of those the search text is made of) and its
 * updatedAt (unix ms); returns the record, or no row for an unknown user. A 64 KiB
 * prefs object or a taken phone fails on the table's constraints.
 */
export function updateUser(
  db: Db,
  projectId: string,
  id: string,
  change: Partial<Pick<NewUserRow, 'status' | 'emailVerification' | 'phone' | 'phoneVerification' | 'labels' | 'prefs' | 'passwordHash' | 'passwordUpdate'>>,
  updatedAt: number,
) {
  return db
    .update(users)
    .set({ ...change, updatedAt })
    .where(userIs(projectId, id))
    .returning(publicColumns);
}

/** Records a sign-in, or a request as the user: the user's accessedAt (unix ms). Not a change of the user. */
export function touchAccessed(db: Db, projectId: string, id: string, accessedAt: number, when?: SQL) {
  return db
    .update(users)
    .set({ accessedAt })
    .where(and(userIs(projectId, id), when));
}

/** Moves accessedAt to `accessedAt` only if it is older than `staleBefore` (the hourly touch of a request as the user). */
export function touchAccessedBefore(db: Db, projectId: string, id: string, accessedAt: number, staleBefore: number) {
  return touchAccessed(db, projectId, id, accessedAt, lt(users.accessedAt, staleBefore));
}

/** The fields a name or email change recomputes the search text from. */
export function findSearchFields(db: Db, projectId: string, id: string) {
  return db.select({ name: users.name, email: users.email }).from(users).where(userIs(projectId, id)).get();
}

/**
 * Changes name or email and the search text made from both. `expected` is the pair
 * the text was computed from: a concurrent change of the other field makes this
 * update (and `stillHas`-conditioned log entries) match nothing, so the caller reads again.
 */
export function updateSearchFields(
  db: Db,
  projectId: string,
  id: string,
  expected: { name: string; email: string },
  change: { name: string } | { email: string; emailKey: string },
  searchText: string,
  updatedAt: number,
) {
  return db
    .update(users)
    .set({ ...change, searchText, updatedAt })
    .where(and(userIs(projectId, id), stillHas(expected)))
    .returning(publicColumns);
}

/** A condition on the users row: it still has this name and email (byte for byte). */
export function stillHas(expected: { name: string; email: string }) {
  return and(eq(users.name, expected.name), eq(users.email, expected.email));
}

/** Deletes the user; the counter and the search index follow through triggers in the same statement. */
export function deleteUser(db: Db, projectId: string, id: string) {
  return db.delete(users).where(userIs(projectId, id)).returning({ id: users.id });
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
    .where(and(userIs(projectId, id), eq(users.passwordHash, from), to === null ? sql`0` : undefined));
}
