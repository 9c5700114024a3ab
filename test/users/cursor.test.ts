// Cursor paging on GET /v1/users (contract §9.4): `cursor` + `cursorDirection`, with
// and without search, both orders, `offset` counted away from the cursor; sum stays
// the exact total; an unknown cursor is 400.
import { describe, expect, it } from 'vitest';
import { call, createProject, expectError, expectJson, insertUsers, type TestProject } from '../helpers.ts';

const ids = (body: any): string[] => body.users.map((u: any) => u.$id);
const list = (project: TestProject, query: string) => expectJson(call(`/users?${query}`, { project }));

/** 24 users over 6 registration seconds, inserted out of order; every third is an "Ada". */
async function fixtures(project: TestProject) {
  const rows = Array.from({ length: 24 }, (_, i) => ({
    email: `u${String(i).padStart(2, '0')}@example.com`,
    name: i % 3 === 0 ? `Ada ${i}` : `Bob ${i}`,
    registration: 1_600_000_000 + ((i * 5) % 6),
    id: `${project.id}-${String((i * 7) % 24).padStart(2, '0')}`,
  }));
  await insertUsers(project, rows);
  const order = [...rows].sort((a, b) => a.registration - b.registration || (a.id < b.id ? -1 : 1));
  return { order: order.map((r) => r.id), ada: new Set(order.filter((r) => r.name.startsWith('Ada')).map((r) => r.id)) };
}

/** What §9.4 says the page is, computed from the whole list. */
function expected(
  all: string[],
  matching: Set<string> | null,
  cursor: string,
  order: 'ASC' | 'DESC',
  direction: 'after' | 'before',
  limit: number,
  offset: number,
) {
  const listed = order === 'ASC' ? all : [...all].reverse();
  const at = listed.indexOf(cursor);
  const side = listed.filter((id, i) => (direction === 'after' ? i > at : i < at) && (!matching || matching.has(id)));
  if (direction === 'after') return side.slice(offset, offset + limit);
  const end = Math.max(0, side.length - offset);
  return side.slice(Math.max(0, end - limit), end);
}

describe('GET /v1/users with a cursor', () => {
  it('pages after and before a cursor, ASC and DESC, with offset, with and without search; sum is the exact total', async () => {
    const project = await createProject();
    const { order, ada } = await fixtures(project);
    for (const search of ['', 'ada']) {
      for (const orderType of ['ASC', 'DESC'] as const) {
        for (const direction of ['after', 'before'] as const) {
          for (const [cursor, limit, offset] of [
            [order[0]!, 5, 0],
            [order[11]!, 4, 0],
            [order[11]!, 3, 2],
            [order[23]!, 5, 1],
            [order[5]!, 100, 0],
            [order[17]!, 0, 0],
          ] as const) {
            const query = `search=${search}&orderType=${orderType}&cursor=${cursor}&cursorDirection=${direction}&limit=${limit}&offset=${offset}`;
            const body = await list(project, query);
            expect({ query, ids: ids(body), sum: body.sum }).toEqual({
              query,
              ids: expected(order, search ? ada : null, cursor, orderType, direction, limit, offset),
              sum: search ? ada.size : 24,
            });
          }
        }
      }
    }
  });

  it('walks the whole list page by page, either way, in either order', async () => {
    const project = await createProject();
    const { order } = await fixtures(project);
    const forward: string[] = ids(await list(project, 'limit=5'));
    while (forward.length < order.length) forward.push(...ids(await list(project, `limit=5&cursor=${forward.at(-1)}`)));
    expect(forward).toEqual(order);
    const backward: string[] = ids(await list(project, 'limit=5&orderType=DESC'));
    while (backward.length < order.length) backward.push(...ids(await list(project, `limit=5&orderType=DESC&cursor=${backward.at(-1)}`)));
    expect(backward).toEqual([...order].reverse());
    // before: from the end back to the start, each page still in list order.
    const last = order.at(-1)!;
    let page = ids(await list(project, `limit=5&cursor=${last}&cursorDirection=before`));
    const pages = [page];
    while (page.length > 0) pages.unshift((page = ids(await list(project, `limit=5&cursor=${page[0]}&cursorDirection=before`))));
    expect([...pages.flat(), last]).toEqual(order);
  });

  it('an empty cursor is no cursor; cursorDirection alone changes nothing', async () => {
    const project = await createProject();
    const { order } = await fixtures(project);
    expect(ids(await list(project, 'limit=4&cursor=&cursorDirection=before'))).toEqual(order.slice(0, 4));
  });

  it('an unknown cursor, or a user of another project, is 400 Invalid cursor: User not found', async () => {
    const project = await createProject();
    const other = await createProject();
    await fixtures(project);
    const [foreign] = await insertUsers(other, [{ email: 'x@example.com' }]);
    for (const cursor of ['nope', foreign!, "' OR 1=1 --"]) {
      for (const search of ['', 'ada']) {
        await expectError(call(`/users?search=${search}&cursor=${encodeURIComponent(cursor)}`, { project }), 400, 'Invalid cursor: User not found');
      }
    }
  });

  it('rejects a bad cursorDirection or an over-long cursor', async () => {
    const project = await createProject();
    await expectError(call('/users?cursor=x&cursorDirection=AFTER', { project }), 400, 'Invalid cursorDirection: Value must be one of (after, before)');
    await expectError(call(`/users?cursor=${'a'.repeat(257)}`, { project }), 400, 'Invalid cursor: Value must be a string and no longer than 256 chars');
  });
});
