// One change to a user, as every write of the Users API makes it: the write, its audit
// entry and its outbox event in one D1 batch (one transaction), the sessions it ends
// deleted in that batch too; then the ended sessions leave KV and the event is announced.
import type { SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { insertLogIf } from '../db/audit.ts';
import { deleteTokens } from '../kv/session-tokens.ts';
import { auditEntry, type AuditEvent } from './audit.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { recordEvent, type WebhookEvent } from './events.ts';

type Statement<Row> = BatchItem<'sqlite'> & { execute(): Promise<Row[]> };

/** Who asked, for the audit entry; without an actor nothing is logged (a delete erases the log). */
type Logged = { actor: Actor; event: AuditEvent & WebhookEvent } | { actor?: undefined; event: WebhookEvent };

export type UserChange<Row> = Logged & {
  userId: string;
  /** The write itself; it returns the user's row, or nothing when there is no such user. */
  write: Statement<Row>;
  /** Unix seconds of the entry and the event; now by default. */
  time?: number;
  /**
   * A compare-and-set write, which happens only while the user still has what was read
   * (`before`) and leaves what was written (`after`): entry and event are written only with it.
   */
  guard?: { before: SQL | undefined; after: SQL | undefined };
  /** The event's data is the user as the write left it (default), or as it was (a delete). */
  eventSees?: 'after' | 'before';
  /** Sessions the change ends, before the write (a user's delete would cascade them unseen). */
  ends?: Statement<{ tokenHash: string }>;
  /** More statements of the same transaction, after the rest. */
  also?: BatchItem<'sqlite'>[];
};

/** Commits the change; `row` is the write's first row, undefined when the user does not exist. */
export async function commitUserChange<Row>({ db, kv, events }: Stores, project: Project, change: UserChange<Row>): Promise<{ row: Row | undefined }> {
  const { userId, guard } = change;
  const time = change.time ?? nowSeconds();
  const log = change.actor && insertLogIf(db, auditEntry(project.id, userId, change.event, change.actor, time), guard?.before);
  const record = recordEvent(db, { projectId: project.id, userId, event: change.event, time, when: guard?.after });
  const eventFirst = change.eventSees === 'before';
  // The audit entry sees the user as it is: after the write, or before it when it is guarded by what was read.
  const statements = [
    ...(eventFirst ? [record] : []),
    ...(change.ends ? [change.ends] : []),
    ...(log && guard ? [log] : []),
    change.write,
    ...(log && !guard ? [log] : []),
    ...(eventFirst ? [] : [record]),
    ...(change.also ?? []),
  ] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]];
  const results = (await db.batch(statements)) as unknown[][];
  const resultOf = <T>(statement: unknown) => results[statements.indexOf(statement as BatchItem<'sqlite'>)] as T[];
  const [row] = resultOf<Row>(change.write);
  if (row === undefined) return { row };
  events.announce(resultOf<{ id: string }>(record));
  if (change.ends)
    await deleteTokens(
      kv,
      resultOf<{ tokenHash: string }>(change.ends).map((s) => s.tokenHash),
    );
  return { row };
}
