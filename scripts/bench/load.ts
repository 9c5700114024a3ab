// The bench's load: one HTTP request at a time (once), or keep-alive loops for a while
// (drive), summarized as req/s, latency percentiles, D1 rows and round trips, and CPU.
import http from 'node:http';
import { groupCpuSeconds, type Server } from './servers.ts';

export interface Req {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface Res {
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

/** From now on, requests share at most `connections` keep-alive sockets. */
export function useConnections(connections: number): void {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: connections });
}

export const closeConnections = () => agent.destroy();

export function once(req: Req & { port: number }): Promise<Res> {
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

export interface Sample {
  ms: number;
  status: number;
  rowsRead: number | null;
  trips: Res['trips'];
  /** For searches: the `sum` of the response (its number of matches). */
  sum?: number;
}

export interface RunStats {
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
export async function drive(
  server: Server,
  target: RunStats['target'],
  connections: number,
  seconds: number,
  next: (i: number) => Req,
  onResponse?: (req: Req, res: Res, sample: Sample) => void,
  maxRequests = 1_000_000,
): Promise<RunStats> {
  useConnections(connections);
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

export function summarize(target: RunStats['target'], samples: Sample[], seconds: number, cpuMsPerRequest: number | null): RunStats {
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
export function round(n: number | null, digits = 1): number | null {
  return n === null || !Number.isFinite(n) ? null : Number(n.toFixed(digits));
}
