// `users import --remote` (scripts/lib/import-chunks.ts, d1-shim.ts): every value is
// inlined into the SQL of one `wrangler d1 execute --command`, which must stay within
// D1's 100 KB a statement, counted in UTF-8, however many bytes a record's characters
// take. Here the wrangler call is stood in for by env.DB, behind the same size check.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { utf8Bytes } from '../../src/domain/chunks.ts';
import type { Project, Stores } from '../../src/domain/context.ts';
import { importUsers, type CheckedRecord } from '../../src/domain/imports.ts';
import { parseUserAgent } from '../../src/domain/user-agent.ts';
import { checkImportRecord } from '../../src/schemas/imports.ts';
import { MAX_SQL_BYTES, commandSql, wranglerD1 } from '../../scripts/lib/d1-shim.ts';
import { importInChunks, type Skipped } from '../../scripts/lib/import-chunks.ts';
import { createProject, storedUsers } from '../helpers.ts';

/** A remote import into a new project: the UTF-8 size of each wrangler call's SQL, what was skipped, the users stored. */
async function remoteImport(records: Array<Record<string, unknown>>) {
  const test = await createProject();
  const project = (await env.DB.prepare('SELECT seq, id, name FROM projects WHERE id = ?').bind(test.id).first<Omit<Project, 'origins'>>())!;
  const calls: number[] = [];
  // As tools.ts executeAll: the size check, then D1 (the test's values hold no ";\n").
  const d1 = wranglerD1(async (sql) => {
    calls.push(utf8Bytes(commandSql(sql)));
    const results = await env.DB.batch(sql.split(';\n').map((statement) => env.DB.prepare(statement)));
    return results.map((r) => r.results as Record<string, unknown>[]);
  });
  const db = database(d1);
  const stores = { db, kv: undefined, primary: () => db, events: { announce: () => {} } } as unknown as Stores;
  const actor = { ip: '', device: parseUserAgent(null), country: '--' };
  const skipped: Skipped[] = [];
  async function* checked() {
    for (const record of records) yield checkImportRecord(record) as CheckedRecord;
  }
  const summary = await importInChunks(
    checked(),
    (chunk) => importUsers(stores, { ...project, origins: [] }, chunk, actor),
    (s) => skipped.push(s),
    { inlined: true },
  );
  return { summary, calls, skipped, users: await storedUsers(test) };
}

describe('users import --remote', () => {
  it('keeps every call within 100 KB of SQL in UTF-8 for multi-byte names and prefs, and imports every record', async () => {
    // "ﷺ" is 3 bytes that the search text spells as 15 words of escaped letters; prefs of 9,000 UTF-16 units are 27 KB.
    const records = Array.from({ length: 120 }, (_, i) => ({
      userId: `mb-${i}`,
      email: `mb.${i}@example.com`,
      name: `${'ﷺ'.repeat(20)} 名前${i}`,
      prefs: { bio: '日本語'.repeat(3000) },
    }));
    const { summary, calls, skipped, users } = await remoteImport(records);
    expect(skipped).toEqual([]);
    expect(summary).toEqual({ created: 120, skipped: 0 });
    expect(users.map((u) => [u.id, u.name])).toEqual(records.map((r) => [r.userId, r.name]));
    expect(Math.max(...calls)).toBeLessThanOrEqual(MAX_SQL_BYTES);
  });

  it('skips, with the reason, a record whose SQL alone is over the limit, and imports the others', async () => {
    // 60,000 apostrophes are 60 KB of prefs and 120 KB once quoted in SQL.
    const records = [0, 1, 2].map((i) => ({ userId: `q-${i}`, email: `q.${i}@example.com`, prefs: i === 1 ? { q: "'".repeat(60_000) } : {} }));
    const { summary, calls, skipped, users } = await remoteImport(records);
    expect(summary).toEqual({ created: 2, skipped: 1 });
    expect(skipped).toEqual([
      {
        index: 1,
        code: 400,
        message: expect.stringMatching(
          /^Record too large for --remote \(\d+ bytes of SQL, over the 100000 that one wrangler d1 execute takes\); import it through POST \/v1\/users\/import$/,
        ),
      },
    ]);
    expect(users.map((u) => u.id)).toEqual(['q-0', 'q-2']);
    expect(Math.max(...calls)).toBeLessThanOrEqual(MAX_SQL_BYTES);
  });
});
