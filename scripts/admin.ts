// Operator CLI (contract §8): projects and API keys, against the local database by
// default or the deployed one with --remote. Pending local migrations are applied first.
//
//   npm run admin -- project create <projectId> [--name <name>] [--origin <url>]... [--json]
//   npm run admin -- key create <projectId> --scopes users.read,users.write [--name <n>] [--json]
//   npm run admin -- key list <projectId> [--json]
//   npm run admin -- key revoke <projectId> <keyId>
//   common flags: --remote, --persist-to <dir>, --env <environment>
import { parseArgs } from 'node:util';
import { keyExistsSql, listKeysSql, projectExistsSql, revokeKeySql } from '../src/db/admin-sql.ts';
import { createKeySql, createProjectSql } from '../src/domain/admin.ts';
import { applyMigrations, execute, type Target } from './lib/tools.ts';

const USAGE = `usage:
  npm run admin -- project create <projectId> [--name <name>] [--origin <url>]... [--json]
  npm run admin -- key create <projectId> --scopes users.read,users.write [--name <name>] [--json]
  npm run admin -- key list <projectId> [--json]
  npm run admin -- key revoke <projectId> <keyId>
flags: --remote (deployed database), --persist-to <dir> (local state), --env <environment>`;

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: '' },
      origin: { type: 'string', multiple: true, default: [] },
      scopes: { type: 'string' },
      json: { type: 'boolean', default: false },
      remote: { type: 'boolean', default: false },
      'persist-to': { type: 'string' },
      env: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [noun, verb, projectId, keyId] = positionals;
  if (values.help || !noun || !verb || !projectId) return fail(USAGE);
  const target: Target = { remote: values.remote, persistTo: values['persist-to'], env: values.env };
  if (!target.remote) applyMigrations(target);

  const print = (data: object, text: string) => console.log(values.json ? JSON.stringify(data) : text);

  if (noun === 'project' && verb === 'create') {
    if (execute(projectExistsSql(projectId), target).length > 0) {
      return fail(`project ${projectId} already exists`);
    }
    execute(createProjectSql(projectId, values.name, values.origin), target);
    return print({ id: projectId, name: values.name, origins: values.origin }, `created project ${projectId}`);
  }
  if (noun === 'key' && verb === 'create') {
    const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const { sql, id, secret } = createKeySql(projectId, values.name, scopes);
    execute(sql, target);
    if (execute(keyExistsSql(projectId, id), target).length === 0) return fail(`no project ${projectId}`);
    return print(
      { id, projectId, name: values.name, scopes, secret },
      `created key ${id} for ${projectId} (${scopes.join(', ')})\nsecret (shown once, only its hash is stored):\n${secret}`,
    );
  }
  if (noun === 'key' && verb === 'list') {
    const keys = execute<{ id: string; name: string; scopes: string; created: number }>(listKeysSql(projectId), target).map((k) => ({
      ...k,
      scopes: JSON.parse(k.scopes) as string[],
    }));
    return print(keys, keys.map((k) => `${k.id}\t${k.scopes.join(',')}\t${k.name}`).join('\n') || 'no keys');
  }
  if (noun === 'key' && verb === 'revoke' && keyId) {
    if (execute(keyExistsSql(projectId, keyId), target).length === 0) return fail(`no key ${keyId} in project ${projectId}`);
    execute(revokeKeySql(projectId, keyId), target);
    return print({ id: keyId, revoked: true }, `revoked key ${keyId} (running isolates forget it within 30 s)`);
  }
  fail(USAGE);
}

function fail(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

try {
  main(process.argv.slice(2));
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
