// Queries whose SQL is built once per isolate and bound per request on the request's D1
// session. Building a query with drizzle costs more CPU than everything else a warm read
// request does (docs/benchmark.md, "Where the CPU went"), and a D1 session cannot be
// given to a query prepared earlier, so the prepared template is cloned with the
// session's statement and the request's values.
import { fillPlaceholders, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Db } from './client.ts';

interface PreparedInternals {
  query: { sql: string; params: unknown[] };
  stmt: D1PreparedStatement;
  mapAllResult(result: unknown, isFromBatch: boolean): unknown;
}

// Only builds SQL: its prepare() is called when a query is prepared, never run.
const builder: Db = drizzle({ prepare: () => null } as unknown as D1Database);

/** `build` (with sql.placeholder() for per-request values) is run once; each call binds `values` on `db`'s session. */
export function preparedOnce<P extends { all(): Promise<unknown> }>(build: (db: Db) => { prepare(): P }) {
  let template: (P & PreparedInternals) | undefined;
  return (db: Db, values: Record<string, unknown>): P => {
    template ??= build(builder).prepare() as P & PreparedInternals;
    const { sql, params } = template.query;
    return Object.create(template, {
      stmt: { value: db.$client.prepare(sql) },
      query: { value: { sql, params: fillPlaceholders(params, values) } },
    }) as P;
  };
}

/** Prepared queries as one D1 batch (one round trip, one snapshot), each result as its all() would give it. */
export async function batchPrepared<T extends unknown[]>(db: Db, queries: { [K in keyof T]: { all(): Promise<T[K]> } }): Promise<T> {
  const items = queries as unknown as PreparedInternals[];
  const results = await db.$client.batch(items.map((q) => q.stmt.bind(...q.query.params)));
  return results.map((result, i) => items[i]!.mapAllResult(result, true)) as T;
}

/** Raw SQL (sql`…` with sql.placeholder() for per-request values), rendered once; each call binds `values` on `db`'s session. */
export function rawPreparedOnce(build: () => SQL) {
  let query: { sql: string; params: unknown[] } | undefined;
  return (db: Db, values: Record<string, unknown>): D1PreparedStatement => {
    query ??= builder.all(build()).getQuery();
    return db.$client.prepare(query.sql).bind(...fillPlaceholders(query.params, values));
  };
}

/** Raw prepared statements as one D1 batch (one round trip, one snapshot): each statement's rows as plain objects. */
export async function batchRawPrepared<T extends unknown[][]>(db: Db, statements: D1PreparedStatement[]): Promise<T> {
  return (await db.$client.batch(statements)).map((result) => result.results) as T;
}
