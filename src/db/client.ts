import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
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
