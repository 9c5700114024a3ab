// Queries on tokens (POST /v1/users/{userId}/tokens): a token is a row until it is
// exchanged for a session, which deletes it in the batch that inserts the session.
import { and, eq, gt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.ts';
import { dueRows, type Due } from './sweep.ts';
import { tokens, users } from './schema.ts';
import { userIs } from './users.ts';

export type TokenRow = typeof tokens.$inferSelect;

/** Inserts the token only while its user exists; returns it (nothing for an unknown user). */
export function insertTokenIfUser(db: Db, row: TokenRow) {
  return db
    .insert(tokens)
    .select(
      db
        .select({
          id: sql`${row.id}`.as('id'),
          projectId: users.projectId,
          userId: users.id,
          secretHash: sql`${row.secretHash}`.as('secret_hash'),
          expire: sql`${row.expire}`.as('expire'),
          created: sql`${row.created}`.as('created'),
        })
        .from(users)
        .where(userIs(row.projectId, row.userId)),
    )
    .returning({ id: tokens.id });
}

/** The user's live tokens with this hash (a condition for batched statements). */
function liveToken(projectId: string, userId: string, secretHash: string, now: number) {
  return and(eq(tokens.projectId, projectId), eq(tokens.userId, userId), eq(tokens.secretHash, secretHash), gt(tokens.expire, now));
}

/** A guard for the session insert of an exchange: the token is still there, unexpired. */
export function tokenIsLive(projectId: string, userId: string, secretHash: string, now: number): SQL {
  return sql`EXISTS (SELECT 1 FROM ${tokens} WHERE ${liveToken(projectId, userId, secretHash, now)})`;
}

/** Uses the token up: placed after the session insert, in its batch. */
export function deleteToken(db: Db, projectId: string, userId: string, secretHash: string, now: number) {
  return db
    .delete(tokens)
    .where(liveToken(projectId, userId, secretHash, now))
    .returning({ id: tokens.id });
}

/** Tokens expired at `now`, for the retention job. */
export function expiredTokens(db: Db, now: number): Due {
  return dueRows(db, tokens.id, (limit) => db.select({ id: tokens.id }).from(tokens).where(lte(tokens.expire, now)).limit(limit));
}

/** A condition for batched statements: the token went in. */
export function tokenExists(id: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${tokens} WHERE ${tokens.id} = ${id})`;
}

/** Deletes every token of the user when `when` is true; a no-op statement otherwise (for batches). */
export function deleteUserTokensIf(db: Db, projectId: string, userId: string, when = true) {
  return db.delete(tokens).where(and(eq(tokens.projectId, projectId), eq(tokens.userId, userId), when ? undefined : sql`0`));
}
