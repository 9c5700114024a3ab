// Shared by the npm scripts: dependency install on a fresh clone, and wrangler calls
// against the local (default) or deployed D1 database.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATABASE = 'DB';

process.env.WRANGLER_SEND_METRICS ??= 'false';

/** Runs `npm ci` when node_modules is missing or older than the lock file. */
export function ensureDependencies(): void {
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('Installing dependencies (npm ci)…');
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
}

function targetFlags(target: Target): string[] {
  const flags = [target.remote ? '--remote' : '--local'];
  if (!target.remote && target.persistTo) flags.push('--persist-to', target.persistTo);
  if (target.env) flags.push('--env', target.env);
  return flags;
}

export function applyMigrations(target: Target): void {
  run(bin('wrangler'), ['d1', 'migrations', 'apply', DATABASE, ...targetFlags(target)], { CI: 'true' });
}

/** Runs SQL through `wrangler d1 execute --json` and returns the rows of the last statement. */
export function execute<T = Record<string, unknown>>(sql: string, target: Target): T[] {
  const out = execFileSync(bin('wrangler'), ['d1', 'execute', DATABASE, ...targetFlags(target), '--json', '--yes', '--command', sql], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  const results = JSON.parse(out) as Array<{ results: T[] }>;
  return results.at(-1)?.results ?? [];
}
