// `npm run bench`: load-tests the service against a floor Worker on this machine.
//
//   npm run bench -- [--users 100000] [--connections 10] [--duration 5] [--rounds 3] [--keep]
//                    [--storage-users 100] [--storage-only] [--scenarios get,list,…] [--profile get,list,…] [--shards]
//
// --shards runs only the shard comparison (scripts/bench/shards.ts): the service with four
// shards, reads of a project on SHARD_1 against one on DB, writes spread over four shards
// against four projects on DB; its results go to bench-results/<timestamp>-shards.json.
// --move runs only the move under load (scripts/bench/move.ts): a project of --users users
// moved from DB to SHARD_1 by the CLI while it is read and written; bench-results/<timestamp>-move.json.
//
// --scenarios runs only the named scenarios (all by default). --profile takes a CPU profile
// of the service's isolate (scripts/bench/profile.ts) during one more run of each named
// scenario, after its measured rounds, and reports its self time per request by bucket.
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
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKeySql } from '../src/domain/admin.ts';
import { bulkCreate, refusedSignIns } from './bench/hashing.ts';
import { closeConnections, drive, once, useConnections, type Req } from './bench/load.ts';
import { bundleSize, consoleSize, deadWebhookLatency, measureBulkImport, measureHash, measureVerifies, platformCosts } from './bench/measures.ts';
import { report, writeStorageOnly } from './bench/report.ts';
import { profileWhile, type ProfileSummary } from './bench/profile.ts';
import { PASSWORD, PROJECT, requests, runScenario, samplePools, scenarioSpecs, type Scenario } from './bench/scenarios.ts';
import { killAllNow, startBenchServers, stopAll } from './bench/servers.ts';
import { seedProject } from './bench/seeding.ts';
import { runMoveBench } from './bench/move.ts';
import { runShardBench } from './bench/shards.ts';
import { storageSimulation } from './bench/storage.ts';
import { ensureDevSecretKey, execute, type Target } from './lib/tools.ts';

const USAGE =
  'usage: npm run bench -- [--users 100000] [--connections 10] [--duration 5] [--rounds 3] [--bulk 300] [--keep] [--storage-users 100] [--storage-only] [--scenarios a,b] [--profile a,b] [--shards] [--move]';
/** The whole run is abandoned (and cleaned up) past this. */
const HARD_TIMEOUT_MS = 20 * 60_000;

/** The temporary state directory, removed on any exit unless --keep. */
let scratch: string | undefined;
const removeScratch = () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
};

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
      scenarios: { type: 'string' },
      profile: { type: 'string', default: '' },
      shards: { type: 'boolean', default: false },
      move: { type: 'boolean', default: false },
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
    if (values.move) return step(`results written to ${await runMoveBench(tmp, state, { users }, step)}`);
    if (values.shards) return step(`results written to ${await runShardBench(tmp, state, { users, connections, duration, rounds }, step)}`);
    mkdirSync(join(tmp, 'storage'));
    const storage = await storageSimulation(join(tmp, 'storage'), storageUsers, step);
    if (values['storage-only']) return writeStorageOnly(storage, storageUsers, step);

    step(`seeding ${users.toLocaleString('en')} users into ${state}`);
    const seed = seedProject(state, PROJECT, users, PASSWORD);
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
    const { service, floor, floorAssets } = await startBenchServers(tmp, { service: state, floor: floorState, floorAssets: floorAssetsState }, step);

    const { auth, getUser, floorGet, listUsers } = requests(pools, key.secret);

    // The API-key check: a request that fails parameter validation, which runs after
    // project and key are resolved, so its rows are only the check's.
    step('API-key check rows (cold, then warm)');
    const keyCheck = { method: 'GET' as const, path: '/v1/users?limit=-1', headers: auth };
    const cold = await once({ ...keyCheck, port: service.port });

    step('warming up');
    await drive(service, 'service', connections, 1, getUser);
    await drive(service, 'service', connections, 0.5, listUsers);
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
    const profiles: Array<{ name: string; label: string; summary: ProfileSummary }> = [];
    const specs = scenarioSpecs(pools, key.secret, users);
    const only = values.scenarios?.split(',');
    const profiled = new Set(values.profile.split(',').filter(Boolean));
    for (const name of [...(only ?? []), ...profiled])
      if (!specs.some((s) => s.name === name)) throw new Error(`no scenario ${name}: ${specs.map((s) => s.name).join(', ')}`);
    for (const spec of specs.filter((s) => !only || only.includes(s.name))) {
      if (Date.now() - runStarted > HARD_TIMEOUT_MS - 60_000) {
        step(`skipping ${spec.name}: out of time`);
        continue;
      }
      scenarios.push(await runScenario(spec, { service, floor, floorGet }, { connections, duration, rounds }, step));
      if (profiled.has(spec.name)) {
        step(`${spec.label}: CPU profile of the service's isolate`);
        try {
          const summary = await profileWhile(service.inspectorPort, async () => (await drive(service, 'service', connections, duration, spec.next)).requests);
          profiles.push({ name: spec.name, label: spec.label, summary });
        } catch (err) {
          step(`${spec.label}: no profile (${err instanceof Error ? err.message : String(err)})`);
        }
      }
    }

    step('platform costs: get user on the floor bare, through a D1 session, and behind static assets');
    const platform = await platformCosts(
      { service: () => drive(service, 'service', connections, duration, getUser), bare: () => drive(floor, 'floor', connections, duration, floorGet) },
      (server) => drive(server, 'floor', connections, duration, () => ({ ...floorGet(), path: `/session${floorGet().path}` })),
      floor,
      floorAssets,
      rounds,
    );

    step('create user: no webhook, then a dead one registered');
    const webhook = await deadWebhookLatency(service, target, auth, connections, duration, Date.now().toString(36));

    step('password hash in workerd (floor /hash)');
    const hash = await measureHash(floor, 8);
    step('imported password hashes in workerd (floor /verify)');
    const verify = await measureVerifies(floor, 5);
    const bulkUsers = Number(values.bulk);
    const sendService = (req: Req) => once({ ...req, port: service.port });
    const bulk = [];
    for (const concurrency of [8, 32]) {
      step(`bulk create: ${bulkUsers} users, ${concurrency} at a time`);
      useConnections(concurrency);
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

    const file = report({
      options: { users, connections, duration, rounds, storageUsers },
      seed,
      loadBefore,
      loadAfter,
      started: runStarted,
      scenarios,
      profiles,
      bundle,
      consoleFiles,
      keyCheck: keyCheckReport,
      platform,
      webhook,
      hash,
      verify,
      bulk,
      refusedSignIn,
      bulkImport,
      storage,
    });
    step(`results written to ${file}`);
  } finally {
    await stopAll();
    if (values.keep) step(`state kept in ${tmp}`);
    else removeScratch();
  }
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
  closeConnections();
  await stopAll();
}
