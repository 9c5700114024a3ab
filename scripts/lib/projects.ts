// Projects across shards for the CLI (admin, start, seed): where a project lives (the
// directory, projects.shard on DB) and creating one where it belongs (src/domain/admin.ts
// chooses the shard with the most room unless told).
import { projectRowSql, shardUsersSql } from '../../src/db/admin-sql.ts';
import { DEFAULT_SHARD } from '../../src/db/shards.ts';
import { createProjectSql, roomiestShard, shardProjectSql } from '../../src/domain/admin.ts';
import { moveProject, type MoveResult } from '../../src/domain/moves.ts';
import { MAX_SQL_BYTES, wranglerD1 } from './d1-shim.ts';
import { configuredShards, execute, executeAll, executeLocalFile, type Target } from './tools.ts';

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
 * Rows a page of a local move carries, and the most SQL of one local call: each call is
 * a `wrangler d1 execute` of about 2 s whatever its size, so pages are as large as memory
 * allows. Deployed, a call is one `--command` within D1's 100 KB, pages of 200 rows.
 */
const LOCAL_PAGE_ROWS = 5000;
const LOCAL_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * `project move`: the Worker's move (src/domain/moves.ts) run through `wrangler d1 execute`
 * on each database, locally (beside a running `wrangler dev`; a batch is one --file call)
 * or with --remote (a batch is one --command within D1's 100 KB of SQL). Run again, it resumes.
 */
export async function moveProjectTo(projectId: string, to: string, target: Target, report: (line: string) => void): Promise<MoveResult> {
  const shards = (await configuredShards(target)).map((s) => s.binding);
  if (!shards.includes(to)) throw new Error(`no shard ${to} in wrangler.toml (configured: ${shards.join(', ')})`);
  const local = !target.remote;
  const d1 = (shard: string) => wranglerD1((sql) => (local ? executeLocalFile(sql, target, shard) : executeAll(sql, target, shard)));
  const started = Date.now();
  return moveProject({ control: d1(DEFAULT_SHARD), shard: d1 }, projectId, to, {
    pageRows: local ? LOCAL_PAGE_ROWS : undefined,
    batchBytes: local ? LOCAL_BATCH_BYTES : MAX_SQL_BYTES - 10_000,
    onStep: (step) => report(`${((Date.now() - started) / 1000).toFixed(1)} s\t${step}`),
  });
}
