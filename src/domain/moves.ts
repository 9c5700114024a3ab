// Moving a project to another shard while it serves traffic (contract §13.2; README
// "Shards"; docs/storage.md "Moving a project"). The steps, each resumable from what the
// control database's project_moves row records:
//   stage     staging tables on the target; the source starts logging the project's changes
//   copy      every row of the project into the staging tables, table by table in rowid order
//   catch-up  the logged changes: each changed key's current row replaces the staged one
//   freeze    the source refuses the project's writes (triggers: 503 + Retry-After to clients)
//   final     the changes logged before the freeze (the project is still now)
//   install   staged rows into the target's tables (their triggers index and count them; a
//             user seq the target has taken is renumbered within its second, audit entries
//             are numbered anew); the target is frozen too
//   flip      the directory names the target
//   settle    wait until every isolate's cached directory entry has expired
//             (AUTH_CACHE_TTL_MS): until then some still read the source, so neither copy
//             may change; reads on either are the same
//   unfreeze  the target takes writes
//   cleanup   after RECENT_MOVE_SECONDS (directories read from a lagging replica), the
//             source's rows, the log and the staging rows are deleted
// Nothing is lost: a write either landed on the source before the freeze (and is copied)
// or is refused with 503; no request sees a partial project: reads go to the source until
// the flip, and to the complete target after it.
import {
  MOVED_TABLES,
  changesAfter,
  copyProjectRow,
  deleteMove,
  deleteProjectRow,
  deleteSome,
  directoryRow,
  findMove,
  flipDirectory,
  insertMove,
  installStatements,
  keyOf,
  lastRowid,
  movesInto,
  renumberTakenSeqs,
  restageStatements,
  rowsAfter,
  rowsOf,
  saveMove,
  setProjectFlags,
  stagedCounts,
  stagingName,
  stagingSql,
  tableColumns,
  type MovedTable,
  type Row,
} from '../db/moves.ts';
import { DEFAULT_SHARD } from '../db/shards.ts';
import { AUTH_CACHE_TTL_MS } from './cache-lifetimes.ts';
import { utf8Bytes } from './chunks.ts';
import { SECOND } from './ids.ts';

export const MOVE_STEPS = ['stage', 'copy', 'catch-up', 'freeze', 'final', 'install', 'flip', 'settle', 'unfreeze', 'cleanup'] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

/**
 * For this long after a move, reads of the project on its new shard go to the primary (a
 * replica may not have the rows installed yet), and the source's copy is kept (a replica
 * of the control database may still name the old shard).
 */
export const RECENT_MOVE_SECONDS = 300;
/** Install pages (of 5 × pageRows rows) in one batch: short statements, well within 100 KB. */
const INSTALL_PAGES_PER_BATCH = 40;
/** After the flip, writes wait this long beyond the directory caches' lifetime. */
export const SETTLE_MARGIN_MS = 5_000;

export interface MoveDatabases {
  /** The control database (DB): the directory and the move's state. */
  control: D1Database;
  shard(name: string): D1Database;
}

export interface MoveOptions {
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
  /** Rows read per page; changes replayed per page. */
  pageRows?: number;
  /** Most SQL one batch may carry (the CLI's wrangler calls: 100 KB); Infinity for bound statements. */
  batchBytes?: number;
  /** Called as each step begins (progress output; tests fail a step here). */
  onStep?: (step: MoveStep) => void | Promise<void>;
  /** Catch-up rounds before the freeze, at most. */
  catchUpRounds?: number;
}

export interface MoveResult {
  projectId: string;
  source: string;
  target: string;
  /** Milliseconds from the freeze to the unfreeze (writes refused meanwhile), in this run. */
  frozenMs: number | null;
}

interface Progress {
  table?: number;
  rowid?: number;
  /** The copy's end in the table: its last rowid as the table's copy began (later rows are in the log). */
  upto?: number;
  change?: number;
  frozenAt?: number;
}

/** Moves `projectId` to shard `to`, or resumes its move where it stopped (to the same shard). */
export async function moveProject(dbs: MoveDatabases, projectId: string, to: string, options: MoveOptions = {}): Promise<MoveResult> {
  const now = options.now ?? Date.now;
  const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pageRows = options.pageRows ?? 200;
  const batchBytes = options.batchBytes ?? Infinity;
  const control = dbs.control;

  const project = await directoryRow(control, projectId);
  if (!project) throw new Error(`no project ${projectId}`);
  let move = await findMove(control, projectId);
  if (move && move.target !== to) throw new Error(`project ${projectId} is moving to ${move.target} already: resume that move (--to ${move.target})`);
  if (!move) {
    if (project.shard === to) throw new Error(`project ${projectId} is on ${to} already`);
    await insertMove(control, { projectId, source: project.shard, target: to, step: 'stage', now: now() }).run();
    move = (await findMove(control, projectId))!;
  }
  const source = dbs.shard(move.source);
  const target = dbs.shard(move.target);
  let step = move.step as MoveStep;
  let progress = JSON.parse(move.progress) as Progress;
  let flipped = move.flipped;
  let frozenMs: number | null = null;
  let renumbered = false;
  let columns: Record<string, string[]> | undefined;
  const installRows = pageRows * 5;
  const save = (next: MoveStep, nextProgress: Progress = {}) => {
    step = next;
    progress = nextProgress;
    return saveMove(control, projectId, { step, progress: JSON.stringify(progress), flipped, now: now() }).run();
  };
  /** Replaces the staged rows of each table's keys with `rows`, in as few batches as the size limit allows. */
  const restage = async (sets: Array<{ table: MovedTable; keys: (string | number)[]; rows: Row[] }>) => {
    const statements = sets.flatMap(({ table, keys, rows }) => restageStatements(target, table, projectId, keys, rows));
    const sizes = sets.flatMap(({ keys, rows }) => [utf8Bytes(JSON.stringify(keys)) + 200, ...rows.map(rowBytes)]);
    for (const batch of bySize(statements, sizes, batchBytes)) await target.batch(batch);
  };
  /** Replays one page of logged changes; false once none was left. */
  const replay = async (): Promise<boolean> => {
    const changes = await changesAfter(source, projectId, progress.change ?? 0, pageRows);
    if (changes.length === 0) return false;
    const wanted = MOVED_TABLES.map((table) => ({
      table,
      keys: [...new Set(changes.filter((c) => c.table === table.name).map((c) => c.key))].map((k) => (table.numericKey ? Number(k) : k)),
    })).filter((w) => w.keys.length > 0);
    const current = await rowsOf(source, projectId, wanted);
    await restage(wanted.map((w, i) => ({ ...w, rows: current[i]! })));
    await save(step, { ...progress, change: changes.at(-1)!.seq });
    return changes.length === pageRows;
  };

  while (true) {
    await options.onStep?.(step);
    switch (step) {
      case 'stage': {
        // INSERT OR IGNORE at install would keep such rows: they must not be there (an earlier move's cleanup left them?).
        if ((await rowsAfter(target, MOVED_TABLES[0]!, projectId, 0, 1)).length > 0) throw new Error(`${move.target} holds users of ${projectId} already`);
        const fresh = (await movesInto(control, move.target, projectId)) === 0;
        await target.batch(MOVED_TABLES.flatMap((t) => stagingSql(t, fresh)).map((sql) => target.prepare(sql)));
        for (const table of MOVED_TABLES) while ((await deleteSome(target, stagingName(table), projectId, 5000)) > 0);
        while ((await deleteSome(source, 'move_changes', projectId, 5000)) > 0);
        // The target's own row of the project (DB has it: the directory's), then tracking on the source.
        if (move.target !== DEFAULT_SHARD) await copyProjectRow(target, project, move.target).run();
        await setProjectFlags(source, projectId, { moving: true, frozen: 0 }).run();
        await save('copy', { table: 0, rowid: 0 });
        break;
      }
      case 'copy': {
        const table = MOVED_TABLES[progress.table ?? 0];
        if (!table) {
          await save('catch-up', { change: 0 });
          break;
        }
        if (progress.upto === undefined) {
          await save('copy', { ...progress, upto: await lastRowid(source, table, projectId) });
          break;
        }
        const rows = (await rowsAfter(source, table, projectId, progress.rowid ?? 0, pageRows)).filter((r) => (r._rowid as number) <= progress.upto!);
        if (rows.length > 0) await restage([{ table, keys: rows.map((r) => keyOf(table, r)), rows }]);
        if (rows.length < pageRows) await save('copy', { table: (progress.table ?? 0) + 1, rowid: 0 });
        else await save('copy', { table: progress.table ?? 0, rowid: rows.at(-1)!._rowid as number, upto: progress.upto });
        break;
      }
      case 'catch-up': {
        // While the project is busy the log grows as it is read: a bounded number of rounds, then the freeze.
        for (let round = 0; round < (options.catchUpRounds ?? 50); round++) if (!(await replay())) break;
        await save('freeze', progress);
        break;
      }
      case 'freeze': {
        await setProjectFlags(source, projectId, { moving: true, frozen: 1 }).run();
        await save('final', { ...progress, frozenAt: now() });
        break;
      }
      case 'final': {
        while (await replay());
        await save('install', { frozenAt: progress.frozenAt });
        break;
      }
      case 'install': {
        // Once a run (a user of another project may take a seq meanwhile: that insert fails, and the resumed run renumbers again).
        if (!renumbered) {
          await renumberTakenSeqs(target, projectId, SECOND);
          renumbered = true;
        }
        columns ??= await tableColumns(target);
        // As many pages as one batch takes, table after table; a table is whole before the next begins (foreign keys).
        const counts = await stagedCounts(target, projectId);
        const statements: D1PreparedStatement[] = [];
        let budget = INSTALL_PAGES_PER_BATCH;
        for (const table of MOVED_TABLES) {
          const pages = Math.ceil(counts[table.name]! / installRows);
          const taken = Math.min(pages, budget);
          if (taken > 0) statements.push(...installStatements(target, table, columns[table.name]!, projectId, installRows, taken));
          budget -= taken;
          if (taken < pages || budget === 0) break;
        }
        if (statements.length > 0) {
          // Each page leaves staging as it lands, in the same batch: the step resumes by itself.
          await target.batch(statements);
          break;
        }
        await setProjectFlags(target, projectId, { moving: false, frozen: 1 }).run();
        await save('flip', { frozenAt: progress.frozenAt });
        break;
      }
      case 'flip': {
        flipped = now();
        await control.batch([flipDirectory(control, projectId, move.target, Math.floor(flipped / 1000))]);
        await save('settle', { frozenAt: progress.frozenAt });
        break;
      }
      case 'settle': {
        const left = flipped + AUTH_CACHE_TTL_MS + SETTLE_MARGIN_MS - now();
        if (left > 0) await wait(left);
        await save('unfreeze', { frozenAt: progress.frozenAt });
        break;
      }
      case 'unfreeze': {
        await setProjectFlags(target, projectId, { moving: false, frozen: 0 }).run();
        if (progress.frozenAt !== undefined) frozenMs = now() - progress.frozenAt;
        await save('cleanup');
        break;
      }
      case 'cleanup': {
        const left = flipped + RECENT_MOVE_SECONDS * 1000 - now();
        if (left > 0) await wait(left);
        // 2: deletes pass the freeze triggers, inserts and updates still do not (a stale isolate's write).
        await setProjectFlags(source, projectId, { moving: false, frozen: 2 }).run();
        for (const table of [...MOVED_TABLES].reverse()) while ((await deleteSome(source, table.name, projectId, 1000)) > 0);
        if (move.source === DEFAULT_SHARD) await setProjectFlags(source, projectId, { moving: false, frozen: 0 }).run();
        else await deleteProjectRow(source, projectId).run();
        while ((await deleteSome(source, 'move_changes', projectId, 5000)) > 0);
        for (const table of MOVED_TABLES) while ((await deleteSome(target, stagingName(table), projectId, 5000)) > 0);
        await deleteMove(control, projectId).run();
        return { projectId, source: move.source, target: move.target, frozenMs };
      }
    }
  }
}

/**
 * A row's share of inlined SQL (d1-shim's literals), at most: its JSON (each column's
 * name and value, escapes only making it longer than the literal), one more byte per
 * apostrophe (doubled in a literal), and the statement around them.
 */
const rowBytes = (row: Row) => {
  const json = JSON.stringify(row);
  return utf8Bytes(json) + (json.length - json.replaceAll("'", '').length) + 200;
};

/** `statements` cut into batches of at most `limit` estimated bytes (`sizes[i]` is statement i's). */
function bySize<T>(statements: T[], sizes: number[], limit: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  statements.forEach((statement, i) => {
    const size = sizes[i] ?? 0;
    if (current.length > 0 && bytes + size > limit) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(statement);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
