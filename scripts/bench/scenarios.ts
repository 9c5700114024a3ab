// The bench's scenarios: what load each sends to the service (both dialects), the rows each
// may read, and how one is run: against the service, then the floor for the same time,
// --rounds times, reporting the round with the median ratio.
import { matchExpression } from '../../src/domain/search.ts';
import { openLocalD1 } from '../lib/tools.ts';
import { drive, type Req, type Res, type RunStats, type Sample } from './load.ts';
import type { Server } from './servers.ts';

export const PROJECT = 'bench';
export const PASSWORD = 'bench-password-1';
const LIMIT = 25;
const OFFSET = 2000;
/** A word of one of the seeded email domains (acme.test, about 6% of users). */
const EMAIL_FRAGMENT = 'acme';
/** Name prefixes of 2–3 letters, taken in turn. */
const NAME_PREFIXES = ['jo', 'mar', 'ka', 'da', 'chr', 'li', 'an', 'el'];

// ------------------------------------------------------------------- the run

export interface Pools {
  ids: string[];
  /** The project's last user in list order: a cursor as deep as the list. */
  lastId: string;
  signIn: Array<{ id: string; email: string }>;
  emailFragmentMatches: number;
  /** An ISO date an hour after the first registration: a date range's bound. */
  firstHour: string;
  /** The project's key in the search index (src/domain/search.ts matchExpression). */
  projectSeq: number;
}

/** Random users of the seeded project, read from the sqlite file before the servers start. */
export async function samplePools(state: string, projectSeq: number): Promise<Pools> {
  const { db } = await openLocalD1(state, PROJECT, { readOnly: true });
  try {
    const ids = (db.prepare('SELECT id FROM users WHERE project_id = ? ORDER BY random() LIMIT 20000').all(PROJECT) as Array<{ id: string }>).map((r) => r.id);
    const signIn = db.prepare('SELECT id, email FROM users WHERE project_id = ? AND status != 2 ORDER BY random() LIMIT 5000').all(PROJECT) as Array<{
      id: string;
      email: string;
    }>;
    const { n } = db.prepare('SELECT count(*) AS n FROM users_fts WHERE users_fts MATCH ?').get(matchExpression(projectSeq, EMAIL_FRAGMENT)) as { n: number };
    const { id: lastId } = db.prepare('SELECT id FROM users WHERE project_id = ? ORDER BY seq DESC LIMIT 1').get(PROJECT) as { id: string };
    const { first } = db.prepare('SELECT min(registration) AS first FROM users WHERE project_id = ?').get(PROJECT) as { first: number };
    const firstHour = new Date((first + 3600) * 1000).toISOString();
    return { ids, lastId, signIn, emailFragmentMatches: n, firstHour, projectSeq };
  } finally {
    db.close();
  }
}

export interface Scenario {
  name: string;
  label: string;
  stats: RunStats;
  floor: RunStats;
  ratio: number;
  /** Against the floor shaped like the scenario's own queries (floor-worker.ts /shape/*), when it has one. */
  shape?: { name: string; floor: RunStats; ratio: number; ratios: number[] };
  /** Every round's ratio, in run order (the reported round is the median one). */
  ratios: number[];
  /** Requests whose rows read exceeded their own bound, when there is one. */
  rowsOverBound?: number;
  rowsBound?: string;
  avgMatches?: number;
}

export interface ScenarioSpec {
  name: string;
  label: string;
  next: (i: number) => Req;
  /** The floor route of the same query shape (floor-worker.ts /shape/*): `name` and its requests. */
  shape?: { name: string; next: (i: number) => Req };
  /** The rows one answer may read (X-D1-Rows-Read), when there is a bound. */
  bound?: (s: Sample) => number;
  boundText?: string;
  /** Lists: record each answer's `sum` / `total` (its matches). */
  parseSum?: boolean;
  onResponse?: (req: Req, res: Res, sample: Sample) => void;
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** The requests every part of the run shares: the API key's headers, and get-user on the service and on the floor. */
export function requests(pools: Pools, keySecret: string) {
  const auth = { 'X-Appwrite-Project': PROJECT, 'X-Appwrite-Key': keySecret };
  return {
    auth,
    getUser: (): Req => ({ method: 'GET', path: `/v1/users/${pick(pools.ids)}`, headers: auth }),
    floorGet: (): Req => ({ method: 'GET', path: `/users/${pick(pools.ids)}?project=${PROJECT}` }),
    listUsers: (): Req => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}`, headers: auth }),
  };
}

/** Every scenario, in run order; `users` is the project's size (the deepest cursor). */
export function scenarioSpecs(pools: Pools, keySecret: string, users: number): ScenarioSpec[] {
  const { auth, getUser } = requests(pools, keySecret);
  const auth1x = { ...auth, 'X-Appwrite-Response-Format': '1.6.0' };
  const query = (method: string, values: unknown[], attribute?: string) => JSON.stringify({ method, attribute, values });
  const queries = (...list: string[]) => list.map((q, i) => `queries[${i}]=${encodeURIComponent(q)}`).join('&');
  const signedIn: string[] = [];
  const idByEmail = new Map(pools.signIn.map((u) => [u.email, u.id]));
  let createCounter = 0;
  let signInCounter = 0;
  const runTag = Date.now().toString(36);
  const signedInUser = () => (signedIn.length ? pick(signedIn) : pick(pools.ids));
  // Each read's floor of its own shape; get user's is the one-read floor itself.
  const listShape = { name: 'list', next: (): Req => ({ method: 'GET', path: `/shape/list?project=${PROJECT}` }) };
  const searchShape = {
    name: 'search',
    next: (): Req => ({
      method: 'GET',
      path: `/shape/search?project=${PROJECT}&match=${encodeURIComponent(matchExpression(pools.projectSeq, pick(pools.signIn).email)!)}`,
    }),
  };
  const sessionsShape = { name: 'sessions', next: (): Req => ({ method: 'GET', path: `/shape/sessions?project=${PROJECT}&user=${signedInUser()}` }) };
  const searchExact = (headers: Record<string, string>) => (): Req => ({
    method: 'GET',
    path: `/v1/users?search=${encodeURIComponent(pick(pools.signIn).email)}&limit=${LIMIT}`,
    headers,
  });
  return [
    { name: 'get', label: 'get user (random id)', next: getUser, bound: () => 3, boundText: '≤ 3' },
    {
      name: 'list',
      label: `list (limit ${LIMIT})`,
      next: () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}`, headers: auth }),
      shape: listShape,
      bound: () => LIMIT + 5,
      boundText: `≤ limit+offset+5 = ${LIMIT + 5}`,
    },
    {
      name: 'list-offset',
      label: `list (limit ${LIMIT}, offset ${OFFSET})`,
      next: () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}&offset=${OFFSET}`, headers: auth }),
      bound: () => LIMIT + OFFSET + 5,
      boundText: `≤ limit+offset+5 = ${LIMIT + OFFSET + 5}`,
    },
    {
      name: 'list-cursor',
      label: `list after a random cursor (limit ${LIMIT})`,
      next: () => ({ method: 'GET', path: `/v1/users?limit=${LIMIT}&cursor=${pick(pools.ids)}`, headers: auth }),
      bound: () => LIMIT + 5,
      boundText: `≤ limit+5 = ${LIMIT + 5}`,
    },
    {
      name: 'list-cursor-deep',
      label: `list before the last user (depth ${users.toLocaleString('en')}, DESC and ASC)`,
      next: (i) => ({
        method: 'GET',
        path: `/v1/users?limit=${LIMIT}&cursor=${pools.lastId}&${i % 2 ? 'cursorDirection=before' : 'orderType=DESC'}`,
        headers: auth,
      }),
      bound: () => LIMIT + 5,
      boundText: `≤ limit+5 = ${LIMIT + 5}`,
    },
    {
      name: 'search-email',
      label: `search email fragment "${EMAIL_FRAGMENT}"`,
      next: () => ({ method: 'GET', path: `/v1/users?search=${EMAIL_FRAGMENT}&limit=${LIMIT}`, headers: auth }),
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    {
      name: 'search-name',
      label: `search name prefix (${NAME_PREFIXES.join(',')})`,
      next: (i) => ({ method: 'GET', path: `/v1/users?search=${NAME_PREFIXES[i % NAME_PREFIXES.length]}&limit=${LIMIT}`, headers: auth }),
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    {
      name: 'search-name-cursor',
      label: 'search name prefix after a random cursor',
      next: (i) => ({
        method: 'GET',
        path: `/v1/users?search=${NAME_PREFIXES[i % NAME_PREFIXES.length]}&limit=${LIMIT}&cursor=${pick(pools.ids)}`,
        headers: auth,
      }),
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    {
      name: 'search-exact',
      label: 'search a full email (1 match)',
      next: searchExact(auth),
      shape: searchShape,
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    // The 1.x dialect (X-Appwrite-Response-Format, JSON queries): the same get and list, and each query kind's rows.
    { name: 'get-1x', label: 'get user (1.x)', next: () => ({ ...getUser(), headers: auth1x }), bound: () => 3, boundText: '≤ 3' },
    {
      name: 'list-1x',
      label: `list (1.x, limit ${LIMIT})`,
      next: () => ({ method: 'GET', path: `/v1/users?${queries(query('limit', [LIMIT]))}`, headers: auth1x }),
      shape: listShape,
      bound: () => LIMIT + 5,
      boundText: `≤ limit+5 = ${LIMIT + 5}`,
    },
    {
      name: 'search-exact-1x',
      label: 'search a full email (1.x, 1 match)',
      next: searchExact(auth1x),
      shape: searchShape,
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    {
      name: 'equal-email-1x',
      label: 'equal(email) (1.x)',
      next: () => ({ method: 'GET', path: `/v1/users?${queries(query('equal', [pick(pools.signIn).email], 'email'))}`, headers: auth1x }),
      parseSum: true,
      bound: () => 2,
      boundText: '≤ 2',
    },
    {
      name: 'status-1x',
      label: `equal(status, false) (1.x, limit ${LIMIT})`,
      next: () => ({ method: 'GET', path: `/v1/users?${queries(query('equal', [false], 'status'), query('limit', [LIMIT]))}`, headers: auth1x }),
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    {
      name: 'date-range-1x',
      label: `$createdAt in the first hour (1.x, limit ${LIMIT})`,
      next: () => ({
        method: 'GET',
        path: `/v1/users?${queries(query('lessThan', [pools.firstHour], '$createdAt'), query('limit', [LIMIT]))}`,
        headers: auth1x,
      }),
      parseSum: true,
      bound: (s) => (s.sum ?? 0) + LIMIT + 5,
      boundText: '≤ matches+limit+5',
    },
    {
      name: 'create',
      label: 'create user',
      next: () => {
        const n = createCounter++;
        return {
          method: 'POST',
          path: '/v1/users',
          headers: auth,
          body: { email: `load.${runTag}.${n}@bench.test`, password: PASSWORD, name: `Load User ${n}` },
        };
      },
    },
    {
      name: 'sign-in',
      label: 'sign in (POST /v1/account/sessions)',
      next: () => {
        const n = signInCounter++;
        const user = pools.signIn[n % pools.signIn.length]!;
        // A different (synthetic, header-only) client address per request and a
        // different email each time: the sign-in rate limits (30/min per IP, 10/min
        // per email) would otherwise answer most of this load with 429.
        return {
          method: 'POST',
          path: '/v1/account/sessions',
          headers: { 'X-Appwrite-Project': PROJECT, 'CF-Connecting-IP': `198.51.100.${n % 250}`, 'User-Agent': 'edge-users-bench' },
          body: { email: user.email, password: PASSWORD },
        };
      },
      onResponse: (req, res) => {
        if (res.status !== 201) return;
        const email = (req.body as { email: string }).email;
        const id = idByEmail.get(email);
        if (id) signedIn.push(id);
      },
    },
    {
      name: 'sessions',
      label: "list a user's sessions",
      next: () => ({ method: 'GET', path: `/v1/users/${signedInUser()}/sessions`, headers: auth }),
      shape: sessionsShape,
    },
    {
      name: 'sessions-1x',
      label: "list a user's sessions (1.x)",
      next: () => ({ method: 'GET', path: `/v1/users/${signedInUser()}/sessions`, headers: auth1x }),
      shape: sessionsShape,
    },
  ];
}

/** One scenario: `rounds` times the service then the floor for `duration` s each; the round with the median ratio is reported. */
export async function runScenario(
  spec: ScenarioSpec,
  servers: { service: Server; floor: Server; floorGet: () => Req },
  load: { connections: number; duration: number; rounds: number },
  step: (message: string) => void,
): Promise<Scenario> {
  const { service, floor, floorGet } = servers;
  const { connections, duration, rounds } = load;
  const runs: Array<{ stats: RunStats; floor: RunStats; ratio: number; shape?: RunStats }> = [];
  for (let round = 1; round <= rounds; round++) {
    const of = rounds > 1 ? ` (round ${round}/${rounds})` : '';
    step(`${spec.label}: service${of}`);
    const stats = await drive(service, 'service', connections, duration, spec.next, (req, res, sample) => {
      if (spec.parseSum && res.status === 200) {
        try {
          // 0.6 lists say `sum`, 1.x ones `total`.
          const list = JSON.parse(res.body) as { sum?: number; total?: number };
          sample.sum = list.sum ?? list.total;
        } catch {
          // counted by status
        }
      }
      spec.onResponse?.(req, res, sample);
    });
    step(`${spec.label}: floor${of}`);
    const floorRun = await drive(floor, 'floor', connections, duration, floorGet);
    let shape: RunStats | undefined;
    if (spec.shape) {
      step(`${spec.label}: floor of its shape (${spec.shape.name})${of}`);
      shape = await drive(floor, 'floor', connections, duration, spec.shape.next);
    }
    runs.push({ stats, floor: floorRun, ratio: stats.rps / floorRun.rps, shape });
  }
  const median = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)]!;
  const { stats, floor: floorStats } = median;
  const scenario: Scenario = {
    name: spec.name,
    label: spec.label,
    stats,
    floor: floorStats,
    ratio: stats.rps / floorStats.rps,
    ratios: runs.map((r) => r.ratio),
  };
  if (spec.shape && median.shape) {
    scenario.shape = {
      name: spec.shape.name,
      floor: median.shape,
      ratio: stats.rps / median.shape.rps,
      ratios: runs.map((r) => r.stats.rps / r.shape!.rps),
    };
  }
  if (spec.bound) {
    const ok = stats.samples.filter((s) => s.status >= 200 && s.status < 300 && s.rowsRead !== null);
    scenario.rowsOverBound = ok.filter((s) => s.rowsRead! > spec.bound!(s)).length;
    scenario.rowsBound = spec.boundText;
  }
  if (spec.parseSum) {
    const sums = stats.samples.map((s) => s.sum).filter((x): x is number => x !== undefined);
    scenario.avgMatches = sums.length ? sums.reduce((a, b) => a + b, 0) / sums.length : undefined;
  }
  return scenario;
}
