// GET /v1/users?search= (contract §4): case-insensitive word-prefix search over
// name and email, per project, whose `sum` counts the matches; and hostile input
// that must never reach FTS5 as syntax.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createProject, createUser, expectError, expectJson, insertUsers, projectSeq, type TestProject } from '../helpers.ts';

const SEARCH = 'Invalid search: Value must be a string and no longer than 256 chars';

async function search(project: TestProject, term: string, extra = ''): Promise<{ sum: number; users: any[] }> {
  return expectJson(call(`/users?search=${encodeURIComponent(term)}${extra}`, { project }));
}
const emails = (body: { users: any[] }) => body.users.map((u) => u.email).sort();

describe('search', () => {
  it('search=example.com finds exactly users.service@example.com in a fresh project (upstream e2e)', async () => {
    const project = await createProject();
    const user = await createUser(project, { email: 'users.service@example.com', name: 'Project User' });
    const body = await search(project, 'example.com');
    expect(body).toEqual({
      sum: 1,
      users: [
        { $id: user.$id, email: 'users.service@example.com', emailVerification: false, status: 0, registration: user.registration, name: 'Project User' },
      ],
    });
  });

  it('search=example.com ignores users at other domains', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'someone@example.org', name: 'Example Org' },
      { email: 'example@mail.com', name: 'Mail' },
      { email: 'com@example.net' },
      { email: 'people@sub.example.co.uk' },
      { email: 'examples@other.io', name: 'Examples' },
    ]);
    await createUser(project, { email: 'users.service@example.com', name: 'Project User' });
    const body = await search(project, 'example.com');
    expect(body.sum).toBe(1);
    expect(emails(body)).toEqual(['users.service@example.com']);
  });

  it('is case-insensitive, on names and emails', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'Walter.White@Example.com', name: 'Heisenberg' },
      { email: 'jesse@example.org', name: 'Jesse Pinkman' },
    ]);
    for (const term of ['walter', 'WALTER', 'WaLtEr', 'heisenberg', 'HEISENBERG', 'walter.white@example.com', 'WALTER.WHITE@EXAMPLE.COM']) {
      expect(emails(await search(project, term)), term).toEqual(['Walter.White@Example.com']);
    }
    expect(emails(await search(project, 'PINKMAN'))).toEqual(['jesse@example.org']);
  });

  it('matches word prefixes: `jo` finds John', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'john@example.com', name: 'John Smith' },
      { email: 'johnny@example.com', name: 'Johnny Bravo' },
      { email: 'joanna@example.org', name: 'Joanna' },
      { email: 'bob@example.com', name: 'Bob Jones' },
      { email: 'majo@example.com', name: 'Ma Jo' },
      { email: 'ajo@example.com', name: 'Ajo' },
    ]);
    expect(emails(await search(project, 'jo'))).toEqual([
      'bob@example.com',
      'joanna@example.org',
      'john@example.com',
      'johnny@example.com',
      'majo@example.com',
    ]);
    expect(emails(await search(project, 'john'))).toEqual(['john@example.com', 'johnny@example.com']);
    expect(emails(await search(project, 'sm'))).toEqual(['john@example.com']);
  });

  it('a whole email finds exactly that user, not longer addresses sharing a prefix', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'john@example.com', name: 'John' },
      { email: 'johnny@example.com', name: 'Johnny' },
      { email: 'john@example.org', name: 'John Org' },
      { email: 'jo@example.com', name: 'Jo' },
    ]);
    const body = await search(project, 'john@example.com');
    expect(body.sum).toBe(1);
    expect(emails(body)).toEqual(['john@example.com']);
    expect(emails(await search(project, 'johnny@example.com'))).toEqual(['johnny@example.com']);
  });

  it('several words must all match', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'john.smith@example.com', name: 'John Smith' },
      { email: 'john.doe@example.com', name: 'John Doe' },
      { email: 'jane.smith@example.com', name: 'Jane Smith' },
    ]);
    expect(emails(await search(project, 'john smith'))).toEqual(['john.smith@example.com']);
    expect(emails(await search(project, 'Smith  Jo'))).toEqual(['john.smith@example.com']);
    expect(emails(await search(project, 'smith'))).toEqual(['jane.smith@example.com', 'john.smith@example.com']);
  });

  it('finds unicode words, case-insensitively, with or without decomposed accents', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'zoe@example.com', name: 'Zoë Saldaña' },
      { email: 'ivan@example.ru', name: 'Иван Петров' },
      { email: 'nandu@example.ar', name: 'Ñandú Grande' },
      { email: 'anil@example.in', name: 'अनिल कुमार' },
      { email: 'taro@example.jp', name: '山田 太郎' },
      { email: 'plain@example.com', name: 'Zoe Plain' },
    ]);
    expect(emails(await search(project, 'Zoë'))).toContain('zoe@example.com');
    expect(emails(await search(project, 'ZOË'))).toContain('zoe@example.com');
    expect(emails(await search(project, 'Zoe\u0308'))).toContain('zoe@example.com');
    expect(emails(await search(project, 'saldaña'))).toEqual(['zoe@example.com']);
    expect(emails(await search(project, 'Иван'))).toEqual(['ivan@example.ru']);
    expect(emails(await search(project, 'иВАН'))).toEqual(['ivan@example.ru']);
    expect(emails(await search(project, 'пет'))).toEqual(['ivan@example.ru']);
    expect(emails(await search(project, 'Ñandú'))).toEqual(['nandu@example.ar']);
    expect(emails(await search(project, 'ñANDÚ'))).toEqual(['nandu@example.ar']);
    expect(emails(await search(project, 'अनिल'))).toEqual(['anil@example.in']);
    expect(emails(await search(project, 'कुमार'))).toEqual(['anil@example.in']);
    expect(emails(await search(project, '山田'))).toEqual(['taro@example.jp']);
    expect(emails(await search(project, 'Петров Иван'))).toEqual(['ivan@example.ru']);
  });

  it('users created through the API are searchable at once, by name and email words', async () => {
    const project = await createProject();
    const user = await createUser(project, { email: 'grace.hopper@navy.example', name: 'Grace Brewster Hopper' });
    for (const term of ['grace', 'brewster', 'hop', 'navy', 'navy.example', 'grace.hopper@navy.example']) {
      expect(
        (await search(project, term)).users.map((u) => u.$id),
        term,
      ).toEqual([user.$id]);
    }
  });

  it('never finds users of another project, even with the same name and email', async () => {
    const a = await createProject();
    const b = await createProject();
    const [inA] = await insertUsers(a, [{ email: 'twin@example.com', name: 'Twin Peaks' }]);
    const [inB] = await insertUsers(b, [
      { email: 'twin@example.com', name: 'Twin Peaks' },
      { email: 'other@example.com', name: 'Other' },
    ]);
    for (const term of ['twin', 'peaks', 'twin@example.com', 'example.com']) {
      const inProjectA = await search(a, term);
      expect(inProjectA.sum, term).toBe(1);
      expect(inProjectA.users.map((u) => u.$id)).toEqual([inA]);
    }
    const inProjectB = await search(b, 'twin');
    expect(inProjectB.users.map((u) => u.$id)).toEqual([inB]);
    expect(inProjectB.sum).toBe(1);
    expect((await search(b, 'example.com')).sum).toBe(2);
  });

  it('a name crafted to look like another project’s index entries does not count there', async () => {
    const a = await createProject();
    const b = await createProject();
    const seqB = await projectSeq(b);
    // U+0305 is a letter-joining mark in JavaScript but a separator for FTS5's tokenizer.
    await createUser(a, { email: 'crafted@example.com', name: `x\u0305p${String(seqB).padStart(6, '0')}zsecret` });
    expect(await search(b, 'secret')).toEqual({ sum: 0, users: [] });
    await insertUsers(b, [{ email: 'agent@example.com', name: 'Secret Agent' }]);
    const found = await search(b, 'secret');
    expect(found.sum).toBe(1);
    expect(emails(found)).toEqual(['agent@example.com']);
  });

  it('sum counts all matches, ignoring limit and offset; pages are in list order', async () => {
    const project = await createProject();
    const fixtures = Array.from({ length: 40 }, (_, i) => ({
      email: i % 2 === 0 ? `match${i}@wanted.example` : `other${i}@unwanted.example`,
      registration: 1_700_000_000 + i,
    }));
    await insertUsers(project, fixtures);
    const wanted = fixtures.filter((f) => f.email.includes('@wanted')).map((f) => f.email);
    const first = await search(project, 'wanted', '&limit=5');
    expect(first.sum).toBe(20);
    expect(first.users.map((u) => u.email)).toEqual(wanted.slice(0, 5));
    const second = await search(project, 'wanted', '&limit=5&offset=5');
    expect(second.sum).toBe(20);
    expect(second.users.map((u) => u.email)).toEqual(wanted.slice(5, 10));
    const desc = await search(project, 'wanted', '&limit=100&orderType=DESC');
    expect(desc.users.map((u) => u.email)).toEqual([...wanted].reverse());
    expect(await search(project, 'wanted', '&limit=0')).toEqual({ sum: 20, users: [] });
    expect(await search(project, 'wanted', '&offset=20')).toEqual({ sum: 20, users: [] });
    expect(await search(project, 'nobody')).toEqual({ sum: 0, users: [] });
  });

  it('an empty search is no filter; so is a term without words, like `*` (upstream)', async () => {
    const project = await createProject();
    await insertUsers(project, [{ email: 'a@example.com' }, { email: 'b@example.org' }]);
    expect((await search(project, '')).sum).toBe(2);
    expect((await search(project, '*')).sum).toBe(2);
    expect((await search(project, '   ')).sum).toBe(2);
  });

  it('the length limit is 256 code points', async () => {
    const project = await createProject();
    await insertUsers(project, [{ email: 'len@example.com', name: 'a'.repeat(40) }]);
    expect((await search(project, 'a'.repeat(256))).sum).toBe(0);
    expect((await search(project, '𝒜'.repeat(256))).sum).toBe(0); // letters of 2 UTF-16 units, 4 bytes each
    expect((await search(project, '😀'.repeat(256))).sum).toBe(1); // no words: no filter
    expect((await search(project, 'é'.repeat(256))).sum).toBe(0);
    expect((await search(project, 'a '.repeat(128))).sum).toBe(1);
    await expectError(call(`/users?search=${'a'.repeat(257)}`, { project }), 400, SEARCH);
    await expectError(call(`/users?search=${encodeURIComponent('😀'.repeat(257))}`, { project }), 400, SEARCH);
    await expectError(call(`/users?search=${encodeURIComponent('𝒜'.repeat(257))}`, { project }), 400, SEARCH);
    await expectError(call(`/users?search=${'a'.repeat(10_000)}`, { project }), 400, SEARCH);
  });

  const hostile = [
    '"',
    '""',
    '"""',
    '*',
    '**',
    'a*',
    '*a',
    'NEAR',
    'NEAR(a b)',
    'AND',
    'OR',
    'NOT',
    'a AND b',
    'a OR b',
    'NOT a',
    '(',
    ')',
    '()',
    '(a',
    'a:b',
    'search_text:a',
    '^',
    '^a',
    '-',
    '-a',
    '+',
    'a + b',
    '{a b}',
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    '\\',
    '%',
    '_',
    '\u0000',
    'a\u0000b',
    '\ufffd',
    '\u200b',
    '\u0305',
    '\u0305p000001zx',
    'x\u0305y',
    '😀',
    '\u202e',
    '.'.repeat(256),
    '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.repeat(8).slice(0, 256),
    'a'.repeat(256),
    'a.'.repeat(128),
  ];

  let hostileProject: Promise<TestProject> | undefined;
  const projectForHostileSearches = () =>
    (hostileProject ??= createProject().then(async (project) => {
      await insertUsers(project, [
        { email: 'users.service@example.com', name: 'NEAR AND OR NOT' },
        { email: 'drop@example.com', name: 'Drop Table' },
      ]);
      return project;
    }));

  it.each(hostile.map((term) => [JSON.stringify(term).slice(0, 40), term]))('hostile search %s is a plain 200', async (_, term) => {
    const project = await projectForHostileSearches();
    const response = await call(`/users?search=${encodeURIComponent(term)}`, { project });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const body = JSON.parse(text);
    expect(Number.isInteger(body.sum)).toBe(true);
    expect(Array.isArray(body.users)).toBe(true);
    expect(body.users).toHaveLength(body.sum);
    expect(text).not.toMatch(/fts5|syntax|SQL/i);
    // Nothing was dropped or changed.
    const { results } = await env.DB.prepare('SELECT count(*) AS n FROM users WHERE project_id = ?').bind(project.id).all<{ n: number }>();
    expect(results[0]!.n).toBe(2);
  });

  it('hostile words match as plain words', async () => {
    const project = await createProject();
    await insertUsers(project, [
      { email: 'ops@example.com', name: 'NEAR AND OR NOT' },
      { email: 'drop@example.com', name: 'Drop Table' },
    ]);
    expect(emails(await search(project, 'NEAR'))).toEqual(['ops@example.com']);
    expect(emails(await search(project, 'not'))).toEqual(['ops@example.com']);
    expect(emails(await search(project, '"drop"'))).toEqual(['drop@example.com']);
    expect(emails(await search(project, "'; DROP TABLE users; --"))).toEqual([]);
    expect(emails(await search(project, 'drop*'))).toEqual(['drop@example.com']);
    expect(emails(await search(project, '(table)'))).toEqual(['drop@example.com']);
  });

  it('a lone surrogate sent percent-encoded decodes to U+FFFD and is harmless', async () => {
    const project = await createProject();
    await insertUsers(project, [{ email: 'sur@example.com' }]);
    expect(await expectJson(call('/users?search=%ED%A0%80', { project }))).toEqual({ sum: 1, users: [expect.objectContaining({ email: 'sur@example.com' })] });
    expect((await expectJson(call('/users?search=%ED%A0%80sur', { project }))).sum).toBe(1);
    await expectJson(call('/users?search=%E0%A4%A', { project }));
  });
});
