// GET and PATCH /v1/users/{userId}/prefs (contract §4): the bare prefs object, a
// shallow top-level merge, the 64 KiB cap, odd keys and values, concurrency.
import { describe, expect, it } from 'vitest';
import { call, createProject, createUser, databaseSnapshot, expectError, expectJson, insertUsers, storedUser, type TestProject } from '../helpers.ts';

const INVALID = 'Invalid prefs: Value must be a valid object.';
const REQUIRED = 'Param "prefs" is not optional.';
const MAX_PREFS_BYTES = 64 * 1024;

const getPrefs = (project: TestProject, id: string) => expectJson(call(`/users/${id}/prefs`, { project }));
const patchPrefs = (project: TestProject, id: string, prefs: unknown) => call(`/users/${id}/prefs`, { method: 'PATCH', project, body: { prefs } });

async function userWithPrefs(prefs?: Record<string, unknown>): Promise<{ project: TestProject; id: string }> {
  const project = await createProject();
  const [id] = await insertUsers(project, [{ email: 'prefs@example.com', prefs: prefs ? JSON.stringify(prefs) : undefined }]);
  return { project, id: id! };
}

const storedPrefs = async (id: string) => JSON.parse((await storedUser(id))!.prefs);

describe('GET /v1/users/{userId}/prefs', () => {
  it('of a user created through the API is {}', async () => {
    const project = await createProject();
    const user = await createUser(project, { email: 'fresh@example.com' });
    const response = await call(`/users/${user.$id}/prefs`, { project });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(await response.text())).toEqual({});
  });

  it('is the bare stored object', async () => {
    const { project, id } = await userWithPrefs({ theme: 'dark', n: 1, list: [1, 'a'], nested: { deep: true } });
    expect(await getPrefs(project, id)).toEqual({ theme: 'dark', n: 1, list: [1, 'a'], nested: { deep: true } });
  });

  it('of an unknown user is 404', async () => {
    const { project } = await userWithPrefs();
    await expectError(call('/users/nosuchuser/prefs', { project }), 404, 'User not found');
  });
});

describe('PATCH /v1/users/{userId}/prefs', () => {
  it('returns exactly the merged object and stores it (upstream e2e)', async () => {
    const project = await createProject();
    const user = await createUser(project, { email: 'e2e@example.com' });
    const merged = await expectJson(patchPrefs(project, user.$id, { key1: 'value1', key2: 'value2' }));
    expect(merged).toEqual({ key1: 'value1', key2: 'value2' });
    expect(await getPrefs(project, user.$id)).toEqual({ key1: 'value1', key2: 'value2' });
    expect(await storedPrefs(user.$id)).toEqual({ key1: 'value1', key2: 'value2' });
  });

  it('merges shallowly: sent keys overwrite, others stay, nested objects are replaced, null is kept', async () => {
    const { project, id } = await userWithPrefs({ a: 1, b: { x: 1, y: 2 }, c: 'keep', list: [1, 2, 3] });
    const merged = await expectJson(patchPrefs(project, id, { a: 2, b: { z: 3 }, d: null, list: [4] }));
    const expected = { a: 2, b: { z: 3 }, c: 'keep', d: null, list: [4] };
    expect(merged).toEqual(expected);
    expect(await getPrefs(project, id)).toEqual(expected);
    // null does not delete; it is a value.
    const again = await expectJson(patchPrefs(project, id, { c: null }));
    expect(again).toEqual({ ...expected, c: null });
    expect(Object.hasOwn(again, 'c')).toBe(true);
  });

  it('an empty object is accepted and returns the current prefs unchanged', async () => {
    const { project, id } = await userWithPrefs({ kept: 'yes' });
    expect(await expectJson(patchPrefs(project, id, {}))).toEqual({ kept: 'yes' });
    expect(await storedPrefs(id)).toEqual({ kept: 'yes' });
    const empty = await userWithPrefs();
    expect(await expectJson(patchPrefs(empty.project, empty.id, {}))).toEqual({});
  });

  it('round-trips JSON value types', async () => {
    const { project, id } = await userWithPrefs();
    const prefs = {
      string: 'text',
      empty: '',
      int: 42,
      negative: -7,
      zero: 0,
      float: 0.1,
      precise: 0.30000000000000004,
      big: 9007199254740991,
      exp: 1e300,
      tiny: 5e-324,
      yes: true,
      no: false,
      nil: null,
      array: [1, 'two', { three: 3 }, [4], null, false],
      emptyArray: [],
      emptyObject: {},
      object: { nested: { deeper: { deepest: 'x' } } },
    };
    expect(await expectJson(patchPrefs(project, id, prefs))).toEqual(prefs);
    expect(await getPrefs(project, id)).toEqual(prefs);
  });

  it('round-trips unicode and control characters in keys and values', async () => {
    const { project, id } = await userWithPrefs();
    const prefs = {
      Zoë: 'Ñandú',
      Иван: 'Петров',
      山田: '太郎',
      '😀': '🎉👩‍👩‍👧',
      rtl: '\u202eabc',
      separators: 'a\u2028b\u2029c',
      controls: 'tab\tnewline\nquote"backslash\\',
      nul: 'x\u0000y',
      '': 'empty key',
      'key with spaces': 'v',
      'a.b': 'dotted',
      $id: 'dollar',
    };
    expect(await expectJson(patchPrefs(project, id, prefs))).toEqual(prefs);
    expect(await getPrefs(project, id)).toEqual(prefs);
    // Merging again leaves them intact.
    expect(await expectJson(patchPrefs(project, id, { more: 1 }))).toEqual({ ...prefs, more: 1 });
  });

  it('stores `__proto__`, `constructor` and `toString` as ordinary keys', async () => {
    const { project, id } = await userWithPrefs();
    const raw = '{"prefs":{"__proto__":{"polluted":true},"constructor":"c","toString":"t","hasOwnProperty":1}}';
    const response = await call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: raw });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const expected = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c","toString":"t","hasOwnProperty":1}');
    const merged = JSON.parse(text);
    expect(Object.keys(merged).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    expect(Object.getOwnPropertyDescriptor(merged, '__proto__')!.value).toEqual({ polluted: true });
    expect(merged).toEqual(expected);
    const fetched = JSON.parse(await (await call(`/users/${id}/prefs`, { project })).text());
    expect(Object.keys(fetched).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    expect(Object.getOwnPropertyDescriptor(fetched, '__proto__')!.value).toEqual({ polluted: true });
    expect(({} as any).polluted).toBeUndefined();
    // And merge like any other key.
    const second = await call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: '{"prefs":{"__proto__":"replaced"}}' });
    const again = JSON.parse(await second.text());
    expect(Object.getOwnPropertyDescriptor(again, '__proto__')!.value).toBe('replaced');
    expect(again.constructor).toBe('c');
  });

  it('changes nothing but prefs', async () => {
    const { project, id } = await userWithPrefs();
    const before = await storedUser(id);
    await expectJson(patchPrefs(project, id, { a: 1 }));
    const after = await storedUser(id);
    // updated_at (the 1.x $updatedAt, migration 0010) records the change too.
    expect({ ...after, prefs: undefined, updated_at: undefined }).toEqual({ ...before, prefs: undefined, updated_at: undefined });
    expect(JSON.parse(after!.prefs)).toEqual({ a: 1 });
  });

  describe('invalid prefs', () => {
    it.each([
      ['a string', 'bad-string'],
      ['a JSON-looking string', '{"a":1}'],
      ['an array', ['a', 'b']],
      ['an array of objects', [{ a: 1 }]],
      ['an empty array', []],
      ['a number', 42],
      ['zero', 0],
      ['true', true],
      ['false', false],
    ])('%s is 400 and changes nothing', async (_, prefs) => {
      const { project, id } = await userWithPrefs({ kept: 1 });
      const before = await databaseSnapshot();
      await expectError(patchPrefs(project, id, prefs), 400, INVALID);
      expect(await databaseSnapshot()).toEqual(before);
    });

    it.each([
      ['no body', undefined],
      ['an empty object body', {}],
      ['prefs null', { prefs: null }],
      ['prefs ""', { prefs: '' }],
      ['a misspelled key', { pref: { a: 1 } }],
    ])('%s is 400 Param "prefs" is not optional.', async (_, body) => {
      const { project, id } = await userWithPrefs({ kept: 1 });
      const before = await databaseSnapshot();
      await expectError(call(`/users/${id}/prefs`, { method: 'PATCH', project, body }), 400, REQUIRED);
      expect(await databaseSnapshot()).toEqual(before);
    });

    it('deeply nested prefs are 400, not a crash', async () => {
      const { project, id } = await userWithPrefs();
      let nested: unknown = 'leaf';
      for (let i = 0; i < 2000; i++) nested = { n: nested };
      const response = await patchPrefs(project, id, { deep: nested });
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(JSON.parse(text).message).toMatch(/^Invalid prefs: /);
      expect(await storedPrefs(id)).toEqual({});
    });

    it('prefs nested 64 deep are stored; 65 deep, or a body-sized nesting of arrays, is 400 and changes nothing', async () => {
      const { project, id } = await userWithPrefs({ kept: 1 });
      const objects = (depth: number) => '{"n":'.repeat(depth) + '1' + '}'.repeat(depth);
      const before = await databaseSnapshot();
      await expectError(call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: `{"prefs":${objects(65)}}` }), 400, INVALID);
      const arrays = '['.repeat(60_000) + ']'.repeat(60_000);
      await expectError(call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: `{"prefs":{"n":${arrays}}}` }), 400, INVALID);
      expect(await databaseSnapshot()).toEqual(before);
      const response = await call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: `{"prefs":${objects(64)}}` });
      expect(await expectJson(response)).toEqual({ kept: 1, ...JSON.parse(objects(64)) });
    });

    it.each([
      ['a value', '{"a":"\\ud800"}'],
      ['a key', '{"\\udc00":1}'],
      ['a nested key', '{"a":{"b":{"x\\ud800y":true}}}'],
      ['a nested value', '{"a":{"b":["ok","\\ud83d"]}}'],
      ['a reversed pair', '{"a":"\\ude00\\ud83d"}'],
    ])('a lone surrogate in %s is 400 Invalid prefs and changes nothing', async (_, prefs) => {
      const { project, id } = await userWithPrefs({ kept: 1 });
      const before = await databaseSnapshot();
      await expectError(call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: `{"prefs":${prefs}}` }), 400, INVALID);
      expect(await databaseSnapshot()).toEqual(before);
    });

    it('astral characters, sent raw or as escaped surrogate pairs, are stored and returned exactly', async () => {
      const { project, id } = await userWithPrefs();
      const response = await call(`/users/${id}/prefs`, { method: 'PATCH', project, rawBody: '{"prefs":{"\\ud83d\\ude00":"\\ud83c\\udf89","raw😀":"𝒜👩‍👩‍👧"}}' });
      const expected = { '😀': '🎉', 'raw😀': '𝒜👩‍👩‍👧' };
      expect(await expectJson(response)).toEqual(expected);
      expect(await storedPrefs(id)).toEqual(expected);
      expect(JSON.parse(await (await call(`/users/${id}/prefs`, { project })).text())).toEqual(expected);
    });

    it('parameters are checked before the user: invalid prefs for an unknown user is 400', async () => {
      const { project } = await userWithPrefs();
      await expectError(patchPrefs(project, 'nosuchuser', 'bad-string'), 400, INVALID);
      await expectError(patchPrefs(project, 'nosuchuser', { a: 1 }), 404, 'User not found');
    });
  });

  describe('64 KiB cap on the merged prefs', () => {
    // {"k":"<n × a>"} is 8 + n bytes of JSON however it is serialized.
    const sized = (bytes: number) => ({ k: 'a'.repeat(bytes - 8) });

    it('merged prefs of exactly 64 KiB are accepted', async () => {
      const { project, id } = await userWithPrefs();
      expect(JSON.stringify(sized(MAX_PREFS_BYTES))).toHaveLength(MAX_PREFS_BYTES);
      const merged = await expectJson(patchPrefs(project, id, sized(MAX_PREFS_BYTES)));
      expect(merged).toEqual(sized(MAX_PREFS_BYTES));
      expect(new TextEncoder().encode((await storedUser(id))!.prefs).length).toBe(MAX_PREFS_BYTES);
    });

    it('one byte more is 400 Invalid prefs and changes nothing', async () => {
      const { project, id } = await userWithPrefs({ kept: 'yes' });
      const before = await databaseSnapshot();
      const response = await patchPrefs(project, id, { k: 'a'.repeat(MAX_PREFS_BYTES) });
      const body = await response.json<any>();
      expect(response.status).toBe(400);
      expect(body.message).toMatch(/^Invalid prefs: /);
      expect(body.code).toBe(400);
      expect(await databaseSnapshot()).toEqual(before);
      expect(await getPrefs(project, id)).toEqual({ kept: 'yes' });
      // The exact boundary, from empty prefs.
      const fresh = await userWithPrefs();
      const over = await patchPrefs(fresh.project, fresh.id, sized(MAX_PREFS_BYTES + 1));
      expect(over.status).toBe(400);
      expect((await over.json<any>()).message).toMatch(/^Invalid prefs: /);
      expect(await storedPrefs(fresh.id)).toEqual({});
    });

    it('counts what is already stored: small patches that push the total over are refused', async () => {
      const { project, id } = await userWithPrefs();
      const half = 'h'.repeat(40 * 1024);
      await expectJson(patchPrefs(project, id, { first: half }));
      const response = await patchPrefs(project, id, { second: half });
      expect(response.status).toBe(400);
      expect((await response.json<any>()).message).toMatch(/^Invalid prefs: /);
      expect(await storedPrefs(id)).toEqual({ first: half });
      // Replacing the big key with a small one is fine.
      expect(await expectJson(patchPrefs(project, id, { first: 'small', second: half }))).toEqual({ first: 'small', second: half });
    });

    it('multi-byte characters count as bytes', async () => {
      const { project, id } = await userWithPrefs();
      // 2 bytes each: 33 000 of them are 66 000 bytes, over the cap although 33 000 characters.
      const response = await patchPrefs(project, id, { k: 'é'.repeat(33_000) });
      expect(response.status).toBe(400);
      expect(await storedPrefs(id)).toEqual({});
    });
  });

  it('concurrent patches of different keys all land', async () => {
    const { project, id } = await userWithPrefs({ original: true });
    const keys = Array.from({ length: 20 }, (_, i) => `key${i}`);
    const responses = await Promise.all(keys.map((key, i) => patchPrefs(project, id, { [key]: i })));
    for (const response of responses) {
      expect(response.status).toBe(200);
      await response.text();
    }
    const expected = Object.fromEntries([['original', true], ...keys.map((key, i) => [key, i])]);
    expect(await getPrefs(project, id)).toEqual(expected);
    expect(await storedPrefs(id)).toEqual(expected);
  });

  it('of an unknown user, or another project’s user, is 404 and changes nothing', async () => {
    const a = await userWithPrefs();
    const b = await userWithPrefs({ owner: 'b' });
    const before = await databaseSnapshot();
    await expectError(patchPrefs(a.project, 'nosuchuser', { a: 1 }), 404, 'User not found');
    await expectError(patchPrefs(a.project, b.id, { owner: 'a' }), 404, 'User not found');
    expect(await databaseSnapshot()).toEqual(before);
    expect(await getPrefs(b.project, b.id)).toEqual({ owner: 'b' });
  });
});
