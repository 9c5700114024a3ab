// The bench's CPU profiles (--profile <scenario,...>): a sampling profile of the service's
// Worker isolate, taken through the `wrangler dev` inspector (the DevTools protocol's
// Profiler domain over a WebSocket) while a scenario's load runs, summarized as self time
// per request in buckets: our code by module folder, drizzle, zod, itty-router, D1's client,
// wrangler's dev middleware, JSON, GC and the rest. The bundle is minified, so each sampled
// function is placed by the bundle's source map, read from the file the isolate loaded.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Sampling interval, µs: fine enough for requests of a few hundred µs of JavaScript. */
const SAMPLING_US = 50;
/** How long one inspector command may take (a reloading isolate may never answer). */
const COMMAND_TIMEOUT_MS = 15_000;

interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  requests: number;
  /** Profiled wall time, ms. */
  wallMs: number;
  /** Sampled non-idle JavaScript per request, µs (GC included). */
  busyUsPerRequest: number;
  /** Self time per request, µs, per bucket, largest first. */
  buckets: Array<{ bucket: string; usPerRequest: number; share: number }>;
  /** The heaviest functions by self time (bucket, source, name), for finding the next step. */
  top: Array<{ fn: string; usPerRequest: number }>;
}

/** Our code by module folder (src/http, src/db, …), then the libraries a request runs through. */
function bucketOf(source: string): string {
  const library = /node_modules\/(.*)$/.exec(source)?.[1];
  if (library === undefined) {
    const ours = /(?:^|\/)src\/(http|db|schemas|domain|routes)\//.exec(source);
    if (ours) return `src/${ours[1]}`;
    if (/(?:^|\/)src\/index\.ts$/.test(source)) return 'src/index.ts';
    return source.includes('.wrangler/tmp/') ? "wrangler's middleware" : `other: ${source.replace(/^(\.\.\/)+/, '')}`;
  }
  // drizzle-orm's own source maps point at its src/, which the bundle's map places right under node_modules.
  if (library.startsWith('src/') || library.startsWith('drizzle-orm/')) return 'drizzle';
  if (library.startsWith('zod/')) return 'zod';
  if (library.startsWith('itty-router/')) return 'itty-router';
  if (library.startsWith('wrangler/')) return "wrangler's middleware";
  return `other: ${library
    .split('/')
    .slice(0, library.startsWith('@') ? 2 : 1)
    .join('/')}`;
}

/** A connection to the isolate's inspector (wrangler's proxy wants an Origin it allows). */
async function connect(inspectorPort: number) {
  const ws = new WebSocket(`ws://localhost:${inspectorPort}/ws`, { headers: { Origin: 'http://localhost' } } as unknown as string[]);
  const pending = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  const scripts = new Map<string, { url: string; sourceMapURL: string }>();
  ws.addEventListener('message', (event: MessageEvent) => {
    const m = JSON.parse(String(event.data)) as { id?: number; method?: string; params?: { scriptId: string; url: string; sourceMapURL: string } };
    if (m.id !== undefined) pending.get(m.id)?.(m as never);
    else if (m.method === 'Debugger.scriptParsed' && m.params) scripts.set(m.params.scriptId, m.params);
  });
  await new Promise<void>((resolve, reject) => {
    setTimeout(() => reject(new Error(`inspector on :${inspectorPort}: no connection`)), COMMAND_TIMEOUT_MS);
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error(`inspector on :${inspectorPort}: could not connect`)));
  });
  let nextId = 0;
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), COMMAND_TIMEOUT_MS);
      pending.set(id, (m) => {
        pending.delete(id);
        clearTimeout(timer);
        // wrangler's proxy answers a command without a result (enable, start) by echoing it.
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve((m.result ?? {}) as T);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, scripts, close: () => ws.close() };
}

/** Runs `load` with the profiler on and summarizes the isolate's self time per request; `load` resolves to its request count. */
export async function profileWhile(inspectorPort: number, load: () => Promise<number>): Promise<ProfileSummary> {
  const inspector = await connect(inspectorPort);
  try {
    // Enabling the debugger lists the loaded scripts (their files and source maps); it is off again before the load.
    await inspector.send('Debugger.enable');
    await inspector.send('Debugger.disable');
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
    await inspector.send('Profiler.start');
    const requests = await load();
    const { profile } = await inspector.send<{ profile?: CpuProfile }>('Profiler.stop');
    if (!profile) throw new Error('Profiler.stop: no profile');
    await inspector.send('Profiler.disable');
    return summarize(profile, requests, inspector.scripts);
  } finally {
    inspector.close();
  }
}

function summarize(profile: CpuProfile, requests: number, scripts: Map<string, { url: string; sourceMapURL: string }>): ProfileSummary {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (scriptId: string) => {
    if (!maps.has(scriptId)) {
      const script = scripts.get(scriptId);
      let map: SourceMap | null = null;
      if (script?.url.startsWith('file://') && script.sourceMapURL && !script.sourceMapURL.startsWith('data:')) {
        try {
          const file = join(dirname(fileURLToPath(script.url)), script.sourceMapURL);
          map = new SourceMap(JSON.parse(readFileSync(file, 'utf8')));
        } catch {
          map = null;
        }
      }
      maps.set(scriptId, map);
    }
    return maps.get(scriptId)!;
  };
  const place = (frame: CallFrame): { bucket: string; source: string } => {
    const name = frame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(root)') return { bucket: 'idle', source: '' };
    if (name === '(garbage collector)') return { bucket: 'GC', source: '' };
    // Native functions: JSON, and the runtime's own (Request, Response, Headers, the D1 binding's fetch, tracing spans).
    if (frame.url === '') return { bucket: name === 'stringify' || name === 'parse' ? 'JSON' : 'runtime (native)', source: '(native)' };
    if (frame.url.startsWith('cloudflare-internal:d1') || frame.url === 'cloudflare-internal:tracing-helpers')
      return { bucket: 'D1 client', source: frame.url };
    const map = mapOf(frame.scriptId);
    if (map) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
      if (entry.originalSource) return { bucket: bucketOf(entry.originalSource), source: entry.originalSource.replace(/^(\.\.\/)+/, '') };
    }
    return { bucket: `other: ${frame.url.replace(/^.*\//, '')}`, source: frame.url };
  };

  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((nodeId, i) => selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [nodeId, us] of selfUs) {
    const frame = byNode.get(nodeId)!.callFrame;
    const { bucket, source } = place(frame);
    if (bucket === 'idle') continue;
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const fn = `${bucket} ${source.replace(/^.*node_modules\//, '')} ${frame.functionName || '(anonymous)'}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const busy = [...buckets.values()].reduce((a, b) => a + b, 0);
  const per = (us: number) => Math.round((us / Math.max(requests, 1)) * 10) / 10;
  return {
    requests,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyUsPerRequest: per(busy),
    buckets: [...buckets]
      .sort((a, b) => b[1] - a[1])
      .map(([bucket, us]) => ({ bucket, usPerRequest: per(us), share: Math.round((us / Math.max(busy, 1)) * 1000) / 1000 })),
    top: [...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([fn, us]) => ({ fn, usPerRequest: per(us) })),
  };
}

/** Profile buckets as one table: a row per bucket, a column per profiled scenario (µs of self time per request, share of the busy time). */
export function profileTable(profiles: Array<{ label: string; summary: ProfileSummary }>): string[][] {
  const order = [
    'src/http',
    'src/routes',
    'src/schemas',
    'src/domain',
    'src/db',
    'src/index.ts',
    'drizzle',
    'zod',
    'itty-router',
    'D1 client',
    "wrangler's middleware",
    'JSON',
    'runtime (native)',
    'GC',
  ];
  const names = new Set(profiles.flatMap((p) => p.summary.buckets.map((b) => b.bucket)));
  const known = order.filter((b) => names.has(b));
  // µs and the share of the busy time: on a loaded machine the µs include time the thread was descheduled, the shares less so.
  const cell = (us: number, share: number) => `${us.toFixed(0)} (${(share * 100).toFixed(1)} %)`;
  const rows = known.map((bucket) => [
    bucket,
    ...profiles.map((p) => {
      const b = p.summary.buckets.find((x) => x.bucket === bucket);
      return b ? cell(b.usPerRequest, b.share) : '0';
    }),
  ]);
  const others = (p: ProfileSummary) => p.buckets.filter((b) => !order.includes(b.bucket));
  rows.push([
    'other',
    ...profiles.map((p) =>
      cell(
        others(p.summary).reduce((a, b) => a + b.usPerRequest, 0),
        others(p.summary).reduce((a, b) => a + b.share, 0),
      ),
    ),
  ]);
  rows.push(['busy JavaScript in all', ...profiles.map((p) => String(p.summary.busyUsPerRequest))]);
  return rows;
}
