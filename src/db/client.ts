import { drizzle } from 'drizzle-orm/d1';

export type Db = ReturnType<typeof database>;

/** drizzle over a D1 session (one per request, src/http/d1-session.ts) or the database itself. */
export function database(d1: D1Database | D1DatabaseSession) {
  // drizzle's D1 driver is typed for D1Database but calls only prepare() and batch(), which a
  // session has too; native support is open upstream (drizzle-orm #2226, #4522, PR #4776).
  // No relational schema: its per-instance setup costs as much as a query (docs/benchmark.md).
  return drizzle(d1 as unknown as D1Database);
}

/**
 * D1 reports constraint failures only in the message of the error drizzle wraps;
 * `column`, if given, must be among the columns the message names.
 */
export function isConstraintError(err: unknown, kind: 'UNIQUE' | 'CHECK', column?: string): boolean {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
  const message = err instanceof Error ? err.message : '';
  return [cause, message].some((m) => {
    const at = m.indexOf(`${kind} constraint failed`);
    return at >= 0 && (column === undefined || m.slice(at).split('\n')[0]!.includes(column));
  });
}

/** A write refused by a moving project's freeze (the `project_frozen` triggers of migrations/0013_shards.sql). */
export function isFrozenWrite(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e.message.includes('project_frozen')) return true;
  return false;
}
