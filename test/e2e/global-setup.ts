// One real `wrangler dev` for the whole end-to-end run, on a throw-away state directory,
// with a project and API keys made by the operator CLI exactly as an operator would, and
// the web page the browser tests load, on an origin the project allows.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPageServer, type PageServer } from './browser/page-server.ts';
import { ensureDevJwtSecret, ensureDevSecretKey } from '../../scripts/lib/tools.ts';
import { createCredentials, freePort, signalGroup, startServer, stop, waitForHealth } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoint: string;
    projectId: string;
    /** users.read + users.write */
    key: string;
    readKey: string;
    /** The browser tests' page, on an origin the project allows (a site other than the API's). */
    pageOrigin: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'edge-users-e2e-'));
  let server: ChildProcess | undefined;
  let pageServer: PageServer | undefined;
  const removeStateDir = () => rmSync(stateDir, { recursive: true, force: true });
  // Last resort if vitest exits without running the teardown (e.g. on Ctrl-C).
  const onExit = () => {
    if (server) signalGroup(server, 'SIGKILL');
    removeStateDir();
  };
  process.once('exit', onExit);
  const teardown = async () => {
    process.off('exit', onExit);
    try {
      if (server) await stop(server);
    } finally {
      await pageServer?.close();
      removeStateDir();
    }
  };
  try {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}/v1`;
    // Before wrangler dev starts: it reads the webhook key and the JWT secret from .dev.vars only then.
    await ensureDevSecretKey();
    ensureDevJwtSecret();
    server = startServer(port, stateDir);
    pageServer = await startPageServer();
    // wrangler dev boots while the CLI sets up the database (the Worker opens D1 only on the first
    // test request). Both finish before any teardown, so no CLI run outlives the state directory.
    const [credentials, health] = await Promise.allSettled([createCredentials(stateDir, [pageServer.origin]), waitForHealth(server, endpoint)]);
    if (credentials.status === 'rejected') throw credentials.reason;
    if (health.status === 'rejected') throw health.reason;
    const { projectId, key, readKey } = credentials.value;

    project.provide('endpoint', endpoint);
    project.provide('projectId', projectId);
    project.provide('key', key);
    project.provide('readKey', readKey);
    project.provide('pageOrigin', pageServer.origin);
    return teardown;
  } catch (err) {
    await teardown();
    throw err;
  }
}
