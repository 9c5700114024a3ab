import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

export type Db = ReturnType<typeof database>;

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** D1 reports constraint failures only in the message of the error drizzle wraps. */
export function isConstraintError(err: unknown, kind: 'UNIQUE' | 'CHECK'): boolean {
  const messages = [err instanceof Error ? err.message : '', err instanceof Error && err.cause instanceof Error ? err.cause.message : ''];
  return messages.some((m) => m.includes(`${kind} constraint failed`));
}
