// A stale-replica double: a D1Database-like binding whose sessions read from a
// snapshot of the primary (a second D1 database, REPLICA, filled by copying the
// primary's tables at a chosen moment), the way a lagging D1 read replica would,
// unless D1 itself would go to the primary: the session started `first-primary`,
// it has written, or it started from a bookmark newer than the snapshot. From then
// on the session stays on the primary (sequential consistency).
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

const WRITE = /^\s*(insert|update|delete|replace)\b/i;

export type Served = 'primary' | 'replica';

export class StaleReplica {
  /** The primary's bookmark when the snapshot was taken. */
  private snapshotBookmark = '';
  /** Where each round trip went, in order. */
  readonly served: Served[] = [];

  private constructor(
    private readonly primary: D1Database,
    private readonly replica: D1Database,
  ) {}

  /** A double over `primary` (env.DB, or a shard) whose replica holds the primary as it is now. */
  static async create(primary: D1Database = env.DB): Promise<StaleReplica> {
    await applyD1Migrations(env.REPLICA, env.TEST_MIGRATIONS);
    // The copy brings the triggers' effects (counters, index); they must not run twice.
    const triggers = await env.REPLICA.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all<{ name: string }>();
    for (const { name } of triggers.results) await env.REPLICA.prepare(`DROP TRIGGER "${name}"`).run();
    const double = new StaleReplica(primary, env.REPLICA);
    await double.snapshot();
    return double;
  }

  /** Copies every table of the primary into the replica; the search index is rebuilt from the copied users. */
  async snapshot(): Promise<void> {
    const tables = await this.primary
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'users_fts%' AND name != 'd1_migrations'",
      )
      .all<{ name: string }>();
    const statements: D1PreparedStatement[] = [this.replica.prepare('PRAGMA defer_foreign_keys = on')];
    for (const { name } of tables.results) statements.push(this.replica.prepare(`DELETE FROM "${name}"`));
    for (const { name } of tables.results) {
      const rows = (await this.primary.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>()).results;
      for (const row of rows) {
        const columns = Object.keys(row);
        statements.push(
          this.replica
            .prepare(`INSERT INTO "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
            .bind(...Object.values(row)),
        );
      }
    }
    statements.push(this.replica.prepare("INSERT INTO users_fts (users_fts) VALUES ('rebuild')"));
    await this.replica.batch(statements);
    const marker = this.primary.withSession('first-primary');
    await marker.prepare('SELECT 1').all();
    this.snapshotBookmark = marker.getBookmark()!;
  }

  /** The binding to give the Worker as DB. */
  binding(): D1Database {
    return {
      prepare: (query: string) => this.primary.prepare(query),
      batch: (statements: D1PreparedStatement[]) => this.primary.batch(statements),
      exec: (query: string) => this.primary.exec(query),
      dump: () => this.primary.dump(),
      withSession: (start?: string) => this.session(start ?? 'first-unconstrained'),
    } as D1Database;
  }

  private session(start: string): D1DatabaseSession {
    const onPrimarySession = this.primary.withSession(start);
    let onPrimary = start === 'first-primary' || (start !== 'first-unconstrained' && start > this.snapshotBookmark);
    let queried = false;
    const route = (writes: boolean): D1Database | D1DatabaseSession => {
      if (writes) onPrimary = true;
      queried = true;
      this.served.push(onPrimary ? 'primary' : 'replica');
      return onPrimary ? onPrimarySession : this.replica;
    };
    const statement = (sql: string, values: unknown[]): D1PreparedStatement => {
      const on = () => {
        const target = route(WRITE.test(sql));
        return target.prepare(sql).bind(...values);
      };
      return {
        sql,
        values,
        bind: (...more: unknown[]) => statement(sql, [...values, ...more]),
        first: (column?: string) => (column === undefined ? on().first() : on().first(column)),
        all: () => on().all(),
        run: () => on().run(),
        raw: (options?: { columnNames?: boolean }) => on().raw(options as { columnNames: true }),
      } as unknown as D1PreparedStatement;
    };
    return {
      prepare: (sql: string) => statement(sql, []),
      batch: (statements: D1PreparedStatement[]) => {
        const deferred = statements as unknown as Array<{ sql: string; values: unknown[] }>;
        const target = route(deferred.some((s) => WRITE.test(s.sql)));
        return target.batch(deferred.map((s) => target.prepare(s.sql).bind(...s.values)));
      },
      getBookmark: () => (onPrimary ? onPrimarySession.getBookmark() : queried ? this.snapshotBookmark : null),
    } as D1DatabaseSession;
  }
}
