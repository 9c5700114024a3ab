// Queries on the audit trail (each user's logs).
import { and, desc, eq, getTableColumns, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deviceJson, packDevice } from './device.ts';
import { preparedOnce } from './prepared.ts';
import { dueRows, type Due } from './sweep.ts';
import { auditLogs, users } from './schema.ts';
import { userIs } from './users.ts';

/**
 * A user keeps the newest this many entries of each sign-in event (account.sessions.create,
 * .delete, .failed): the trigger of migration 0009 removes the oldest as one more is written.
 */
export const SIGN_IN_ENTRIES_KEPT = 20;

export type AuditRow = typeof auditLogs.$inferSelect;
export type NewAuditRow = Omit<AuditRow, 'seq'>;

/**
 * Writes the entry only if the user exists in the project (and `condition` holds),
 * so a batch can log an action in the same transaction without reading first.
 */
export function insertLogIf(db: Db, row: NewAuditRow, condition?: SQL) {
  return db
    .insert(auditLogs)
    .select(
      db
        .select({
          // drizzle's insert-select names every column in table order; NULL lets SQLite assign the rowid.
          seq: sql`NULL`.as('seq'),
          projectId: users.projectId,
          userId: users.id,
          event: sql`${row.event}`.as('event'),
          ip: sql`${row.ip}`.as('ip'),
          time: sql`${row.time}`.as('time'),
          device: sql`${packDevice(row.device)}`.as('device'),
          country: sql`${row.country}`.as('country'),
        })
        .from(users)
        .where(and(userIs(row.projectId, row.userId), condition)),
    )
    .returning({ seq: auditLogs.seq });
}

/** Takes back an entry whose action was undone (see the sign-in compensation). */
export function deleteLog(db: Db, seq: number) {
  return db.delete(auditLogs).where(eq(auditLogs.seq, seq));
}

const logsQuery = preparedOnce((db) =>
  db
    // The device as its keyed JSON (db/device.ts).
    .select({ ...getTableColumns(auditLogs), device: deviceJson(auditLogs.device).as('device') })
    .from(auditLogs)
    .where(and(eq(auditLogs.userId, sql.placeholder('userId')), eq(auditLogs.projectId, sql.placeholder('projectId'))))
    .orderBy(desc(auditLogs.time), desc(auditLogs.seq))
    .limit(sql.placeholder('limit'))
    .offset(sql.placeholder('offset')),
);

/** A page of a user's log, newest first (built once per isolate: db/prepared.ts). */
export function listLogs(db: Db, projectId: string, userId: string, limit: number, offset: number) {
  return logsQuery(db, { projectId, userId, limit, offset });
}

const countQuery = preparedOnce((db) =>
  db
    .select({ total: sql<number>`count(*)` })
    .from(auditLogs)
    .where(and(eq(auditLogs.userId, sql.placeholder('userId')), eq(auditLogs.projectId, sql.placeholder('projectId')))),
);

/** How many entries a user's log holds (an index range: audit_logs_user_time); userId '' counts nothing. */
export function countLogs(db: Db, projectId: string, userId: string) {
  return countQuery(db, { projectId, userId });
}

/** Every entry of a user (erasure). */
export function deleteUserLogs(db: Db, projectId: string, userId: string) {
  return db.delete(auditLogs).where(and(eq(auditLogs.userId, userId), eq(auditLogs.projectId, projectId)));
}

/** Entries older than `before` (unix seconds), for the retention job. */
export function logsBefore(db: Db, before: number): Due {
  return dueRows(db, auditLogs.seq, (limit) => db.select({ seq: auditLogs.seq }).from(auditLogs).where(lt(auditLogs.time, before)).limit(limit));
}
