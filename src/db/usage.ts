// Usage counters (GET /v1/users/usage): users and sessions created per hour and per day,
// counted by a statement in the batch of the change itself.
import { and, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.ts';
import { projects, usageCounts } from './schema.ts';

export type Metric = 'users' | 'sessions';
export const HOUR = 3600;
export const DAY = 86_400;

/**
 * Adds `amount` to the hour and the day of `time` (unix s) of the metric; only when
 * `when` holds, so that a batch counts exactly what its other statements created.
 */
export function countCreated(db: Db, projectId: string, metric: Metric, time: number, amount: number, when: SQL = sql`1`) {
  const buckets = db
    .select({
      projectId: sql`${projectId}`.as('project_id'),
      metric: sql`${metric}`.as('metric'),
      period: sql`p.value`.as('period'),
      bucket: sql`${time} - ${time} % p.value`.as('bucket'),
      value: sql`${amount}`.as('value'),
    })
    .from(sql`json_each(${JSON.stringify([HOUR, DAY])}) AS p`)
    // The WHERE also lets SQLite parse the upsert clause after a SELECT.
    .where(when);
  return db
    .insert(usageCounts)
    .select(buckets)
    .onConflictDoUpdate({
      target: [usageCounts.projectId, usageCounts.metric, usageCounts.period, usageCounts.bucket],
      set: { value: sql`${usageCounts.value} + excluded.value` },
    });
}

/** The buckets of a metric from `since` (unix s) on, at one period. */
export function countsSince(db: Db, projectId: string, metrics: Metric[], period: number, since: number) {
  return db
    .select({ metric: usageCounts.metric, bucket: usageCounts.bucket, value: usageCounts.value })
    .from(usageCounts)
    .where(and(eq(usageCounts.projectId, projectId), inArray(usageCounts.metric, metrics), eq(usageCounts.period, period), gte(usageCounts.bucket, since)));
}

/** The project's users now (its counter). */
export function usersNow(db: Db, projectId: string) {
  return db.select({ total: projects.userCount }).from(projects).where(eq(projects.id, projectId));
}

/**
 * Counts the users of a bulk import's chunk that are in the project after its insert, by
 * (seq, id) pairs as logImported does: in the same batch, so exactly those it inserted.
 */
export function countImported(db: Db, projectId: string, keys: Array<[number, string]>, time: number) {
  return db.$client
    .prepare(
      `INSERT INTO usage_counts (project_id, metric, period, bucket, value)
       SELECT ?1, 'users', p.value, ?3 - ?3 % p.value, n.count FROM json_each(?4) AS p,
         (SELECT count(*) AS count FROM json_each(?2) AS k CROSS JOIN users AS u ON u.seq = k.value ->> 0 AND u.id = k.value ->> 1 AND u.project_id = ?1) AS n
       WHERE n.count > 0
       ON CONFLICT DO UPDATE SET value = value + excluded.value`,
    )
    .bind(projectId, JSON.stringify(keys), time, JSON.stringify([HOUR, DAY]));
}
