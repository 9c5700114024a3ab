// What the retention job (domain/retention.ts) needs of a table: the rows that are due,
// deleted or counted a bounded number at a time.
import { sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from './client.ts';

export interface Due {
  /** Deletes up to `limit` due rows (oldest index entries first); resolves to how many. */
  deleteUpTo(limit: number): Promise<number>;
  /** How many rows are due, counted up to `cap`. */
  countUpTo(cap: number): Promise<number>;
}

/** The due rows of `key`'s table, which `select(limit)` picks by `key`. */
export function dueRows(db: Db, key: SQLiteColumn, select: (limit: number) => { getSQL(): ReturnType<typeof sql> }): Due {
  return {
    async deleteUpTo(limit) {
      const result = await db.run(sql`DELETE FROM ${key.table} WHERE ${key} IN (${select(limit)})`);
      return result.meta.changes;
    },
    async countUpTo(cap) {
      const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (${select(cap)})`);
      return row?.n ?? 0;
    },
  };
}
