// The 1.x dialect's `queries[]` (contract §12.3): each a JSON string {"method",
// "attribute"?, "values"?} as the SDKs' Query.* builds it. Parsed and checked here, into
// the compiler's terms (db/user-queries.ts); anything unsupported is a 400
// general_query_invalid that names the query.
import { z } from 'zod';
import type { Attribute, Comparison, Filter, OrderAttribute, UserQuery, Value } from '../domain/users.ts';
import { queryInvalid } from '../domain/errors.ts';
import { matchExpression } from '../domain/search.ts';
import { optional } from './params.ts';

export const MAX_QUERIES = 100;
export const MAX_QUERY_LENGTH = 4096;
const MAX_LIMIT = 5000;
const MAX_OFFSET = 5000;
const DEFAULT_LIMIT = 25;

export const queriesParam = optional(
  z.array(z.string()).max(MAX_QUERIES).meta({ maxItems: MAX_QUERIES }),
  `Value must a valid array no longer than ${MAX_QUERIES} items and Value must be a valid string and at least 1 chars and no longer than ${MAX_QUERY_LENGTH} chars`,
  'Array of query strings generated using the Query class provided by the SDK (`queries[0]=…&queries[1]=…`).',
  [] as string[],
);

const COMPARISONS = ['equal', 'notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual'] as const;
const TEXT = ['$id', 'name', 'email', 'phone'] as const;
const BOOLEAN = ['status', 'emailVerification', 'phoneVerification'] as const;
const DATE = ['registration', 'passwordUpdate', 'accessedAt', '$createdAt', '$updatedAt'] as const;
const ORDERABLE = ['$createdAt', 'registration', '$updatedAt', 'accessedAt', 'name', 'email', '$id'] as const;
const has = <T extends string>(list: readonly T[], v: unknown): v is T => list.includes(v as T);

interface Raw {
  method: string;
  attribute?: unknown;
  values?: unknown;
}

/** Parses and checks the users list's queries; projectSeq scopes `search`. */
export function parseUserQueries(queries: string[], projectSeq: number): UserQuery {
  const q: UserQuery = { filters: [], limit: DEFAULT_LIMIT, offset: 0 };
  for (const text of queries) {
    const raw = decode(text);
    const fail = (reason: string): never => {
      throw queryInvalid(`Invalid query: ${reason}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
    };
    switch (raw.method) {
      case 'limit':
        q.limit = integer(raw, 0, MAX_LIMIT, fail);
        break;
      case 'offset':
        q.offset = integer(raw, 0, MAX_OFFSET, fail);
        break;
      case 'cursorAfter':
      case 'cursorBefore': {
        const id = single(raw, fail);
        if (typeof id !== 'string') fail('the cursor must be a $id');
        q.cursor = { id: id as string, direction: raw.method === 'cursorAfter' ? 'after' : 'before' };
        break;
      }
      case 'orderAsc':
      case 'orderDesc':
        if (!has(ORDERABLE, raw.attribute)) fail(`cannot order by ${JSON.stringify(raw.attribute ?? '')}`);
        if (q.order) fail('only one order is supported');
        q.order = { attribute: raw.attribute as OrderAttribute, ascending: raw.method === 'orderAsc' };
        break;
      default:
        q.filters.push(filterOf(raw, projectSeq, fail));
    }
  }
  return q;
}

/** The logs' queries: `limit` (1–100, default 25) and `offset` only. */
export function parseLogQueries(queries: string[]): { limit: number; offset: number } {
  const page = { limit: DEFAULT_LIMIT, offset: 0 };
  for (const text of queries) {
    const raw = decode(text);
    const fail = (reason: string): never => {
      throw queryInvalid(`Invalid query: ${reason}: ${text}`);
    };
    if (raw.method === 'limit') page.limit = integer(raw, 1, 100, fail);
    else if (raw.method === 'offset') page.offset = integer(raw, 0, MAX_OFFSET, fail);
    else fail(`${JSON.stringify(raw.method)} is not supported on logs (only limit and offset)`);
  }
  return page;
}

function decode(text: string): Raw {
  const fail = (reason: string): never => {
    throw queryInvalid(`Invalid query: ${reason}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`);
  };
  if (text.length > MAX_QUERY_LENGTH) fail(`longer than ${MAX_QUERY_LENGTH} chars`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('not a JSON query');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || typeof (raw as Raw).method !== 'string') return fail('not a JSON query');
  const values = (raw as Raw).values;
  if (values !== undefined && !Array.isArray(values)) fail('values must be an array');
  return raw as Raw;
}

function single(raw: Raw, fail: (reason: string) => never): unknown {
  const values = raw.values as unknown[] | undefined;
  if (!values || values.length !== 1) fail('expects exactly one value');
  return values![0];
}

function integer(raw: Raw, min: number, max: number, fail: (reason: string) => never): number {
  const v = single(raw, fail);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${raw.method} must be an integer from ${min} to ${max}`);
  return v as number;
}

function filterOf(raw: Raw, projectSeq: number, fail: (reason: string) => never): Filter {
  const { method, attribute } = raw;
  const values = (raw.values ?? []) as unknown[];
  if (method === 'and' || method === 'or') {
    if (values.length === 0) fail(`${method} needs queries`);
    return { op: method, filters: values.map((v) => filterOf(nested(v, fail), projectSeq, fail)) };
  }
  const known = has(TEXT, attribute) || has(BOOLEAN, attribute) || has(DATE, attribute) || attribute === 'labels';
  if (!known) fail(`attribute not found in schema: ${JSON.stringify(attribute ?? '')}`);
  const a = attribute as Attribute;
  if (a === 'labels' && !['contains', 'isNull', 'isNotNull'].includes(method)) fail('labels take contains, isNull and isNotNull only');
  if (method === 'isNull' || method === 'isNotNull') {
    if (has(BOOLEAN, a)) fail(`${a} is never null`);
    return { op: method, attribute: a };
  }
  if (values.length === 0) fail(`${method} needs values`);
  const typed = values.map((v) => valueOf(a, v, fail));
  if (has(COMPARISONS, method)) {
    if (method !== 'equal' && method !== 'notEqual' && typed.length !== 1) fail(`${method} takes one value`);
    if (has(BOOLEAN, a) && method !== 'equal' && method !== 'notEqual') fail(`${a} takes equal and notEqual only`);
    return { op: method as Comparison, attribute: a, values: typed };
  }
  if (method === 'between') {
    if (typed.length !== 2 || has(BOOLEAN, a)) fail('between takes two values of an ordered attribute');
    return { op: 'between', attribute: a, values: [typed[0]!, typed[1]!] };
  }
  if (method === 'startsWith' || method === 'endsWith' || method === 'contains') {
    if (!(has(TEXT, a) || a === 'labels')) fail(`${method} is for text attributes and labels`);
    return { op: method, attribute: a, values: typed as string[] };
  }
  if (method === 'search') {
    if (a !== 'name' && a !== 'email') fail('search is on name or email');
    const match = matchExpression(projectSeq, String(typed[0]));
    // A term without words matches nothing to search for: every user, as an empty search.
    return match === null ? { op: 'and', filters: [] } : { op: 'search', match };
  }
  return fail(`unknown method ${JSON.stringify(method)}`);
}

function nested(v: unknown, fail: (reason: string) => never): Raw {
  // The SDKs nest queries as JSON strings; objects are taken too.
  const raw =
    typeof v === 'string'
      ? (() => {
          try {
            return JSON.parse(v) as unknown;
          } catch {
            return undefined;
          }
        })()
      : v;
  if (typeof raw !== 'object' || raw === null || typeof (raw as Raw).method !== 'string') return fail('a nested query is not a JSON query');
  return raw as Raw;
}

function valueOf(attribute: Attribute, v: unknown, fail: (reason: string) => never): Value {
  if (has(BOOLEAN, attribute)) {
    if (typeof v !== 'boolean') fail(`${attribute} takes booleans`);
    return v as boolean;
  }
  if (has(DATE, attribute)) {
    const ms = typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms)) fail(`${attribute} takes ISO 8601 dates`);
    return ms;
  }
  if (typeof v !== 'string' || !v.isWellFormed() || v.includes('\0')) fail(`${attribute} takes strings`);
  return v as string;
}
