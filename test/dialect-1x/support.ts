// Calls in the 1.x dialect, as today's SDKs make them: X-Appwrite-Response-Format and
// queries[N]=<JSON> in the query string.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import worker from '../../src/index.ts';
import { SERVICE_VERSION } from '../../src/http/errors.ts';
import { BASE, callJson, type CallOptions, type TestProject } from '../helpers.ts';

export const FORMAT = { 'x-appwrite-response-format': '1.6.0' };

export function call1x(path: string, options: CallOptions = {}) {
  return callJson(path, { ...options, headers: { ...FORMAT, ...options.headers } });
}

/** `queries[i]=<JSON>` for each query, as the SDKs' flatten() builds them. */
export function withQueries(path: string, queries: unknown[], extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  queries.forEach((q, i) => params.append(`queries[${i}]`, typeof q === 'string' ? q : JSON.stringify(q)));
  for (const [k, v] of Object.entries(extra)) params.append(k, v);
  return `${path}?${params}`;
}

/** A 1.x error: status, type, code, version, and optionally the exact message. */
export function expectType(result: { status: number; body: any }, status: number, type: string, message?: string) {
  expect({ status: result.status, type: result.body?.type, code: result.body?.code, version: result.body?.version }, JSON.stringify(result.body)).toEqual({
    status,
    type,
    code: status,
    version: SERVICE_VERSION,
  });
  if (message !== undefined) expect(result.body.message).toBe(message);
  expect(Object.keys(result.body).sort()).toEqual(['code', 'message', 'type', 'version']);
}

/** A GET with rows metered (X-D1-Rows-Read). */
export async function metered(project: TestProject, path: string): Promise<{ status: number; body: any; rowsRead: number }> {
  const ctx = createExecutionContext();
  const request = new Request(BASE + path, { headers: { ...FORMAT, 'x-appwrite-project': project.id, 'x-appwrite-key': project.key } });
  const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, METER_ROWS_READ: 'true' }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: await response.json(), rowsRead: Number(response.headers.get('X-D1-Rows-Read')) };
}

export const Q = {
  equal: (attribute: string, values: unknown[]) => ({ method: 'equal', attribute, values }),
  notEqual: (attribute: string, values: unknown[]) => ({ method: 'notEqual', attribute, values }),
  lessThan: (attribute: string, value: unknown) => ({ method: 'lessThan', attribute, values: [value] }),
  greaterThan: (attribute: string, value: unknown) => ({ method: 'greaterThan', attribute, values: [value] }),
  greaterThanEqual: (attribute: string, value: unknown) => ({ method: 'greaterThanEqual', attribute, values: [value] }),
  between: (attribute: string, a: unknown, b: unknown) => ({ method: 'between', attribute, values: [a, b] }),
  isNull: (attribute: string) => ({ method: 'isNull', attribute }),
  isNotNull: (attribute: string) => ({ method: 'isNotNull', attribute }),
  startsWith: (attribute: string, value: string) => ({ method: 'startsWith', attribute, values: [value] }),
  endsWith: (attribute: string, value: string) => ({ method: 'endsWith', attribute, values: [value] }),
  contains: (attribute: string, values: string[]) => ({ method: 'contains', attribute, values }),
  search: (attribute: string, value: string) => ({ method: 'search', attribute, values: [value] }),
  or: (queries: unknown[]) => ({ method: 'or', values: queries.map((q) => JSON.stringify(q)) }),
  and: (queries: unknown[]) => ({ method: 'and', values: queries.map((q) => JSON.stringify(q)) }),
  orderAsc: (attribute: string) => ({ method: 'orderAsc', attribute }),
  orderDesc: (attribute: string) => ({ method: 'orderDesc', attribute }),
  limit: (n: number) => ({ method: 'limit', values: [n] }),
  offset: (n: number) => ({ method: 'offset', values: [n] }),
  cursorAfter: (id: string) => ({ method: 'cursorAfter', values: [id] }),
  cursorBefore: (id: string) => ({ method: 'cursorBefore', values: [id] }),
};
