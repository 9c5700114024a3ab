// The bench's report: the table of scenarios against their floor runs, the targets with
// their marks, the other measurements, to stdout; everything to bench-results/<timestamp>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/tools.ts';
import { hashingSummary, type BulkCreateReport, type RefusedSignInReport } from './hashing.ts';
import { round, type RunStats } from './load.ts';
import type { BulkImportReport, HashReport, deadWebhookLatency, platformCosts } from './measures.ts';
import { profileTable, type ProfileSummary } from './profile.ts';
import type { Scenario } from './scenarios.ts';
import { BUDGET_BYTES, storageTable, type StorageResult } from './storage.ts';

/** Everything one run measured. */
export interface BenchRun {
  options: { users: number; connections: number; duration: number; rounds: number; storageUsers: number };
  seed: { projectSeq: number; usersPerSecond: number; seconds: number; userCount: number };
  loadBefore: number[];
  loadAfter: number[];
  started: number;
  scenarios: Scenario[];
  profiles: Array<{ name: string; label: string; summary: ProfileSummary }>;
  bundle: { file: string; bytes: number; gzipBytes: number };
  consoleFiles: { files: string[]; bytes: number; gzipBytes: number };
  keyCheck: {
    request: string;
    coldStatus: number;
    coldRowsRead: number | null;
    warmStatus: number;
    warmRowsRead: number | null;
    listLimit0RowsRead: number | null;
  };
  platform: Awaited<ReturnType<typeof platformCosts>>;
  webhook: Awaited<ReturnType<typeof deadWebhookLatency>>;
  hash: HashReport;
  verify: Array<{ algorithm: string; cpuMs: number | null; wallMedianMs: number }>;
  bulk: BulkCreateReport[];
  refusedSignIn: RefusedSignInReport;
  bulkImport: BulkImportReport;
  storage: StorageResult[];
}

/** Prints the run's tables and targets and writes its JSON; returns the file written. */
export function report(run: BenchRun): string {
  const { scenarios, profiles, bundle, consoleFiles, platform, webhook, hash, verify, bulk, refusedSignIn, bulkImport, storage, seed, loadBefore, loadAfter } =
    run;
  const { users, connections, duration, rounds, storageUsers } = run.options;
  const keyCheckReport = run.keyCheck;
  const runStarted = run.started;
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
  /** The same against the floor of the scenario's own shape; get user's shape is the one-read floor. */
  const shapeCpuRatio = (s: Scenario) =>
    s.shape ? (s.stats.cpuMsPerRequest && s.shape.floor.cpuMsPerRequest ? s.shape.floor.cpuMsPerRequest / s.stats.cpuMsPerRequest : null) : cpuRatio(s);
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
  // Issue 23's read targets in the 0.6 dialect, and the 1.x dialect within 5 % of them.
  for (const [name, min] of [
    ['get', 0.95],
    ['list', 0.85],
    ['search-exact', 0.8],
    ['sessions', 0.85],
  ] as const) {
    ratioTarget(name, min);
    ratioTarget(`${name}-1x`, Math.round(min * 0.95 * 1000) / 1000);
  }
  ratioTarget('list-cursor', 0.8);
  ratioTarget('search-name', 0.7);
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

  const machine = machineInfo(loadBefore, loadAfter);

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
    'shape floor req/s',
    'ratio to shape',
    'CPU ratio to shape',
    'non-2xx',
  ];
  const times = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)}×`);
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
      s.shape ? `${s.shape.floor.rps.toFixed(0)} (${s.shape.name})` : '-',
      s.shape ? `${s.shape.ratio.toFixed(2)}×${s.shape.ratios.length > 1 ? ` (${s.shape.ratios.map((r) => r.toFixed(2)).join(', ')})` : ''}` : '-',
      s.shape ? times(shapeCpuRatio(s)) : '-',
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
      '-',
      '-',
      '-',
      '0',
    ]);
  }
  const table = markdownTable(header, rows);
  const targetTable = markdownTable(
    ['', 'target', 'measured'],
    targets.map((t) => [mark(t.ok), t.target, t.measured]),
  );
  const summary = [
    machineLine(machine),
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
    ...(profiles.length
      ? [
          'CPU profile of the service isolate: self time per request, µs (one extra run of each profiled scenario)',
          markdownTable(['bucket', ...profiles.map((p) => `${p.label} (${p.summary.requests} req)`)], profileTable(profiles)),
          '',
        ]
      : []),
    storageSummary(storage, storageUsers),
  ].join('\n');
  console.log(summary);

  const file = resultsFile('');
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
          shape: s.shape && {
            name: s.shape.name,
            floor: stripSamples(s.shape.floor),
            ratio: round(s.shape.ratio, 3),
            ratios: s.shape.ratios.map((r) => round(r, 3)),
            cpuRatio: round(shapeCpuRatio(s), 3),
          },
          rowsBound: s.rowsBound,
          rowsOverBound: s.rowsOverBound,
          avgMatches: s.avgMatches === undefined ? undefined : round(s.avgMatches),
        })),
        targets,
        profiles,
        storage,
        elapsedSeconds: round((Date.now() - runStarted) / 1000),
      },
      null,
      2,
    ) + '\n',
  );
  return file;
}

/** bench-results/<timestamp><suffix>.json (the directory made if missing). */
export function resultsFile(suffix: string): string {
  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  return join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}${suffix}.json`);
}

/** A run's figures for the JSON, without its samples. */
export function stripSamples(r: RunStats) {
  const { samples: _samples, ...rest } = r;
  return {
    ...rest,
    rps: round(rest.rps),
    p50: round(rest.p50, 2),
    p99: round(rest.p99, 2),
    rowsAvg: round(rest.rowsAvg, 2),
    cpuMsPerRequest: round(rest.cpuMsPerRequest, 3),
  };
}

/** The machine, the versions and the commit measured, and the load average around the run. */
export function machineInfo(loadBefore: number[], loadAfter: number[]) {
  return {
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
}

/** One line naming the machine (machineInfo) above each table. */
export function machineLine(machine: ReturnType<typeof machineInfo>): string {
  return `Machine: ${machine.nproc} cores (${machine.cpu}), node ${machine.node}, wrangler ${machine.wrangler}, commit ${machine.commit}, ${machine.date}; load average before/after ${machine.loadavgBefore.join(' ')} / ${machine.loadavgAfter.join(' ')}`;
}

export function storageSummary(storage: StorageResult[], sample: number): string {
  const daily = storage.find((r) => r.signInsPerYear === 365)!;
  return [
    `Storage: a simulated year of sign-ins (${sample} users for the frequent rates, more for the rare), measured with dbstat (user, sessions and log entries with every index); budget for a year of daily sign-ins ${BUDGET_BYTES.toLocaleString('en')} B: ${daily.bytesPerUser <= BUDGET_BYTES ? 'within' : 'OVER'}`,
    storageTable(storage),
  ].join('\n');
}

/** --storage-only: the simulation's table to stdout, its results to bench-results/<timestamp>-storage.json. */
export function writeStorageOnly(storage: StorageResult[], sample: number, step: (message: string) => void): void {
  console.log(storageSummary(storage, sample));
  const file = resultsFile('-storage');
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

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
