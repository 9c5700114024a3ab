// Webhook delivery, the queue consumer (contract §10): one message per event, every
// subscribed webhook POSTed with a signed body, growing retry delays and a bounded
// number of attempts; the event settles once nothing is left to deliver.
import type { Db } from '../db/client.ts';
import { findEvent, insertDeliveries, markSettled, pendingDeliveries, recordAttempt, type WebhookEventRow } from '../db/webhooks.ts';
import { nowSeconds } from './context.ts';
import { subscriptionsOf, type EventMessage } from './events.ts';
import { destinationRefusal } from './webhook-destinations.ts';
import { decryptSecret, UndecryptableSecret } from './webhook-secrets.ts';
import { deliveryBody, signature } from './webhook-signing.ts';

/** POSTs per delivery, the first included; then it is kept as failed. */
export const MAX_ATTEMPTS = 8;
/** Seconds before attempt n + 1 (n = attempts made so far, from 1): about 5 h 40 min in all. */
export const RETRY_DELAYS = [5, 30, 120, 600, 1800, 3600, 14400];
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryEnv {
  /** The database of a message's event: its shard (db/shards.ts; DB when the message names none). */
  db(shard: string | undefined): Db;
  /** WEBHOOK_SECRET_KEY */
  secretKey: string;
  /** WEBHOOK_ALLOW_PRIVATE: loopback and private destinations allowed (local development). */
  allowPrivate: boolean;
  fetch: typeof fetch;
}

export function retryDelay(attempts: number): number {
  return RETRY_DELAYS[Math.min(Math.max(attempts, 1), RETRY_DELAYS.length) - 1]!;
}

/** Delivers every message; one whose deliveries are not all settled is retried after a growing delay. */
export async function deliverBatch(batch: MessageBatch<EventMessage>, env: DeliveryEnv): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        const attempts = await deliverEvent(env, message.body.eventId, env.db(message.body.shard));
        if (attempts === null) message.ack();
        else message.retry({ delaySeconds: retryDelay(attempts) });
      } catch (err) {
        // D1 or a malformed WEBHOOK_SECRET_KEY failed us, not the endpoint: the queue tries again (max_retries in wrangler.toml).
        console.error(JSON.stringify({ webhookDelivery: message.body.eventId, error: err instanceof Error ? err.message : String(err) }));
        message.retry({ delaySeconds: retryDelay(message.attempts) });
      }
    }),
  );
}

/**
 * Tries the event's pending deliveries once each. Returns null when none is left
 * pending (the event is then marked settled, so the sweep leaves it alone), else the
 * fewest attempts made by one still pending (for the next delay).
 */
export async function deliverEvent(env: DeliveryEnv, eventId: string, db: Db): Promise<number | null> {
  const event = await findEvent(db, eventId);
  if (!event) return null;
  await insertDeliveries(db, event, subscriptionsOf(event.event), nowSeconds());
  const pending = await pendingDeliveries(db, eventId);
  const body = deliveryBody(event);
  // Every delivery runs to its recorded end before a failure of one fails the message:
  // a sibling's POST is never left unrecorded (and so sent again).
  const outcomes = await Promise.allSettled(
    pending.map(async (delivery) => {
      const outcome = await attempt(env, event, body, delivery);
      const attempts = delivery.attempts + 1;
      const status = outcome.ok ? 'delivered' : outcome.final || attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
      await recordAttempt(db, { eventId, webhookId: delivery.webhookId, status, httpStatus: outcome.httpStatus, error: outcome.error, now: nowSeconds() });
      return status === 'pending' ? attempts : null;
    }),
  );
  const left = outcomes.map((o) => {
    if (o.status === 'rejected') throw o.reason;
    return o.value;
  });
  const stillPending = left.filter((n) => n !== null);
  if (stillPending.length > 0) return Math.min(...stillPending);
  await markSettled(db, eventId, nowSeconds());
  return null;
}

/** The reason kept on a delivery whose webhook's secret does not open (webhook deliveries --failed). */
export const UNDECRYPTABLE_ERROR = 'secret does not decrypt with the current WEBHOOK_SECRET_KEY: re-create the webhook';

interface Outcome {
  ok: boolean;
  /** No point retrying (a refused destination, a secret that does not open). */
  final?: boolean;
  httpStatus: number | null;
  error: string | null;
}

async function attempt(env: DeliveryEnv, event: WebhookEventRow, body: string, delivery: { webhookId: string; url: string; secret: string }): Promise<Outcome> {
  const refusal = destinationRefusal(delivery.url, env.allowPrivate);
  if (refusal) return { ok: false, final: true, httpStatus: null, error: `destination refused: ${refusal}` };
  let secret: string;
  try {
    secret = await decryptSecret(delivery.secret, env.secretKey, delivery.webhookId);
  } catch (err) {
    // No retry can help: the webhook must be re-created under the current key.
    if (err instanceof UndecryptableSecret) return { ok: false, final: true, httpStatus: null, error: UNDECRYPTABLE_ERROR };
    throw err;
  }
  const timestamp = nowSeconds();
  try {
    const response = await env.fetch(delivery.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature(secret, event.id, timestamp, body),
        'X-Appwrite-Webhook-Event': event.event,
        'X-Appwrite-Webhook-Project-Id': event.projectId,
      },
      body,
      // A redirect could lead anywhere, private addresses included: it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return { ok, httpStatus: response.status, error: ok ? null : `HTTP ${response.status}` };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return {
      ok: false,
      httpStatus: null,
      error: timedOut ? `no answer in ${DELIVERY_TIMEOUT_MS / 1000} s` : `network error: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
