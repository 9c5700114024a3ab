// Queries on sessions. D1 is the authority on whether a session exists: KV only
// maps token hashes to sessions (src/kv/session-tokens.ts), so deleting the row
// here revokes the session on the very next request everywhere.
import { and, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { sessions, users } from './schema.ts';
import { publicColumns } from './users.ts';

export type SessionRow = typeof sessions.$inferSelect;

/** Inserts the session only while its user exists and is not blocked (a block racing a sign-in wins). */
export function insertSessionIfActive(db: Db, row: SessionRow) {
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
          device: sql`${row.device}`.as('device'),
          country: sql`${row.country}`.as('country'),
        })
        .from(users)
        .where(and(eq(users.id, row.userId), eq(users.projectId, row.projectId), sql`${users.status} != 2`)),
    )
    .returning({ id: sessions.id });
}

/** The live session with its user: the authoritative check of every session-authenticated request. */
export async function findLiveSession(db: Db, projectId: string, sessionId: string, now: number) {
  return db
    .select({
      tokenHash: sessions.tokenHash,
      user: publicColumns,
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.projectId, sessions.projectId), eq(users.id, sessions.userId)))
    .where(and(eq(sessions.id, sessionId), eq(sessions.projectId, projectId), gt(sessions.expire, now)))
    .get();
}

/** A condition for batched statements: the session still exists (e.g. log only what really ended). */
export function sessionExists(userId: string, sessionId: string) {
  return sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.id} = ${sessionId} AND ${sessions.userId} = ${userId})`;
}

/** A condition for batched statements: the user has at least one session. */
export function anySessionExists(projectId: string, userId: string) {
  return sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.projectId} = ${projectId} AND ${sessions.userId} = ${userId})`;
}

export function listUserSessions(db: Db, projectId: string, userId: string, now: number) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.projectId, projectId), gt(sessions.expire, now)))
    .orderBy(desc(sessions.created), desc(sessions.id));
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
