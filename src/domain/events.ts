// Events for webhooks (contract §10): their names, which subscriptions take them, and
// the outbox. A change records its event with recordEvent() in the same D1 batch as
// the change; after the batch commits, the ids it returned are announced
// (Stores.events) and handed to the queue after the response; the scheduled sweep
// hands over whatever an announcement lost. Delivery is domain/webhook-delivery.ts.
import type { SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { DEFAULT_SHARD } from '../db/shards.ts';
import { eventData, insertEventIf, insertSessionEventsIf, markQueued, stalledEvents, unqueuedEvents } from '../db/webhooks.ts';

export { eventData } from '../db/webhooks.ts';
import { nowSeconds } from './context.ts';
import { newId } from './ids.ts';

export const WEBHOOK_EVENTS = [
  'users.create',
  'users.update.name',
  'users.update.email',
  'users.update.password',
  'users.update.verification',
  'users.update.status',
  'users.update.prefs',
  'users.update.phone',
  'users.update.labels',
  'users.update.phoneVerification',
  'users.delete',
  'users.sessions.delete',
  'users.sessions.create',
  'users.tokens.create',
  'account.sessions.create',
  'account.sessions.delete',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What a webhook may subscribe to: an event, or `users.*` for every `users.` event. */
export const SUBSCRIPTIONS: readonly string[] = [...WEBHOOK_EVENTS, 'users.*'];

/** The subscriptions that receive `event`. */
export function subscriptionsOf(event: string): string[] {
  return event.startsWith('users.') ? [event, 'users.*'] : [event];
}

/** The body of a queue message: the outbox row to deliver. */
export interface EventMessage {
  eventId: string;
  /** The shard the event lives on (db/shards.ts); absent means DB (messages sent before shards). */
  shard?: string;
}

export interface RecordedEvent {
  projectId: string;
  userId: string;
  event: WebhookEvent;
  /** Unix seconds; now by default. */
  time?: number;
  /** The delivery's `data` (db/webhooks.ts eventData); the user model as the statement sees it by default. */
  data?: SQL;
  /** Only if this also holds (e.g. the user still has the session a following delete ends). */
  when?: SQL;
}

/**
 * The outbox row for a batch: place it after an update (data is the user after the
 * change) or before a delete (it still sees the user). It is written only if the user
 * exists, `when` holds and a webhook listens; announce what it returns after the batch.
 */
export function recordEvent(db: Db, e: RecordedEvent) {
  return insertEventIf(db, {
    id: newId(),
    projectId: e.projectId,
    userId: e.userId,
    event: e.event,
    time: e.time ?? nowSeconds(),
    patterns: subscriptionsOf(e.event),
    data: e.data ?? eventData.user,
    condition: e.when,
  });
}

/**
 * recordEvent for every session the subquery `sessionIds` selects, each with data {"$id"}:
 * place it before the delete that ends them.
 */
export function recordSessionEvents(db: Db, sessionIds: SQL, event: WebhookEvent, time: number) {
  return insertSessionEventsIf(db, sessionIds, { event, time, patterns: subscriptionsOf(event) });
}

/**
 * One sendBatch holds at most 100 messages and 256 KB; a message here is an id of ~40 bytes,
 * so the count is what binds (a bulk import announces up to 1000 events).
 */
const SEND_BATCH = 100;

/** Sends committed events to the queue, then marks them handed over (the sweep skips those). */
export async function handOver(db: Db, shard: string, queue: Queue<EventMessage>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  for (let at = 0; at < ids.length; at += SEND_BATCH) {
    await queue.sendBatch(ids.slice(at, at + SEND_BATCH).map((eventId) => ({ body: messageOf(eventId, shard), contentType: 'json' as const })));
  }
  // Marked once all are sent: a failure part-way leaves all unmarked, and the sweep re-sends (at least once).
  await markQueued(db, ids, nowSeconds());
}

/** Announcements still in flight are left alone this long before the sweep re-sends. */
export const SWEEP_GRACE_SECONDS = 60;
/**
 * An event handed over this long ago and not settled by the consumer was dropped by the
 * queue (its consumer failed past max_retries). Longer than a message can live: at most
 * 10 retries (max_retries, wrangler.toml) after delays of domain/webhook-delivery.ts's schedule,
 * 4 h at most each, ≈ 17.7 h in all; so a message still waiting for a retry is never doubled.
 */
export const STALL_SECONDS = 24 * 3600;
/** Events per round (one sendBatch), rounds per run: a backlog drains over several runs. */
const SWEEP_BATCH = SEND_BATCH;
export const SWEEP_ROUNDS = 10;

/**
 * Re-sends events that were committed but never handed over (the isolate died after
 * the response, or the send failed) and events the queue gave up on before they were
 * settled: delivery is at least once. Returns how many. `shard` names the database
 * (db/shards.ts); `rounds` bounds the queries, shared when one run sweeps several shards.
 */
export async function sweepOutbox(
  db: Db,
  queue: Queue<EventMessage>,
  now = nowSeconds(),
  { shard = DEFAULT_SHARD, rounds = SWEEP_ROUNDS }: { shard?: string; rounds?: number } = {},
): Promise<number> {
  const sources = [() => unqueuedEvents(db, now - SWEEP_GRACE_SECONDS, SWEEP_BATCH), () => stalledEvents(db, now - STALL_SECONDS, SWEEP_BATCH)];
  let sent = 0;
  for (const pick of sources) {
    for (let round = 0; round < rounds; round++) {
      const rows = await pick();
      await handOver(
        db,
        shard,
        queue,
        rows.map((row) => row.id),
      );
      sent += rows.length;
      if (rows.length < SWEEP_BATCH) break;
    }
  }
  return sent;
}

/** DB's messages stay `{eventId}` as before shards. */
function messageOf(eventId: string, shard: string): EventMessage {
  return shard === DEFAULT_SHARD ? { eventId } : { eventId, shard };
}
