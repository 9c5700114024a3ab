// POST /v1/users/import (contract §9.2) and GET /v1/users/export (§9.3): independent
// records with per-record errors, idempotent re-runs, exact sum/search/order, keyset
// paging of the export and the users.export scope.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EXPORT_PAGE_BYTES } from '../../src/db/imports.ts';
import { createKeySql } from '../../src/domain/admin.ts';
import { matchExpression, searchText } from '../../src/domain/search.ts';
import { call, createProject, databaseSnapshot, expectError, expectJson, projectSeq, storedUserCount, storedUsers, type TestProject } from '../helpers.ts';
import { BCRYPT, MD5 } from '../fixtures/imported-hashes.ts';

const bulk = (project: TestProject, body: unknown) => call('/users/import', { method: 'POST', project, body });

function records(count: number, prefix: string, registration?: number) {
  return Array.from({ length: count }, (_, i) => ({
    userId: `${prefix}-${String(i).padStart(4, '0')}`,
    email: `${prefix}.${i}@example.com`,
    name: `${prefix} Person${i}`,
    ...(registration !== undefined && { registration }),
    hash: { algorithm: 'md5', value: MD5 },
  }));
}

async function exportKey(project: TestProject, scopes: string[]) {
  const { sql, secret } = createKeySql(project.id, 'export', scopes);
  await env.DB.prepare(sql).run();
  return secret;
}

describe('POST /v1/users/import', () => {
  it('creates every record with all its fields; sum, search, logs and list order are exact', async () => {
    const project = await createProject();
    const users = [
      {
        userId: 'first',
        email: 'First@Example.com',
        name: 'Zoë First',
        emailVerification: true,
        status: 1,
        registration: 1_500_000_000,
        prefs: { theme: 'dark', n: [1, 2] },
        hash: { algorithm: 'bcrypt', value: BCRYPT },
      },
      { userId: 'unique()', email: 'second@example.com', registration: 1_400_000_000 },
      { email: 'third@example.com', name: 'Third', status: 2 },
    ];
    const result = await expectJson(bulk(project, { users }));
    expect(result.sum).toBe(3);
    expect(result.errors).toEqual([]);
    const [first, second, third] = result.users;
    expect(first).toEqual({ $id: 'first', email: 'First@Example.com', emailVerification: true, status: 1, registration: 1_500_000_000, name: 'Zoë First' });
    expect(second).toEqual({
      $id: expect.stringMatching(/^[0-9a-f]{14}$/),
      email: 'second@example.com',
      emailVerification: false,
      status: 0,
      registration: 1_400_000_000,
      name: '',
    });
    expect(third).toEqual({
      $id: expect.stringMatching(/^[0-9a-f]{14}$/),
      email: 'third@example.com',
      emailVerification: false,
      status: 2,
      registration: expect.any(Number),
      name: 'Third',
    });
    // List order is registration order.
    const list = await expectJson(call('/users', { project }));
    expect(list).toEqual({ sum: 3, users: [second, first, third] });
    expect(await expectJson(call('/users/first/prefs', { project }))).toEqual({ theme: 'dark', n: [1, 2] });
    expect(await expectJson(call('/users?search=zoe', { project }))).toEqual({ sum: 1, users: [first] });
    const rows = await storedUsers(project);
    const seq = await projectSeq(project);
    for (const row of rows) expect(row.search_text).toBe(searchText(seq, row.name, row.email));
    expect(rows.map((r) => r.password_hash)).toEqual(['', BCRYPT, '']);
    for (const user of result.users) {
      expect((await expectJson(call(`/users/${user.$id}/logs`, { project }))).map((l: { event: string }) => l.event)).toEqual(['users.create']);
    }
  });

  it('reports bad and duplicate records and creates the others; re-running the file creates nothing new', async () => {
    const project = await createProject();
    await expectJson(call('/users', { method: 'POST', project, body: { email: 'exists@example.com', password: 'password' } }), 201);
    const file = [
      { userId: 'ok-1', email: 'ok1@example.com' },
      { userId: 'export', email: 'reserved@example.com' },
      { userId: 'ok-2', email: 'EXISTS@example.com' },
      { userId: 'ok-1', email: 'dup-id@example.com' },
      { userId: 'ok-3', email: 'OK1@example.com' },
      { email: 'not-an-email' },
      { userId: 'ok-4', email: 'ok4@example.com', hash: { algorithm: 'md5', value: 'abc' } },
      { userId: 'ok-5', email: 'ok5@example.com', status: 3 },
      'not a record',
      { userId: 'ok-6', email: 'ok6@example.com', registration: -1 },
      { userId: 'ok-7', email: 'ok7@example.com', registration: 1.5 },
      { userId: 'ok-8', email: 'ok8@example.com', prefs: { big: 'x'.repeat(64 * 1024) } },
      { userId: 'ok-9', email: 'ok9@example.com', name: 'n'.repeat(101) },
      { userId: 'ok-10', email: 'ok10@example.com', emailVerification: 'yes' },
      { userId: 'ok-11', email: 'ok11@example.com', hash: { algorithm: 'rot13', value: 'x' } },
      { userId: 'ok-12', email: 'ok12@example.com', prefs: [1] },
      { userId: 'ok-13', email: 'ok13@example.com', hash: { algorithm: 'sha', value: MD5 } },
      { userId: 'ok-14', email: 'ok14@example.com', hash: { algorithm: 'sha', value: 'ab'.repeat(32), version: 'sha256' } },
    ];
    const result = await expectJson(bulk(project, { users: file }));
    expect(result.users.map((u: { $id: string }) => u.$id)).toEqual(['ok-1', 'ok-14']);
    expect(result.sum).toBe(2);
    const USER_ID =
      'Invalid userId: Value must be unique() or 1 to 36 chars of a-z, A-Z, 0-9, period, hyphen and underscore, not starting with a special char, and not export, import or usage';
    expect(result.errors).toEqual([
      { index: 1, code: 400, message: USER_ID },
      { index: 2, code: 409, message: 'User already registered' },
      { index: 3, code: 409, message: 'User already registered' },
      { index: 4, code: 409, message: 'User already registered' },
      { index: 5, code: 400, message: 'Invalid email: Value must be a valid email address' },
      { index: 6, code: 400, message: 'Invalid hash: md5 hash must be 32 hex digits' },
      { index: 7, code: 400, message: 'Invalid status: Value must be one of (0, 1, 2)' },
      { index: 8, code: 400, message: 'Invalid record: Value must be an object' },
      { index: 9, code: 400, message: 'Invalid registration: Value must be an integer unix timestamp (seconds) between 0 and 4102444800' },
      { index: 10, code: 400, message: 'Invalid registration: Value must be an integer unix timestamp (seconds) between 0 and 4102444800' },
      { index: 11, code: 400, message: 'Invalid prefs: Value must be a valid object of at most 64 KiB as JSON' },
      { index: 12, code: 400, message: 'Invalid name: Value must be a string and no longer than 100 chars' },
      { index: 13, code: 400, message: 'Invalid emailVerification: Value must be a boolean' },
      { index: 14, code: 400, message: 'Invalid hash: algorithm must be one of argon2, bcrypt, scrypt, scrypt-modified, sha, md5, phpass' },
      { index: 15, code: 400, message: 'Invalid prefs: Value must be a valid object of at most 64 KiB as JSON' },
      { index: 16, code: 400, message: 'Invalid hash: sha3-512 hash must be 128 hex digits' },
    ]);
    expect(await storedUserCount(project)).toBe(3);

    const before = await databaseSnapshot();
    const again = await expectJson(bulk(project, { users: file }));
    expect(again.sum).toBe(0);
    expect(again.users).toEqual([]);
    expect(again.errors.filter((e: { code: number }) => e.code === 409).map((e: { index: number }) => e.index)).toEqual([0, 2, 3, 4, 17]);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('deeply nested prefs are that record’s 400, never a 500: the other records are created', async () => {
    const project = await createProject();
    // `depth` objects (or arrays inside one object) nested; the prefs object itself counts.
    const objects = (depth: number) => '{"n":'.repeat(depth) + '1' + '}'.repeat(depth);
    const arrays = (depth: number) => '{"n":' + '['.repeat(depth - 1) + ']'.repeat(depth - 1) + '}';
    const prefs = [objects(64), objects(65), objects(10_000), arrays(64), arrays(65), arrays(1_000_000)];
    const rawBody = `{"users":[${prefs.map((p, i) => `{"userId":"deep-${i}","email":"deep${i}@example.com","prefs":${p}}`).join(',')},{"userId":"plain","email":"plain@example.com"}]}`;
    expect(rawBody.length).toBeLessThan(4 * 1024 * 1024);
    const result = await expectJson(call('/users/import', { method: 'POST', project, rawBody }));
    expect(result.users.map((u: { $id: string }) => u.$id)).toEqual(['deep-0', 'deep-3', 'plain']);
    const DEEP = 'Invalid prefs: Value must be a valid object of at most 64 KiB as JSON';
    expect(result.errors).toEqual([1, 2, 4, 5].map((index) => ({ index, code: 400, message: DEEP })));
    expect(await storedUserCount(project)).toBe(3);
    expect(await expectJson(call('/users/deep-0/prefs', { project }))).toEqual(JSON.parse(objects(64)));
  });

  it('1000 records in one request; a second file of the same second comes after, in file order; sum and search exact', async () => {
    const project = await createProject();
    const second = 1_600_000_000;
    const one = await expectJson(bulk(project, { users: records(1000, 'a', second) }));
    expect(one.sum).toBe(1000);
    expect(one.errors).toEqual([]);
    const two = await expectJson(bulk(project, { users: records(5, 'b', second) }));
    expect(two.sum).toBe(5);
    expect(await storedUserCount(project)).toBe(1005);
    const ids = (await storedUsers(project)).map((r) => r.id);
    expect(ids).toEqual([...records(1000, 'a'), ...records(5, 'b')].map((r) => r.userId));
    expect((await expectJson(call('/users?search=person999', { project }))).users.map((u: { $id: string }) => u.$id)).toEqual(['a-0999']);
    expect((await expectJson(call('/users?search=b', { project }))).sum).toBe(5);
    const fts = await env.DB.prepare('SELECT count(*) AS n FROM users_fts WHERE users_fts MATCH ?')
      .bind(matchExpression(await projectSeq(project), 'person'))
      .first<{ n: number }>();
    expect(fts!.n).toBe(1005);
    const logs = await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE project_id = ? AND event = 'users.create'")
      .bind(project.id)
      .first<{ n: number }>();
    expect(logs!.n).toBe(1005);
  });

  it('refuses 1001 records, a missing or non-array users, storing nothing', async () => {
    const project = await createProject();
    const before = await databaseSnapshot();
    await expectError(bulk(project, { users: records(1001, 'x') }), 400, 'Invalid users: Value must be an array of at most 1000 records');
    await expectError(bulk(project, {}), 400, 'Param "users" is not optional.');
    await expectError(bulk(project, { users: { a: 1 } }), 400, 'Invalid users: Value must be an array of at most 1000 records');
    await expectError(
      call('/users/import', { method: 'POST', project, body: { users: [] }, key: project.readKey }),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.write)`,
    );
    expect(await databaseSnapshot()).toEqual(before);
    expect(await expectJson(bulk(project, { users: [] }))).toEqual({ sum: 0, users: [], errors: [] });
  });
});

describe('GET /v1/users/export', () => {
  it('pages in list order by cursor, with hashes only for a key with users.export', async () => {
    const project = await createProject();
    await expectJson(bulk(project, { users: [...records(3, 'late', 1_700_000_000), ...records(2, 'early', 1_600_000_000)] }));
    await expectJson(call('/users/late-0001/prefs', { method: 'PATCH', project, body: { prefs: { k: 'v' } } }));
    const order = ['early-0000', 'early-0001', 'late-0000', 'late-0001', 'late-0002'];

    const page1 = await expectJson(call('/users/export?limit=2', { project, key: project.readKey }));
    expect(page1).toEqual({
      records: [
        {
          userId: 'early-0000',
          email: 'early.0@example.com',
          name: 'early Person0',
          emailVerification: false,
          status: 0,
          registration: 1_600_000_000,
          prefs: {},
        },
        {
          userId: 'early-0001',
          email: 'early.1@example.com',
          name: 'early Person1',
          emailVerification: false,
          status: 0,
          registration: 1_600_000_000,
          prefs: {},
        },
      ],
      cursor: expect.any(String),
    });
    const page2 = await expectJson(call(`/users/export?limit=2&cursor=${page1.cursor}`, { project, key: project.readKey }));
    expect(page2.records.map((r: { userId: string }) => r.userId)).toEqual(order.slice(2, 4));
    expect(page2.records[1].prefs).toEqual({ k: 'v' });
    // A user's id still works as a cursor, as clients of the earlier contract passed it.
    expect(await expectJson(call('/users/export?limit=2&cursor=early-0001', { project, key: project.readKey }))).toEqual(page2);
    const page3 = await expectJson(call(`/users/export?limit=2&cursor=${page2.cursor}`, { project, key: project.readKey }));
    expect(page3.records.map((r: { userId: string }) => r.userId)).toEqual(['late-0002']);
    expect(page3.cursor).toBeNull();
    // A full last page still ends with a null cursor.
    expect((await expectJson(call('/users/export?limit=5', { project }))).cursor).toBeNull();

    const exporter = await exportKey(project, ['users.read', 'users.export']);
    const all = await expectJson(call('/users/export', { project, key: exporter }));
    expect(all.records.map((r: { userId: string }) => r.userId)).toEqual(order);
    expect(all.records.every((r: { hash?: unknown }) => JSON.stringify(r.hash) === JSON.stringify({ algorithm: 'md5', value: MD5 }))).toBe(true);
  });

  it('goes on after the last user of a page was deleted', async () => {
    const project = await createProject();
    await expectJson(bulk(project, { users: records(3, 'gone') }));
    const page1 = await expectJson(call('/users/export?limit=1', { project }));
    expect(page1.records.map((r: { userId: string }) => r.userId)).toEqual(['gone-0000']);
    expect((await call('/users/gone-0000', { method: 'DELETE', project })).status).toBe(204);
    const page2 = await expectJson(call(`/users/export?limit=1&cursor=${encodeURIComponent(page1.cursor)}`, { project }));
    expect(page2.records.map((r: { userId: string }) => r.userId)).toEqual(['gone-0001']);
    const page3 = await expectJson(call(`/users/export?limit=1&cursor=${encodeURIComponent(page2.cursor)}`, { project }));
    expect(page3).toEqual({ records: [expect.objectContaining({ userId: 'gone-0002' })], cursor: null });
  });

  it(`stops a page before it passes ${EXPORT_PAGE_BYTES} bytes, and the pages still hold every user`, async () => {
    const project = await createProject();
    // 80 users with 60 KB of prefs each: 4.8 MB, more than one page may hold.
    const big = (prefix: string) => records(40, prefix).map((r, i) => ({ ...r, prefs: { pad: `${prefix}${i}`.padEnd(60_000, 'x') } }));
    for (const prefix of ['a', 'b']) expect((await expectJson(bulk(project, { users: big(prefix) }))).sum).toBe(40);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(`/users/export${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`, { project });
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(EXPORT_PAGE_BYTES);
      const page = JSON.parse(body) as { records: Array<{ userId: string; prefs: { pad: string } }>; cursor: string | null };
      for (const record of page.records) seen.push(record.userId);
      expect(page.records.every((r) => r.prefs.pad.length === 60_000)).toBe(true);
      cursor = page.cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(seen).toEqual([...big('a'), ...big('b')].map((r) => r.userId));
    // One record is a page, however big it is; limit stays an upper bound.
    expect((await expectJson(call('/users/export?limit=3', { project }))).records).toHaveLength(3);
  });

  it('refuses a malformed or foreign cursor, a bad limit, and a key without users.read', async () => {
    const project = await createProject();
    const CURSOR = "Invalid cursor: Value must be the cursor of a previous page of this project's export";
    for (const cursor of ['nobody', 'MTIzNA', '%%%', 'x'.repeat(65), btoa('1.2.3'), btoa(`1.${2 ** 60}`)]) {
      await expectError(call(`/users/export?cursor=${encodeURIComponent(cursor)}`, { project }), 400, CURSOR);
    }
    await expectError(call('/users/export?limit=0', { project }), 400, 'Invalid limit: Value must be in range between 1 and 1000');
    await expectError(call('/users/export?limit=1001', { project }), 400, 'Invalid limit: Value must be in range between 1 and 1000');
    const exportOnly = await exportKey(project, ['users.export']);
    await expectError(
      call('/users/export', { project, key: exportOnly }),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.read)`,
    );
    expect(await expectJson(call('/users/export', { project }))).toEqual({ records: [], cursor: null });
  });

  it("another project's cursor is refused", async () => {
    const [one, two] = [await createProject(), await createProject()];
    await expectJson(bulk(one, { users: records(2, 'other') }));
    const { cursor } = await expectJson(call('/users/export?limit=1', { project: one }));
    await expectError(
      call(`/users/export?cursor=${encodeURIComponent(cursor)}`, { project: two }),
      400,
      "Invalid cursor: Value must be the cursor of a previous page of this project's export",
    );
  });
});
