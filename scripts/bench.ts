// `npm run bench`: load-tests the service against a floor Worker on this machine.
//
//   npm run bench -- [--users 100000] [--connections 10] [--duration 5] [--rounds 3] [--keep]
//                    [--storage-users 100] [--storage-only]
//
// First, the storage simulation (scripts/bench/storage.ts): a simulated year of sign-ins
// for --storage-users users (up to 10× that at the rare rates) at each of 0, 2, 12, 52 and
// 365 sign-ins a year, measured
// with dbstat: bytes per user and users per 10 GB (docs/storage.md). --storage-only runs
// just that (no servers) and writes bench-results/<timestamp>-storage.json.
//
// In a fresh temporary state directory (never the developer's .wrangler/state) it
// seeds a project with N users (scripts/seed.ts) and an API key, then starts two
// `wrangler dev` processes on free 127.0.0.1 ports: the service (with
// METER_ROWS_READ=true, so every response carries X-D1-Rows-Read) and the floor
// Worker of scripts/bench/ (one D1 primary-key read per GET /users/:id) on the same
// D1 database file. Each scenario runs with bounded keep-alive load against the
// service and then the same time of get-user load against the floor, and is
// reported as a ratio of that floor run; with --rounds n, each scenario (and its floor)
// runs n times and the round with the median ratio is reported. Every scenario also
// reports its D1 round trips per request (X-D1-Round-Trips: primary / replica). Also
// measured: the bundle size (gzip), the console's size (gzip, GET /console and every
// file it loads), the argon2id hash time in workerd, bulk import throughput (users/s)
// and the rows read by the API-key check. The table
// goes to stdout, everything to bench-results/<timestamp>.json. Every process
// started here is ended (by process group) before it exits, also on Ctrl-C.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createKeySql } from '../src/domain/admin.ts';
import { matchExpression } from '../src/domain/search.ts';
import { createWebhookSql } from '../src/domain/webhooks.ts';
import { bulkCreate, hashingSummary, refusedSignIns } from './bench/hashing.ts';
import { BUDGET_BYTES, storageSimulation, storageTable, type StorageResult } from './bench/storage.ts';
import { ROOT, bin, ensureDevSecretKey, execute, openLocalD1, type Target } from './lib/tools.ts';

const USAGE =
  'usage: npm run bench -- [--users 100000] [--connections 10] [--duration 5] [--rounds 3] [--bulk 300] [--keep] [--storage-users 100] [--storage-only]';
const PROJECT = 'bench';
const PASSWORD = 'bench-password-1';
const LIMIT = 25;
const OFFSET = 2000;
/** A word of one of the seeded email domains (acme.test, about 6% of users). */
const EMAIL_FRAGMENT = 'acme';
/** Name prefixes of 2–3 letters, taken in turn. */
const NAME_PREFIXES = ['jo', 'mar', 'ka', 'da', 'chr', 'li', 'an', 'el'];
/** The whole run is abandoned (and cleaned up) past this. */
const HARD_TIMEOUT_MS = 20 * 60_000;

// ---------------------------------------------------------------- processes

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  log: string;
}

const servers: Server[] = [];
/** The temporary state directory, removed on any exit unless --keep. */
let scratch: string | undefined;
const removeScratch = () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
};

/** Starts `wrangler dev` in its own process group, output to a log file. */
function startWrangler(name: string, args: string[], log: string, port: number): Server {
  const out = openSync(log, 'a');
  const child = spawn(bin('wrangler'), ['dev', ...args], {
    cwd: ROOT,
    detached: true, // its own process group: wrangler, workerd and esbuild end together
    stdio: ['ignore', out, out],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
  });
  closeSync(out);
  const server = { name, child, port, log };
  servers.push(server);
  return server;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to each started process group, then SIGKILL to any still there after 5 s. */
async function stopAll(): Promise<void> {
  const groups = servers.map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
  for (const pgid of groups) if (groupAlive(pgid)) process.kill(-pgid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (groups.some(groupAlive) && Date.now() < deadline) await sleep(100);
  for (const pgid of groups) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  const killedAt = Date.now();
  while (groups.some(groupAlive) && Date.now() - killedAt < 2000) await sleep(50);
  const left = groups.filter(groupAlive);
  if (left.length > 0) console.error(`bench: process groups still alive after SIGKILL: ${left.join(', ')}`);
  servers.length = 0;
}

/** Last resort on a synchronous exit path. */
function killAllNow(): void {
  for (const s of servers) if (s.child.pid !== undefined && groupAlive(s.child.pid)) process.kill(-s.child.pid, 'SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(server: Server, path: string, expect: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) break;
    try {
      const res = await once({ port: server.port, method: 'GET', path });
      if (res.status === expect) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${server.name} did not start; its log (${server.log}):\n${tail(server.log)}`);
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
}

// ------------------------------------------------------------ CPU of a group

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) used so far by every live process of a process group (Linux /proc). */
function groupCpuSeconds(pgid: number | undefined): number | null {
  if (pgid === undefined || !existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

// ---------------------------------------------------------------------- HTTP

interface Req {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Res {
  status: number;
  rowsRead: number | null;
  /** X-D1-Round-Trips: round trips that needed the primary, and those a replica could serve. */
  trips: { primary: number; replica: number } | null;
  body: string;
}

function parseTrips(header: string | string[] | undefined): Res['trips'] {
  const m = typeof header === 'string' ? /^primary=(\d+), replica=(\d+)$/.exec(header) : null;
  return m ? { primary: Number(m[1]), replica: Number(m[2]) } : null;
}

let agent = new http.Agent({ keepAlive: true, maxSockets: 10 });

function once(req: Req & { port: number }): Promise<Res> {
  return new Promise((resolve, reject) => {
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const r = http.request(
      {
        host: '127.0.0.1',
        port: req.port,
        method: req.method,
        path: req.path,
        agent,
        headers: { ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}), ...req.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const rows = res.headers['x-d1-rows-read'];
          resolve({
            status: res.statusCode ?? 0,
            rowsRead: typeof rows === 'string' ? Number(rows) : null,
            trips: parseTrips(res.headers['x-d1-round-trips']),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    r.setTimeout(30_000, () => r.destroy(new Error('request timed out')));
    r.on('error', reject);
    r.end(payload);
  });
}

interface Sample {
  ms: number;
  status: number;
  rowsRead: number | null;
  trips: Res['trips'];
  /** For searches: the `sum` of the response (its number of matches). */
  sum?: number;
}

interface RunStats {
  target: 'service' | 'floor';
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  rowsAvg: number | null;
  rowsMax: number | null;
  /** Round trips per successful request, averaged: primary and replica. */
  primaryTrips: number | null;
  replicaTrips: number | null;
  statuses: Record<string, number>;
  cpuMsPerRequest: number | null;
  samples: Sample[];
}

/**
 * `connections` keep-alive loops, each sending its next request as soon as the last
 * one is answered, until `seconds` have passed (or `maxRequests` were sent).
 */
async function drive(
  server: Server,
  target: RunStats['target'],
  connections: number,
  seconds: number,
  next: (i: number) => Req,
  onResponse?: (req: Req, res: Res, sample: Sample) => void,
  maxRequests = 1_000_000,
): Promise<RunStats> {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const samples: Sample[] = [];
  let sent = 0;
  const cpu0 = groupCpuSeconds(server.child.pid);
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end && sent < maxRequests) {
      const req = next(sent++);
      const t0 = performance.now();
      let res: Res;
      try {
        res = await once({ ...req, port: server.port });
      } catch {
        res = { status: 0, rowsRead: null, trips: null, body: '' };
      }
      const sample: Sample = { ms: performance.now() - t0, status: res.status, rowsRead: res.rowsRead, trips: res.trips };
      onResponse?.(req, res, sample);
      samples.push(sample);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const cpu1 = groupCpuSeconds(server.child.pid);
  return summarize(target, samples, elapsed, cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1000) / Math.max(samples.length, 1) : null);
}

function summarize(target: RunStats['target'], samples: Sample[], seconds: number, cpuMsPerRequest: number | null): RunStats {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const pct = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))]! : NaN);
  const rows = samples.map((s) => s.rowsRead).filter((r): r is number => r !== null);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const trips = samples.filter((s) => s.status >= 200 && s.status < 300 && s.trips).map((s) => s.trips!);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    target,
    requests: samples.length,
    seconds,
    rps: samples.length / seconds,
    p50: pct(50),
    p99: pct(99),
    rowsAvg: rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : null,
    rowsMax: rows.length ? Math.max(...rows) : null,
    primaryTrips: avg(trips.map((t) => t.primary)),
    replicaTrips: avg(trips.map((t) => t.replica)),
    statuses,
    cpuMsPerRequest,
    samples,
  };
}

// ------------------------------------------------------------------- webhooks

/**
 * Create-user latency with no webhook, then with a dead one subscribed to users.create
 * (it accepts connections and never answers, so each delivery waits out the 10 s
 * timeout). Delivery runs from the queue, never in the request path: the two must match.
 */
async function deadWebhookLatency(service: Server, target: Target, auth: Record<string, string>, connections: number, seconds: number, runTag: string) {
  const held = new Set<net.Socket>();
  const dead = net.createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  try {
    let n = 0;
    const create = (): Req => ({ method: 'POST', path: '/v1/users', headers: auth, body: { email: `hook.${runTag}.${n++}@bench.test`, password: PASSWORD } });
    const url = `http://127.0.0.1:${(dead.address() as net.AddressInfo).port}/dead`;
    const hook = await createWebhookSql({ projectId: PROJECT, url, events: ['users.create'], name: 'bench: dead endpoint' }, await ensureDevSecretKey(), true);
    // Alternating runs (none, dead, none, dead), so drifting load on the machine hits both alike.
    const runs: Record<'none' | 'dead', RunStats[]> = { none: [], dead: [] };
    for (let round = 0; round < 2; round++) {
      runs.none.push(await drive(service, 'service', connections, seconds, create));
      execute(hook.sql, target);
      runs.dead.push(await drive(service, 'service', connections, seconds, create));
      execute(`DELETE FROM webhooks WHERE id = '${hook.id}';`, target);
    }
    const merged = (rs: RunStats[]) =>
      summarize(
        'service',
        rs.flatMap((r) => r.samples),
        rs.reduce((t, r) => t + r.seconds, 0),
        null,
      );
    return { none: merged(runs.none), dead: merged(runs.dead), heldConnections: held.size };
  } finally {
    for (const socket of held) socket.destroy();
    dead.close();
  }
}

// ------------------------------------------------------------------- the run

interface Pools {
  ids: string[];
  /** The project's last user in list order: a cursor as deep as the list. */
  lastId: string;
  signIn: Array<{ id: string; email: string }>;
  emailFragmentMatches: number;
  /** An ISO date an hour after the first registration: a date range's bound. */
  firstHour: string;
}

/** Random users of the seeded project, read from the sqlite file before the servers start. */
async function samplePools(state: string, projectSeq: number): Promise<Pools> {
  const { db } = await openLocalD1(state, PROJECT, { readOnly: true });
  try {
    const ids = (db.prepare('SELECT id FROM users WHERE project_id = ? ORDER BY random() LIMIT 20000').all(PROJECT) as Array<{ id: string }>).map((r) => r.id);
    const signIn = db.prepare('SELECT id, email FROM users WHERE project_id = ? AND status != 2 ORDER BY random() LIMIT 5000').all(PROJECT) as Array<{
      id: string;
      email: string;
    }>;
    const { n } = db.prepare('SELECT count(*) AS n FROM users_fts WHERE users_fts MATCH ?').get(matchExpression(projectSeq, EMAIL_FRAGMENT)) as { n: number };
    const { id: lastId } = db.prepare('SELECT id FROM users WHERE project_id = ? ORDER BY seq DESC LIMIT 1').get(PROJECT) as { id: string };
    const { first } = db.prepare('SELECT min(registration) AS first FROM users WHERE project_id = ?').get(PROJECT) as { first: number };
    const firstHour = new Date((first + 3600) * 1000).toISOString();
    return { ids, lastId, signIn, emailFragmentMatches: n, firstHour };
  } finally {
    db.close();
  }
}

function bundleSize(tmp: string): { file: string; bytes: number; gzipBytes: number } {
  const outdir = join(tmp, 'dry-run');
  const result = spawnSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  });
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stderr}`);
  // The Worker's modules (source maps are uploaded beside them and not counted).
  const files = readdirSync(outdir).filter((f) => /\.(m?js|wasm)$/.test(f));
  const buffers = files.map((f) => readFileSync(join(outdir, f)));
  const all = Buffer.concat(buffers);
  return { file: files.join(', '), bytes: all.length, gzipBytes: gzipSync(all, { level: 9 }).length };
}

/**
 * What a browser downloads for the console (GET /console): the page and every file under
 * public/console/, each gzipped as it would travel. The bundle step above has run the
 * [build] command, so public/console/app.js is the current build.
 */
function consoleSize(): { files: string[]; bytes: number; gzipBytes: number } {
  const dir = join(ROOT, 'public', 'console');
  const files = [join(ROOT, 'public', 'console.html'), ...readdirSync(dir).map((f) => join(dir, f))];
  const contents = files.map((f) => readFileSync(f));
  return {
    files: files.map((f) => f.slice(ROOT.length + 1)),
    bytes: contents.reduce((sum, c) => sum + c.length, 0),
    gzipBytes: contents.reduce((sum, c) => sum + gzipSync(c, { level: 9 }).length, 0),
  };
}

interface HashReport {
  runs: number;
  params: string;
  wallMedianMs: number;
  verifyWallMedianMs: number;
  cpuMsPerHash: number | null;
  raw: unknown;
}

/**
 * What the platform costs any Worker answering get-user the way the service must: the
 * floor's read as it is, through a D1 session (replica reads, contract §11), and the
 * same behind Workers static assets routing (the service serves /console and /docs as
 * assets, /v1/* Worker-first). Each round drives all four for the same time; the round
 * with the median service-to-shaped-floor ratio is reported.
 */
async function platformCosts(
  run: { service: () => Promise<RunStats>; bare: () => Promise<RunStats> },
  sessionRead: (server: Server) => Promise<RunStats>,
  floor: Server,
  floorAssets: Server,
  rounds: number,
) {
  const all = [];
  for (let round = 0; round < rounds; round++) {
    const bare = await run.bare();
    const session = await sessionRead(floor);
    const assetsSession = await sessionRead(floorAssets);
    const service = await run.service();
    all.push({ bare, session, assetsSession, service, ratio: service.rps / assetsSession.rps });
  }
  const median = [...all].sort((a, b) => a.ratio - b.ratio)[Math.floor(all.length / 2)]!;
  const cpu = (r: RunStats) => round(r.cpuMsPerRequest, 3);
  return {
    rounds: all.map((r) => ({
      bare: round(r.bare.rps),
      session: round(r.session.rps),
      assetsSession: round(r.assetsSession.rps),
      service: round(r.service.rps),
    })),
    rps: {
      bare: round(median.bare.rps),
      session: round(median.session.rps),
      assetsSession: round(median.assetsSession.rps),
      service: round(median.service.rps),
    },
    cpuMsPerRequest: { bare: cpu(median.bare), session: cpu(median.session), assetsSession: cpu(median.assetsSession), service: cpu(median.service) },
    serviceToShapedFloor: round(median.ratio, 3),
    serviceToBareFloor: round(median.service.rps / median.bare.rps, 3),
  };
}

async function measureHash(floor: Server, runs: number): Promise<HashReport> {
  await once({ port: floor.port, method: 'GET', path: '/hash?runs=3' }); // compile and let the JIT optimize
  const cpu0 = groupCpuSeconds(floor.child.pid);
  const res = await once({ port: floor.port, method: 'GET', path: `/hash?runs=${runs}` });
  const cpu1 = groupCpuSeconds(floor.child.pid);
  if (res.status !== 200) throw new Error(`floor /hash answered ${res.status}: ${res.body}`);
  const body = JSON.parse(res.body) as { params: string; medianHashMs: number; medianVerifyMs: number };
  return {
    runs,
    params: body.params,
    wallMedianMs: body.medianHashMs,
    verifyWallMedianMs: body.medianVerifyMs,
    // Each run is one hash and one verify (the same work) plus a few trivial queries.
    cpuMsPerHash: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1000) / (2 * runs) : null,
    raw: body,
  };
}

interface BulkImportReport {
  requests: number;
  recordsPerRequest: number;
  created: number;
  wallMedianMs: number;
  wallMaxMs: number;
  usersPerSecond: number;
  /** CPU of the whole wrangler dev group (workerd and its local D1) per request. */
  cpuMsPerRequest: number | null;
}

/**
 * POST /v1/users/import of `requests` files of 1000 new users each (md5 hashes, so
 * only the import's own work is measured), one after another; throughput counts the
 * users created. Each file lands in one registration second, as a real export does.
 */
async function measureBulkImport(service: Server, headers: Record<string, string>, requests: number): Promise<BulkImportReport> {
  const recordsPerRequest = 1000;
  const walls: number[] = [];
  let created = 0;
  const cpu0 = groupCpuSeconds(service.child.pid);
  for (let r = 0; r < requests; r++) {
    const users = Array.from({ length: recordsPerRequest }, (_, i) => ({
      userId: `bulk-${r}-${i}`,
      email: `bulk.${r}.${i}@import.test`,
      name: `Imported Person${i}`,
      registration: 1_500_000_000 + r,
      prefs: { plan: 'free' },
      hash: { algorithm: 'md5', value: '5f4dcc3b5aa765d61d8327deb882cf99' },
    }));
    const started = performance.now();
    const res = await once({ port: service.port, method: 'POST', path: '/v1/users/import', headers, body: { users } });
    walls.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`bulk import answered ${res.status}: ${res.body.slice(0, 200)}`);
    created += (JSON.parse(res.body) as { sum: number }).sum;
  }
  const cpu1 = groupCpuSeconds(service.child.pid);
  const total = walls.reduce((a, b) => a + b, 0);
  const sorted = [...walls].sort((a, b) => a - b);
  return {
    requests,
    recordsPerRequest,
    created,
    wallMedianMs: sorted[Math.floor(sorted.length / 2)]!,
    wallMaxMs: sorted.at(-1)!,
    usersPerSecond: (created / total) * 1000,
    cpuMsPerRequest: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1000) / requests : null,
  };
}

// Verifying an imported password hash (src/domain/password-formats.ts) with the floor's
// GET /verify: CPU from /proc per verification, and the in-Worker wall median.
const VERIFY_ALGORITHMS = ['bcrypt-8', 'bcrypt-10', 'bcrypt-12', 'scrypt-modified', 'scrypt-16384-8-1', 'argon2id', 'md5', 'sha3-512', 'phpass-8192'];

async function measureVerifies(floor: Server, runs: number): Promise<Array<{ algorithm: string; cpuMs: number | null; wallMedianMs: number }>> {
  const results = [];
  for (const algorithm of VERIFY_ALGORITHMS) {
    await once({ port: floor.port, method: 'GET', path: `/verify?algorithm=${algorithm}&runs=2` }); // compile and let the JIT optimize
    const cpu0 = groupCpuSeconds(floor.child.pid);
    const res = await once({ port: floor.port, method: 'GET', path: `/verify?algorithm=${algorithm}&runs=${runs}` });
    const cpu1 = groupCpuSeconds(floor.child.pid);
    const body = JSON.parse(res.body) as { ok?: boolean; medianVerifyMs: number };
    if (res.status !== 200 || !body.ok) throw new Error(`floor /verify?algorithm=${algorithm} answered ${res.status}: ${res.body}`);
    results.push({ algorithm, cpuMs: cpu0 !== null && cpu1 !== null ? round(((cpu1 - cpu0) * 1000) / runs) : null, wallMedianMs: body.medianVerifyMs });
  }
  return results;
}

interface Scenario {
  name: string;
  label: string;
  stats: RunStats;
  floor: RunStats;
  ratio: number;
  /** Every round's ratio, in run order (the reported round is the median one). */
  ratios: number[];
  /** Requests whose rows read exceeded their own bound, when there is one. */
  rowsOverBound?: number;
  rowsBound?: string;
  avgMatches?: number;
}

function round(n: number | null, digits = 1): number | null {
  return n === null || !Number.isFinite(n) ? null : Number(n.toFixed(digits));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '100000' },
      connections: { type: 'string', default: '10' },
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '1' },
      bulk: { type: 'string', default: '300' },
      keep: { type: 'boolean', default: false },
      'storage-users': { type: 'string', default: '100' },
      'storage-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const users = Number(values.users);
  const connections = Number(values.connections);
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const storageUsers = Number(values['storage-users']);
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 9)) values.help = true;
  if (!(Number.isInteger(storageUsers) && storageUsers >= 1 && storageUsers <= 10_000)) values.help = true;
  if (values.help || !(users >= 100) || !(connections >= 1 && connections <= 256) || !(duration > 0 && duration <= 60)) {
    console.error(USAGE);
    process.exitCode = 1;
    return;
  }
  const runStarted = Date.now();
  const step = (message: string) => console.error(`[bench ${((Date.now() - runStarted) / 1000).toFixed(0).padStart(3)} s] ${message}`);

  const tmp = mkdtempSync(join(os.tmpdir(), 'edge-users-bench-'));
  if (!values.keep) scratch = tmp;
  const state = join(tmp, 'state');
  // The floor's state: its own directory, except v3/d1, which IS the service's (a
  // symlink), so both Workers read the same D1 database file. Sharing the whole state
  // directory fails: two workerd processes cannot both open the other stores (SQLITE_BUSY).
  const floorState = join(tmp, 'floor-state');
  const floorAssetsState = join(tmp, 'floor-assets-state');
  mkdirSync(join(state, 'v3', 'd1'), { recursive: true });
  for (const dir of [floorState, floorAssetsState]) {
    mkdirSync(join(dir, 'v3'), { recursive: true });
    symlinkSync(join(state, 'v3', 'd1'), join(dir, 'v3', 'd1'));
  }
  const target: Target = { remote: false, persistTo: state };
  const loadBefore = os.loadavg();
  if (loadBefore[0]! > os.availableParallelism() / 2) {
    step(`warning: load average ${loadBefore[0]!.toFixed(1)} on ${os.availableParallelism()} cores: other work will skew the numbers`);
  }

  try {
    mkdirSync(join(tmp, 'storage'));
    const storage = await storageSimulation(join(tmp, 'storage'), storageUsers, step);
    if (values['storage-only']) return writeStorageOnly(storage, storageUsers, step);

    step(`seeding ${users.toLocaleString('en')} users into ${state}`);
    const seeded = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts', 'seed.ts'), '--project', PROJECT, '--users', String(users), '--persist-to', state, '--password', PASSWORD, '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (seeded.status !== 0) throw new Error('seeding failed');
    const seed = JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as { projectSeq: number; usersPerSecond: number; seconds: number; userCount: number };
    step(`seeded in ${seed.seconds.toFixed(1)} s (${seed.usersPerSecond.toLocaleString('en')} users/s)`);
    const key = createKeySql(PROJECT, 'bench', ['users.read', 'users.write']);
    execute(key.sql, target);
    const bulkKey = createKeySql(PROJECT, 'bench bulk import', ['users.write']);
    execute(bulkKey.sql, target);
    const pools = await samplePools(state, seed.projectSeq);

    step('bundling (wrangler deploy --dry-run)');
    const bundle = bundleSize(tmp);
    const consoleFiles = consoleSize();

    // The service's wrangler dev reads the webhook key (deadWebhookLatency) from .dev.vars at start.
    await ensureDevSecretKey();
    const [servicePort, floorPort, floorAssetsPort, inspector1, inspector2, inspector3] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    step(`starting the service on :${servicePort} and the floor on :${floorPort}`);
    const common = ['--ip', '127.0.0.1', '--log-level', 'warn', '--show-interactive-dev-session=false'];
    const service = startWrangler(
      'service',
      [
        '--port',
        String(servicePort),
        '--inspector-port',
        String(inspector1),
        '--persist-to',
        state,
        '--var',
        'METER_ROWS_READ:true',
        '--var',
        'LOG_REQUESTS:false',
        ...common,
      ],
      join(tmp, 'service.log'),
      servicePort,
    );
    const floor = startWrangler(
      'floor',
      [
        '-c',
        join('scripts', 'bench', 'wrangler.toml'),
        '--port',
        String(floorPort),
        '--inspector-port',
        String(inspector2),
        '--persist-to',
        floorState,
        ...common,
      ],
      join(tmp, 'floor.log'),
      floorPort,
    );
    const floorAssets = startWrangler(
      'floor-assets',
      [
        '-c',
        join('scripts', 'bench', 'wrangler-assets.toml'),
        '--port',
        String(floorAssetsPort),
        '--inspector-port',
        String(inspector3),
        '--persist-to',
        floorAssetsState,
        ...common,
      ],
      join(tmp, 'floor-assets.log'),
      floorAssetsPort,
    );
    await Promise.all([
      waitReady(service, '/v1/health', 200),
      waitReady(floor, `/users/none?project=${PROJECT}`, 404),
      waitReady(floorAssets, `/session/users/none?project=${PROJECT}`, 404),
    ]);

    const auth = { 'X-Appwrite-Project': PROJECT, 'X-Appwrite-Key': key.secret };
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const auth1x = { ...auth, 'X-Appwrite-Response-Format': '1.6.0' };
    const query = (method: string, values: unknown[], attribute?: string) => JSON.stringify({ method, attribute, values });
    const queries = (...list: string[]) => list.map((q, i) => `queries[${i}]=${encodeURIComponent(q)}`).join('&');

    // The API-key check: a request that fails parameter validation, which runs after
    // project and key are resolved, so its rows are only the check's.
    step('API-key check rows (cold, then warm)');
    const keyCheck = { method: 'GET' as const, path: '/v1/users?limit=-1', headers: auth };
    const cold = await once({ ...keyCheck, port: service.port });
    const getUser = (): Req => ({ method: 'GET', path: `/v1/users/${pick(pools.ids)}`, headers: auth });
    const floorGet = (): Req => ({ method: 'GET', path: `/users/${pick(pools.ids)}?project=${PROJECT}` });

    step('warming up');
    await drive(service, 'service', connections, 1, getUser);
    await drive(service, 'service', connections, 0.5, () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}`, headers: auth }));
    await drive(floor, 'floor', connections, 1, floorGet);
    const warm = await once({ ...keyCheck, port: service.port });
    const listZero = await once({ method: 'GET', path: '/v1/users?limit=0', port: service.port, headers: auth });
    const keyCheckReport = {
      request: 'GET /v1/users?limit=-1 (400 after the key check)',
      coldStatus: cold.status,
      coldRowsRead: cold.rowsRead,
      warmStatus: warm.status,
      warmRowsRead: warm.rowsRead,
      listLimit0RowsRead: listZero.rowsRead,
    };

    const scenarios: Scenario[] = [];
    const signedIn: string[] = [];
    const idByEmail = new Map(pools.signIn.map((u) => [u.email, u.id]));
    let createCounter = 0;
    let signInCounter = 0;
    const runTag = Date.now().toString(36);
    const specs: Array<{
      name: string;
      label: string;
      next: (i: number) => Req;
      bound?: (s: Sample) => number;
      boundText?: string;
      parseSum?: boolean;
      onResponse?: (req: Req, res: Res, sample: Sample) => void;
    }> = [
      { name: 'get', label: 'get user (random id)', next: getUser, bound: () => 3, boundText: '≤ 3' },
      {
        name: 'list',
        label: `list (limit ${LIMIT})`,
        next: () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}`, headers: auth }),
        bound: () => LIMIT + 5,
        boundText: `≤ limit+offset+5 = ${LIMIT + 5}`,
      },
      {
        name: 'list-offset',
        label: `list (limit ${LIMIT}, offset ${OFFSET})`,
        next: () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}&offset=${OFFSET}`, headers: auth }),
        bound: () => LIMIT + OFFSET + 5,
        boundText: `≤ limit+offset+5 = ${LIMIT + OFFSET + 5}`,
      },
      {
        name: 'list-cursor',
        label: `list after a random cursor (limit ${LIMIT})`,
        next: () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}&cursor=${pick(pools.ids)}`, headers: auth }),
        bound: () => LIMIT + 5,
        boundText: `≤ limit+5 = ${LIMIT + 5}`,
      },
      {
        name: 'list-cursor-deep',
        label: `list before the last user (depth ${users.toLocaleString('en')}, DESC and ASC)`,
        next: (i) => ({
          method: 'GET',
          path: `/v1/users?limit=${LIMIT}&cursor=${pools.lastId}&${i % 2 ? 'cursorDirection=before' : 'orderType=DESC'}`,
          headers: auth,
        }),
        bound: () => LIMIT + 5,
        boundText: `≤ limit+5 = ${LIMIT + 5}`,
      },
      {
        name: 'search-email',
        label: `search email fragment "${EMAIL_FRAGMENT}"`,
        next: () => ({ method: 'GET', path: `/v1/users?search=${EMAIL_FRAGMENT}&limit=${LIMIT}`, headers: auth }),
        parseSum: true,
        bound: (s) => (s.sum ?? 0) + LIMIT + 5,
        boundText: '≤ matches+limit+5',
      },
      {
        name: 'search-name',
        label: `search name prefix (${NAME_PREFIXES.join(',')})`,
        next: (i) => ({ method: 'GET', path: `/v1/users?search=${NAME_PREFIXES[i % NAME_PREFIXES.length]}&limit=${LIMIT}`, headers: auth }),
        parseSum: true,
        bound: (s) => (s.sum ?? 0) + LIMIT + 5,
        boundText: '≤ matches+limit+5',
      },
      {
        name: 'search-name-cursor',
        label: 'search name prefix after a random cursor',
        next: (i) => ({
          method: 'GET',
          path: `/v1/users?search=${NAME_PREFIXES[i % NAME_PREFIXES.length]}&limit=${LIMIT}&cursor=${pick(pools.ids)}`,
          headers: auth,
        }),
        parseSum: true,
        bound: (s) => (s.sum ?? 0) + LIMIT + 5,
        boundText: '≤ matches+limit+5',
      },
      {
        name: 'search-exact',
        label: 'search a full email (1 match)',
        next: () => ({ method: 'GET', path: `/v1/users?search=${encodeURIComponent(pick(pools.signIn).email)}&limit=${LIMIT}`, headers: auth }),
        parseSum: true,
        bound: (s) => (s.sum ?? 0) + LIMIT + 5,
        boundText: '≤ matches+limit+5',
      },
      // The 1.x dialect (X-Appwrite-Response-Format, JSON queries): the same get and list, and each query kind's rows.
      { name: 'get-1x', label: 'get user (1.x)', next: () => ({ ...getUser(), headers: auth1x }), bound: () => 3, boundText: '≤ 3' },
      {
        name: 'list-1x',
        label: `list (1.x, limit ${LIMIT})`,
        next: () => ({ method: 'GET', path: `/v1/users?${queries(query('limit', [LIMIT]))}`, headers: auth1x }),
        bound: () => LIMIT + 5,
        boundText: `≤ limit+5 = ${LIMIT + 5}`,
      },
      {
        name: 'equal-email-1x',
        label: 'equal(email) (1.x)',
        next: () => ({ method: 'GET', path: `/v1/users?${queries(query('equal', [pick(pools.signIn).email], 'email'))}`, headers: auth1x }),
        parseSum: true,
        bound: () => 2,
        boundText: '≤ 2',
      },
      {
        name: 'status-1x',
        label: `equal(status, false) (1.x, limit ${LIMIT})`,
        next: () => ({ method: 'GET', path: `/v1/users?${queries(query('equal', [false], 'status'), query('limit', [LIMIT]))}`, headers: auth1x }),
        parseSum: true,
        bound: (s) => (s.sum ?? 0) + LIMIT + 5,
        boundText: '≤ matches+limit+5',
      },
      {
        name: 'date-range-1x',
        label: `$createdAt in the first hour (1.x, limit ${LIMIT})`,
        next: () => ({
          method: 'GET',
          path: `/v1/users?${queries(query('lessThan', [pools.firstHour], '$createdAt'), query('limit', [LIMIT]))}`,
          headers: auth1x,
        }),
        parseSum: true,
        bound: (s) => (s.sum ?? 0) + LIMIT + 5,
        boundText: '≤ matches+limit+5',
      },
      {
        name: 'create',
        label: 'create user',
        next: () => {
          const n = createCounter++;
          return {
            method: 'POST',
            path: '/v1/users',
            headers: auth,
            body: { email: `load.${runTag}.${n}@bench.test`, password: PASSWORD, name: `Load User ${n}` },
          };
        },
      },
      {
        name: 'sign-in',
        label: 'sign in (POST /v1/account/sessions)',
        next: () => {
          const n = signInCounter++;
          const user = pools.signIn[n % pools.signIn.length]!;
          // A different (synthetic, header-only) client address per request and a
          // different email each time: the sign-in rate limits (30/min per IP, 10/min
          // per email) would otherwise answer most of this load with 429.
          return {
            method: 'POST',
            path: '/v1/account/sessions',
            headers: { 'X-Appwrite-Project': PROJECT, 'CF-Connecting-IP': `198.51.100.${n % 250}`, 'User-Agent': 'edge-users-bench' },
            body: { email: user.email, password: PASSWORD },
          };
        },
        onResponse: (req, res) => {
          if (res.status !== 201) return;
          const email = (req.body as { email: string }).email;
          const id = idByEmail.get(email);
          if (id) signedIn.push(id);
        },
      },
      {
        name: 'sessions',
        label: "list a user's sessions",
        next: () => ({ method: 'GET', path: `/v1/users/${signedIn.length ? pick(signedIn) : pick(pools.ids)}/sessions`, headers: auth }),
      },
    ];

    for (const spec of specs) {
      if (Date.now() - runStarted > HARD_TIMEOUT_MS - 60_000) {
        step(`skipping ${spec.name}: out of time`);
        continue;
      }
      const runs: Array<{ stats: RunStats; floor: RunStats; ratio: number }> = [];
      for (let round = 1; round <= rounds; round++) {
        const of = rounds > 1 ? ` (round ${round}/${rounds})` : '';
        step(`${spec.label}: service${of}`);
        const stats = await drive(service, 'service', connections, duration, spec.next, (req, res, sample) => {
          if (spec.parseSum && res.status === 200) {
            try {
              // 0.6 lists say `sum`, 1.x ones `total`.
              const list = JSON.parse(res.body) as { sum?: number; total?: number };
              sample.sum = list.sum ?? list.total;
            } catch {
              // counted by status
            }
          }
          spec.onResponse?.(req, res, sample);
        });
        step(`${spec.label}: floor${of}`);
        const floorRun = await drive(floor, 'floor', connections, duration, floorGet);
        runs.push({ stats, floor: floorRun, ratio: stats.rps / floorRun.rps });
      }
      const { stats, floor: floorStats } = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)]!;
      const scenario: Scenario = {
        name: spec.name,
        label: spec.label,
        stats,
        floor: floorStats,
        ratio: stats.rps / floorStats.rps,
        ratios: runs.map((r) => r.ratio),
      };
      if (spec.bound) {
        const ok = stats.samples.filter((s) => s.status >= 200 && s.status < 300 && s.rowsRead !== null);
        scenario.rowsOverBound = ok.filter((s) => s.rowsRead! > spec.bound!(s)).length;
        scenario.rowsBound = spec.boundText;
      }
      if (spec.parseSum) {
        const sums = stats.samples.map((s) => s.sum).filter((x): x is number => x !== undefined);
        scenario.avgMatches = sums.length ? sums.reduce((a, b) => a + b, 0) / sums.length : undefined;
      }
      scenarios.push(scenario);
    }

    step('platform costs: get user on the floor bare, through a D1 session, and behind static assets');
    const platform = await platformCosts(
      { service: () => drive(service, 'service', connections, duration, getUser), bare: () => drive(floor, 'floor', connections, duration, floorGet) },
      (server) => drive(server, 'floor', connections, duration, () => ({ method: 'GET', path: `/session/users/${pick(pools.ids)}?project=${PROJECT}` })),
      floor,
      floorAssets,
      rounds,
    );

    step('create user: no webhook, then a dead one registered');
    const webhook = await deadWebhookLatency(service, target, auth, connections, duration, runTag);

    step('password hash in workerd (floor /hash)');
    const hash = await measureHash(floor, 8);
    step('imported password hashes in workerd (floor /verify)');
    const verify = await measureVerifies(floor, 5);
    const bulkUsers = Number(values.bulk);
    const sendService = (req: Req) => once({ ...req, port: service.port });
    const bulk = [];
    for (const concurrency of [8, 32]) {
      step(`bulk create: ${bulkUsers} users, ${concurrency} at a time`);
      agent.destroy();
      agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      bulk.push(await bulkCreate(sendService, auth, concurrency, bulkUsers, hash.wallMedianMs, String(runStarted)));
    }
    step('refused sign-ins: unknown email vs wrong password');
    const refusedSignIn = await refusedSignIns(
      sendService,
      PROJECT,
      pools.signIn.slice(-200).map((u) => u.email),
      50,
    );
    step('bulk import (POST /v1/users/import, 1000 records per request)');
    const bulkImport = await measureBulkImport(service, { ...auth, 'X-Appwrite-Key': bulkKey.secret }, 10);
    const loadAfter = os.loadavg();
    await stopAll();

    // ------------------------------------------------------------- report
    const floorRps = scenarios.map((s) => s.floor.rps).sort((a, b) => a - b);
    const floorMedian = floorRps[Math.floor(floorRps.length / 2)] ?? NaN;
    const byName = new Map(scenarios.map((s) => [s.name, s]));
    const mark = (ok: boolean | null) => (ok === null ? '?' : ok ? '✓' : '✗');
    const hashCpu = hash.cpuMsPerHash ?? hash.wallMedianMs;
    const otherMs = (name: string) => {
      const s = byName.get(name);
      return s && s.stats.cpuMsPerRequest !== null ? s.stats.cpuMsPerRequest - hashCpu : null;
    };
    /** Floor CPU per request over the scenario's: the ratio a CPU-bound server would show, less sensitive to other load. */
    const cpuRatio = (s: Scenario) => (s.stats.cpuMsPerRequest && s.floor.cpuMsPerRequest ? s.floor.cpuMsPerRequest / s.stats.cpuMsPerRequest : null);
    const targets: Array<{ target: string; measured: string; ok: boolean | null }> = [];
    const ratioTarget = (name: string, min: number) => {
      const s = byName.get(name);
      if (s) {
        const cpu = cpuRatio(s);
        targets.push({
          target: `${s.label}: ≥ ${min}× floor req/s`,
          measured: `${s.ratio.toFixed(2)}×${cpu === null ? '' : ` (by CPU per request: ${cpu.toFixed(2)}×)`}`,
          ok: s.ratio >= min,
        });
      }
    };
    ratioTarget('get', 0.9);
    ratioTarget('list', 0.8);
    ratioTarget('list-cursor', 0.8);
    ratioTarget('search-name', 0.7);
    ratioTarget('sessions', 0.8);
    for (const s of scenarios) {
      if (s.rowsBound === undefined) continue;
      targets.push({
        target: `${s.label}: rows read ${s.rowsBound}`,
        measured: `avg ${round(s.stats.rowsAvg)}, max ${s.stats.rowsMax}${s.avgMatches !== undefined ? ` (avg matches ${Math.round(s.avgMatches)})` : ''}; ${s.rowsOverBound} over`,
        ok: s.rowsOverBound === 0,
      });
    }
    targets.push({
      target: 'one bulk import of 1000 records ≤ 2 s',
      measured: `median ${round(bulkImport.wallMedianMs, 0)} ms, max ${round(bulkImport.wallMaxMs, 0)} ms wall per request (${bulkImport.requests} requests)`,
      ok: bulkImport.wallMaxMs <= 2000,
    });
    targets.push({
      target: 'API-key check rows read on a warm isolate: 0',
      measured: String(keyCheckReport.warmRowsRead),
      ok: keyCheckReport.warmRowsRead === 0,
    });
    targets.push({
      target: 'one argon2id hash ≤ 160 ms CPU (workerd)',
      measured: `${round(hash.cpuMsPerHash)} ms CPU, ${round(hash.wallMedianMs)} ms wall (median of ${hash.runs})`,
      ok: hash.cpuMsPerHash === null ? null : hash.cpuMsPerHash <= 160,
    });
    for (const name of ['create', 'sign-in']) {
      const other = otherMs(name);
      const s = byName.get(name);
      if (!s) continue;
      targets.push({
        target: `${s.label}: ≤ 10 ms CPU besides the hash`,
        measured:
          other === null
            ? 'n/a'
            : `${round(s.stats.cpuMsPerRequest)} ms/request − ${round(hashCpu)} ms hash = ${round(other)} ms${other < 0 ? ' (below the noise)' : ''}`,
        ok: other === null ? null : other <= 10,
      });
    }
    targets.push({
      target: 'create user with a dead webhook registered: p50 within 25% of none (delivery is never in the request path)',
      measured: `${round(webhook.dead.p50)} ms vs ${round(webhook.none.p50)} ms (p99 ${round(webhook.dead.p99)} vs ${round(webhook.none.p99)}; ${webhook.heldConnections} deliveries hanging at the end)`,
      ok: webhook.dead.p50 <= webhook.none.p50 * 1.25,
    });
    targets.push({ target: 'bundle ≤ 400 KiB gzip', measured: `${(bundle.gzipBytes / 1024).toFixed(1)} KiB`, ok: bundle.gzipBytes <= 400 * 1024 });
    targets.push({ target: 'console ≤ 100 KiB gzip', measured: `${(consoleFiles.gzipBytes / 1024).toFixed(1)} KiB`, ok: consoleFiles.gzipBytes <= 100 * 1024 });

    const machine = {
      date: new Date().toISOString(),
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? '',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      wrangler: JSON.parse(readFileSync(join(ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version as string,
      commit: gitDescribe(),
      loadavgBefore: loadBefore.map((x) => round(x, 2)),
      loadavgAfter: loadAfter.map((x) => round(x, 2)),
    };

    const header = [
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'rows avg',
      'rows max',
      'D1 trips primary/replica',
      'CPU ms/req',
      'floor req/s',
      'ratio',
      'CPU ratio',
      'non-2xx',
    ];
    const tripsText = (r: RunStats) => (r.primaryTrips === null ? '-' : `${round(r.primaryTrips, 2)} / ${round(r.replicaTrips, 2)}`);
    const rows = scenarios.map((s) => {
      const bad = Object.entries(s.stats.statuses).filter(([code]) => !code.startsWith('2'));
      return [
        s.label,
        s.stats.rps.toFixed(0),
        s.stats.p50.toFixed(1),
        s.stats.p99.toFixed(1),
        s.stats.rowsAvg === null ? '-' : s.stats.rowsAvg.toFixed(1),
        s.stats.rowsMax === null ? '-' : String(s.stats.rowsMax),
        tripsText(s.stats),
        s.stats.cpuMsPerRequest === null ? '-' : s.stats.cpuMsPerRequest.toFixed(2),
        s.floor.rps.toFixed(0),
        `${s.ratio.toFixed(2)}×${s.ratios.length > 1 ? ` (${s.ratios.map((r) => r.toFixed(2)).join(', ')})` : ''}`,
        cpuRatio(s) === null ? '-' : `${cpuRatio(s)!.toFixed(2)}×`,
        bad.length ? bad.map(([c, n]) => `${c}:${n}`).join(' ') : '0',
      ];
    });
    const floorRow = [...scenarios].map((s) => s.floor).sort((a, b) => a.rps - b.rps)[Math.floor(scenarios.length / 2)];
    if (floorRow) {
      rows.push([
        'floor: get user (1 PK read), median run',
        floorMedian.toFixed(0),
        floorRow.p50.toFixed(1),
        floorRow.p99.toFixed(1),
        floorRow.rowsAvg === null ? '-' : floorRow.rowsAvg.toFixed(1),
        String(floorRow.rowsMax ?? '-'),
        '0 / 1',
        floorRow.cpuMsPerRequest === null ? '-' : floorRow.cpuMsPerRequest.toFixed(2),
        floorMedian.toFixed(0),
        '1.00×',
        '1.00×',
        '0',
      ]);
    }
    const table = markdownTable(header, rows);
    const targetTable = markdownTable(
      ['', 'target', 'measured'],
      targets.map((t) => [mark(t.ok), t.target, t.measured]),
    );
    const summary = [
      `Machine: ${machine.nproc} cores (${machine.cpu}), node ${machine.node}, wrangler ${machine.wrangler}, commit ${machine.commit}, ${machine.date}; load average before/after ${machine.loadavgBefore.join(' ')} / ${machine.loadavgAfter.join(' ')}`,
      `Users: ${seed.userCount.toLocaleString('en')} (seeded in ${seed.seconds.toFixed(1)} s, ${seed.usersPerSecond.toLocaleString('en')} users/s); load: ${connections} keep-alive connections × ${duration} s per run, ${rounds} round(s) per scenario (median ratio reported, all in parentheses)`,
      '',
      table,
      '',
      `Bundle: ${bundle.file} ${(bundle.bytes / 1024).toFixed(1)} KiB, ${(bundle.gzipBytes / 1024).toFixed(1)} KiB gzip`,
      `Console: ${consoleFiles.files.join(', ')} ${(consoleFiles.bytes / 1024).toFixed(1)} KiB, ${(consoleFiles.gzipBytes / 1024).toFixed(1)} KiB gzip`,
      `argon2id (${hash.params}) in workerd: ${round(hash.cpuMsPerHash)} ms CPU per hash (workerd process CPU), wall median ${round(hash.wallMedianMs)} ms hash / ${round(hash.verifyWallMedianMs)} ms verify`,
      `Bulk import: ${Math.round(bulkImport.usersPerSecond).toLocaleString('en')} users/s (${bulkImport.created} users in ${bulkImport.requests} requests of ${bulkImport.recordsPerRequest}; median ${round(bulkImport.wallMedianMs, 0)} ms per request, ${round(bulkImport.cpuMsPerRequest, 0) ?? '-'} ms CPU of workerd + local D1)`,
      `API-key check rows read: cold ${keyCheckReport.coldRowsRead}, warm ${keyCheckReport.warmRowsRead} (list with limit=0: ${keyCheckReport.listLimit0RowsRead})`,
      `Platform costs, get user req/s (CPU ms/req), median of ${rounds} round(s): floor ${platform.rps.bare} (${platform.cpuMsPerRequest.bare}); ` +
        `through a D1 session ${platform.rps.session} (${platform.cpuMsPerRequest.session}); also behind static assets ${platform.rps.assetsSession} (${platform.cpuMsPerRequest.assetsSession}); ` +
        `service ${platform.rps.service} (${platform.cpuMsPerRequest.service}): ${platform.serviceToBareFloor}× the bare floor, ${platform.serviceToShapedFloor}× the floor shaped like it`,
      ...hashingSummary(bulk, refusedSignIn),
      '',
      markdownTable(
        ['imported hash: one verification in workerd', 'CPU ms', 'wall median ms'],
        verify.map((v) => [v.algorithm, String(v.cpuMs ?? '-'), String(v.wallMedianMs)]),
      ),
      '',
      targetTable,
      '',
      storageSummary(storage, storageUsers),
    ].join('\n');
    console.log(summary);

    const resultsDir = join(ROOT, 'bench-results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const stripSamples = (r: RunStats) => {
      const { samples: _samples, ...rest } = r;
      return {
        ...rest,
        rps: round(rest.rps),
        p50: round(rest.p50, 2),
        p99: round(rest.p99, 2),
        rowsAvg: round(rest.rowsAvg, 2),
        cpuMsPerRequest: round(rest.cpuMsPerRequest, 3),
      };
    };
    writeFileSync(
      file,
      JSON.stringify(
        {
          machine,
          options: { users, connections, duration, rounds },
          seed,
          bundle,
          console: consoleFiles,
          hash,
          verify,
          bulkImport,
          apiKeyCheck: keyCheckReport,
          bulkCreate: bulk,
          refusedSignIn,
          deadWebhook: { none: stripSamples(webhook.none), dead: stripSamples(webhook.dead), heldConnections: webhook.heldConnections },
          floorMedianRps: round(floorMedian),
          platform,
          scenarios: scenarios.map((s) => ({
            name: s.name,
            label: s.label,
            service: stripSamples(s.stats),
            floor: stripSamples(s.floor),
            ratio: round(s.ratio, 3),
            ratios: s.ratios.map((r) => round(r, 3)),
            cpuRatio: round(cpuRatio(s), 3),
            rowsBound: s.rowsBound,
            rowsOverBound: s.rowsOverBound,
            avgMatches: s.avgMatches === undefined ? undefined : round(s.avgMatches),
          })),
          targets,
          storage,
          elapsedSeconds: round((Date.now() - runStarted) / 1000),
        },
        null,
        2,
      ) + '\n',
    );
    step(`results written to ${file}`);
  } finally {
    await stopAll();
    if (values.keep) step(`state kept in ${tmp}`);
    else removeScratch();
  }
}

function storageSummary(storage: StorageResult[], sample: number): string {
  const daily = storage.find((r) => r.signInsPerYear === 365)!;
  return [
    `Storage: a simulated year of sign-ins (${sample} users for the frequent rates, more for the rare), measured with dbstat (user, sessions and log entries with every index); budget for a year of daily sign-ins ${BUDGET_BYTES.toLocaleString('en')} B: ${daily.bytesPerUser <= BUDGET_BYTES ? 'within' : 'OVER'}`,
    storageTable(storage),
  ].join('\n');
}

/** --storage-only: the simulation's table to stdout, its results to bench-results/<timestamp>-storage.json. */
function writeStorageOnly(storage: StorageResult[], sample: number, step: (message: string) => void): void {
  console.log(storageSummary(storage, sample));
  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-storage.json`);
  writeFileSync(file, JSON.stringify({ commit: gitDescribe(), options: { storageUsers: sample }, storage }, null, 2) + '\n');
  step(`results written to ${file}`);
}

/** The commit measured, with "+dirty" when the work tree has changes (read-only git calls). */
function gitDescribe(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// Ctrl-C, a kill, or the hard timeout: end the servers first.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the servers`);
    void stopAll().finally(() => {
      removeScratch();
      process.exit(130);
    });
  });
}
process.on('exit', killAllNow);
const watchdog = setTimeout(() => {
  console.error(`bench: over ${HARD_TIMEOUT_MS / 60_000} minutes, giving up`);
  void stopAll().finally(() => {
    removeScratch();
    process.exit(1);
  });
}, HARD_TIMEOUT_MS);
watchdog.unref();

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  agent.destroy();
  await stopAll();
}
