// A move under load (`npm run bench -- --move`, issue 22 item 5): a project of --users users
// on DB, served by `wrangler dev` with the bench's four shards, is moved to SHARD_1 by the
// CLI (`project move`) while clients read it (get user, list 25) and write it (1.x creates
// without a password, name changes). A write refused by the freeze (503 + Retry-After) is
// retried after the time it names, as an SDK user would; anything else but a 2xx is a
// failure. Afterwards: the project's count equals the seeded users plus the creates that
// succeeded, every created user reads back with its last name, and the target's search
// index passes FTS5's integrity check. The table goes to stdout, everything to
// bench-results/<timestamp>-move.json.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createKeySql } from '../../src/domain/admin.ts';
import { ROOT, configuredShards, ensureDevJwtSecret, ensureDevSecretKey, execute, openLocalD1, type Target } from '../lib/tools.ts';
import { closeConnections, once, useConnections, type Req } from './load.ts';
import { machineInfo, machineLine, markdownTable, resultsFile } from './report.ts';
import { PASSWORD } from './scenarios.ts';
import { seedProject } from './seeding.ts';
import { SERVICE_ARGS, sleep, startDev, stopAll, waitReady } from './servers.ts';
import { SHARD_CONFIG, writeShardConfig } from './shards.ts';

const PROJECT = 'move-bench';
const TARGET_SHARD = 'SHARD_1';
const V1X = { 'X-Appwrite-Response-Format': '1.6.0' };
/** Concurrent clients of each kind. */
const READERS = 4;
const WRITERS = 2;

interface Outcome {
  kind: 'read' | 'write';
  /** The final status, after any waits. */
  status: number;
  /** 503s with Retry-After that the client waited out before it. */
  waits: number;
}

export async function runMoveBench(tmp: string, state: string, options: { users: number }, step: (message: string) => void): Promise<string> {
  const loadBefore = os.loadavg();
  await writeShardConfig();
  try {
    const target: Target = { remote: false, persistTo: state, config: SHARD_CONFIG };
    step(`seeding ${options.users.toLocaleString('en')} users into ${PROJECT} on DB`);
    seedProject(state, PROJECT, options.users, PASSWORD, ['--shard', 'DB', '--config', SHARD_CONFIG]);
    const ids = await sampleIds(state);
    const key = createKeySql(PROJECT, 'bench', ['users.read', 'users.write']);
    execute(key.sql, target);
    await ensureDevSecretKey();
    ensureDevJwtSecret();
    const service = await startDev(tmp, 'service-move', ['-c', SHARD_CONFIG, ...SERVICE_ARGS], state);
    await waitReady(service, '/v1/health', 200);
    useConnections(READERS + WRITERS);
    const auth = { 'X-Appwrite-Project': PROJECT, 'X-Appwrite-Key': key.secret };
    const send = (req: Req) => once({ ...req, port: service.port });

    const outcomes: Outcome[] = [];
    const created = new Map<string, string>();
    let moving = true;
    /** A request as a client sends it: a 503 with Retry-After is waited out and sent again. */
    const attempt = async (kind: Outcome['kind'], req: Req) => {
      let waits = 0;
      for (;;) {
        const res = await send(req).catch(() => ({ status: 0, body: '' }));
        if (res.status === 503 && waits < 30) {
          waits++;
          await sleep(5_000);
          continue;
        }
        outcomes.push({ kind, status: res.status, waits });
        return res;
      }
    };
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const reader = async () => {
      for (let i = 0; moving; i++) {
        await attempt(
          'read',
          i % 4 === 3 ? { method: 'GET', path: '/v1/users?limit=25', headers: auth } : { method: 'GET', path: `/v1/users/${pick(ids)}`, headers: auth },
        );
      }
    };
    let n = 0;
    const writer = async () => {
      while (moving) {
        const k = n++;
        const res = await attempt('write', {
          method: 'POST',
          path: '/v1/users',
          headers: { ...auth, ...V1X },
          body: { userId: 'unique()', email: `move.${k}@bench.test`, name: `Mover ${k}` },
        });
        if (res.status !== 201) continue;
        const id = (JSON.parse(res.body) as { $id: string }).$id;
        const renamed = await attempt('write', { method: 'PATCH', path: `/v1/users/${id}/name`, headers: auth, body: { name: `Moved ${k}` } });
        created.set(id, renamed.status === 200 ? `Moved ${k}` : `Mover ${k}`);
        await sleep(100);
      }
    };

    step(`moving ${PROJECT} to ${TARGET_SHARD} under load (${READERS} readers, ${WRITERS} writers)`);
    const clients = [...Array.from({ length: READERS }, reader), ...Array.from({ length: WRITERS }, writer)];
    const steps = await runMove(state, step);
    moving = false;
    await Promise.all(clients);

    step('checking the moved project');
    const count = JSON.parse((await send({ method: 'GET', path: '/v1/users?limit=1', headers: auth })).body) as { sum: number };
    let unreadable = 0;
    for (const [id, name] of created) {
      const res = await send({ method: 'GET', path: `/v1/users/${id}`, headers: auth });
      if (res.status !== 200 || (JSON.parse(res.body) as { name: string }).name !== name) unreadable++;
    }
    closeConnections();
    const loadAfter = os.loadavg();
    await stopAll();
    const integrity = await integrityCheck(state);
    return moveReport({
      options,
      steps,
      outcomes,
      expectedUsers: options.users + created.size,
      counted: count.sum,
      unreadable,
      integrity,
      machine: machineInfo(loadBefore, loadAfter),
    });
  } finally {
    await stopAll();
    rmSync(SHARD_CONFIG, { force: true });
  }
}

/** Random seeded ids, read before the server starts. */
async function sampleIds(state: string): Promise<string[]> {
  const shard = (await configuredShards({ config: SHARD_CONFIG })).find((s) => s.binding === 'DB')!;
  const { db } = await openLocalD1(state, PROJECT, { readOnly: true, shard });
  try {
    return (db.prepare('SELECT id FROM users WHERE project_id = ? ORDER BY random() LIMIT 5000').all(PROJECT) as Array<{ id: string }>).map((r) => r.id);
  } finally {
    db.close();
  }
}

/** The CLI's move, its steps timed from its progress lines (seconds since its start). */
function runMove(state: string, step: (message: string) => void): Promise<Array<{ step: string; at: number }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'scripts', 'admin.ts'), 'project', 'move', PROJECT, '--to', TARGET_SHARD, '--persist-to', state, '--config', SHARD_CONFIG],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const steps: Array<{ step: string; at: number }> = [];
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      for (const line of chunk.split('\n')) {
        const m = /^([0-9.]+) s\t(.+)$/.exec(line);
        if (m && steps.at(-1)?.step !== m[2]) {
          steps.push({ step: m[2]!, at: Number(m[1]) });
          step(`move: ${m[2]} at ${m[1]} s`);
        }
      }
    });
    child.on('exit', (code) => (code === 0 ? resolve(steps) : reject(new Error(`project move failed (${code}):\n${err.slice(-2000)}`))));
  });
}

async function integrityCheck(state: string): Promise<string> {
  const shard = (await configuredShards({ config: SHARD_CONFIG })).find((s) => s.binding === TARGET_SHARD)!;
  const { db } = await openLocalD1(state, PROJECT, { shard });
  try {
    db.exec("INSERT INTO users_fts(users_fts) VALUES('integrity-check')");
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    db.close();
  }
}

function moveReport(r: {
  options: { users: number };
  steps: Array<{ step: string; at: number }>;
  outcomes: Outcome[];
  expectedUsers: number;
  counted: number;
  unreadable: number;
  integrity: string;
  machine: ReturnType<typeof machineInfo>;
}): string {
  const end = r.steps.at(-1)?.at ?? 0;
  const stepRows = r.steps.map((s, i) => [s.step, s.at.toFixed(1), ((r.steps[i + 1]?.at ?? end) - s.at).toFixed(1)]);
  const tally = (kind: Outcome['kind']) => {
    const of = r.outcomes.filter((o) => o.kind === kind);
    const ok = of.filter((o) => o.status >= 200 && o.status < 300);
    return [
      kind,
      String(of.length),
      String(ok.filter((o) => o.waits === 0).length),
      String(ok.filter((o) => o.waits > 0).length),
      String(of.length - ok.length),
    ];
  };
  const failures = r.outcomes.filter((o) => o.status < 200 || o.status >= 300);
  const failed = failures.length;
  // Which answers failed (0: no answer, the connection failed or timed out).
  const failedStatuses = Object.fromEntries([...new Set(failures.map((o) => o.status))].map((s) => [s, failures.filter((o) => o.status === s).length]));
  console.log(
    [
      machineLine(r.machine),
      `Move of ${PROJECT} (${r.options.users.toLocaleString('en')} seeded users) from DB to ${TARGET_SHARD} through the CLI, under ${READERS} readers and ${WRITERS} writers`,
      '',
      markdownTable(['step', 'began at s', 'took s'], stepRows),
      '',
      markdownTable(['requests', 'sent', '2xx at once', '2xx after waiting out 503s', 'failed'], [tally('read'), tally('write')]),
      '',
      markdownTable(
        ['', 'target', 'measured'],
        [
          [failed === 0 ? '✓' : '✗', 'no request failed', `${failed}${failed === 0 ? '' : ` (by status: ${JSON.stringify(failedStatuses)})`}`],
          [r.counted === r.expectedUsers ? '✓' : '✗', 'users counted after = seeded + created', `${r.counted} of ${r.expectedUsers}`],
          [r.unreadable === 0 ? '✓' : '✗', 'every created user reads back with its last name', `${r.unreadable} not`],
          [r.integrity === 'ok' ? '✓' : '✗', "the target's search index passes integrity-check", r.integrity],
        ],
      ),
    ].join('\n'),
  );
  const file = resultsFile('-move');
  writeFileSync(file, JSON.stringify({ ...r, outcomes: undefined, tally: [tally('read'), tally('write')], failedStatuses }, null, 2) + '\n');
  return file;
}
