// Queries on sessions. D1 is the authority on whether a session exists: KV only
// maps token hashes to sessions (src/kv/session-tokens.ts), so deleting the row
// here revokes the session on the very next request everywhere.
import { and, desc, eq, getTableColumns, gt, lte, sql, type SQL } from 'drizzle-orm';
import type { NewAuditRow } from './audit.ts';
import type { Db } from './client.ts';
import { deviceJson, packDevice } from './device.ts';
import { preparedOnce } from './prepared.ts';
import { dueRows, type Due } from './sweep.ts';
import { auditLogs, sessions, users } from './schema.ts';
import { publicColumns, userIs } from './users.ts';
import { UserStatus } from './user-status.ts';

export type SessionRow = typeof sessions.$inferSelect;

/**
 * Inserts the session only while its user exists, is not blocked and `guard` holds (the
 * password hash the sign-in verified is still the user's, or the token being exchanged is
 * still there): a block, a delete, a password change or another exchange racing it wins.
 */
export function insertSessionIfActive(db: Db, row: SessionRow, guard: SQL) {
  return db
    .insert(sessions)
    .select(
      db
        .select({
          id: sql`${row.id}`.as('id'),
          projectId: users.projectId,
          userId: users.id,
          tokenHash: sql`${row.tokenHash}`.as('token_hash'),
          expire: sql`${row.expire}`.as('expire'),
          created: sql`${row.created}`.as('created'),
          ip: sql`${row.ip}`.as('ip'),
          device: sql`${packDevice(row.device)}`.as('device'),
          country: sql`${row.country}`.as('country'),
          provider: sql`${row.provider}`.as('provider'),
        })
        .from(users)
        .where(and(userIs(row.projectId, row.userId), sql`${users.status} != ${sql.raw(String(UserStatus.blocked))}`, guard)),
    )
    .returning({ id: sessions.id });
}

/** A guard for insertSessionIfActive: the user still has the password hash that was verified. */
export const passwordHashIs = (verifiedHash: string): SQL => eq(users.passwordHash, verifiedHash);

/** A guard for insertSessionIfActive: none but the user's existence and status. */
export const noGuard: SQL = sql`1`;

const liveSessionQuery = preparedOnce((db) =>
  db
    .select({
      tokenHash: sessions.tokenHash,
      user: publicColumns,
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.projectId, sessions.projectId), eq(users.id, sessions.userId)))
    .where(
      and(eq(sessions.id, sql.placeholder('sessionId')), eq(sessions.projectId, sql.placeholder('projectId')), gt(sessions.expire, sql.placeholder('now'))),
    ),
);

/** The live session with its user: the authoritative check of every session-authenticated request. */
export async function findLiveSession(db: Db, projectId: string, sessionId: string, now: number) {
  const [row] = await liveSessionQuery(db, { projectId, sessionId, now }).all();
  return row;
}

/**
 * A condition for batched statements: the user has this session, or any session when no
 * id is given. Placed before a delete, it logs and announces only what really ends.
 */
export function userHasSession(projectId: string, userId: string, sessionId?: string) {
  return sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.projectId} = ${projectId} AND ${sessions.userId} = ${userId}
    ${sessionId === undefined ? sql`` : sql`AND ${sessions.id} = ${sessionId}`})`;
}

/** A session as the domain gets it: the device as its keyed JSON (db/device.ts). */
const sessionColumns = { ...getTableColumns(sessions), device: deviceJson(sessions.device).as('device') };

const userSessionsQuery = preparedOnce((db) =>
  db
    .select(sessionColumns)
    .from(sessions)
    .where(
      and(eq(sessions.userId, sql.placeholder('userId')), eq(sessions.projectId, sql.placeholder('projectId')), gt(sessions.expire, sql.placeholder('now'))),
    )
    .orderBy(desc(sessions.created), desc(sessions.id))
    .limit(sql.placeholder('limit')),
);

/** A user's newest `limit` live sessions, newest first (built once per isolate: db/prepared.ts). */
export function listUserSessions(db: Db, projectId: string, userId: string, now: number, limit: number) {
  return userSessionsQuery(db, { projectId, userId, now, limit });
}

/**
 * The user's live sessions beyond the newest `max`, once the session `begun` is in: the
 * others, newest first, past the first `max - 1` of them (nothing when `begun` did not go in).
 */
function beyondCap(projectId: string, userId: string, begun: string, now: number, max: number) {
  return sql`SELECT ${sessions.id} FROM ${sessions}
    WHERE ${sessions.projectId} = ${projectId} AND ${sessions.userId} = ${userId} AND ${sessions.id} != ${begun} AND ${sessions.expire} > ${now}
      AND EXISTS (SELECT 1 FROM ${sessions} AS begun WHERE begun.id = ${begun})
    ORDER BY ${sessions.created} DESC, ${sessions.id} DESC LIMIT -1 OFFSET ${max - 1}`;
}

/**
 * What holds a user to `max` live sessions once the session `begun` went in, for its
 * batch after the insert: `logs` writes an entry per session that ends, `ending` selects
 * their ids (for their events, placed before `ended`), `ended` deletes them and returns
 * their token hashes.
 */
export function capSessions(
  db: Db,
  begun: { projectId: string; userId: string; id: string },
  now: number,
  max: number,
  entry: Omit<NewAuditRow, 'projectId' | 'userId'>,
) {
  const ending = beyondCap(begun.projectId, begun.userId, begun.id, now, max);
  const ended = db
    .delete(sessions)
    .where(sql`${sessions.id} IN (${ending})`)
    .returning({ tokenHash: sessions.tokenHash });
  return { logs: logEachSession(db, ending, entry), ending, ended };
}

/** Writes `entry` to the log of each session's user, once per session the subquery `sessionIds` selects (before their delete). */
export function logEachSession(db: Db, sessionIds: SQL, entry: Omit<NewAuditRow, 'projectId' | 'userId'>) {
  return db
    .insert(auditLogs)
    .select(
      db
        .select({
          seq: sql`NULL`.as('seq'),
          projectId: sessions.projectId,
          userId: sessions.userId,
          event: sql`${entry.event}`.as('event'),
          ip: sql`${entry.ip}`.as('ip'),
          time: sql`${entry.time}`.as('time'),
          device: sql`${packDevice(entry.device)}`.as('device'),
          country: sql`${entry.country}`.as('country'),
        })
        .from(sessions)
        .where(sql`${sessions.id} IN (${sessionIds})`),
    )
    .returning({ seq: auditLogs.seq });
}

/** The ids of every session of the user, as a subquery. */
export function allSessionsOf(projectId: string, userId: string): SQL {
  return sql`SELECT ${sessions.id} FROM ${sessions} WHERE ${sessions.projectId} = ${projectId} AND ${sessions.userId} = ${userId}`;
}

const userSessionQuery = preparedOnce((db) =>
  db
    .select(sessionColumns)
    .from(sessions)
    .where(
      and(
        eq(sessions.id, sql.placeholder('sessionId')),
        eq(sessions.userId, sql.placeholder('userId')),
        eq(sessions.projectId, sql.placeholder('projectId')),
        gt(sessions.expire, sql.placeholder('now')),
      ),
    )
    .limit(1),
);

/** One live session of the user, as a list of zero or one rows (built once per isolate). */
export function findUserSession(db: Db, projectId: string, userId: string, sessionId: string, now: number) {
  return userSessionQuery(db, { projectId, userId, sessionId, now });
}

export function deleteUserSessions(db: Db, projectId: string, userId: string) {
  return deleteUserSessionsIf(db, projectId, userId, true);
}

/** Deletes all of a user's sessions when `when` is true; a no-op statement otherwise (for batches). */
export function deleteUserSessionsIf(db: Db, projectId: string, userId: string, when: boolean) {
  return db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.projectId, projectId), when ? undefined : sql`0`))
    .returning({ tokenHash: sessions.tokenHash });
}

export function deleteUserSession(db: Db, projectId: string, userId: string, sessionId: string) {
  return db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), eq(sessions.projectId, projectId)))
    .returning({ tokenHash: sessions.tokenHash });
}

/** Sessions expired at `now`, for the retention job. */
export function expiredSessions(db: Db, now: number): Due {
  return dueRows(db, sessions.id, (limit) => db.select({ id: sessions.id }).from(sessions).where(lte(sessions.expire, now)).limit(limit));
}
