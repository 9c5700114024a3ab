// Counts D1 rows read (`meta.rows_read`, what D1 bills) for one request. Enabled
// only when METER_ROWS_READ is "true" (the benchmark sets it); the count is then
// reported in the X-D1-Rows-Read response header.
export interface Meter {
  rowsRead: number;
}

const real = new WeakMap<object, D1PreparedStatement>();

export function meteredD1(d1: D1Database, meter: Meter): D1Database {
  const count = (result: D1Result) => {
    meter.rowsRead += result.meta?.rows_read ?? 0;
    return result;
  };
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values)),
      first: async (column?: string) => {
        const { results } = count(await stmt.all());
        const row = results[0] as Record<string, unknown> | undefined;
        return row === undefined ? null : column === undefined ? row : row[column];
      },
      all: async () => count(await stmt.all()),
      run: async () => count(await stmt.run()),
      // raw() carries no meta, so read through all(); drizzle maps batch results the same way.
      raw: async () => count(await stmt.all()).results.map((row) => Object.values(row as object)),
    } as unknown as D1PreparedStatement;
    real.set(wrapped, stmt);
    return wrapped;
  };
  return {
    prepare: (query: string) => wrap(d1.prepare(query)),
    batch: async (statements: D1PreparedStatement[]) =>
      (await d1.batch(statements.map((s) => real.get(s) ?? s))).map(count),
    exec: (query: string) => d1.exec(query),
    withSession: () => {
      throw new Error('metered D1 does not support sessions');
    },
    dump: () => d1.dump(),
  } as unknown as D1Database;
}
