// The bench's servers: `wrangler dev` processes, each in its own process group so that
// wrangler, workerd and esbuild are measured (CPU from /proc) and ended together.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ROOT, bin } from '../lib/tools.ts';

export interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  /** The isolate's DevTools inspector (profile.ts). */
  inspectorPort: number;
  log: string;
}

const servers: Server[] = [];

/** Starts `wrangler dev` in its own process group, output to a log file. */
function startWrangler(name: string, args: string[], log: string, port: number, inspectorPort: number): Server {
  const out = openSync(log, 'a');
  const child = spawn(bin('wrangler'), ['dev', ...args], {
    cwd: ROOT,
    detached: true, // its own process group: wrangler, workerd and esbuild end together
    stdio: ['ignore', out, out],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
  });
  closeSync(out);
  const server = { name, child, port, inspectorPort, log };
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
export async function stopAll(): Promise<void> {
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
export function killAllNow(): void {
  for (const s of servers) if (s.child.pid !== undefined && groupAlive(s.child.pid)) process.kill(-s.child.pid, 'SIGKILL');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export async function waitReady(server: Server, path: string, expect: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      await res.body?.cancel();
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

// The CPU of a server: every process of its group, from /proc.
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) used so far by every live process of a process group (Linux /proc). */
export function groupCpuSeconds(pgid: number | undefined): number | null {
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

/** One `wrangler dev` on free 127.0.0.1 ports (its own state directory, its log in `logDir`), not yet ready. */
export async function startDev(logDir: string, name: string, args: string[], persistTo: string): Promise<Server> {
  const common = ['--ip', '127.0.0.1', '--log-level', 'warn', '--show-interactive-dev-session=false'];
  const [port, inspector] = [await freePort(), await freePort()];
  return startWrangler(
    name,
    [...args, '--port', String(port), '--inspector-port', String(inspector), '--persist-to', persistTo, ...common],
    join(logDir, `${name}.log`),
    port,
    inspector,
  );
}

/** The service's arguments: every response metered (X-D1-Rows-Read), no request log lines. */
export const SERVICE_ARGS = ['--var', 'METER_ROWS_READ:true', '--var', 'LOG_REQUESTS:false'];

/**
 * The three servers of a run, each with its own state directory: the service, the floor
 * Worker of scripts/bench/, and the same floor behind the service's static assets
 * (platform costs).
 */
export async function startBenchServers(
  logDir: string,
  state: { service: string; floor: string; floorAssets: string },
  step: (message: string) => void,
): Promise<{ service: Server; floor: Server; floorAssets: Server }> {
  const service = await startDev(logDir, 'service', SERVICE_ARGS, state.service);
  const floor = await startDev(logDir, 'floor', ['-c', join('scripts', 'bench', 'wrangler.toml')], state.floor);
  const floorAssets = await startDev(logDir, 'floor-assets', ['-c', join('scripts', 'bench', 'wrangler-assets.toml')], state.floorAssets);
  step(`started the service on :${service.port} and the floor on :${floor.port}`);
  await Promise.all([
    waitReady(service, '/v1/health', 200),
    waitReady(floor, '/users/none?project=none', 404),
    waitReady(floorAssets, '/session/users/none?project=none', 404),
  ]);
  return { service, floor, floorAssets };
}
