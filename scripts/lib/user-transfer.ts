// `users export` and `users import` of the admin CLI (contract §9.3), in constant
// memory: the export pages through the users by keyset (src/db/imports.ts pageAfterSql:
// at most 1000 users and about 4 MiB a page) and writes each page before reading the
// next; the import streams the file and sends chunks (import-chunks.ts) through the bulk
// route's own code (src/schemas/imports.ts checks each record, src/domain/imports.ts
// creates them). Locally the database file is used directly (node:sqlite; stop
// `wrangler dev` on the same state first, as for `npm run seed`); with --remote every
// page or chunk goes through `wrangler d1 execute`.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DatabaseSync } from 'node:sqlite';
import { database } from '../../src/db/client.ts';
import { pageAfterSql, pageOf, type PageRow } from '../../src/db/imports.ts';
import type { Actor, Project, Stores } from '../../src/domain/context.ts';
import { importUsers as importChecked, toExportRecord, type CheckedRecord } from '../../src/domain/imports.ts';
import { parseUserAgent } from '../../src/domain/user-agent.ts';
import { checkImportRecord } from '../../src/schemas/imports.ts';
import { sqliteD1, wranglerD1 } from './d1-shim.ts';
import { configuredShards, execute, executeAll, openLocalD1, type ShardConfig, type Target } from './tools.ts';
import { importInChunks } from './import-chunks.ts';
import { readRecords, type FirebaseParams, type Format } from './user-files.ts';

const EXPORT_PAGE = 1000;

/** Runs `sql` (no bound values) and returns its rows, locally or through wrangler. */
type Query = (sql: string) => Record<string, unknown>[];

interface Connection {
  query: Query;
  d1: D1Database;
  close(): void;
}

function connectTo(shard: ShardConfig, target: Target): Promise<Connection> | Connection {
  if (target.remote)
    return { query: (sql) => execute(sql, target, shard.binding), d1: wranglerD1((sql) => executeAll(sql, target, shard.binding)), close: () => {} };
  return openLocalD1(target.persistTo, undefined, { shard }).then(({ db }) => ({
    query: (sql: string) => db.prepare(sql).all() as Record<string, unknown>[],
    d1: sqliteD1(db as DatabaseSync),
    close: () => db.close(),
  }));
}

/** The project (from the directory on DB) and a connection to the shard it lives on. */
async function connect(projectId: string, target: Target): Promise<Connection & { project: Project }> {
  const shards = await configuredShards(target);
  const control = await connectTo(shards[0]!, target);
  let project: Project;
  try {
    project = findProject(control.query, projectId);
  } catch (err) {
    control.close();
    throw err;
  }
  if (project.shard === shards[0]!.binding) return { ...control, project };
  control.close();
  const shard = shards.find((s) => s.binding === project.shard);
  if (!shard) throw new Error(`project ${projectId} lives on shard ${project.shard}, which wrangler.toml does not configure`);
  return { ...(await connectTo(shard, target)), project };
}

function findProject(query: Query, projectId: string): Project {
  const [row] = query(
    `SELECT seq, id, name, shard, moved_at, (SELECT json_group_array(origin) FROM project_origins WHERE project_id = projects.id) AS origins FROM projects WHERE id = '${projectId.replaceAll("'", "''")}'`,
  );
  if (!row) throw new Error(`no project ${projectId}`);
  return {
    seq: Number(row.seq),
    id: String(row.id),
    name: String(row.name),
    origins: JSON.parse(String(row.origins)) as string[],
    shard: String(row.shard),
    movedAt: Number(row.moved_at),
  };
}

/** Writes every user of the project as a JSON line (hash included), in list order; returns how many. */
export async function exportUsers(projectId: string, target: Target, outPath?: string): Promise<number> {
  const { query, close } = await connect(projectId, target);
  const out: Writable = outPath ? createWriteStream(outPath) : process.stdout;
  let count = 0;
  try {
    let after: number | null = null;
    for (let more = true; more;) {
      const page = pageOf(query(pageAfterSql(projectId, after, EXPORT_PAGE)) as unknown as PageRow[]);
      let text = '';
      for (const row of page.rows) text += JSON.stringify(toExportRecord(row, true)) + '\n';
      if (!out.write(text)) await once(out, 'drain');
      count += page.rows.length;
      after = page.rows.at(-1)?.seq ?? null;
      more = page.more;
    }
  } finally {
    close();
    if (outPath) {
      out.end();
      await once(out, 'finish');
    }
  }
  return count;
}

/**
 * Imports the file into the project, chunk by chunk; each skipped record is reported
 * on stderr as a JSON line {index, code, message} (index: its place in the file, from 0).
 */
export async function importUsers(projectId: string, path: string, format: Format, firebase: FirebaseParams, target: Target) {
  if (format === 'firebase' && (!firebase.signerKey || firebase.saltSeparator === undefined)) {
    throw new Error('--format firebase needs --signer-key and --salt-separator (Firebase console: password hash parameters)');
  }
  const { project, d1, close } = await connect(projectId, target);
  const db = database(d1);
  // Imported users' events stay in the outbox: the Worker's scheduled sweep hands them to the queue.
  const stores: Stores = { db, kv: undefined as unknown as KVNamespace, primary: () => db, events: { announce: () => {} } };
  const actor: Actor = { ip: '', device: parseUserAgent(null), country: '--' };
  try {
    async function* checked(): AsyncGenerator<CheckedRecord> {
      for await (const item of readRecords(path, format, firebase)) yield item.ok ? (checkImportRecord(item.value) as CheckedRecord) : item;
    }
    return await importInChunks(
      checked(),
      (chunk) => importChecked(stores, project, chunk, actor),
      (skipped) => process.stderr.write(JSON.stringify(skipped) + '\n'),
      { inlined: target.remote },
    );
  } finally {
    close();
  }
}
