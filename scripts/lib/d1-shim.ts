// Just enough of the D1Database interface (prepare → bind → all/run, batch) for the
// admin CLI to run the Worker's own domain code (src/domain/imports.ts) outside the
// Worker: on the local database through node:sqlite, or on the deployed one through
// `wrangler d1 execute --remote`, which binds nothing, so values are inlined as quoted
// literals there. A batch is one transaction, as in D1. No node APIs here (node:sqlite
// is only a type), so that test/ can run the inlining in the Workers runtime.
import type { DatabaseSync } from 'node:sqlite';
import { utf8Bytes } from '../../src/domain/chunks.ts';

type Value = string | number | null;
type Row = Record<string, unknown>;

interface Runner {
  batch(statements: Array<{ sql: string; params: Value[] }>): Row[][] | Promise<Row[][]>;
  /** Rows the last statement changed (D1's meta.changes), where the runner can tell. */
  changes?(): number;
}

class Statement {
  readonly runner: Runner;
  readonly sql: string;
  readonly params: Value[];

  constructor(runner: Runner, sql: string, params: Value[] = []) {
    this.runner = runner;
    this.sql = sql;
    this.params = params;
  }

  bind(...params: unknown[]): Statement {
    return new Statement(this.runner, this.sql, params.map(toValue));
  }

  async all<T = Row>() {
    const [results] = await this.runner.batch([this]);
    return { results: results as T[], success: true, meta: {} };
  }

  async first<T = Row>(column?: string): Promise<T | null> {
    const [row] = (await this.all<Row>()).results;
    if (row === undefined) return null;
    return (column === undefined ? row : row[column]) as T;
  }

  async run<T = Row>() {
    const result = await this.all<T>();
    return { ...result, meta: { changes: this.runner.changes?.() } };
  }
}

function toValue(value: unknown): Value {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(`cannot bind ${typeof value}`);
}

function shim(runner: Runner): D1Database {
  return {
    prepare: (sql: string) => new Statement(runner, sql),
    batch: async (statements: Statement[]) => (await runner.batch(statements)).map((results) => ({ results, success: true, meta: {} })),
  } as unknown as D1Database;
}

/** The local database file, opened with node:sqlite (no `wrangler dev` may write it meanwhile). */
export function sqliteD1(db: DatabaseSync): D1Database {
  return shim({
    batch(statements) {
      if (statements.length === 1) return [db.prepare(statements[0]!.sql).all(...statements[0]!.params) as Row[]];
      db.exec('BEGIN');
      try {
        const results = statements.map(({ sql, params }) => db.prepare(sql).all(...params) as Row[]);
        db.exec('COMMIT');
        return results;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    changes: () => (db.prepare('SELECT changes() AS n').get() as { n: number }).n,
  });
}

/**
 * The most SQL one `wrangler d1 execute --command` takes, in UTF-8 bytes: D1's 100 KB a
 * statement (which also keeps it under Linux's 128 KiB an argument). Not `--file`: with
 * --remote that is D1's bulk import, which answers no rows and takes the database offline
 * while it runs.
 */
export const MAX_SQL_BYTES = 100_000;

/** SQL refused before it was sent: nothing of it ran. */
export class SqlTooLarge extends Error {
  readonly bytes: number;
  constructor(bytes: number) {
    super(`${bytes} bytes of SQL, over the ${MAX_SQL_BYTES} that one wrangler d1 execute takes`);
    this.bytes = bytes;
  }
}

/** `sql`, if it is small enough for one `wrangler d1 execute`; else throws SqlTooLarge. */
export function commandSql(sql: string): string {
  const bytes = utf8Bytes(sql);
  if (bytes > MAX_SQL_BYTES) throw new SqlTooLarge(bytes);
  return sql;
}

/** A database reached through `wrangler d1 execute` (`execute`: tools.ts executeAll): one call per batch. */
export function wranglerD1(execute: (sql: string) => Row[][] | Promise<Row[][]>): D1Database {
  return shim({
    batch: (statements) => execute(statements.map(({ sql, params }) => inline(sql, params)).join(';\n')),
  });
}

/** `?N` placeholders (the only form src/db/imports.ts uses) replaced by SQL literals. */
function inline(sql: string, params: Value[]): string {
  return sql.replace(/\?(\d+)/g, (_, n: string) => {
    const value = params[Number(n) - 1];
    if (value === undefined) throw new Error(`no value for ?${n}`);
    return value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;
  });
}
