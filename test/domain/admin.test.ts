// The operator's actions as scripts/admin.ts runs them (`project create`/`origins`, `key list`, `key revoke`):
// the same SQL from src/db/admin-sql.ts and src/domain/admin.ts, executed on D1.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { keyExistsSql, listKeysSql, revokeKeySql } from '../../src/db/admin-sql.ts';
import { createKeySql, createProjectSql, setOriginsSql } from '../../src/domain/admin.ts';
import { call, expectError, expectJson } from '../helpers.ts';

const run = async <T = Record<string, unknown>>(sql: string) => (await env.DB.prepare(sql).all<T>()).results;

async function project(id: string) {
  await run(createProjectSql(id, `Project ${id}`, []));
  const keys = [];
  for (const [name, scopes] of [
    ['reader', ['users.read']],
    ["o'brien's writer", ['users.read', 'users.write']],
  ] as const) {
    const key = createKeySql(id, name, [...scopes]);
    await run(key.sql);
    keys.push({ id: key.id, secret: key.secret, name, scopes });
  }
  return keys;
}

describe('admin key list', () => {
  it('lists a project’s keys in creation order with names and scopes, never secrets, and no other project’s', async () => {
    const keys = await project('admin-list');
    await project('admin-list-other');
    const rows = await run<{ id: string; name: string; scopes: string; created: number }>(listKeysSql('admin-list'));
    expect(rows.map((r) => ({ id: r.id, name: r.name, scopes: JSON.parse(r.scopes) }))).toEqual(keys.map(({ id, name, scopes }) => ({ id, name, scopes })));
    expect(Object.keys(rows[0]!)).toEqual(['id', 'name', 'scopes', 'created']);
    expect(await run(listKeysSql('no-such-project'))).toEqual([]);
    // The project id is quoted, not interpreted.
    expect(await run(listKeysSql("admin-list' OR '1'='1"))).toEqual([]);
  });
});

describe('admin key revoke', () => {
  it('deletes exactly that key of that project; a key never used is refused at once', async () => {
    const [reader, writer] = await project('admin-revoke');
    const user = await expectJson(
      call('/users', { method: 'POST', project: { id: 'admin-revoke', key: writer!.secret } as never, body: { email: 'r@example.com', password: 'password' } }),
      201,
    );
    // Another project's id for the same key deletes nothing.
    await project('admin-revoke-other');
    await run(revokeKeySql('admin-revoke-other', reader!.id));
    expect(await run(keyExistsSql('admin-revoke', reader!.id))).toEqual([{ found: 1 }]);

    await run(revokeKeySql('admin-revoke', reader!.id));
    expect(await run(keyExistsSql('admin-revoke', reader!.id))).toEqual([]);
    expect((await run<{ id: string }>(listKeysSql('admin-revoke'))).map((r) => r.id)).toEqual([writer!.id]);
    await expectError(
      call(`/users/${user.$id}`, { project: { id: 'admin-revoke', key: reader!.secret } as never }),
      401,
      'Guest (role: guest) missing scope (users.read)',
    );
    expect((await expectJson(call(`/users/${user.$id}`, { project: { id: 'admin-revoke', key: writer!.secret } as never }))).$id).toBe(user.$id);
  });
});

describe('admin project origins', () => {
  const originsOf = async (id: string) =>
    (await run<{ origin: string }>(`SELECT origin FROM project_origins WHERE project_id = '${id}' ORDER BY origin`)).map((r) => r.origin);

  it('project create stores each origin once, without any path; project origins replaces the list, for that project only', async () => {
    await run(createProjectSql('admin-origins', 'Origins', ['https://app.example.com/login', 'https://app.example.com', "http://o'brien.example:8080/"]));
    await run(createProjectSql('admin-origins-other', 'Other', ['https://app.example.com']));
    expect(await originsOf('admin-origins')).toEqual(["http://o'brien.example:8080", 'https://app.example.com']);

    await run(setOriginsSql('admin-origins', ['http://localhost:3000/', 'http://localhost:3000']));
    expect(await originsOf('admin-origins')).toEqual(['http://localhost:3000']);
    expect(await originsOf('admin-origins-other')).toEqual(['https://app.example.com']);
    await run(setOriginsSql('admin-origins', []));
    expect(await originsOf('admin-origins')).toEqual([]);
    expect(() => setOriginsSql('admin-origins', ['not a url'])).toThrow();
  });
});
