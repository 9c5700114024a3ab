// Password hashing: argon2id (pure JS, @noble/hashes) at an OWASP minimum setting,
// stored as a PHC string that records its parameters so they can be raised later
// without invalidating existing hashes. Never WebCrypto PBKDF2: production Workers
// cap it at 100 000 iterations.
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { constantTimeEqual } from './crypto.ts';
import { verifyStoredHash } from './password-formats.ts';
import { tooBusy } from './errors.ts';
import { lapsed, lease, pollUntil, type Lease } from './polling.ts';

export interface Argon2Params {
  m: number; // memory, KiB
  t: number; // passes
  p: number; // lanes
}

/** OWASP Password Storage Cheat Sheet: m=7168 KiB, t=5, p=1. */
export const DEFAULT_PARAMS: Argon2Params = { m: 7168, t: 5, p: 1 };

/**
 * Who waits for a hash slot and how long they may: `queue` is the project (queues are
 * served round-robin), `budgetMs` the longest predicted wait worth accepting.
 */
export interface Admission {
  queue: string;
  budgetMs: number;
}

/** Sign-in: a person waits at the form. */
export const SIGN_IN_BUDGET_MS = 5_000;
/**
 * API-key calls (creates, imports): servers that send batches and can wait. 30 s keeps a
 * steady 32-way import admitted even where a hash takes several times its ~150 ms.
 */
export const SERVER_BUDGET_MS = 30_000;
/** Operator scripts and fixtures, which run outside any request. */
export const OFFLINE: Admission = { queue: '(offline)', budgetMs: Number.POSITIVE_INFINITY };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Yield to the event loop while hashing so one hash does not stall the isolate's other requests.
const ASYNC_TICK_MS = 25;

export async function hashPassword(password: string, admission: Admission, params: Argon2Params = DEFAULT_PARAMS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await withHashSlot(admission, () => argon2id(password, salt, params, HASH_BYTES));
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Checks a password against a PHC string with whatever parameters it records. A string
 * this module cannot read verifies as false, after the same work as a real check.
 */
export async function verifyPassword(password: string, phc: string, admission: Admission): Promise<boolean> {
  const parsed = parsePhc(phc);
  const { salt, params, hash } = parsed ?? parsePhc(decoyHash())!;
  const derived = await withHashSlot(admission, () => argon2id(password, salt, params, hash.length));
  return parsed !== null && constantTimeEqual(b64(derived), b64(hash));
}

/** Whether `stored` is an argon2id PHC string this module verifies itself (any parameters). */
export const isArgon2id = (stored: string) => parsePhc(stored) !== null;

/** Verifies a hash made elsewhere (password-formats.ts) under the same admission as ours. */
export async function verifyImportedHash(password: string, stored: string, admission: Admission): Promise<boolean> {
  return withHashSlot(admission, () => {
    hashesComputed++;
    return verifyStoredHash(password, stored);
  });
}

/**
 * A PHC string no password matches (its hash bytes are zero), with the current default
 * parameters: verifying an unknown email's password against it costs exactly what a real
 * check costs, and making it costs nothing, so the first unknown email in an isolate is
 * no slower than the next.
 */
let decoySalt: string | undefined;
export function decoyHash(): string {
  decoySalt ??= b64(crypto.getRandomValues(new Uint8Array(SALT_BYTES)));
  const { m, t, p } = DEFAULT_PARAMS;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${decoySalt}$${b64(new Uint8Array(HASH_BYTES))}`;
}

let hashesComputed = 0;
let argon2idComputed = 0;
/** How many hashes (ours, or imported ones verified) this isolate has run (observable by tests and the benchmark). */
export const hashCount = () => hashesComputed;
/** How many of those were this service's argon2id (what checking an unknown email costs). */
export const argon2idCount = () => argon2idComputed;

function argon2id(password: string, salt: Uint8Array, params: Argon2Params, dkLen: number): Promise<Uint8Array> {
  hashesComputed++;
  argon2idComputed++;
  return argon2idAsync(new TextEncoder().encode(password), salt, { ...params, dkLen, asyncTick: ASYNC_TICK_MS });
}

// Admission. Each hash holds ~7 MiB and ~150 ms of CPU; an isolate (128 MB, shared by
// its concurrent requests) runs at most MAX_CONCURRENT_HASHES at once. Others wait in
// their project's FIFO queue; queues take turns (round-robin), so one project's bulk
// import delays another project's sign-in by at most one hash per turn. A request is
// refused (429 with Retry-After) only when its predicted wait — the hashes served before
// it × the hash time ÷ the concurrency — exceeds its budget. Waiters poll (polling.ts),
// and a running hash holds its slot as a lease (polling.ts), so a cancelled request
// frees its place in the queue and its slot by itself.
const MAX_CONCURRENT_HASHES = 2;
/**
 * The time one hash takes, for predicting waits: measured (moving average), but never
 * below the CPU cost of the default parameters, since deployed workerd does not advance
 * the clock during synchronous work and would measure ~0.
 */
const MIN_HASH_ESTIMATE_MS = 150;
/**
 * A waiter that has not polled for this long, or a hash that has held its slot this long
 * (the costliest verification accepted takes ~0.4 s), belongs to a cancelled request:
 * the waiter is skipped, the slot reclaimed (its verification never resumes).
 */
const LEASE_MS = 10_000;

interface Waiter {
  queue: string;
  lastPoll: number;
  /** Taken off its queue as stale; if it polls again after all, it is refused. */
  dropped?: boolean;
}

/** The slots taken, one lease each. */
const running = new Set<Lease>();
let averageHashMs = MIN_HASH_ESTIMATE_MS;
/** The hash time admission currently predicts with (tests compute expected refusals from it). */
export const hashEstimateMs = () => averageHashMs;
/** How many requests wait for a hash slot now. */
export const waitingForHash = () => [...queues.values()].reduce((sum, queue) => sum + queue.length, 0);
/** Per-project FIFO queues; the Map's order is the round-robin turn order. */
const queues = new Map<string, Waiter[]>();

/** Runs `fn` (an expensive hash or verification) when admitted; refuses if the wait would exceed the budget. */
export async function withHashSlot<T>(admission: Admission, fn: () => Promise<T>): Promise<T> {
  if (slotsTaken() >= MAX_CONCURRENT_HASHES || queues.size > 0) {
    const waitMs = predictedWaitMs(admission.queue);
    if (waitMs > admission.budgetMs) throw tooBusy(Math.ceil(waitMs / 1000));
    const waiter: Waiter = { queue: admission.queue, lastPoll: Date.now() };
    enqueue(waiter);
    await pollUntil(
      () => {
        if (waiter.dropped) throw tooBusy(Math.ceil(admission.budgetMs / 1000));
        return slotsTaken() < MAX_CONCURRENT_HASHES && nextWaiter() === waiter;
      },
      () => void (waiter.lastPoll = Date.now()),
    );
    dequeue(waiter);
  }
  const slot = lease(LEASE_MS);
  running.add(slot);
  const started = Date.now();
  try {
    return await fn();
  } finally {
    // Nothing to give back if the lease lapsed meanwhile (the slot was handed on), nor a
    // hash time to learn from.
    if (running.delete(slot)) averageHashMs = Math.max(MIN_HASH_ESTIMATE_MS, 0.8 * averageHashMs + 0.2 * (Date.now() - started));
  }
}

/** How many slots are taken, once the leases of cancelled holders are reclaimed. */
function slotsTaken(): number {
  const now = Date.now();
  for (const slot of running) if (lapsed(slot, now)) running.delete(slot);
  return running.size;
}

/** The hashes served before a new waiter of `queue` (round-robin), plus its own, spread over the slots. */
function predictedWaitMs(queue: string): number {
  const own = queues.get(queue)?.length ?? 0;
  let ahead = own + running.size;
  for (const [name, waiters] of queues) if (name !== queue) ahead += Math.min(waiters.length, own + 1);
  return ((ahead + 1) * averageHashMs) / MAX_CONCURRENT_HASHES;
}

function enqueue(waiter: Waiter): void {
  const queue = queues.get(waiter.queue);
  if (queue) queue.push(waiter);
  else queues.set(waiter.queue, [waiter]);
}

/** The head of the first queue in turn order, dropping waiters of cancelled requests. */
function nextWaiter(): Waiter | undefined {
  const now = Date.now();
  for (const [name, queue] of queues) {
    while (queue.length > 0 && now - queue[0]!.lastPoll > LEASE_MS) queue.shift()!.dropped = true;
    if (queue.length > 0) return queue[0];
    queues.delete(name);
  }
  return undefined;
}

/** Takes the served head off its queue; the queue's turn moves to the back. */
function dequeue(waiter: Waiter): void {
  const queue = queues.get(waiter.queue)!;
  queue.shift();
  queues.delete(waiter.queue);
  if (queue.length > 0) queues.set(waiter.queue, queue);
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{6,})$/;
/** Two hashes at this memory must fit the isolate beside everything else. */
const MAX_MEMORY_KIB = 32 * 1024;

/** The parts of an argon2id PHC string, or null if argon2 would reject them or they would not fit. */
function parsePhc(phc: string): { params: Argon2Params; salt: Uint8Array; hash: Uint8Array } | null {
  const match = PHC.exec(phc);
  if (!match) return null;
  const [m, t, p] = match.slice(1, 4).map(Number) as [number, number, number];
  if (t < 1 || p < 1 || m < 8 * p || m > MAX_MEMORY_KIB) return null;
  try {
    return { params: { m, t, p }, salt: unb64(match[4]!), hash: unb64(match[5]!) };
  } catch {
    return null; // base64 of an impossible length
  }
}

// PHC strings use standard base64 without padding.
function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, '');
}

function unb64(text: string): Uint8Array {
  return Uint8Array.from(atob(text.padEnd(Math.ceil(text.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
}
