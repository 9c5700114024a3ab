// The project's usage (GET /v1/users/usage): users and sessions created per hour over the
// last 24 hours, or per day over 30 or 90 days, from the counters (db/usage.ts).
import { countsSince, DAY, HOUR, usersNow, type Metric } from '../db/usage.ts';
import { nowSeconds, type Project, type Stores } from './context.ts';

export const USAGE_RANGES = { '24h': { period: HOUR, points: 24 }, '30d': { period: DAY, points: 30 }, '90d': { period: DAY, points: 90 } } as const;
export type UsageRange = keyof typeof USAGE_RANGES;

export interface Usage {
  range: UsageRange;
  usersTotal: number;
  sessionsTotal: number;
  /** Every bucket of the range, oldest first (start in unix s), zeros included. */
  users: Array<{ bucket: number; value: number }>;
  sessions: Array<{ bucket: number; value: number }>;
}

export async function usage({ db }: Stores, project: Project, range: UsageRange): Promise<Usage> {
  const { period, points } = USAGE_RANGES[range];
  const now = nowSeconds();
  const since = now - (now % period) - (points - 1) * period;
  const [rows, [users]] = await db.batch([countsSince(db, project.id, ['users', 'sessions'], period, since), usersNow(db, project.id)]);
  const series = (metric: Metric) => {
    const values = new Map(rows.filter((r) => r.metric === metric).map((r) => [r.bucket, r.value]));
    return Array.from({ length: points }, (_, i) => ({ bucket: since + i * period, value: values.get(since + i * period) ?? 0 }));
  };
  const sessions = series('sessions');
  return { range, usersTotal: users?.total ?? 0, sessionsTotal: sessions.reduce((sum, b) => sum + b.value, 0), users: series('users'), sessions };
}
