// The storage simulation of `npm run bench` (contract §13.1): a year of sign-ins for a
// sample of users at each rate (usersAt), run by the Worker's own code (the bulk import for the
// users, domain/sessions.ts beginSession for each sign-in, the retention job once a
// simulated day) on a local D1 database file opened with node:sqlite, then measured with
// SQLite's dbstat: the pages the users, their sessions and their log entries (tables,
// FTS index and every index) added, divided by the users. The password check of a
// sign-in is left out: it stores nothing.
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { database } from '../../src/db/client.ts';
import { createProjectSql } from '../../src/domain/admin.ts';
import type { Actor, Project, Stores } from '../../src/domain/context.ts';
import { importRecord, importUsers, type CheckedRecord } from '../../src/domain/imports.ts';
import { OFFLINE } from '../../src/domain/hash-admission.ts';
import { DEFAULT_PARAMS, hashPassword } from '../../src/domain/passwords.ts';
import { sweepExpired, DEFAULT_LOG_RETENTION_DAYS } from '../../src/domain/retention.ts';
import { beginSession } from '../../src/domain/sessions.ts';
import { DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_LIFETIME } from '../../src/domain/session-config.ts';
import { passwordHashIs } from '../../src/db/sessions.ts';
import { parseUserAgent } from '../../src/domain/user-agent.ts';
import { sqliteD1 } from '../lib/d1-shim.ts';
import { applyMigrations, openLocalD1 } from '../lib/tools.ts';

/** Sign-ins a year per user, as in docs/storage.md's capacity table. */
export const RATES = [0, 2, 12, 52, 365];
const DAY = 86_400;
const YEAR = 365 * DAY;
/** D1's database size limit, in bytes (10 GB). */
const DATABASE_BYTES = 10e9;
/** 20 characters, as Appwrite's generated ids: a project id is stored in every session and log row. */
const PROJECT = 'bench-storage-000001';
/** The bound of contract §13.1 for a year of daily sign-ins. */
export const BUDGET_BYTES = 16 * 1024;

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
];

/** Tables (and their indexes) that grow with users, by what they hold. */
const PARTS: Record<string, string> = { users: 'user', users_fts: 'user', sessions: 'sessions', audit_logs: 'logs' };

export interface StorageResult {
  signInsPerYear: number;
  users: number;
  /** Bytes per user after the simulated year: all, and by part (user row with its search index, sessions, log entries). */
  bytesPerUser: number;
  parts: Record<'user' | 'sessions' | 'logs', number>;
  /** Rows per user left at the end. */
  sessionsPerUser: number;
  logsPerUser: number;
  usersPer10GB: number;
  /** Wall time of the simulation, s. */
  seconds: number;
}

/** Pages per part (dbstat), FTS shadow tables counted with their index. */
function measure(db: DatabaseSync): Record<string, number> {
  const rows = db
    .prepare('SELECT m.tbl_name AS tbl, sum(d.pgsize) AS bytes FROM dbstat AS d JOIN sqlite_master AS m ON m.name = d.name GROUP BY m.tbl_name')
    .all() as Array<{ tbl: string; bytes: number }>;
  const parts: Record<string, number> = { user: 0, sessions: 0, logs: 0 };
  for (const { tbl, bytes } of rows) {
    const part = PARTS[tbl] ?? PARTS[tbl.replace(/_(data|idx|docsize|config|content)$/, '')];
    if (part) parts[part]! += bytes;
  }
  return parts;
}

/** A migrated, empty local D1 database under `scratch`, as a plain sqlite file to copy. */
async function template(scratch: string): Promise<string> {
  const persistTo = join(scratch, 'storage-state');
  await applyMigrations({ remote: false, persistTo });
  const { db } = await openLocalD1(persistTo);
  const file = join(scratch, 'storage-template.sqlite');
  db.exec(`VACUUM INTO '${file}'`);
  db.close();
  return file;
}

/** Sign-in times over the year for each user: `rate` evenly spaced, each user at its own phase. */
function schedule(users: string[], rate: number, start: number): Array<[number, string]> {
  const times: Array<[number, string]> = [];
  users.forEach((id, u) => {
    for (let k = 0; k < rate; k++) times.push([start + Math.floor(((k + u / users.length) * YEAR) / rate), id]);
  });
  return times.sort((a, b) => a[0] - b[0]);
}

async function simulate(file: string, rate: number, sample: number, hash: string): Promise<StorageResult> {
  const started = Date.now();
  const sqlite = new DatabaseSync(file);
  sqlite.exec(createProjectSql(PROJECT, 'storage', []));
  const { seq } = sqlite.prepare('SELECT seq FROM projects WHERE id = ?').get(PROJECT) as { seq: number };
  const project: Project = { seq, id: PROJECT, name: 'storage', origins: [], shard: 'DB', movedAt: 0 };
  const db = database(sqliteD1(sqlite));
  const kv = { put: async () => {}, get: async () => null, delete: async () => {} } as unknown as KVNamespace;
  const stores: Stores = { db, kv, primary: () => db, events: { announce() {} } };
  const actorOf = (i: number): Actor => ({ ip: `203.0.113.${i % 250}`, device: parseUserAgent(USER_AGENTS[i % USER_AGENTS.length]), country: 'de' });
  const before = measure(sqlite);

  for (let at = 0; at < sample; at += 100) {
    const records: CheckedRecord[] = Array.from({ length: Math.min(100, sample - at) }, (_, i) => ({
      ok: true,
      values: importRecord({ userId: null, email: `user${at + i}@example.com`, name: `User ${at + i}`, hash: { algorithm: 'argon2', value: hash } }),
    }));
    await importUsers(stores, project, records, actorOf(at));
  }
  const users = sqlite.prepare('SELECT id, password_hash AS hash FROM users WHERE project_id = ? ORDER BY seq').all(PROJECT) as Array<{
    id: string;
    hash: string;
  }>;
  const verifiedHash = new Map(users.map((u) => [u.id, u.hash]));
  const start = Math.floor(Date.now() / 1000);
  const signIns = schedule(
    users.map((u) => u.id),
    rate,
    start,
  );
  let next = 0;
  for (let day = 1; day <= 365; day++) {
    const dayEnd = start + day * DAY;
    for (; next < signIns.length && signIns[next]![0] < dayEnd; next++) {
      const [now, userId] = signIns[next]!;
      const begun = await beginSession(stores, {
        project,
        userId,
        guard: passwordHashIs(verifiedHash.get(userId)!),
        provider: 'email',
        actor: actorOf(next),
        now,
        settings: { lifetimeSeconds: DEFAULT_SESSION_LIFETIME, maxSessions: DEFAULT_MAX_SESSIONS },
      });
      if (!begun) throw new Error(`sign-in of ${userId} refused`);
    }
    await sweepExpired(db, dayEnd, DEFAULT_LOG_RETENTION_DAYS);
  }

  const after = measure(sqlite);
  const per = (part: string) => Math.round((after[part]! - before[part]!) / sample);
  const parts = { user: per('user'), sessions: per('sessions'), logs: per('logs') };
  const bytesPerUser = parts.user + parts.sessions + parts.logs;
  const count = (table: string) => (sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?`).get(PROJECT) as { n: number }).n / sample;
  const result = {
    signInsPerYear: rate,
    users: sample,
    bytesPerUser,
    parts,
    sessionsPerUser: count('sessions'),
    logsPerUser: count('audit_logs'),
    usersPer10GB: Math.floor(DATABASE_BYTES / bytesPerUser),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  sqlite.close();
  return result;
}

/**
 * Users simulated at `rate`: `sample` for the frequent, up to 10× for the rare (cheap to
 * simulate), so that whole pages (4 KiB for each table and index) blur the small ones less.
 */
export function usersAt(rate: number, sample: number): number {
  return sample * Math.min(10, Math.max(1, Math.floor(52 / Math.max(rate, 1))));
}

/** Runs the simulated year at every rate of RATES (usersAt users each), in `scratch`. */
export async function storageSimulation(scratch: string, sample: number, log: (message: string) => void): Promise<StorageResult[]> {
  log('storage: migrating an empty local database');
  const file = await template(scratch);
  // One real argon2id hash of this service's parameters: the size a user's hash has.
  const hash = await hashPassword('storage-password', OFFLINE, DEFAULT_PARAMS);
  const results: StorageResult[] = [];
  for (const rate of RATES) {
    const copy = join(scratch, `storage-${rate}.sqlite`);
    const source = new DatabaseSync(file);
    source.exec(`VACUUM INTO '${copy}'`);
    source.close();
    const users = usersAt(rate, sample);
    log(`storage: a year of ${rate} sign-ins for ${users} users`);
    results.push(await simulate(copy, rate, users, hash));
  }
  return results;
}

/** The markdown table of docs/storage.md. */
export function storageTable(results: StorageResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.signInsPerYear} | ${r.users} | ${r.bytesPerUser.toLocaleString('en')} | ${r.parts.user} / ${r.parts.sessions} / ${r.parts.logs} | ${r.sessionsPerUser} / ${r.logsPerUser} | ${(r.usersPer10GB / 1e6).toFixed(1)} M |`,
  );
  return [
    '| sign-ins a year | users simulated | bytes per user | user / sessions / logs | sessions / log entries per user | users per 10 GB |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
