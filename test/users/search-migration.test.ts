// Migration 0006 on a database that already has users: their search text moves to the
// fixed-width project namespace (src/domain/search.ts) and the index is rebuilt with
// prefix indexes, so every existing user is found exactly as a new one would be. Runs on
// this file's own copy of the second test database (REPLICA), migrated step by step.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { createProjectSql } from '../../src/domain/admin.ts';
import { matchExpression, searchText } from '../../src/domain/search.ts';

const db = env.REPLICA;
const BEFORE = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith('0006_'));

// [project seq, id, name, email, search text as 0001–0005 stored it: "p<seq>z" + word]
const USERS: Array<[number, string, string, string, string]> = [
  [7, 'ada', 'Ada Lovelace', 'ada@example.com', 'p7zada p7zlovelace p7zada p7zexample p7zcom'],
  [7, 'zoe', 'Zoë', 'zoe@example.com', 'p7zzoe p7zzoe p7zexample p7zcom'],
  // A word that spells another namespace: only the leading one is the user's.
  [7, 'odd', '', 'p7z@x.io', 'p7zp7z p7zx p7zio'],
  [1234567, 'jon', 'Jon Snow', 'jon@north.example', 'p1234567zjon p1234567zsnow p1234567zjon p1234567znorth p1234567zexample'],
];

async function matches(seq: number, search: string): Promise<string[]> {
  const rows = await db
    .prepare('SELECT users.id FROM users_fts CROSS JOIN users ON users.seq = users_fts.rowid WHERE users_fts MATCH ? ORDER BY users_fts.rowid')
    .bind(matchExpression(seq, search))
    .all<{ id: string }>();
  return rows.results.map((r) => r.id);
}

it('rewrites existing users’ search text to the 8-character namespace and rebuilds the index with prefix indexes', async () => {
  expect(BEFORE).toBeGreaterThan(0);
  await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, BEFORE));
  for (const [seq, id] of [
    [7, 'small'],
    [1234567, 'large'],
  ] as const) {
    await db.prepare(createProjectSql(id, id, [])).run();
    await db.prepare('UPDATE projects SET seq = ? WHERE id = ?').bind(seq, id).run();
  }
  await db.batch(
    USERS.map(([seq, id, name, email, text], i) =>
      db
        .prepare(
          "INSERT INTO users (seq, id, project_id, email, email_key, name, password_hash, registration, search_text) VALUES (?, ?, ?, ?, ?, ?, '', 1700000000, ?)",
        )
        .bind(1000 + i, id, seq === 7 ? 'small' : 'large', email, email, name, text),
    ),
  );
  await db
    .prepare(
      "INSERT INTO users (seq, id, project_id, email, email_key, name, password_hash, registration, search_text) VALUES (2000, 'empty', 'small', 'e@x', 'e@x', '', '', 1700000000, '')",
    )
    .run();

  await applyD1Migrations(db, env.TEST_MIGRATIONS);

  const stored = await db.prepare('SELECT id, search_text FROM users ORDER BY seq').all<{ id: string; search_text: string }>();
  expect(stored.results).toEqual([
    ...USERS.map(([seq, id, name, email]) => ({ id, search_text: searchText(seq, name, email) })),
    { id: 'empty', search_text: '' },
  ]);
  expect(stored.results[2]!.search_text).toBe('p000007zp7z p000007zx p000007zio');
  const schema = await db.prepare("SELECT sql FROM sqlite_master WHERE name = 'users_fts'").first<{ sql: string }>();
  expect(schema!.sql).toContain("prefix='9 10 11'");
  // Throws if the index and the users table disagree.
  await db.prepare("INSERT INTO users_fts(users_fts, rank) VALUES ('integrity-check', 1)").run();

  expect(await matches(7, 'a')).toEqual(['ada']);
  expect(await matches(7, 'lo')).toEqual(['ada']);
  expect(await matches(7, 'exa')).toEqual(['ada', 'zoe']);
  expect(await matches(7, 'zoë')).toEqual(['zoe']);
  expect(await matches(7, 'p7z')).toEqual(['odd']);
  expect(await matches(7, 'jon')).toEqual([]);
  expect(await matches(1234567, 'sn')).toEqual(['jon']);
  expect(await matches(1234567, 'north.example')).toEqual(['jon']);

  // The triggers are back: an edit and a delete keep the index exact.
  await db
    .prepare("UPDATE users SET name = 'Ada King', search_text = ? WHERE id = 'ada'")
    .bind(searchText(7, 'Ada King', 'ada@example.com'))
    .run();
  await db.prepare("DELETE FROM users WHERE id = 'zoe'").run();
  expect(await matches(7, 'lo')).toEqual([]);
  expect(await matches(7, 'ki')).toEqual(['ada']);
  expect(await matches(7, 'exa')).toEqual(['ada']);
  await db.prepare("INSERT INTO users_fts(users_fts, rank) VALUES ('integrity-check', 1)").run();
});
