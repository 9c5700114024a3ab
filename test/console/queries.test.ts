// The 1.x queries the console sends (console/queries.ts): the JSON the web SDK's Query.* builds.
import { Query as SdkQuery } from 'appwrite-28';
import { expect, it } from 'vitest';
import { Query, filterQueries } from '../../console/queries.ts';

it('builds each query as the SDK does', () => {
  expect(Query.equal('status', false)).toBe(SdkQuery.equal('status', false));
  expect(Query.contains('labels', 'vip')).toBe(SdkQuery.contains('labels', 'vip'));
  expect(Query.orderDesc('registration')).toBe(SdkQuery.orderDesc('registration'));
  expect(Query.orderAsc('registration')).toBe(SdkQuery.orderAsc('registration'));
  expect(Query.limit(25)).toBe(SdkQuery.limit(25));
  expect(Query.offset(50)).toBe(SdkQuery.offset(50));
  expect(Query.cursorAfter('abc')).toBe(SdkQuery.cursorAfter('abc'));
  expect(Query.cursorBefore('abc')).toBe(SdkQuery.cursorBefore('abc'));
});

it('turns the table’s filters into queries, none for "any"', () => {
  expect(filterQueries({ status: '', emailVerification: '', label: '' })).toEqual([]);
  expect(filterQueries({ status: 'blocked', emailVerification: 'verified', label: 'vip' })).toEqual([
    '{"method":"equal","attribute":"status","values":[false]}',
    '{"method":"equal","attribute":"emailVerification","values":[true]}',
    '{"method":"contains","attribute":"labels","values":["vip"]}',
  ]);
  expect(filterQueries({ status: 'active', emailVerification: 'unverified', label: '' })).toEqual([
    Query.equal('status', true),
    Query.equal('emailVerification', false),
  ]);
});
