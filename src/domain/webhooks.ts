// Webhooks (contract §10): registration rules, the signing secret (shown once, kept
// AES-GCM encrypted under the WEBHOOK_SECRET_KEY Worker secret), which destinations
// are allowed, and delivery from the queue with Standard Webhooks signatures,
// growing retry delays and a bounded number of attempts.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { insertWebhookSql } from '../db/admin-sql.ts';
import type { Db } from '../db/client.ts';
import { findEvent, insertDeliveries, markSettled, pendingDeliveries, recordAttempt, type WebhookEventRow } from '../db/webhooks.ts';
import { nowSeconds } from './context.ts';
import { SUBSCRIPTIONS, subscriptionsOf, type EventMessage } from './events.ts';
import { PROJECT_ID, newId } from './ids.ts';

// ---------------------------------------------------------------------------
// Destinations

/**
 * Why a webhook may not POST to `raw`, or null if it may. Only http(s); unless
 * `allowPrivate` (local development), no loopback, private, link-local, CGNAT,
 * metadata or other non-public address. Hostnames are judged by name only: the
 * Workers runtime cannot reach private networks, so a name resolving to one fails there.
 */
export function destinationRefusal(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs are allowed';
  if (allowPrivate) return null;
  // The URL parser has already turned decimal, hex, octal and short IPv4 forms into dotted quads.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const refused = 'a loopback, private, link-local or metadata address is not allowed';
  if (host === 'localhost' || host.endsWith('.localhost') || INTERNAL_NAMES.some((n) => host === n || host.endsWith(`.${n}`))) return refused;
  if (host.startsWith('[')) return isPublicIpv6(host.slice(1, -1)) ? null : refused;
  const v4 = parseIpv4(host);
  if (v4 !== null && !isPublicIpv4(v4)) return refused;
  return null;
}

/** Names only ever meaning something inside a network (cloud metadata services, mDNS). */
const INTERNAL_NAMES = ['internal', 'local', 'localdomain', 'home.arpa', 'metadata', 'instance-data'];

function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

// [first address, prefix length] of every IPv4 block that is not the public internet.
const NON_PUBLIC_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function isPublicIpv4(address: number): boolean {
  return NON_PUBLIC_V4.every(([first, bits]) => Math.floor(address / 2 ** (32 - bits)) !== Math.floor(parseIpv4(first)! / 2 ** (32 - bits)));
}

/** The eight 16-bit groups of an IPv6 address as the URL parser prints it (hex, `::`, no dotted part). */
function ipv6Groups(text: string): number[] | null {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

function isPublicIpv6(text: string): boolean {
  const g = ipv6Groups(text);
  if (!g) return false;
  const embeddedV4 = (hi: number, lo: number) => isPublicIpv4(hi * 65536 + lo);
  if (g.slice(0, 6).every((x) => x === 0)) return g[6] !== 0 && embeddedV4(g[6]!, g[7]!); // ::, ::1, IPv4-compatible
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return embeddedV4(g[6]!, g[7]!); // IPv4-mapped
  if (g[0] === 0x64 && g[1] === 0xff9b) return g.slice(2, 6).every((x) => x === 0) && embeddedV4(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return embeddedV4(g[1]!, g[2]!); // 6to4
  if ((g[0]! & 0xfe00) === 0xfc00) return false; // unique local (incl. fd00:ec2::254, AWS metadata)
  if ((g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0) return false; // link-local, site-local
  if ((g[0]! & 0xff00) === 0xff00) return false; // multicast
  if (g[0] === 0x2001 && g[1] === 0xdb8) return false; // documentation
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return false; // discard
  return true;
}

// ---------------------------------------------------------------------------
// Registration (scripts/admin.ts)

export interface NewWebhook {
  projectId: string;
  url: string;
  events: string[];
  name: string;
}

/** Checks a registration and makes its SQL; the `whsec_` secret is returned once and stored encrypted. */
export async function createWebhookSql(w: NewWebhook, secretKey: string, allowPrivate: boolean): Promise<{ sql: string; id: string; secret: string }> {
  if (!PROJECT_ID.test(w.projectId)) throw new Error(`project id must match ${PROJECT_ID}`);
  const refusal = destinationRefusal(w.url, allowPrivate);
  if (refusal) throw new Error(`--url: ${refusal}`);
  const unknown = w.events.filter((e) => !SUBSCRIPTIONS.includes(e));
  if (w.events.length === 0 || unknown.length > 0) throw new Error(`--events must be a non-empty list of ${SUBSCRIPTIONS.join(', ')}`);
  const id = newId();
  const secret = `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
  const sql = insertWebhookSql({
    id,
    projectId: w.projectId,
    name: w.name,
    url: new URL(w.url).href,
    events: [...new Set(w.events)],
    secret: await encryptSecret(secret, secretKey, id),
    created: nowSeconds(),
  });
  return { sql, id, secret };
}

// ---------------------------------------------------------------------------
// Secrets at rest: "v1.<iv>.<ciphertext>" (base64), AES-256-GCM bound to the webhook id.

/** A new WEBHOOK_SECRET_KEY value: 32 random bytes, base64. */
export function newSecretKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

const keys = new Map<string, Promise<CryptoKey>>();
function aesKey(secretKey: string): Promise<CryptoKey> {
  let key = keys.get(secretKey);
  if (!key) {
    const raw = fromBase64(secretKey);
    if (raw.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes, base64-encoded');
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(secretKey, key);
  }
  return key;
}

export async function encryptSecret(secret: string, secretKey: string, webhookId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params = { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(webhookId) };
  const sealed = await crypto.subtle.encrypt(params, await aesKey(secretKey), new TextEncoder().encode(secret));
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** The stored secret does not open with this WEBHOOK_SECRET_KEY (the key was changed, or the row altered). */
export class UndecryptableSecret extends Error {}

/** A malformed WEBHOOK_SECRET_KEY throws a plain Error (the deployment's to fix); a secret it cannot open, UndecryptableSecret. */
export async function decryptSecret(stored: string, secretKey: string, webhookId: string): Promise<string> {
  const key = await aesKey(secretKey);
  try {
    const [version, iv, sealed] = stored.split('.');
    if (version !== 'v1' || !iv || !sealed) throw new Error('unknown webhook secret format');
    const params = { name: 'AES-GCM', iv: fromBase64(iv), additionalData: new TextEncoder().encode(webhookId) };
    return new TextDecoder().decode(await crypto.subtle.decrypt(params, key, fromBase64(sealed)));
  } catch (err) {
    throw new UndecryptableSecret(err instanceof Error ? err.message : String(err));
  }
}

// ---------------------------------------------------------------------------
// Signing (Standard Webhooks)

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by the decoded part after `whsec_`. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = fromBase64(secret.replace(/^whsec_/, ''));
  return `v1,${toBase64(hmac(sha256, key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)))}`;
}

/** The JSON body of a delivery (§10). */
export function deliveryBody(event: WebhookEventRow): string {
  return `{"event":${JSON.stringify(event.event)},"projectId":${JSON.stringify(event.projectId)},"userId":${JSON.stringify(event.userId)},"time":${event.time},"data":${event.data}}`;
}

// ---------------------------------------------------------------------------
// Delivery (the queue consumer)

/** POSTs per delivery, the first included; then it is kept as failed. */
export const MAX_ATTEMPTS = 8;
/** Seconds before attempt n + 1 (n = attempts made so far, from 1): about 5 h 40 min in all. */
export const RETRY_DELAYS = [5, 30, 120, 600, 1800, 3600, 14400];
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryEnv {
  db: Db;
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
        const attempts = await deliverEvent(env, message.body.eventId);
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
export async function deliverEvent(env: DeliveryEnv, eventId: string): Promise<number | null> {
  const event = await findEvent(env.db, eventId);
  if (!event) return null;
  await insertDeliveries(env.db, event, subscriptionsOf(event.event), nowSeconds());
  const pending = await pendingDeliveries(env.db, eventId);
  const body = deliveryBody(event);
  // Every delivery runs to its recorded end before a failure of one fails the message:
  // a sibling's POST is never left unrecorded (and so sent again).
  const outcomes = await Promise.allSettled(
    pending.map(async (delivery) => {
      const outcome = await attempt(env, event, body, delivery);
      const attempts = delivery.attempts + 1;
      const status = outcome.ok ? 'delivered' : outcome.final || attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
      await recordAttempt(env.db, { eventId, webhookId: delivery.webhookId, status, httpStatus: outcome.httpStatus, error: outcome.error, now: nowSeconds() });
      return status === 'pending' ? attempts : null;
    }),
  );
  const left = outcomes.map((o) => {
    if (o.status === 'rejected') throw o.reason;
    return o.value;
  });
  const stillPending = left.filter((n) => n !== null);
  if (stillPending.length > 0) return Math.min(...stillPending);
  await markSettled(env.db, eventId, nowSeconds());
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
    return { ok: false, httpStatus: null, error: timedOut ? `no answer in ${DELIVERY_TIMEOUT_MS / 1000} s` : `network error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
