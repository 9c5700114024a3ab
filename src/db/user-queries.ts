// The 1.x dialect's list queries (contract §12.3), compiled to one parameterised
// statement for the page and one for the count: every value is a bound parameter
// (lists as ONE JSON text expanded by json_each, so `equal` with many values stays one
// parameter), never SQL text. The filters are served by the indexes of migration 0010:
// users_project_email / _phone / _id for `equal`, user_labels for a label, _status,
// _updated, _accessed for status and dates; registration and $createdAt are ranges of
// seq (registration second × 2^21 + counter), the primary key.
import { and, asc, desc, eq, not, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './client.ts';
import { SECOND, projects, users } from './schema.ts';
import { publicColumns, type PublicUserRow } from './users.ts';
import { UserStatus } from './user-status.ts';

// Literals, not parameters: the plan uses the status index as for any constant, and no bound parameter is spent.
const BLOCKED = sql.raw(String(UserStatus.blocked));
const NOT_BLOCKED = sql.raw(`(${UserStatus.unactivated}, ${UserStatus.activated})`);

/** D1 binds at most 100 parameters per statement. */
export const MAX_BOUND_PARAMS = 100;
/** A query whose statement would bind more than D1 allows (refused before it is sent). */
export class QueryTooLarge extends Error {}

/** What a filter is on, as the compiler sees it. */
export type Attribute =
  | '$id'
  | 'name'
  | 'email'
  | 'phone'
  | 'status'
  | 'emailVerification'
  | 'phoneVerification'
  | 'labels'
  | 'registration'
  | 'passwordUpdate'
  | 'accessedAt'
  | '$createdAt'
  | '$updatedAt';
export type Comparison = 'equal' | 'notEqual' | 'lessThan' | 'lessThanEqual' | 'greaterThan' | 'greaterThanEqual';
/** Values: strings, booleans, or unix milliseconds for the dates. */
export type Value = string | number | boolean;
export type Filter =
  | { op: Comparison; attribute: Attribute; values: Value[] }
  | { op: 'between'; attribute: Attribute; values: [Value, Value] }
  | { op: 'isNull' | 'isNotNull'; attribute: Attribute }
  | { op: 'startsWith' | 'endsWith' | 'contains'; attribute: Attribute; values: string[] }
  /** A full-text match (domain/search.ts's expression). */
  | { op: 'search'; match: string }
  | { op: 'and' | 'or'; filters: Filter[] };
export type OrderAttribute = '$createdAt' | 'registration' | '$updatedAt' | 'accessedAt' | 'name' | 'email' | '$id';

export interface UserQuery {
  filters: Filter[];
  order?: { attribute: OrderAttribute; ascending: boolean };
  limit: number;
  offset: number;
  cursor?: { id: string; direction: 'after' | 'before' };
}

const DATES = { passwordUpdate: users.passwordUpdate, accessedAt: users.accessedAt, $updatedAt: users.updatedAt } as const;
const TEXTS = { $id: users.id, name: users.name, email: users.emailKey, phone: users.phone } as const;
const ORDER = {
  $createdAt: users.seq,
  registration: users.seq,
  $updatedAt: users.updatedAt,
  accessedAt: users.accessedAt,
  name: users.name,
  email: users.emailKey,
  $id: users.id,
} as const;

/** The values as one bound JSON array, for `IN (SELECT value FROM json_each(?))`. */
const list = (values: Value[]) => sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;

function compare(column: SQLWrapper, op: Comparison, values: Value[]): SQL {
  if (op === 'equal') return values.length === 1 ? sql`${column} = ${values[0]}` : sql`${column} IN ${list(values)}`;
  if (op === 'notEqual') return values.length === 1 ? sql`${column} <> ${values[0]}` : sql`${column} NOT IN ${list(values)}`;
  const sign = { lessThan: '<', lessThanEqual: '<=', greaterThan: '>', greaterThanEqual: '>=' }[op];
  return sql`${column} ${sql.raw(sign)} ${values[0]}`;
}

/** A registration time (ms) as the first seq of its second: registration comparisons become seq ranges. */
function registrationBound(op: Comparison, ms: number): SQL {
  const second = Math.floor(ms / 1000);
  const exact = ms % 1000 === 0;
  const first = second * SECOND;
  const next = (second + 1) * SECOND;
  switch (op) {
    case 'equal':
      return exact ? sql`(${users.seq} >= ${first} AND ${users.seq} < ${next})` : sql`0`;
    case 'notEqual':
      return exact ? sql`(${users.seq} < ${first} OR ${users.seq} >= ${next})` : sql`1`;
    case 'lessThan':
      return sql`${users.seq} < ${exact ? first : next}`;
    case 'lessThanEqual':
      return sql`${users.seq} < ${next}`;
    case 'greaterThan':
      return sql`${users.seq} >= ${next}`;
    case 'greaterThanEqual':
      return sql`${users.seq} >= ${exact ? first : next}`;
  }
}

function compile(projectId: string, f: Filter): SQL {
  switch (f.op) {
    case 'and':
    case 'or': {
      const parts = f.filters.map((g) => compile(projectId, g));
      return (f.op === 'and' ? and(...parts) : or(...parts)) ?? sql`1`;
    }
    case 'search':
      return sql`${users.seq} IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${f.match})`;
    case 'isNull':
    case 'isNotNull': {
      // Nothing is ever NULL upstream-wise but what is empty: no labels, no phone, never.
      const empty = emptyOf(f.attribute);
      return f.op === 'isNull' ? empty : not(empty);
    }
    case 'between':
      return and(
        compile(projectId, { op: 'greaterThanEqual', attribute: f.attribute, values: [f.values[0]] }),
        compile(projectId, { op: 'lessThanEqual', attribute: f.attribute, values: [f.values[1]] }),
      )!;
    case 'startsWith':
    case 'endsWith':
    case 'contains': {
      if (f.attribute === 'labels') {
        // The label's rows drive: a seek in user_labels, then one rowid lookup per match.
        return sql`${users.seq} IN (SELECT l.seq FROM user_labels l WHERE l.project_id = ${projectId} AND l.label IN ${list(f.values)})`;
      }
      const column = f.attribute === 'email' ? users.emailKey : TEXTS[f.attribute as keyof typeof TEXTS];
      // instr/substr, not LIKE: a value's own % and _ stay literal.
      const parts = f.values.map((v) => {
        const value = f.attribute === 'email' ? v.toLowerCase() : v;
        if (f.op === 'startsWith') return sql`substr(${column}, 1, length(${value})) = ${value}`;
        if (f.op === 'endsWith') return sql`substr(${column}, -length(${value})) = ${value} AND length(${value}) > 0`;
        return sql`instr(${column}, ${value}) > 0`;
      });
      return or(...parts) ?? sql`0`;
    }
    default: {
      const { attribute, values } = f;
      if (attribute === 'registration' || attribute === '$createdAt') return or(...values.map((v) => registrationBound(f.op, v as number)))!;
      if (attribute === 'status') {
        // true: not blocked; false: blocked (the index users_project_status serves both).
        const blocked = (v: Value) => (v ? sql`${users.status} IN ${NOT_BLOCKED}` : sql`${users.status} = ${BLOCKED}`);
        const any = or(...values.map(blocked))!;
        return f.op === 'notEqual' ? not(any) : any;
      }
      if (attribute === 'emailVerification' || attribute === 'phoneVerification')
        return compare(
          users[attribute],
          f.op,
          values.map((v) => (v ? 1 : 0)),
        );
      if (attribute in DATES) return compare(DATES[attribute as keyof typeof DATES], f.op, values);
      const column = TEXTS[attribute as keyof typeof TEXTS];
      // Emails compare case-insensitively, as uniqueness does; `<> ''` lets the partial unique indexes serve.
      if (attribute === 'email')
        return and(
          compare(
            column,
            f.op,
            values.map((v) => String(v).toLowerCase()),
          ),
          f.op === 'equal' ? sql`${users.emailKey} <> ''` : undefined,
        )!;
      if (attribute === 'phone' && f.op === 'equal') return and(compare(column, f.op, values), sql`${users.phone} <> ''`)!;
      return compare(column, f.op, values);
    }
  }
}

function emptyOf(attribute: Attribute): SQL {
  if (attribute === 'labels') return sql`${users.labels} = '[]'`;
  if (attribute in DATES) return sql`${DATES[attribute as keyof typeof DATES]} = 0`;
  if (attribute === 'email' || attribute === 'phone' || attribute === 'name') return sql`${TEXTS[attribute]} = ''`;
  return sql`0`;
}

/** A page of the project's users matching the query, its count (unless `count` is false), and whether the cursor exists. */
export async function queryUsers(db: Db, projectId: string, q: UserQuery, count: boolean): Promise<{ total: number; users: PublicUserRow[] } | undefined> {
  const where = and(eq(users.projectId, projectId), ...q.filters.map((f) => compile(projectId, f)));
  const before = q.cursor?.direction === 'before';
  const column = ORDER[q.order?.attribute ?? 'registration'];
  const ascending = (q.order?.ascending ?? true) !== before;
  // The cursor's position in (order column, seq): a keyset bound on both.
  const cursorRow = (c: SQLWrapper) => sql`(SELECT ${c} FROM ${users} WHERE ${users.projectId} = ${projectId} AND ${users.id} = ${q.cursor?.id ?? ''})`;
  const keyset = q.cursor
    ? column === users.seq
      ? sql`${users.seq} ${sql.raw(ascending ? '>' : '<')} ${cursorRow(users.seq)}`
      : sql`(${column} ${sql.raw(ascending ? '>' : '<')} ${cursorRow(column)} OR (${column} = ${cursorRow(column)} AND ${users.seq} ${sql.raw(ascending ? '>' : '<')} ${cursorRow(users.seq)}))`
    : undefined;
  const direction = ascending ? asc : desc;
  const page = db
    .select(publicColumns)
    .from(users)
    .where(and(where, keyset))
    .orderBy(...(column === users.seq ? [direction(users.seq)] : [direction(column), direction(users.seq)]))
    .limit(q.limit)
    .offset(q.offset);
  const found = q.cursor
    ? sql<number>`(SELECT count(*) FROM ${users} WHERE ${users.projectId} = ${projectId} AND ${users.id} = ${q.cursor.id})`
    : sql<number>`1`;
  // `total` false counts nothing: the project row alone answers whether the cursor exists.
  const counted = count
    ? db
        .select({ total: sql<number>`count(*)`, found: found.as('found') })
        .from(users)
        .where(where)
    : db
        .select({ total: sql<number>`0`.as('total'), found: found.as('found') })
        .from(projects)
        .where(eq(projects.id, projectId));
  if (page.toSQL().params.length > MAX_BOUND_PARAMS || counted.toSQL().params.length > MAX_BOUND_PARAMS) throw new QueryTooLarge();
  const [rows, [tally]] = await db.batch([page, counted]);
  if (tally?.found !== 1) return undefined;
  return { total: tally.total, users: before ? rows.reverse() : rows };
}
