// GET /v1/users without a search term (contract §4): parameters, defaults, the sum,
// ordering and paging, and the shape of list items.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createProject, createUser, expectError, expectJson, insertUsers, storedUserCount, type TestProject } from '../helpers.ts';

const list = (project: TestProject, query = '') => expectJson(call(`/users${query}`, { project }));

const LIMIT = 'Invalid limit: Value must be in range between 0 and 100';
const OFFSET = 'Invalid offset: Value must be in range between 0 and 2,000';
const ORDER = 'Invalid orderType: Value must be one of (ASC, DESC)';

/** 30 users over 10 registration seconds, three per second, inserted out of order. */
async function thirtyUsers(project: TestProject): Promise<string[]> {
  const fixtures = Array.from({ length: 30 }, (_, i) => ({
    email: `user${String(i).padStart(2, '0')}@example.com`,
    registration: 1_600_000_000 + ((i * 7) % 10),
    id: `${project.id}-${String((i * 13) % 30).padStart(2, '0')}`,
  }));
  await insertUsers(project, fixtures);
  // Expected order: registration, then $id.
  return [...fixtures].sort((a, b) => a.registration - b.registration || (a.id < b.id ? -1 : 1)).map((f) => f.id);
}

describe('GET /v1/users', () => {
  it('of an empty project is {sum: 0, users: []}', async () => {
    const project = await createProject();
    expect(await list(project)).toEqual({ sum: 0, users: [] });
  });

  it('defaults to limit 25, offset 0, ASC; sum is the total, an integer', async () => {
    const project = await createProject();
    const order = await thirtyUsers(project);
    const body = await list(project);
    expect(body.sum).toBe(30);
    expect(Number.isInteger(body.sum)).toBe(true);
    expect(body.users.map((u: any) => u.$id)).toEqual(order.slice(0, 25));
    // Exactly what the SDK sends for users.list().
    expect(await list(project, '?search=&limit=25&offset=0&orderType=ASC')).toEqual(body);
    // Empty values fall back to the defaults.
    expect(await list(project, '?search=&limit=&offset=&orderType=')).toEqual(body);
  });

  it('orders by registration then $id; DESC is the exact reverse of ASC', async () => {
    const project = await createProject();
    const order = await thirtyUsers(project);
    const asc = await list(project, '?limit=100');
    const desc = await list(project, '?limit=100&orderType=DESC');
    expect(asc.users.map((u: any) => u.$id)).toEqual(order);
    expect(desc.users.map((u: any) => u.$id)).toEqual([...order].reverse());
    expect(desc.sum).toBe(30);
    // A DESC page is the reverse of the matching ASC page.
    const descPage = await list(project, '?limit=7&offset=3&orderType=DESC');
    expect(descPage.users.map((u: any) => u.$id)).toEqual([...order].reverse().slice(3, 10));
  });

  it('pages with offset and limit; sum ignores both', async () => {
    const project = await createProject();
    const order = await thirtyUsers(project);
    const pages: string[] = [];
    for (let offset = 0; offset < 30; offset += 7) {
      const page = await list(project, `?limit=7&offset=${offset}`);
      expect(page.sum).toBe(30);
      pages.push(...page.users.map((u: any) => u.$id));
    }
    expect(pages).toEqual(order);
    expect(await list(project, '?offset=30')).toEqual({ sum: 30, users: [] });
    expect(await list(project, '?offset=2000')).toEqual({ sum: 30, users: [] });
    expect((await list(project, '?limit=100&offset=29')).users.map((u: any) => u.$id)).toEqual(order.slice(29));
  });

  it('limit 0 is valid: no users, but the sum', async () => {
    const project = await createProject();
    await thirtyUsers(project);
    expect(await list(project, '?limit=0')).toEqual({ sum: 30, users: [] });
    expect(await list(project, '?limit=0&search=user05')).toEqual({ sum: 1, users: [] });
  });

  it('accepts the bounds 0 and 100 for limit, 0 and 2000 for offset, and upper-case ASC/DESC', async () => {
    const project = await createProject();
    await insertUsers(
      project,
      Array.from({ length: 105 }, (_, i) => ({ email: `bulk${i}@example.com` })),
    );
    expect((await list(project, '?limit=100')).users).toHaveLength(100);
    expect((await list(project, '?limit=100&offset=100')).users).toHaveLength(5);
    expect((await list(project, '?limit=0&offset=0')).sum).toBe(105);
    expect((await list(project, '?offset=2000&orderType=DESC')).users).toEqual([]);
    expect((await list(project, '?limit=007')).users).toHaveLength(7);
  });

  it.each(['101', '-1', 'abc', '1.5', '999999999999', 'NaN', '[]', '5abc'])('limit=%s is 400', async (limit) => {
    const project = await createProject();
    await expectError(call(`/users?limit=${encodeURIComponent(limit)}`, { project }), 400, LIMIT);
  });

  it.each(['2001', '-1', 'abc', '2.5', '100000000000'])('offset=%s is 400', async (offset) => {
    const project = await createProject();
    await expectError(call(`/users?offset=${encodeURIComponent(offset)}`, { project }), 400, OFFSET);
  });

  it.each(['desc', 'asc', 'Desc', 'DESC ', 'UP', '1'])('orderType=%s is 400 (case-sensitive)', async (orderType) => {
    const project = await createProject();
    await expectError(call(`/users?orderType=${encodeURIComponent(orderType)}`, { project }), 400, ORDER);
  });

  it('validates parameters in order: search, limit, offset, orderType', async () => {
    const project = await createProject();
    await expectError(call('/users?limit=abc&offset=abc&orderType=x', { project }), 400, LIMIT);
    await expectError(call('/users?offset=abc&orderType=x', { project }), 400, OFFSET);
  });

  it('the last of repeated query parameters wins', async () => {
    const project = await createProject();
    await thirtyUsers(project);
    expect((await list(project, '?limit=500&limit=3')).users).toHaveLength(3);
    await expectError(call('/users?limit=3&limit=500', { project }), 400, LIMIT);
  });

  it('list items are users without roles, password, hash or prefs', async () => {
    const project = await createProject();
    const created = await createUser(project, { email: 'Shape.User@Example.com', name: 'Shape User', password: 'secret-password' });
    await call(`/users/${created.$id}/prefs`, { method: 'PATCH', project, body: { prefs: { theme: 'dark' } } });
    const response = await call('/users', { project });
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      sum: 1,
      users: [
        { $id: created.$id, email: 'Shape.User@Example.com', emailVerification: false, status: 0, registration: created.registration, name: 'Shape User' },
      ],
    });
    for (const leak of ['roles', 'secret-password', 'argon2', 'prefs', 'theme', 'password', 'search']) expect(text).not.toContain(leak);
  });

  it('the sum follows creations through the API and matches the stored counter', async () => {
    const project = await createProject();
    await createUser(project, { email: 'one@example.com' });
    await createUser(project, { email: 'two@example.com' });
    expect((await list(project)).sum).toBe(2);
    expect(await storedUserCount(project)).toBe(2);
    // A rejected duplicate does not count.
    await expectError(call('/users', { method: 'POST', project, body: { email: 'ONE@example.com', password: 'password' } }), 409, 'User already registered');
    expect((await list(project)).sum).toBe(2);
    expect(await storedUserCount(project)).toBe(2);
  });

  it('the sum stays exact when a user row is deleted (as a future DELETE endpoint would), and search forgets it', async () => {
    const project = await createProject();
    const [gone] = await insertUsers(project, [
      { email: 'gone@example.com', name: 'Gone Away' },
      { email: 'kept@example.com', name: 'Kept' },
    ]);
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(gone).run();
    expect(await list(project)).toMatchObject({ sum: 1, users: [{ email: 'kept@example.com' }] });
    expect(await storedUserCount(project)).toBe(1);
    expect(await list(project, '?search=gone')).toEqual({ sum: 0, users: [] });
  });

  it('never lists users of another project', async () => {
    const a = await createProject();
    const b = await createProject();
    await insertUsers(a, [{ email: 'a1@example.com' }, { email: 'a2@example.com' }]);
    await insertUsers(b, [{ email: 'b1@example.com' }]);
    const listA = await list(a);
    const listB = await list(b);
    expect(listA.sum).toBe(2);
    expect(listA.users.map((u: any) => u.email).sort()).toEqual(['a1@example.com', 'a2@example.com']);
    expect(listB).toMatchObject({ sum: 1, users: [{ email: 'b1@example.com' }] });
  });

  it('shows stored status', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 's0@example.com', status: 0, registration: 1 },
      { email: 's1@example.com', status: 1, registration: 2 },
      { email: 's2@example.com', status: 2, registration: 3 },
    ]);
    expect((await list(project)).users.map((u: any) => [u.email, u.status, u.registration])).toEqual([
      ['s0@example.com', 0, 1],
      ['s1@example.com', 1, 2],
      ['s2@example.com', 2, 3],
    ]);
  });
});
