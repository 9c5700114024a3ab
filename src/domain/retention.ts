// Keeps storage bounded (contract §9.3): removes expired sessions, and audit entries and
// settled webhook events (with their deliveries) older than the retention, in bounded
// batches, from a Cron Trigger (src/index.ts).
// KV needs no sweep: every token entry carries its session's expiry as its KV
// expiration, so KV forgets it on its own.
import { deleteLogsBefore } from '../db/audit.ts';
import { deleteExpiredSessions } from '../db/sessions.ts';
import type { Db } from '../db/client.ts';
import { deleteSettledEventsBefore } from '../db/webhooks.ts';

export interface SweepBounds {
  /** Rows per DELETE: each statement stays small and short, whatever the backlog. */
  batch: number;
  /** DELETEs per table per run: a larger backlog is worked off over the next runs. */
  rounds: number;
}

/** 20 000 rows per table per run; at one run every 5 minutes, 240 000 an hour. */
export const SWEEP_BOUNDS: SweepBounds = { batch: 500, rounds: 40 };

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

export interface SweepResult {
  sessions: number;
  logs: number;
  /** Webhook events that had nothing left to deliver. */
  events: number;
}

export async function sweepExpired(db: Db, now: number, retentionDays: number, bounds: SweepBounds = SWEEP_BOUNDS): Promise<SweepResult> {
  const cutoff = now - retentionDays * DAY;
  return {
    sessions: await inRounds(bounds, (limit) => deleteExpiredSessions(db, now, limit)),
    logs: await inRounds(bounds, (limit) => deleteLogsBefore(db, cutoff, limit)),
    events: await inRounds(bounds, (limit) => deleteSettledEventsBefore(db, cutoff, limit)),
  };
}

async function inRounds({ batch, rounds }: SweepBounds, deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let round = 0; round < rounds; round++) {
    const removed = await deleteBatch(batch);
    total += removed;
    if (removed < batch) break;
  }
  return total;
}
