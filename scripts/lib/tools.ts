// Shared by the npm scripts: dependency install on a fresh clone, and wrangler calls
// against the local (default) or deployed D1 database.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { SHARD_NAME } from '../../src/db/shards.ts';
import { commandSql } from './d1-shim.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATABASE = 'DB';

process.env.WRANGLER_SEND_METRICS ??= 'false';

/** Runs `npm ci` when node_modules is missing or older than the lock file. */
export function ensureDependencies(): void {
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('Installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function bin(name: string): string {
  return join(ROOT, 'node_modules', '.bin', name);
}

/** Runs a command to completion; its output goes to stderr so stdout stays machine-readable. */
export function run(command: string, args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2], env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

export interface Target {
  remote: boolean;
  /** Local state directory (wrangler --persist-to); default .wrangler/state. */
  persistTo?: string;
  env?: string;
  /** Another wrangler configuration than ./wrangler.toml (wrangler --config). */
  config?: string;
}

function targetFlags(target: Target): string[] {
  const flags = [target.remote ? '--remote' : '--local'];
  if (!target.remote && target.persistTo) flags.push('--persist-to', target.persistTo);
  if (target.env) flags.push('--env', target.env);
  if (target.config) flags.push('--config', target.config);
  return flags;
}

/** A shard as wrangler.toml configures it (src/db/shards.ts): its binding and the id Miniflare keeps its local file under. */
export interface ShardConfig {
  binding: string;
  localId: string;
}

/** The target environment's shards from wrangler.toml: DB first, then every SHARD_* binding by name. */
export async function configuredShards(target: Pick<Target, 'env' | 'config'>): Promise<ShardConfig[]> {
  const { unstable_readConfig } = await import('wrangler');
  const databases: Array<{ binding: string; database_id?: string; preview_database_id?: string }> = unstable_readConfig({
    config: target.config ?? join(ROOT, 'wrangler.toml'),
    env: target.env,
  }).d1_databases;
  return databases
    .filter((d) => SHARD_NAME.test(d.binding))
    .map((d): ShardConfig => ({ binding: d.binding, localId: d.preview_database_id ?? d.database_id ?? d.binding }))
    .sort((a, b) => (a.binding === DATABASE ? -1 : b.binding === DATABASE ? 1 : a.binding.localeCompare(b.binding)));
}

/** Applies pending migrations to every shard (each keeps its own d1_migrations record). */
export async function applyMigrations(target: Target): Promise<void> {
  for (const { binding } of await configuredShards(target))
    run(bin('wrangler'), ['d1', 'migrations', 'apply', binding, ...targetFlags(target)], { CI: 'true' });
}

/** Runs SQL through `wrangler d1 execute --json` on a shard (the control database DB by default) and returns the rows of the last statement. */
export function execute<T = Record<string, unknown>>(sql: string, target: Target, shard = DATABASE): T[] {
  return (executeAll(sql, target, shard).at(-1) ?? []) as T[];
}

/** Runs SQL through `wrangler d1 execute --json` and returns the rows of each statement; SQL over MAX_SQL_BYTES is refused unsent (SqlTooLarge). */
export function executeAll(sql: string, target: Target, shard = DATABASE): Array<Record<string, unknown>[]> {
  return wranglerExecute(shard, target, ['--command', commandSql(sql)]);
}

/**
 * Runs SQL of any length on the local database, through `wrangler d1 execute --file` (one
 * transaction, as --command: one call of 2 s carries a page of thousands of rows). Only
 * locally: with --remote a file is D1's bulk import, which answers no rows.
 */
export function executeLocalFile(sql: string, target: Target, shard = DATABASE): Array<Record<string, unknown>[]> {
  if (target.remote) throw new Error('executeLocalFile runs on the local database only');
  const dir = mkdtempSync(join(tmpdir(), 'edge-users-sql-'));
  try {
    writeFileSync(join(dir, 'batch.sql'), sql);
    return wranglerExecute(shard, target, ['--file', join(dir, 'batch.sql')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function wranglerExecute(shard: string, target: Target, source: string[]): Array<Record<string, unknown>[]> {
  let out: string | undefined;
  // Locally the CLI and a running `wrangler dev` write the same sqlite file: a call that
  // meets the other's write lock (SQLITE_BUSY) ran nothing (a call is one transaction) and is sent again.
  for (let attempt = 1; out === undefined; attempt++) {
    try {
      out = runWrangler(shard, target, source);
    } catch (err) {
      if (target.remote || attempt >= 20 || !String((err as Error).message).includes('SQLITE_BUSY')) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250 * attempt);
    }
  }
  return (JSON.parse(out) as Array<{ results: Record<string, unknown>[] }>).map((r) => r.results);
}

function runWrangler(shard: string, target: Target, source: string[]): string {
  try {
    return execFileSync(bin('wrangler'), ['d1', 'execute', shard, ...targetFlags(target), '--json', '--yes', ...source], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (err) {
    // With --json wrangler reports D1's error on stdout: say what it was, not only that the call failed.
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`wrangler d1 execute ${shard} failed: ${`${stdout ?? ''}\n${stderr ?? ''}`.trim().slice(-1500)}`);
  }
}

/** The local state directory wrangler uses for --persist-to (default .wrangler/state). */
export function localStateDir(persistTo?: string): string {
  return resolve(ROOT, persistTo ?? join('.wrangler', 'state'));
}

/**
 * Opens the local D1 database's sqlite file (the one Miniflare keeps under
 * <state>/v3/d1/miniflare-D1DatabaseObject/) directly with node:sqlite. The file is
 * the shard's when `options.shard` is given, else the one holding `projectId`, or else
 * the only one with the migrated schema.
 * No `wrangler dev` may be writing to the same state while it is open.
 */
export async function openLocalD1(
  persistTo: string | undefined,
  projectId?: string,
  options: { readOnly?: boolean; shard?: ShardConfig } = {},
): Promise<{ db: DatabaseSync; path: string }> {
  const { DatabaseSync } = await importSqlite();
  const dir = join(localStateDir(persistTo), 'v3', 'd1', 'miniflare-D1DatabaseObject');
  if (options.shard) {
    const path = join(dir, `${localObjectId(options.shard.localId)}.sqlite`);
    if (!existsSync(path)) throw new Error(`no local database of shard ${options.shard.binding} at ${path} (apply the migrations first)`);
    return { db: new DatabaseSync(path, { readOnly: options.readOnly ?? false }), path };
  }
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite') : [];
  const candidates: Array<{ path: string; hasProject: boolean; mtime: number }> = [];
  for (const file of files) {
    const path = join(dir, file);
    const probe = new DatabaseSync(path, { readOnly: true });
    try {
      const hasUsers = probe.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").get() !== undefined;
      if (!hasUsers) continue;
      const hasProject = projectId !== undefined && probe.prepare('SELECT 1 FROM projects WHERE id = ?').get(projectId) !== undefined;
      candidates.push({ path, hasProject, mtime: statSync(path).mtimeMs });
    } finally {
      probe.close();
    }
  }
  const withProject = candidates.filter((c) => c.hasProject);
  const pool = withProject.length > 0 ? withProject : candidates;
  if (pool.length === 0) throw new Error(`no migrated local D1 database under ${dir}`);
  if (pool.length > 1 && withProject.length === 0) throw new Error(`several local D1 databases under ${dir}; pass a project id`);
  const path = pool.sort((a, b) => b.mtime - a.mtime)[0]!.path;
  return { db: new DatabaseSync(path, { readOnly: options.readOnly ?? false }), path };
}

/**
 * The name Miniflare gives a local D1 database's file: workerd's Durable Object id for the
 * database id in the namespace `miniflare-D1DatabaseObject` (two truncated HMAC-SHA256 rounds).
 */
function localObjectId(databaseId: string): string {
  const key = createHash('sha256').update('miniflare-D1DatabaseObject').digest();
  const name = createHmac('sha256', key).update(databaseId).digest().subarray(0, 16);
  return Buffer.concat([name, createHmac('sha256', key).update(name).digest().subarray(0, 16)]).toString('hex');
}

/** node:sqlite (Node ≥ 22.13 without a flag), without its "experimental" warning. */
async function importSqlite(): Promise<typeof import('node:sqlite')> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('SQLite')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import('node:sqlite');
  } catch (err) {
    throw new Error(`node:sqlite is unavailable (Node ${process.version}; it needs Node ≥ 22.13): ${String(err)}`);
  } finally {
    process.emitWarning = emitWarning;
  }
}

const DEV_VARS = join(ROOT, '.dev.vars');

/** The value of `name` in .dev.vars (where `wrangler dev` reads secrets), written there first from `make()` when missing. The file is git-ignored. */
function ensureDevVar(name: string, make: () => string): string {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : '';
  const found = new RegExp(`^${name}\\s*=\\s*"?([^"\\n]+)"?\\s*$`, 'm').exec(text);
  if (found) return found[1]!.trim();
  const value = make();
  writeFileSync(DEV_VARS, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${name}=${value}\n`, { mode: 0o600 });
  return value;
}

/** The local WEBHOOK_SECRET_KEY, which encrypts webhook signing secrets at rest. */
export async function ensureDevSecretKey(): Promise<string> {
  const { newSecretKey } = await import('../../src/domain/webhook-secrets.ts');
  return ensureDevVar('WEBHOOK_SECRET_KEY', newSecretKey);
}

/** The local JWT_SECRET, which signs the JWTs of POST /v1/users/{userId}/jwts. */
export function ensureDevJwtSecret(): string {
  return ensureDevVar('JWT_SECRET', () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url'));
}

/**
 * What the webhook CLI needs of a target: the key that encrypts signing secrets (locally
 * .dev.vars; deployed, the same value as the Worker secret, from the environment) and
 * whether private destinations are allowed (WEBHOOK_ALLOW_PRIVATE of that environment).
 */
export async function webhookSettings(target: Target): Promise<{ secretKey: string; allowPrivate: boolean }> {
  const { unstable_readConfig } = await import('wrangler');
  const vars = unstable_readConfig({ config: join(ROOT, 'wrangler.toml'), env: target.env }).vars as Record<string, unknown>;
  const allowPrivate = vars.WEBHOOK_ALLOW_PRIVATE === 'true';
  if (!target.remote) return { secretKey: await ensureDevSecretKey(), allowPrivate };
  const secretKey = process.env.WEBHOOK_SECRET_KEY;
  if (!secretKey) throw new Error('--remote: set WEBHOOK_SECRET_KEY to the value given to `wrangler secret put WEBHOOK_SECRET_KEY`');
  return { secretKey, allowPrivate };
}
