// Counts, per request, what D1 costs: rows read (`meta.rows_read`, what D1 bills) and
// the sequential round trips, each classed by where it must run. Enabled only when
// METER_ROWS_READ is "true" (the benchmark and the round-trip tests set it); the
// pipeline then reports `X-D1-Rows-Read` and `X-D1-Round-Trips: primary=<n>, replica=<n>`.
//
// The class is the model of D1 read replication (contract §11), not what a local D1
// reports (it has no replicas): a round trip needs the primary when it writes, or when
// it is the first query of a `first-primary` session; any other read may be served
// by the nearest replica.
export interface Meter {
  rowsRead: number;
  primary: number;
  replica: number;
}

export const newMeter = (): Meter => ({ rowsRead: 0, primary: 0, replica: 0 });

export function roundTripsHeader(meter: Meter): string {
  return `primary=${meter.primary}, replica=${meter.replica}`;
}

const WRITE = /^\s*(insert|update|delete|replace)\b/i;

interface Wrapped {
  stmt: D1PreparedStatement;
  sql: string;
}
const real = new WeakMap<object, Wrapped>();

/** `session` wrapped so that each prepare()-and-run and each batch counts as one round trip. */
export function meteredSession(session: D1DatabaseSession, firstPrimary: boolean, meter: Meter): D1DatabaseSession {
  let first = true;
  const trip = (writes: boolean) => {
    if (writes || (first && firstPrimary)) meter.primary++;
    else meter.replica++;
    first = false;
  };
  const count = (result: D1Result) => {
    meter.rowsRead += result.meta?.rows_read ?? 0;
    return result;
  };
  const run = async (w: Wrapped) => {
    trip(WRITE.test(w.sql));
    return count(await w.stmt.all());
  };
  const wrap = (w: Wrapped): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap({ stmt: w.stmt.bind(...values), sql: w.sql }),
      first: async (column?: string) => {
        const row = (await run(w)).results[0] as Record<string, unknown> | undefined;
        return row === undefined ? null : column === undefined ? row : row[column];
      },
      all: () => run(w),
      run: () => run(w),
      // raw() carries no meta, so read through all(); drizzle maps batch results the same way.
      raw: async () => (await run(w)).results.map((row) => Object.values(row as object)),
    } as unknown as D1PreparedStatement;
    real.set(wrapped, w);
    return wrapped;
  };
  return {
    prepare: (query: string) => wrap({ stmt: session.prepare(query), sql: query }),
    batch: async (statements: D1PreparedStatement[]) => {
      const unwrapped = statements.map((s) => real.get(s)!);
      trip(unwrapped.some((w) => WRITE.test(w.sql)));
      return (await session.batch(unwrapped.map((w) => w.stmt))).map(count);
    },
    getBookmark: () => session.getBookmark(),
  } as D1DatabaseSession;
}
