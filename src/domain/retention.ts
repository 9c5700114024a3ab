// Keeps storage bounded (contract §9.3, §13.1): removes expired sessions and tokens, and audit entries
// and settled webhook events (with their deliveries) older than the retention, from a Cron
// Trigger (src/index.ts), in batches that grow with the backlog within bounds that keep a
// run inside one invocation's limits; the run reports what it removed and what is left.
// KV needs no sweep: every token entry carries its session's expiry as its KV
// expiration, so KV forgets it on its own.
import { logsBefore } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { expiredSessions } from '../db/sessions.ts';
import type { Due } from '../db/sweep.ts';
import { expiredTokens } from '../db/tokens.ts';
import { settledEventsBefore } from '../db/webhooks.ts';

export interface SweepBounds {
  /** Rows of a table's first DELETE in a run: a small backlog costs one short statement. */
  firstBatch: number;
  /** Each full DELETE doubles the next one, up to this many rows: a large backlog takes few queries. */
  maxBatch: number;
  /** DELETEs per table per run: with the remaining counts, the run stays well inside 1,000 D1 queries. */
  rounds: number;
  /** No new DELETE starts past this much of the run (ms), so runs every 5 minutes never pile up. */
  budgetMs: number;
}

/**
 * Up to ~990,000 rows per table per run (500 + 1,000 + 2,000 + 4,000 + 196 × 5,000), in
 * at most 201 queries per table: at one run every 5 minutes, ~3,300 rows a second per
 * table, above what 1,000 sign-ins a second make due (docs/storage.md, "Retention").
 */
export const SWEEP_BOUNDS: SweepBounds = { firstBatch: 500, maxBatch: 5000, rounds: 200, budgetMs: 120_000 };

/** What is left of a backlog is counted up to this (one bounded index walk per table). */
export const REMAINING_COUNT_CAP = 1_000_000;

export const DEFAULT_LOG_RETENTION_DAYS = 365;
const MAX_LOG_RETENTION_DAYS = 36_500;
const DAY = 24 * 60 * 60;

/** LOG_RETENTION_DAYS: a whole number of days, 1–36500; unset or empty means the default. */
export function logRetentionDays(configured: string | undefined): number {
  if (configured === undefined || configured.trim() === '') return DEFAULT_LOG_RETENTION_DAYS;
  const days = Number(configured);
  // A plain Error: the scheduled run fails visibly in the Worker's logs.
  if (!Number.isInteger(days) || days < 1 || days > MAX_LOG_RETENTION_DAYS) {
    throw new Error(`LOG_RETENTION_DAYS must be a whole number of days from 1 to ${MAX_LOG_RETENTION_DAYS}`);
  }
  return days;
}

/** One table's part of a run: rows removed, and rows still due after it (counted up to REMAINING_COUNT_CAP). */
export interface Swept {
  deleted: number;
  remaining: number;
}

export interface SweepResult {
  sessions: Swept;
  /** Tokens (POST /users/{userId}/tokens) that expired unexchanged. */
  tokens: Swept;
  logs: Swept;
  /** Webhook events that had nothing left to deliver. */
  events: Swept;
}

export async function sweepExpired(db: Db, now: number, retentionDays: number, bounds: SweepBounds = SWEEP_BOUNDS): Promise<SweepResult> {
  const cutoff = now - retentionDays * DAY;
  const deadline = Date.now() + bounds.budgetMs;
  return {
    sessions: await drain(expiredSessions(db, now), bounds, deadline),
    tokens: await drain(expiredTokens(db, now), bounds, deadline),
    logs: await drain(logsBefore(db, cutoff), bounds, deadline),
    events: await drain(settledEventsBefore(db, cutoff), bounds, deadline),
  };
}

/** Deletes in growing batches while they come back full, within the bounds; then counts what is left. */
async function drain(due: Due, { firstBatch, maxBatch, rounds }: SweepBounds, deadline: number): Promise<Swept> {
  let deleted = 0;
  let batch = firstBatch;
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && Date.now() > deadline) break;
    const removed = await due.deleteUpTo(batch);
    deleted += removed;
    if (removed < batch) return { deleted, remaining: 0 };
    batch = Math.min(batch * 2, maxBatch);
  }
  return { deleted, remaining: await due.countUpTo(REMAINING_COUNT_CAP) };
}
