// Hash admission: who may run an expensive hash now, who waits, and who is refused.
// Every argon2id and every imported-hash verification (passwords.ts) runs through
// withHashSlot.
import { tooBusy } from './errors.ts';
import { lapsed, lease, pollUntil, type Lease } from './polling.ts';

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
