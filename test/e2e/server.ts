// Starting and stopping a real `wrangler dev` on a throw-away state directory, and the
// operator CLI that prepares its database: shared by the global setup and by tests
// that need a server of their own (e.g. to restart it).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ROOT, bin } from '../../scripts/lib/tools.ts';

const STARTUP_TIMEOUT_MS = 60_000;
const execFileAsync = promisify(execFile);
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/** What each server's Worker reported breaking (test/setup/deployed-limits.ts); stop() fails on any. */
const violations = new WeakMap<ChildProcess, string[]>();

/** wrangler dev serving the Worker under Cloudflare's deployed limits (test/setup/guarded-worker.ts). */
export function startServer(port: number, stateDir: string): ChildProcess {
  const args = ['dev', 'test/setup/guarded-worker.ts', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', stateDir, '--log-level', 'warn'];
  const server = spawn(bin('wrangler'), args, {
    cwd: ROOT,
    env,
    // Its own process group, so stop() also reaches the workerd processes wrangler starts.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: string[] = [];
  violations.set(server, seen);
  for (const stream of [server.stdout!, server.stderr!]) {
    stream.on('data', (chunk: Buffer) => seen.push(...(chunk.toString().match(/deployed limit: [^\n]*/g) ?? [])));
  }
  return server;
}

/** A project with a read-write and a read-only key, made with the operator CLI. */
export async function createCredentials(stateDir: string, origins: string[] = []) {
  // The CLI applies the pending migrations to the state directory before its first write.
  const projectId = `e2e${randomBytes(6).toString('hex')}`;
  const originFlags = ['http://localhost', ...origins].flatMap((origin) => ['--origin', origin]);
  await admin('project', 'create', projectId, '--name', 'E2E', ...originFlags, '--persist-to', stateDir);
  const key = await admin('key', 'create', projectId, '--scopes', 'users.read,users.write', '--persist-to', stateDir);
  const readKey = await admin('key', 'create', projectId, '--scopes', 'users.read', '--persist-to', stateDir);
  return { projectId, key: key.secret as string, readKey: readKey.secret as string };
}

/** Runs the operator CLI; its progress output (stderr) only shows up in the error when it fails. */
export async function admin(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await execFileAsync(process.execPath, ['scripts/admin.ts', ...args, '--json'], { cwd: ROOT, env, encoding: 'utf8' });
  return JSON.parse(stdout) as Record<string, unknown>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls until the server is up; its output so far goes into the error if it never is. */
export async function waitForHealth(server: ChildProcess, endpoint: string): Promise<void> {
  let output = '';
  let failure: string | undefined;
  const capture = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  server.stdout!.on('data', capture);
  server.stderr!.on('data', capture);
  server.once('error', (err) => (failure = String(err)));
  server.once('exit', (code, signal) => (failure = `exited with ${code ?? signal}`));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!failure && Date.now() < deadline) {
    const status = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) {
      // From here on, warnings and errors (e.g. the detail behind a 500) appear in the test output.
      for (const stream of [server.stdout!, server.stderr!]) stream.off('data', capture).pipe(process.stderr);
      return;
    }
    await sleep(250);
  }
  throw new Error(`wrangler dev did not answer GET /v1/health with 200 (${failure ?? 'timed out'}):\n${output}`);
}

/** SIGTERM to wrangler's process group, then SIGKILL to sweep up anything (workerd) still in it. */
export async function stop(server: ChildProcess): Promise<void> {
  const running = server.exitCode === null && server.signalCode === null;
  const exited = new Promise((resolve) => (running ? server.once('exit', resolve) : resolve(undefined)));
  signalGroup(server, 'SIGTERM');
  await Promise.race([exited, sleep(5_000, undefined, { ref: false })]);
  signalGroup(server, 'SIGKILL');
  const broken = violations.get(server) ?? [];
  if (broken.length > 0) throw new Error(`the Worker broke limits that deployed Cloudflare enforces:\n${broken.join('\n')}`);
}

export function signalGroup(server: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-server.pid!, signal);
  } catch {
    // The group is already gone.
  }
}
