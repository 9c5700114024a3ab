// GET /v1/users in the 1.x dialect: every query method and attribute, the bad ones (400
// general_query_invalid naming the query), cursors, `total`, and the rows the
// index-served filters read (contract §12.3).
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProject, insertUsers, type TestProject } from '../helpers.ts';
import { call1x, expectType, metered, Q, withQueries } from './support.ts';

let project: TestProject;
let ids: string[];
const BASE_TIME = 1_700_000_000;
// 40 users one hour apart: user i is named `name<i>`, every 4th is blocked, every 5th has the label `vip`.
beforeAll(async () => {
  project = await createProject();
  ids = await insertUsers(
    project,
    Array.from({ length: 40 }, (_, i) => ({
      email: `User${i}@Example.com`,
      name: `name${String(i).padStart(2, '0')}`,
      registration: BASE_TIME + i * 3600,
      status: i % 4 === 0 ? 2 : 1,
    })),
  );
  await env.DB.batch(
    ids.map((id, i) =>
      env.DB.prepare('UPDATE users SET labels = ?, phone = ?, updated_at = ? WHERE id = ? AND project_id = ?').bind(
        i % 5 === 0 ? '["vip","beta"]' : '[]',
        i % 2 === 0 ? `+1415555${String(i).padStart(4, '0')}` : '',
        (BASE_TIME + i * 3600) * 1000,
        id,
        project.id,
      ),
    ),
  );
});

const list = (queries: unknown[], extra?: Record<string, string>) => call1x(withQueries('/users', queries, extra), { project });
const names = (body: any) => body.users.map((u: any) => u.name);
const iso = (i: number) => new Date((BASE_TIME + i * 3600) * 1000).toISOString();

describe('filters', () => {
  it('equal on email is case-insensitive and finds exactly one user, reading about 2 rows', async () => {
    const { body, rowsRead } = await metered(project, withQueries('/users', [Q.equal('email', ['user7@example.COM'])]));
    expect(body.total).toBe(1);
    expect(body.users[0].$id).toBe(ids[7]);
    expect(rowsRead).toBeLessThanOrEqual(4);
  });

  it('equal with many values is one bound parameter', async () => {
    const { body } = await list([Q.equal('$id', [...ids.slice(0, 3), ...Array.from({ length: 300 }, (_, i) => `nobody${i}`)])]);
    expect(body.users.map((u: any) => u.$id)).toEqual(ids.slice(0, 3));
  });

  it.each([
    ['equal phone', [Q.equal('phone', ['+14155550004'])], ['name04']],
    ['notEqual name', [Q.notEqual('name', ['name00']), Q.limit(2)], ['name01', 'name02']],
    ['startsWith name', [Q.startsWith('name', 'name3')], ['name30', 'name31', 'name32', 'name33', 'name34', 'name35', 'name36', 'name37', 'name38', 'name39']],
    ['endsWith email', [Q.endsWith('email', '9@example.com')], ['name09', 'name19', 'name29', 'name39']],
    ['contains name', [Q.contains('name', ['e1'])], ['name10', 'name11', 'name12', 'name13', 'name14', 'name15', 'name16', 'name17', 'name18', 'name19']],
    ['status false', [Q.equal('status', [false])], ['name00', 'name04', 'name08', 'name12', 'name16', 'name20', 'name24', 'name28', 'name32', 'name36']],
    ['label', [Q.contains('labels', ['vip'])], ['name00', 'name05', 'name10', 'name15', 'name20', 'name25', 'name30', 'name35']],
    ['label and status', [Q.contains('labels', ['vip']), Q.equal('status', [true])], ['name05', 'name10', 'name15', 'name25', 'name30', 'name35']],
    ['no labels', [Q.isNull('labels'), Q.limit(2)], ['name01', 'name02']],
    ['a phone', [Q.isNotNull('phone'), Q.limit(3)], ['name00', 'name02', 'name04']],
    ['registration range', [Q.between('registration', iso(3), iso(5))], ['name03', 'name04', 'name05']],
    ['$createdAt before', [Q.lessThan('$createdAt', iso(2))], ['name00', 'name01']],
    ['$updatedAt after', [Q.greaterThan('$updatedAt', iso(37))], ['name38', 'name39']],
    ['or', [Q.or([Q.equal('name', ['name01']), Q.equal('name', ['name02'])])], ['name01', 'name02']],
    ['search', [Q.search('name', 'name07')], ['name07']],
    ['emailVerification', [Q.equal('emailVerification', [true])], []],
    ['accessedAt never', [Q.isNull('accessedAt'), Q.limit(1)], ['name00']],
  ])('%s', async (_, queries, expected) => {
    const { status, body } = await list(queries);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(names(body)).toEqual(expected);
    if (!queries.some((q: any) => q.method === 'limit')) expect(body.total).toBe(expected.length);
  });

  it('a label, status or date filter reads in proportion to its matches, not to the project', async () => {
    // 300 users, 8 of them with the label, 8 blocked, 8 changed late.
    const big = await createProject();
    const bigIds = await insertUsers(
      big,
      Array.from({ length: 300 }, (_, i) => ({ email: `b${i}@example.com`, status: i % 37 === 0 ? 2 : 1 })),
    );
    const picked = bigIds.filter((_, i) => i % 37 === 0);
    await env.DB.batch(
      picked.map((id) => env.DB.prepare('UPDATE users SET labels = \'["vip"]\', updated_at = 9000000000000 WHERE id = ? AND project_id = ?').bind(id, big.id)),
    );
    for (const q of [Q.contains('labels', ['vip']), Q.equal('status', [false]), Q.greaterThan('$updatedAt', '2200-01-01T00:00:00.000+00:00')]) {
      const { rowsRead, body } = await metered(big, withQueries('/users', [q, Q.limit(2)]));
      expect(body.total, JSON.stringify(q)).toBe(picked.length);
      expect(body.users).toHaveLength(2);
      // Page and count together, a few rows per match; a scan would read the 300 users.
      expect(rowsRead, JSON.stringify(q)).toBeLessThanOrEqual(8 * picked.length);
    }
  });
});

describe('order, paging and total', () => {
  it('orderDesc on name, limit, offset', async () => {
    expect(names((await list([Q.orderDesc('name'), Q.limit(2), Q.offset(1)])).body)).toEqual(['name38', 'name37']);
  });

  it('cursorAfter and cursorBefore page in list order', async () => {
    expect(names((await list([Q.cursorAfter(ids[2]!), Q.limit(2)])).body)).toEqual(['name03', 'name04']);
    expect(names((await list([Q.cursorBefore(ids[2]!), Q.limit(5)])).body)).toEqual(['name00', 'name01']);
    expect(names((await list([Q.equal('status', [true]), Q.cursorAfter(ids[3]!), Q.limit(2)])).body)).toEqual(['name05', 'name06']);
    expect(names((await list([Q.orderDesc('name'), Q.cursorAfter(ids[10]!), Q.limit(2)])).body)).toEqual(['name09', 'name08']);
  });

  it('an unknown cursor is general_cursor_not_found', async () => {
    expectType(await list([Q.cursorAfter('nosuchuser')]), 400, 'general_cursor_not_found');
    expectType(await list([Q.equal('status', [true]), Q.cursorAfter('nosuchuser')]), 400, 'general_cursor_not_found');
  });

  it('total=false counts nothing', async () => {
    const { body } = await list([Q.limit(1)], { total: 'false' });
    expect(body.total).toBe(0);
    expect(body.users).toHaveLength(1);
    expect((await list([Q.limit(1)])).body.total).toBe(40);
  });

  it('search and queries combine', async () => {
    const { body } = await call1x(withQueries('/users', [Q.equal('status', [false])], { search: 'name08' }), { project });
    expect(names(body)).toEqual(['name08']);
  });
});

describe('refused queries', () => {
  it.each([
    ['not JSON', 'equal("email")'],
    ['an unknown attribute', JSON.stringify(Q.equal('password', ['x']))],
    ['an unknown method', JSON.stringify({ method: 'near', attribute: 'name', values: ['x'] })],
    ['labels with equal', JSON.stringify(Q.equal('labels', ['vip']))],
    ['status with a string', JSON.stringify(Q.equal('status', ['false']))],
    ['a date that is not one', JSON.stringify(Q.greaterThan('registration', 'yesterday'))],
    ['limit over 5000', JSON.stringify(Q.limit(5001))],
    ['order by an unorderable attribute', JSON.stringify(Q.orderAsc('labels'))],
    ['lessThan with two values', JSON.stringify({ method: 'lessThan', attribute: 'name', values: ['a', 'b'] })],
    ['a query over 4096 chars', JSON.stringify(Q.equal('name', ['x'.repeat(4100)]))],
  ])('%s is general_query_invalid naming the query', async (_, query) => {
    const result = await list([query]);
    expectType(result, 400, 'general_query_invalid');
    expect(result.body.message).toContain(query.slice(0, 40));
  });

  it('more than 100 queries is a 400; 100 filters that would bind too many values are refused, not a 500', async () => {
    expectType(await list(Array.from({ length: 101 }, () => Q.limit(1))), 400, 'general_argument_invalid');
    const many = Array.from({ length: 100 }, (_, i) => Q.notEqual('name', [`x${i}`]));
    expectType(await list(many), 400, 'general_query_invalid');
  });
});
