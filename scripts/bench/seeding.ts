// The bench's seeding: scripts/seed.ts in a child process (its progress on stderr), its
// JSON result parsed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib/tools.ts';

export interface SeedResult {
  projectSeq: number;
  shard: string;
  usersPerSecond: number;
  seconds: number;
  userCount: number;
}

/** Seeds `users` users into `project` in the state directory `state`; `extra` are more seed flags (--shard, --config). */
export function seedProject(state: string, project: string, users: number, password: string, extra: string[] = []): SeedResult {
  const seeded = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts', 'seed.ts'), '--project', project, '--users', String(users), '--persist-to', state, '--password', password, '--json', ...extra],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (seeded.status !== 0) throw new Error(`seeding ${project} failed`);
  return JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as SeedResult;
}
