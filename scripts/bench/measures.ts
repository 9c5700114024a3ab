// What the bench measures besides the scenarios: the bundle and console sizes, the platform
// costs any Worker shaped like the service pays, create-user latency with a dead webhook, the
// password hash and imported-hash verifications in workerd, and bulk import throughput.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import { ROOT, bin, ensureDevSecretKey, execute, type Target } from '../lib/tools.ts';
import { drive, once, round, summarize, type Req, type RunStats } from './load.ts';
import { PASSWORD, PROJECT } from './scenarios.ts';
import { groupCpuSeconds, type Server } from './servers.ts';

/**
 * Create-user latency with no webhook, then with a dead one subscribed to users.create
 * (it accepts connections and never answers, so each delivery waits out the 10 s
 * timeout). Delivery runs from the queue, never in the request path: the two must match.
 */
export async function deadWebhookLatency(service: Server, target: Target, auth: Record<string, string>, connections: number, seconds: number, runTag: string) {
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
export function bundleSize(tmp: string): { file: string; bytes: number; gzipBytes: number } {
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
export function consoleSize(): { files: string[]; bytes: number; gzipBytes: number } {
  const dir = join(ROOT, 'public', 'console');
  const files = [join(ROOT, 'public', 'console.html'), ...readdirSync(dir).map((f) => join(dir, f))];
  const contents = files.map((f) => readFileSync(f));
  return {
    files: files.map((f) => f.slice(ROOT.length + 1)),
    bytes: contents.reduce((sum, c) => sum + c.length, 0),
    gzipBytes: contents.reduce((sum, c) => sum + gzipSync(c, { level: 9 }).length, 0),
  };
}

export interface HashReport {
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
export async function platformCosts(
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

export async function measureHash(floor: Server, runs: number): Promise<HashReport> {
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

export interface BulkImportReport {
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
export async function measureBulkImport(service: Server, headers: Record<string, string>, requests: number): Promise<BulkImportReport> {
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

export async function measureVerifies(floor: Server, runs: number): Promise<Array<{ algorithm: string; cpuMs: number | null; wallMedianMs: number }>> {
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
