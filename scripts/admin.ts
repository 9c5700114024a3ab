// Operator CLI (contract §8): projects and API keys, against the local database by
// default or the deployed one with --remote. Pending local migrations are applied first.
//
//   npm run admin -- project create <projectId> [--name <name>] [--origin <url>]... [--json]
//   npm run admin -- key create <projectId> --scopes users.read,users.write [--name <n>] [--json]
//   npm run admin -- key list <projectId> [--json]
//   npm run admin -- key revoke <projectId> <keyId>
//   npm run admin -- users export <projectId> [--out <file>]
//   npm run admin -- users import <projectId> <file> [--format jsonl|firebase|supabase]
//                     [--signer-key <b64> --salt-separator <b64> --rounds <n> --mem-cost <n>]
//   common flags: --remote, --persist-to <dir>, --env <environment>
import { parseArgs } from 'node:util';
import { keyExistsSql, listKeysSql, projectExistsSql, revokeKeySql } from '../src/db/admin-sql.ts';
import { createKeySql, createProjectSql } from '../src/domain/admin.ts';
import { exportUsers, importUsers } from './lib/user-transfer.ts';
import { applyMigrations, execute, type Target } from './lib/tools.ts';

const USAGE = `usage:
  npm run admin -- project create <projectId> [--name <name>] [--origin <url>]... [--json]
  npm run admin -- key create <projectId> --scopes users.read,users.write [--name <name>] [--json]
  npm run admin -- key list <projectId> [--json]
  npm run admin -- key revoke <projectId> <keyId>
  npm run admin -- users export <projectId> [--out <file>]
  npm run admin -- users import <projectId> <file> [--format jsonl|firebase|supabase]
                    [--signer-key <base64> --salt-separator <base64> --rounds <n> --mem-cost <n>]
flags: --remote (deployed database), --persist-to <dir> (local state), --env <environment>`;

async function main(argv: string[]): Promise<void> {
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
      out: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
      'signer-key': { type: 'string' },
      'salt-separator': { type: 'string' },
      rounds: { type: 'string' },
      'mem-cost': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [noun, verb, projectId, operand] = positionals;
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
  if (noun === 'key' && verb === 'revoke' && operand) {
    if (execute(keyExistsSql(projectId, operand), target).length === 0) return fail(`no key ${operand} in project ${projectId}`);
    execute(revokeKeySql(projectId, operand), target);
    return print({ id: operand, revoked: true }, `revoked key ${operand} (running isolates forget it within 30 s)`);
  }
  if (noun === 'users' && verb === 'export') {
    const count = await exportUsers(projectId, target, values.out);
    return console.error(`exported ${count} users of ${projectId}${values.out ? ` to ${values.out}` : ''}`);
  }
  if (noun === 'users' && verb === 'import' && operand) {
    const format = values.format;
    if (format !== 'jsonl' && format !== 'firebase' && format !== 'supabase') return fail(USAGE);
    const number = (flag: string | undefined) => (flag === undefined ? undefined : Number(flag));
    const firebase = { signerKey: values['signer-key'], saltSeparator: values['salt-separator'], rounds: number(values.rounds), memCost: number(values['mem-cost']) };
    const summary = await importUsers(projectId, operand, format, firebase, target);
    return print(summary, `imported ${summary.created} users into ${projectId}; ${summary.skipped} records skipped`);
  }
  fail(USAGE);
}

function fail(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

await main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
