// Queries on webhooks, their outbox of events and the deliveries. An event row is
// written by an insert-select from users placed in the same batch as the change,
// so it exists exactly when the change was stored (and only if a webhook of the
// project listens to it: no listener, no row, no queue traffic).
import { and, eq, inArray, isNotNull, isNull, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './client.ts';
import { dueRows, type Due } from './sweep.ts';
import { sessions, users, webhookDeliveries, webhookEvents, webhooks } from './schema.ts';
import { userIs } from './users.ts';

export type WebhookEventRow = typeof webhookEvents.$inferSelect;

/** The §10 user model of the users row the statement reads, as JSON built in SQL (never a hash or prefs). */
const USER_MODEL_JSON = `json_object('$id', users.id, 'email', users.email,
  'emailVerification', json(CASE WHEN users.email_verification THEN 'true' ELSE 'false' END),
  'status', users.status, 'registration', users.registration, 'name', users.name, 'roles', json('[]'))`;
const userModelJson = sql.raw(USER_MODEL_JSON);

/** What an event's `data` is, computed from the rows as the statement sees them. */
export const eventData = {
  user: userModelJson,
  session: (sessionId: string) => sql`json_object('$id', ${sessionId})`,
  /** The ids of the user's sessions (or of the one session) that a following delete ends. */
  endingSessions: (sessionId?: string) =>
    sql`json_object('sessions', (SELECT json_group_array(${sessions.id}) FROM ${sessions}
      WHERE ${sessions.projectId} = ${users.projectId} AND ${sessions.userId} = ${users.id}
      ${sessionId === undefined ? sql`` : sql`AND ${sessions.id} = ${sessionId}`}))`,
};

const anyOf = (values: string[]) =>
  sql`(${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;

/** A webhook of the project in `projectId` (a column of the statement's row) subscribes to one of `patterns`. */
const aWebhookListens = (projectId: SQLWrapper, patterns: string[]) =>
  sql`EXISTS (SELECT 1 FROM ${webhooks}, json_each(${webhooks.events}) AS e
    WHERE ${webhooks.projectId} = ${projectId} AND e.value IN ${anyOf(patterns)})`;

export interface NewEvent {
  id: string;
  projectId: string;
  userId: string;
  event: string;
  time: number;
  /** The subscriptions that take this event (its name, and `users.*` for a users. event). */
  patterns: string[];
  data: SQL;
  condition?: SQL;
}

/**
 * Writes the event only if the user exists in the project, `condition` holds and a
 * webhook of the project subscribes to it. Returns the id when written.
 */
export function insertEventIf(db: Db, row: NewEvent) {
  const subscribed = aWebhookListens(users.projectId, row.patterns);
  return db
    .insert(webhookEvents)
    .select(
      db
        .select({
          id: sql`${row.id}`.as('id'),
          projectId: users.projectId,
          event: sql`${row.event}`.as('event'),
          userId: users.id,
          time: sql`${row.time}`.as('time'),
          data: sql`${row.data}`.as('data'),
          queued: sql`NULL`.as('queued'),
          settled: sql`NULL`.as('settled'),
        })
        .from(users)
        .where(and(userIs(row.projectId, row.userId), subscribed, row.condition)),
    )
    .returning({ id: webhookEvents.id });
}

/**
 * One event per session that `sessionIds` (a subquery) selects, with data {"$id"}, where a
 * webhook of its project listens; ids are random (several rows from one statement).
 */
export function insertSessionEventsIf(db: Db, sessionIds: SQL, row: { event: string; time: number; patterns: string[] }) {
  const subscribed = aWebhookListens(sessions.projectId, row.patterns);
  return db
    .insert(webhookEvents)
    .select(
      db
        .select({
          id: sql`lower(hex(randomblob(10)))`.as('id'),
          projectId: sessions.projectId,
          event: sql`${row.event}`.as('event'),
          userId: sessions.userId,
          time: sql`${row.time}`.as('time'),
          data: sql`json_object('$id', ${sessions.id})`.as('data'),
          queued: sql`NULL`.as('queued'),
          settled: sql`NULL`.as('settled'),
        })
        .from(sessions)
        .where(and(sql`${sessions.id} IN (${sessionIds})`, subscribed)),
    )
    .returning({ id: webhookEvents.id });
}

/**
 * `users.create` events for imported users, one statement for a chunk (like the import's
 * log entries): `created` holds [seq, id, event id] of each row the import wrote; a row
 * that did not go in matches no user and gets no event. Written only if a webhook of the
 * project listens.
 */
export function insertImportedEvents(db: Db, projectId: string, created: Array<[number, string, string]>, time: number) {
  return db.$client
    .prepare(
      `INSERT INTO webhook_events (id, project_id, event, user_id, time, data, queued)
       SELECT k.value ->> 2, users.project_id, 'users.create', users.id, ?2, ${USER_MODEL_JSON}, NULL
       FROM json_each(?3) AS k CROSS JOIN users ON users.seq = k.value ->> 0 AND users.id = k.value ->> 1 AND users.project_id = ?1
       WHERE EXISTS (SELECT 1 FROM webhooks, json_each(webhooks.events) AS e WHERE webhooks.project_id = ?1 AND e.value IN ('users.create', 'users.*'))
       RETURNING id`,
    )
    .bind(projectId, time, JSON.stringify(created));
}

/** Takes back an event whose change was undone (the sign-in compensation). */
export function deleteEvents(db: Db, ids: string[]) {
  return db.delete(webhookEvents).where(inArray(webhookEvents.id, ids.length > 0 ? ids : ['']));
}

/** The ids travel as one JSON parameter: D1 binds at most 100 per statement, and a hand-over may mark more. */
export function markQueued(db: Db, ids: string[], now: number) {
  return db
    .update(webhookEvents)
    .set({ queued: now })
    .where(sql`${webhookEvents.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
}

/**
 * What a settled event of a deleted user keeps as `data` (contract §9.1, delete erases):
 * the row stays, so its deliveries are still listed, but no email or name.
 */
const ERASED_DATA = 'null';

/**
 * The consumer found nothing left to deliver for the event. An event whose user has been
 * deleted meanwhile was kept whole only to be delivered: its data is erased now.
 */
export function markSettled(db: Db, id: string, now: number) {
  const userGone = sql`NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.projectId} = ${webhookEvents.projectId} AND ${users.id} = ${webhookEvents.userId})`;
  return db
    .update(webhookEvents)
    .set({ settled: now, data: sql`CASE WHEN ${userGone} THEN ${ERASED_DATA} ELSE ${webhookEvents.data} END` })
    .where(and(eq(webhookEvents.id, id), isNull(webhookEvents.settled)));
}

/**
 * For the delete batch: erases the data of the user's settled events. Unsettled ones (the
 * users.delete event of the same batch among them) keep it until delivered: markSettled
 * erases it then.
 */
export function eraseSettledUserEvents(db: Db, projectId: string, userId: string) {
  return db
    .update(webhookEvents)
    .set({ data: ERASED_DATA })
    .where(and(eq(webhookEvents.projectId, projectId), eq(webhookEvents.userId, userId), isNotNull(webhookEvents.settled)));
}

/**
 * Events written before `before` that have nothing left to deliver (settled by the
 * consumer, no delivery pending), oldest first, for the retention job; their deliveries
 * go with them (foreign key, on delete cascade). An unsettled event stays, however old:
 * the stalled-event sweep still re-sends it.
 */
export function settledEventsBefore(db: Db, before: number): Due {
  return dueRows(db, webhookEvents.id, (limit) =>
    db
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(
        and(
          lt(webhookEvents.time, before),
          isNotNull(webhookEvents.settled),
          sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${webhookDeliveries.eventId} = ${webhookEvents.id} AND ${webhookDeliveries.status} = 'pending')`,
        ),
      )
      .orderBy(webhookEvents.time)
      .limit(limit),
  );
}

/** Events never handed to the queue that were written before `before`, oldest first. */
export function unqueuedEvents(db: Db, before: number, limit: number) {
  return db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.queued), lt(webhookEvents.time, before)))
    .orderBy(webhookEvents.time)
    .limit(limit);
}

/** Events last handed to the queue before `before` that the consumer never settled, longest waiting first. */
export function stalledEvents(db: Db, before: number, limit: number) {
  return db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.settled), isNotNull(webhookEvents.queued), lt(webhookEvents.queued, before)))
    .orderBy(webhookEvents.queued)
    .limit(limit);
}

export function findEvent(db: Db, id: string) {
  return db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).get();
}

/**
 * Makes a pending delivery for every webhook of the event's project that subscribes
 * to it and existed when it happened; existing deliveries stay as they are, so a
 * re-sent event is not delivered twice where it already was.
 */
export function insertDeliveries(db: Db, event: WebhookEventRow, patterns: string[], now: number) {
  return db.run(sql`INSERT OR IGNORE INTO ${webhookDeliveries}
      (event_id, webhook_id, project_id, status, attempts, created, updated)
    SELECT ${event.id}, ${webhooks.id}, ${webhooks.projectId}, 'pending', 0, ${now}, ${now} FROM ${webhooks}
    WHERE ${webhooks.projectId} = ${event.projectId} AND ${webhooks.created} <= ${event.time}
      AND EXISTS (SELECT 1 FROM json_each(${webhooks.events}) AS e WHERE e.value IN ${anyOf(patterns)})`);
}

/** The event's deliveries still to be tried, with their webhook. */
export function pendingDeliveries(db: Db, eventId: string) {
  return db
    .select({ webhookId: webhooks.id, url: webhooks.url, secret: webhooks.secret, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.status, 'pending')));
}

export interface Attempt {
  eventId: string;
  webhookId: string;
  status: 'pending' | 'delivered' | 'failed';
  httpStatus: number | null;
  error: string | null;
  now: number;
}

export function recordAttempt(db: Db, a: Attempt) {
  return db
    .update(webhookDeliveries)
    .set({ status: a.status, attempts: sql`${webhookDeliveries.attempts} + 1`, lastStatus: a.httpStatus, lastError: a.error, updated: a.now })
    .where(and(eq(webhookDeliveries.eventId, a.eventId), eq(webhookDeliveries.webhookId, a.webhookId)));
}
