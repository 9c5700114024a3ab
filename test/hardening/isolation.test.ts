// Tenant isolation: two projects, A and B, each with keys, users (names, emails, prefs)
// and live sessions. Every route of the route table (imported, so a new route is in the
// matrix the day it is added) is called as:
//   own            A's project, A's credentials, A's ids (the baseline: the request is well-formed)
//   aKeyOnB        project B with A's API key / A's session / A's user's credentials
//   bIdsOnA        project A with A's credentials, but B's user id, B's session id, B's email
//   bSessionOnA    project A with B's session (as A's cookie, as B's cookie, as X-Fallback-Cookies)
//   bKeyOnA        project A with B's API key
//   projectParamB  A's credentials with a `project` parameter naming B (it overrides the header)
// Each answer must be the contract's status (401 for credentials of another project, 404
// for another project's ids, …), no response may contain any of B's data (ids, emails,
// names, prefs, session ids, secrets), and B's rows in D1 and tokens in KV must be
// unchanged afterwards, its sessions still working.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Endpoint } from '../../src/http/endpoint.ts';
import { endpoints } from '../../src/routes/index.ts';
import { createProject, type TestProject } from '../helpers.ts';
import { accountStatus, expectErrorResponse, fastUser, sendJson, signIn, type FastUser, type Session } from './support.ts';

vi.setConfig({ testTimeout: 30_000 });

let A: TestProject;
let B: TestProject;
let bUser: FastUser;
let bOther: FastUser;
let bSession: Session;
let bSession2: Session;
let bOtherSession: Session;
let needles: string[];
let bSnapshot: string;
let counter = 0;

const B_NAME = 'Bertha Bsecretname';
const B_PREF_VALUE = 'b-secret-pref-value-7f3a';

/** Everything of project B: its rows in every table and its KV tokens. */
async function snapshotOf(project: TestProject): Promise<string> {
  const rows = async (sql: string) => (await env.DB.prepare(sql).bind(project.id).all()).results;
  const sessions = await rows('SELECT * FROM sessions WHERE project_id = ? ORDER BY id');
  const kv: Record<string, string | null> = {};
  for (const s of sessions as Array<{ token_hash: string }>) kv[s.token_hash] = await env.SESSIONS.get(`session:${s.token_hash}`);
  return JSON.stringify({
    project: await rows('SELECT * FROM projects WHERE id = ?'),
    keys: await rows('SELECT * FROM api_keys WHERE project_id = ? ORDER BY id'),
    users: await rows('SELECT * FROM users WHERE project_id = ? ORDER BY seq'),
    sessions,
    logs: await rows('SELECT * FROM audit_logs WHERE project_id = ? ORDER BY seq'),
    kv,
  });
}

beforeAll(async () => {
  A = await createProject();
  B = await createProject();
  await fastUser(A, { email: 'alice.owner@a-tenant.example', name: 'Alice Aowner', prefs: '{"aKey":"a-value"}' });
  bUser = await fastUser(B, { email: 'Bertha.Private@b-tenant.example', name: B_NAME, prefs: JSON.stringify({ bPrefKey: B_PREF_VALUE }) });
  bOther = await fastUser(B, { email: 'bruno.hidden@b-tenant.example', name: 'Bruno Bhidden' });
  bSession = await signIn(B, bUser.email);
  bSession2 = await signIn(B, bUser.email);
  bOtherSession = await signIn(B, bOther.email);
  needles = [
    B.id,
    B.key,
    B.readKey,
    B.writeKey,
    bUser.id,
    bUser.email,
    bUser.email.toLowerCase(),
    B_NAME,
    'Bsecretname',
    B_PREF_VALUE,
    bOther.id,
    bOther.email,
    'Bruno Bhidden',
    ...[bSession, bSession2, bOtherSession].flatMap((s) => [s.id, s.secret, s.value, encodeURIComponent(s.value)]),
  ];
  bSnapshot = await snapshotOf(B);
});

type Scenario = 'own' | 'aKeyOnB' | 'bIdsOnA' | 'bSessionOnA' | 'bKeyOnA' | 'projectParamB';
const SCENARIOS: Scenario[] = ['own', 'aKeyOnB', 'bIdsOnA', 'bSessionOnA', 'bKeyOnA', 'projectParamB'];

/** A fresh user of A with a live session, for the requests that act on A's own data. */
async function freshA(): Promise<{ user: FastUser; session: Session }> {
  const user = await fastUser(A, { email: `alice.${counter++}@a-tenant.example`, name: 'Alice Fresh' });
  return { user, session: await signIn(A, user.email) };
}

/** A body for the route's parameters (its own params; unknown routes get {}). */
function bodyFor(endpoint: Endpoint, signInAs: FastUser): Record<string, unknown> | undefined {
  if (endpoint.method === 'GET') return undefined;
  const operationId = endpoint.operationId;
  switch (operationId) {
    case 'createUser':
      return { email: `new.${counter++}@a-tenant.example`, password: 'password', name: 'New In A' };
    case 'updateUserPrefs':
      return { prefs: { bPrefKey: 'overwritten-by-a', aKey: 'x' } };
    case 'updateUserStatus':
      return { status: 2 };
    case 'updateUserName':
      return { name: 'Renamed In A' };
    case 'updateUserEmail':
      return { email: `renamed.${counter++}@a-tenant.example` };
    case 'updateUserPassword':
      return { password: 'new-password' };
    case 'updateUserVerification':
      return { emailVerification: true };
    case 'createSession':
      return { email: signInAs.email, password: signInAs.password };
    case 'importUsers':
      return { users: [{ email: `bulk.${counter++}@a-tenant.example`, hash: { algorithm: 'md5', value: MD5 } }] };
    default:
      return operationId in IMPORTED_HASHES
        ? { userId: `imported-${counter}`, email: `imported.${counter++}@a-tenant.example`, ...IMPORTED_HASHES[operationId] }
        : {};
  }
}

const MD5 = '5f4dcc3b5aa765d61d8327deb882cf99';
/** The import routes' hash parameters (contract §9.2), by operation. */
const IMPORTED_HASHES: Record<string, Record<string, unknown>> = {
  createBcryptUser: { password: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' },
  createArgon2User: { password: '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4' },
  createScryptUser: {
    password: '87f0bb203a374842dc6c58348be45b7e83d4a37b0fb916544531817af4536f48',
    passwordSalt: 'sälz$,=',
    passwordCpu: 2,
    passwordMemory: 1,
    passwordParallel: 1,
    passwordLength: 32,
  },
  createScryptModifiedUser: {
    password: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
    passwordSalt: '42xEC+ixf3L2lw==',
    passwordSaltSeparator: 'Bw==',
    passwordSignerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  },
  createShaUser: { password: 'ab'.repeat(32), passwordVersion: 'sha256' },
  createMd5User: { password: MD5 },
  createPhpassUser: { password: '$P$B12345678L6Lpt4BxNotVIMILOa9u81' },
};

interface Call {
  path: string;
  query: string;
  project: string;
  key?: string;
  cookie?: string;
  fallback?: string;
  body?: Record<string, unknown>;
}

function fill(pattern: string, ids: { userId: string; sessionId: string }): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => (name === 'sessionId' ? ids.sessionId : ids.userId));
}

/** The requests of one scenario for one route (several where the scenario has variants). */
async function callsFor(endpoint: Endpoint, scenario: Scenario): Promise<Call[]> {
  const own = await freshA();
  const scope = endpoint.access.kind === 'key' ? endpoint.access.scope : undefined;
  const aKey = scope === 'users.read' ? A.readKey : A.key;
  const bKey = B.key;
  const ownIds = { userId: own.user.id, sessionId: own.session.id };
  const cookieOf = (projectId: string, s: Session) => `a_session_${projectId}=${encodeURIComponent(s.value)}`;
  const base = { key: aKey, cookie: own.session.cookie, body: bodyFor(endpoint, own.user) };
  switch (scenario) {
    case 'own':
      return [{ ...base, path: fill(endpoint.path, ownIds), query: '', project: A.id }];
    case 'aKeyOnB':
      return [
        {
          ...base,
          path: fill(endpoint.path, { userId: bUser.id, sessionId: bSession.id }),
          query: '',
          project: B.id,
          // A's session, offered under both projects' cookie names.
          cookie: `${own.session.cookie}; ${cookieOf(B.id, own.session)}`,
        },
      ];
    case 'bIdsOnA': {
      const calls: Call[] = [
        {
          ...base,
          path: fill(endpoint.path, { userId: bUser.id, sessionId: bSession.id }),
          query: endpoint.method === 'GET' && 'search' in endpoint.params ? `search=${encodeURIComponent(bUser.email)}` : '',
          project: A.id,
          body: endpoint.operationId === 'createSession' ? { email: bUser.email, password: bUser.password } : base.body,
        },
      ];
      // A's own user, B's session id: must not end or reveal B's session.
      if (endpoint.path.includes(':sessionId') && endpoint.path.includes(':userId')) {
        calls.push({ ...base, path: fill(endpoint.path, { userId: own.user.id, sessionId: bSession2.id }), query: '', project: A.id });
      }
      if (endpoint.method === 'GET' && 'search' in endpoint.params) {
        for (const term of [B_NAME, 'bertha', 'b-tenant.example', bUser.id]) {
          calls.push({ ...base, path: fill(endpoint.path, ownIds), query: `search=${encodeURIComponent(term)}&limit=100`, project: A.id });
        }
      }
      return calls;
    }
    case 'bSessionOnA':
      return [
        { path: fill(endpoint.path, ownIds), query: '', project: A.id, cookie: cookieOf(A.id, bSession), body: bodyFor(endpoint, bUser) },
        { path: fill(endpoint.path, ownIds), query: '', project: A.id, cookie: cookieOf(B.id, bSession), body: bodyFor(endpoint, bUser) },
        {
          path: fill(endpoint.path, ownIds),
          query: '',
          project: A.id,
          fallback: JSON.stringify({ [`a_session_${A.id}`]: bSession.value }),
          body: bodyFor(endpoint, bUser),
        },
      ];
    case 'bKeyOnA':
      return [{ path: fill(endpoint.path, ownIds), query: '', project: A.id, key: bKey, body: bodyFor(endpoint, bUser) }];
    case 'projectParamB': {
      const body = endpoint.method === 'GET' ? undefined : { ...(base.body ?? {}), project: B.id };
      return [{ ...base, path: fill(endpoint.path, ownIds), query: `project=${B.id}`, project: A.id, body }];
    }
  }
}

/** The contract's answer: [status, message] (message undefined: any). */
function expected(endpoint: Endpoint, scenario: Scenario, call: Call): [number, string | undefined] {
  const success = Math.min(
    ...Object.keys(endpoint.responses)
      .map(Number)
      .filter((s) => s < 300),
  );
  const access = endpoint.access;
  if (access.kind === 'open' || scenario === 'own') return [success, undefined];
  const guestKey = access.kind === 'key' ? `Guest (role: guest) missing scope (${access.scope})` : '';
  const guestAccount = 'Guest (role: guest) missing scope (account)';
  const usesBIds = call.path.includes(bUser.id);
  const usesBSession = call.path.includes(bSession.id) || call.path.includes(bSession2.id);
  if (access.kind === 'key') {
    if (scenario === 'bIdsOnA') return usesBIds ? [404, 'User not found'] : [success, undefined];
    return [401, guestKey];
  }
  if (access.kind === 'session') {
    if (scenario === 'bIdsOnA') return usesBSession ? [404, 'Session not found'] : [success, undefined];
    return [401, guestAccount];
  }
  // public: sign-in. The credentials offered belong to the other project (or no user at all).
  if (scenario === 'bKeyOnA' || scenario === 'bSessionOnA' || scenario === 'bIdsOnA' || scenario === 'aKeyOnB' || scenario === 'projectParamB') {
    return [401, 'Invalid credentials'];
  }
  return [success, undefined];
}

async function send1(endpoint: Endpoint, call: Call): Promise<{ status: number; text: string; headers: string }> {
  const headers: Record<string, string> = {};
  if (call.fallback) headers['x-fallback-cookies'] = call.fallback;
  const { status, text, response } = await sendJson(`${call.path}${call.query ? `?${call.query}` : ''}`, {
    method: endpoint.method,
    project: call.project,
    key: call.key ?? null,
    cookie: call.cookie,
    headers,
    body: call.body,
  });
  return { status, text, headers: JSON.stringify([...response.headers]) };
}

/** The routes whose scenarios actually ran. */
const covered = new Set<string>();

describe.each(endpoints.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', (route, endpoint) => {
  it.each(SCENARIOS)('%s', async (scenario) => {
    covered.add(route);
    for (const call of await callsFor(endpoint, scenario)) {
      const { status, text, headers } = await send1(endpoint, call);
      const [wantStatus, wantMessage] = expected(endpoint, scenario, call);
      const label = `${scenario}: ${endpoint.method} ${call.path}?${call.query} body=${JSON.stringify(call.body)}`;
      expect(status, `${label} → ${text.slice(0, 300)}`).toBe(wantStatus);
      if (wantMessage !== undefined)
        await expectErrorResponse(new Response(text, { status, headers: { 'Content-Type': 'application/json; charset=UTF-8' } }), wantStatus, wantMessage);
      for (const needle of needles) {
        expect(text.toLowerCase().includes(needle.toLowerCase()), `${label}: the body leaks ${JSON.stringify(needle)}`).toBe(false);
        expect(headers.toLowerCase().includes(needle.toLowerCase()), `${label}: a header leaks ${JSON.stringify(needle)}`).toBe(false);
      }
      if (scenario === 'bIdsOnA' && endpoint.method === 'GET' && 'search' in endpoint.params) {
        expect(JSON.parse(text).sum, `${label}: a search of A finds B's users`).toBe(0);
      }
    }
  });
});

describe('project B afterwards', () => {
  it('has every row and token exactly as before', async () => {
    expect(await snapshotOf(B)).toBe(bSnapshot);
  });

  it('still works: its sessions authenticate, its key reads its user with its prefs', async () => {
    for (const s of [bSession, bSession2, bOtherSession]) expect(await accountStatus(s)).toBe(200);
    const { status, body } = await sendJson(`/users/${bUser.id}/prefs`, { project: B });
    expect(status).toBe(200);
    expect(body).toEqual({ bPrefKey: B_PREF_VALUE });
    const user = await sendJson(`/users/${bUser.id}`, { project: B });
    expect(user.body.status).toBe(0);
  });

  it('the matrix ran for every route of the table', () => {
    const table = endpoints.map((e) => `${e.method} ${e.path}`);
    expect([...covered].sort()).toEqual([...table].sort());
  });
});
