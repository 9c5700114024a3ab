// Benchmark scenarios about password hashing, for scripts/bench.ts:
// - bulk create: one API key creating users at a fixed concurrency. Admission
//   (src/domain/hash-admission.ts) should refuse none, and each user should cost one hash
//   plus little else: the isolate runs one hash at a time on its thread, so
//   wall time ÷ users − one hash's wall time is the per-user overhead.
// - refused sign-ins: an unknown email and an existing email with a wrong password,
//   interleaved one at a time, whose latency distributions should not tell them apart.

export interface HashingRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: unknown;
}
export type Send = (req: HashingRequest) => Promise<{ status: number }>;

export interface BulkCreateReport {
  concurrency: number;
  users: number;
  refused: number;
  otherFailures: number;
  seconds: number;
  msPerUser: number;
  overheadMsPerUser: number;
}

export async function bulkCreate(
  send: Send,
  auth: Record<string, string>,
  concurrency: number,
  users: number,
  hashWallMs: number,
  tag: string,
): Promise<BulkCreateReport> {
  const statuses: number[] = [];
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    while (next < users) {
      const i = next++;
      const res = await send({
        method: 'POST',
        path: '/v1/users',
        headers: auth,
        body: { email: `bulk-${tag}-${concurrency}-${i}@bench.test`, password: 'bench-password-1' },
      }).catch(() => ({ status: 0 }));
      statuses.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const msPerUser = (seconds * 1000) / users;
  return {
    concurrency,
    users,
    refused: statuses.filter((s) => s === 429).length,
    otherFailures: statuses.filter((s) => s !== 201 && s !== 429).length,
    seconds,
    msPerUser,
    overheadMsPerUser: msPerUser - hashWallMs,
  };
}

export interface Distribution {
  samples: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}
export interface RefusedSignInReport {
  unknownEmail: Distribution;
  wrongPassword: Distribution;
  p50DifferenceMs: number;
  p99DifferenceMs: number;
}

export async function refusedSignIns(send: Send, project: string, existingEmails: string[], samples: number): Promise<RefusedSignInReport> {
  const times = { unknown: [] as number[], wrong: [] as number[] };
  const statuses = { unknown: [] as number[], wrong: [] as number[] };
  for (let i = 0; i < samples * 2; i++) {
    const kind = i % 2 === 0 ? 'unknown' : 'wrong';
    const n = Math.floor(i / 2);
    // A new email and IP for every attempt: the sign-in rate limits must not answer instead.
    const email = kind === 'unknown' ? `nobody-${n}-${Date.now()}@bench.test` : existingEmails[n % existingEmails.length]!;
    const t0 = performance.now();
    const res = await send({
      method: 'POST',
      path: '/v1/account/sessions',
      headers: { 'X-Appwrite-Project': project, 'CF-Connecting-IP': `203.0.113.${i % 250}`, 'User-Agent': 'edge-users-bench' },
      body: { email, password: 'not-the-password' },
    });
    times[kind].push(performance.now() - t0);
    statuses[kind].push(res.status);
  }
  const unknownEmail = distribution(times.unknown, statuses.unknown);
  const wrongPassword = distribution(times.wrong, statuses.wrong);
  return { unknownEmail, wrongPassword, p50DifferenceMs: unknownEmail.p50 - wrongPassword.p50, p99DifferenceMs: unknownEmail.p99 - wrongPassword.p99 };
}

function distribution(ms: number[], statuses: number[]): Distribution {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return { samples: ms.length, p50: at(0.5), p99: at(0.99), statuses: counts };
}

export function hashingSummary(bulk: BulkCreateReport[], refused: RefusedSignInReport): string[] {
  const r = (n: number) => n.toFixed(1);
  return [
    ...bulk.map(
      (b) =>
        `Bulk create, one key, ${b.concurrency} at a time: ${b.users} users in ${r(b.seconds)} s, ${b.refused} refused (429), ${b.otherFailures} other failures; ${r(b.msPerUser)} ms per user = one hash + ${r(b.overheadMsPerUser)} ms`,
    ),
    `Refused sign-ins (${refused.unknownEmail.samples} each, interleaved): unknown email p50 ${r(refused.unknownEmail.p50)} / p99 ${r(refused.unknownEmail.p99)} ms; wrong password p50 ${r(refused.wrongPassword.p50)} / p99 ${r(refused.wrongPassword.p99)} ms; difference p50 ${r(refused.p50DifferenceMs)} / p99 ${r(refused.p99DifferenceMs)} ms`,
  ];
}
