// Operator CLI (contract §8–10): projects, API keys, webhooks and users' import and export, against the local database by
// default or the deployed one with --remote. Pending local migrations are applied first.
//
// The commands and flags are in USAGE below (printed on a wrong call).
import { parseArgs } from 'node:util';
import {
  deleteWebhookSql,
  keyExistsSql,
  listDeliveriesSql,
  listKeysSql,
  listWebhooksSql,
  projectExistsSql,
  revokeKeySql,
  webhookExistsSql,
} from '../src/db/admin-sql.ts';
import { createKeySql, setOriginsSql } from '../src/domain/admin.ts';
import { createWebhookSql } from '../src/domain/webhooks.ts';
import { createProject, findProjectRow, moveProjectTo, projectShard } from './lib/projects.ts';
import { exportUsers, importUsers } from './lib/user-transfer.ts';
import { applyMigrations, execute, webhookSettings, type Target } from './lib/tools.ts';

const USAGE = `usage:
  npm run admin -- project create <projectId> [--name <name>] [--origin <url>]... [--shard <binding>] [--json]
                    (the shard with the fewest users unless --shard names one: DB or SHARD_<name>)
  npm run admin -- project origins <projectId> [--origin <url>]...   (replaces the project's origins)
  npm run admin -- project move <projectId> --to <shard>   (while it serves traffic; run again to resume)
  npm run admin -- key create <projectId> --scopes users.read,users.write [--name <name>] [--json]
  npm run admin -- key list <projectId> [--json]
  npm run admin -- key revoke <projectId> <keyId>
  npm run admin -- webhook create <projectId> --url <url> --events <e1,e2,…> [--name <name>] [--json]
  npm run admin -- webhook list <projectId> [--json]
  npm run admin -- webhook delete <projectId> <webhookId>
  npm run admin -- webhook deliveries <projectId> [--failed] [--limit <n>] [--json]
  npm run admin -- users export <projectId> [--out <file>]
  npm run admin -- users import <projectId> <file> [--format jsonl|firebase|supabase]
                    [--signer-key <base64> --salt-separator <base64> --rounds <n> --mem-cost <n>]
flags: --remote (deployed database), --persist-to <dir> (local state), --env <environment>, --config <wrangler.toml>`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: '' },
      shard: { type: 'string' },
      to: { type: 'string' },
      origin: { type: 'string', multiple: true, default: [] },
      scopes: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
      failed: { type: 'boolean', default: false },
      limit: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
      remote: { type: 'boolean', default: false },
      'persist-to': { type: 'string' },
      env: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
      'signer-key': { type: 'string' },
      'salt-separator': { type: 'string' },
      rounds: { type: 'string' },
      'mem-cost': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [noun, verb, projectId, itemId] = positionals;
  if (values.help || !noun || !verb || !projectId) return fail(USAGE);
  const target: Target = { remote: values.remote, persistTo: values['persist-to'], env: values.env, config: values.config };
  if (!target.remote) await applyMigrations(target);

  const print = (data: object, text: string) => console.log(values.json ? JSON.stringify(data) : text);

  if (noun === 'project' && verb === 'create') {
    // A project whose shard lacks its row (a create cut short) is completed, not refused.
    const existing = findProjectRow(projectId, target);
    if (existing && execute(projectExistsSql(projectId), target, existing.shard).length > 0) {
      return fail(`project ${projectId} already exists`);
    }
    const shard = await createProject(projectId, values.name, values.origin, target, values.shard);
    return print({ id: projectId, name: values.name, origins: values.origin, shard }, `created project ${projectId} on shard ${shard}`);
  }
  if (noun === 'project' && verb === 'move') {
    if (!values.to) return fail(USAGE);
    const moved = await moveProjectTo(projectId, values.to, target, (line) => console.error(line));
    const frozen = moved.frozenMs === null ? '' : ` (writes refused for ${(moved.frozenMs / 1000).toFixed(1)} s)`;
    return print(moved, `moved project ${projectId} from ${moved.source} to ${moved.target}${frozen}`);
  }
  if (noun === 'project' && verb === 'origins') {
    if (execute(projectExistsSql(projectId), target).length === 0) return fail(`no project ${projectId}`);
    execute(setOriginsSql(projectId, values.origin), target);
    return print(
      { id: projectId, origins: values.origin },
      `project ${projectId} allows ${values.origin.join(', ') || 'no browser origin'} (running isolates follow within 30 s)`,
    );
  }
  if (noun === 'key' && verb === 'create') {
    const scopes = (values.scopes ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
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
  if (noun === 'key' && verb === 'revoke' && itemId) {
    if (execute(keyExistsSql(projectId, itemId), target).length === 0) return fail(`no key ${itemId} in project ${projectId}`);
    execute(revokeKeySql(projectId, itemId), target);
    return print({ id: itemId, revoked: true }, `revoked key ${itemId} (running isolates forget it within 30 s)`);
  }
  if (noun === 'webhook' && verb === 'create') {
    const events = (values.events ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const { secretKey, allowPrivate } = await webhookSettings(target);
    const { sql, id, secret } = await createWebhookSql({ projectId, url: values.url ?? '', events, name: values.name }, secretKey, allowPrivate);
    const shard = projectShard(projectId, target);
    execute(sql, target, shard);
    if (execute(webhookExistsSql(projectId, id), target, shard).length === 0) return fail(`no project ${projectId}`);
    return print(
      { id, projectId, name: values.name, url: values.url, events, secret },
      `created webhook ${id} for ${projectId} (${events.join(', ')} → ${values.url})\nsigning secret (shown once, stored encrypted):\n${secret}`,
    );
  }
  if (noun === 'webhook' && verb === 'list') {
    const hooks = execute<{ id: string; name: string; url: string; events: string; created: number }>(
      listWebhooksSql(projectId),
      target,
      projectShard(projectId, target),
    ).map((w) => ({
      ...w,
      events: JSON.parse(w.events) as string[],
    }));
    return print(hooks, hooks.map((w) => `${w.id}\t${w.url}\t${w.events.join(',')}\t${w.name}`).join('\n') || 'no webhooks');
  }
  if (noun === 'webhook' && verb === 'delete' && itemId) {
    const shard = projectShard(projectId, target);
    if (execute(webhookExistsSql(projectId, itemId), target, shard).length === 0) return fail(`no webhook ${itemId} in project ${projectId}`);
    execute(deleteWebhookSql(projectId, itemId), target, shard);
    return print({ id: itemId, deleted: true }, `deleted webhook ${itemId}`);
  }
  if (noun === 'webhook' && verb === 'deliveries') {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return fail('--limit must be a whole number from 1 to 10000');
    const rows = execute<{
      eventId: string;
      webhookId: string;
      event: string;
      userId: string;
      time: number;
      status: string;
      attempts: number;
      lastStatus: number | null;
      lastError: string | null;
      updated: number;
    }>(listDeliveriesSql(projectId, values.failed, limit), target, projectShard(projectId, target));
    const line = (d: (typeof rows)[number]) =>
      `${d.eventId}\t${d.webhookId}\t${d.event}\t${d.userId}\t${d.status}\t${d.attempts} attempt(s)\t${d.lastStatus ?? '-'}\t${d.lastError ?? ''}`;
    return print(rows, rows.map(line).join('\n') || 'no deliveries');
  }
  if (noun === 'users' && verb === 'export') {
    const count = await exportUsers(projectId, target, values.out);
    return console.error(`exported ${count} users of ${projectId}${values.out ? ` to ${values.out}` : ''}`);
  }
  if (noun === 'users' && verb === 'import' && itemId) {
    const format = values.format;
    if (format !== 'jsonl' && format !== 'firebase' && format !== 'supabase') return fail(USAGE);
    const number = (flag: string | undefined) => (flag === undefined ? undefined : Number(flag));
    const firebase = {
      signerKey: values['signer-key'],
      saltSeparator: values['salt-separator'],
      rounds: number(values.rounds),
      memCost: number(values['mem-cost']),
    };
    const summary = await importUsers(projectId, itemId, format, firebase, target);
    return print(summary, `imported ${summary.created} users into ${projectId}; ${summary.skipped} records skipped`);
  }
  fail(USAGE);
}

function fail(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

await main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
