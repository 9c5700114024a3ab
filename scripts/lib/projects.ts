// Projects across shards for the CLI (admin, start, seed): where a project lives (the
// directory, projects.shard on DB) and creating one where it belongs (src/domain/admin.ts
// chooses the shard with the most room unless told).
import { projectRowSql, shardUsersSql } from '../../src/db/admin-sql.ts';
import { DEFAULT_SHARD } from '../../src/db/shards.ts';
import { createProjectSql, roomiestShard, shardProjectSql } from '../../src/domain/admin.ts';
import { moveProject, type MoveResult } from '../../src/domain/moves.ts';
import { MAX_SQL_BYTES, wranglerD1 } from './d1-shim.ts';
import { configuredShards, execute, executeAll, type Target } from './tools.ts';

interface ProjectRow {
  seq: number;
  id: string;
  name: string;
  created: number;
  shard: string;
}

/** The project's directory row, if any. */
export function findProjectRow(projectId: string, target: Target): ProjectRow | undefined {
  return execute<ProjectRow>(projectRowSql(projectId), target)[0];
}

/** The shard the project lives on; an error naming the project if there is none. */
export function projectShard(projectId: string, target: Target): string {
  const row = findProjectRow(projectId, target);
  if (!row) throw new Error(`no project ${projectId}`);
  return row.shard;
}

/**
 * Creates the project on `shard`, or on the configured shard with the fewest users: its
 * directory row on DB, then (another shard) its own row there. Run again after a failure
 * between the two, it completes the second and creates nothing twice; returns the shard.
 */
export async function createProject(projectId: string, name: string, origins: string[], target: Target, shard?: string): Promise<string> {
  const shards = (await configuredShards(target)).map((s) => s.binding);
  const existing = findProjectRow(projectId, target);
  const chosen =
    existing?.shard ?? shard ?? roomiestShard(new Map(shards.map((s) => [s, Number(execute<{ users: number }>(shardUsersSql, target, s)[0]?.users ?? 0)])));
  if (!shards.includes(chosen)) throw new Error(`no shard ${chosen} in wrangler.toml (configured: ${shards.join(', ')})`);
  if (!existing) execute(createProjectSql(projectId, name, origins, chosen), target);
  if (chosen !== DEFAULT_SHARD) execute(shardProjectSql(findProjectRow(projectId, target)!, chosen), target, chosen);
  return chosen;
}

/**
 * `project move`: the Worker's move (src/domain/moves.ts) run through `wrangler d1 execute`
 * on each database, locally (beside a running `wrangler dev`) or with --remote; every
 * batch is one wrangler call within D1's 100 KB of SQL. Run again, it resumes.
 */
export async function moveProjectTo(projectId: string, to: string, target: Target, report: (line: string) => void): Promise<MoveResult> {
  const shards = (await configuredShards(target)).map((s) => s.binding);
  if (!shards.includes(to)) throw new Error(`no shard ${to} in wrangler.toml (configured: ${shards.join(', ')})`);
  const d1 = (shard: string) => wranglerD1((sql) => executeAll(sql, target, shard));
  const started = Date.now();
  return moveProject({ control: d1(DEFAULT_SHARD), shard: d1 }, projectId, to, {
    batchBytes: MAX_SQL_BYTES - 10_000,
    onStep: (step) => report(`${((Date.now() - started) / 1000).toFixed(1)} s\t${step}`),
  });
}
