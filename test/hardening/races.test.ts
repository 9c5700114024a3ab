// Concurrency: duplicate and parallel creates, parallel prefs merges, sign-ins racing
// a block or a "delete all sessions", and admission to the per-isolate hash slots
// (src/domain/passwords.ts: a request waits its turn unless its predicted wait exceeds
// its budget). Requests are sent with `direct: true` (the Worker's fetch handler in
// the test's own context); D1 and KV calls stay truly concurrent.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SERVER_BUDGET_MS, hashEstimateMs, waitingForHash, withHashSlot } from '../../src/domain/hash-admission.ts';
import { hashCount } from '../../src/domain/passwords.ts';
import { createProject, storedUserCount, storedUsers } from '../helpers.ts';
import {
  CHEAP,
  accountStatus,
  count,
  eventsOf,
  expectErrorResponse,
  fastUser,
  pool,
  randomIp,
  send,
  sendJson,
  sessionOf,
  sessionRows,
  sha256,
  sleep,
  withHashCost,
  type Session,
  sessionsThroughDb,
} from './support.ts';

vi.setConfig({ testTimeout: 60_000 });
beforeEach(sessionsThroughDb);
afterEach(() => {
  vi.restoreAllMocks();
});

async function usersSum(project: { id: string; key: string }): Promise<number> {
  const { status, body } = await sendJson('/users?limit=0', { project: project as never });
  expect(status).toBe(200);
  return body.sum;
}

describe('creating users concurrently', () => {
  // The subject is the database race, not hashing: the Worker hashes at CHEAP cost here
  // (the stored PHC strings show it), so 50 creates take a second, not half a minute.
  const cheaply = <T>(run: () => Promise<T>) => withHashCost(CHEAP, run);

  it('50 concurrent creates of one email: exactly one 201, 49 × 409 User already registered, one hash, one row, exact counter', async () => {
    const project = await createProject();
    const emails = Array.from({ length: 50 }, (_, i) =>
      i % 3 === 0 ? 'Race.Same@Example.com' : i % 3 === 1 ? 'race.same@example.com' : 'RACE.SAME@EXAMPLE.COM',
    );
    const hashesBefore = hashCount();
    const results = await cheaply(() =>
      Promise.all(emails.map((email) => sendJson('/users', { method: 'POST', project, direct: true, body: { email, password: 'password' } }))),
    );
    expect(hashCount() - hashesBefore).toBe(1);
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 201),
      statuses.join(','),
    ).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 409),
      statuses.join(','),
    ).toHaveLength(49);
    for (const r of results.filter((r) => r.status === 409)) await expectErrorResponse(new Response(r.text, r.response), 409, 'User already registered');
    const created = results.find((r) => r.status === 201)!.body;
    const rows = await storedUsers(project);
    expect(rows.map((r) => r.id)).toEqual([created.$id]);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    expect(await storedUserCount(project)).toBe(1);
    expect(await usersSum(project)).toBe(1);
    expect(await eventsOf(created.$id)).toEqual(['users.create']);
    expect(await count('SELECT count(*) AS n FROM audit_logs WHERE project_id = ?', project.id)).toBe(1);
    // The search index holds exactly the one user.
    const search = await sendJson('/users?search=race.same', { project });
    expect(search.body.sum).toBe(1);
  });

  it('50 concurrent creates of different emails: all 201, and GET sum, user_count and count(*) agree', async () => {
    const project = await createProject();
    const other = await createProject();
    const results = await cheaply(() =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          sendJson('/users', {
            method: 'POST',
            project: i % 10 === 9 ? other : project,
            direct: true,
            body: { email: `race.many.${i}@example.com`, password: 'password' },
          }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(results.map((r) => r.body.$id)).size).toBe(50);
    expect(await storedUserCount(project)).toBe(45);
    expect(await usersSum(project)).toBe(45);
    expect(await count('SELECT count(*) AS n FROM users WHERE project_id = ?', project.id)).toBe(45);
    expect(await storedUserCount(other)).toBe(5);
    expect(await usersSum(other)).toBe(5);
    expect(await count('SELECT count(*) AS n FROM users WHERE project_id = ?', other.id)).toBe(5);
    const listed = await sendJson('/users?limit=100', { project });
    expect(listed.body.users).toHaveLength(45);
    expect(await count("SELECT count(*) AS n FROM audit_logs WHERE event = 'users.create' AND project_id IN (?, ?)", project.id, other.id)).toBe(50);
  });

  it('24 concurrent creates, each hash slow enough to keep the burst queued: 24 × 201', async () => {
    const project = await createProject();
    const results = await withHashCost({ m: 1024, t: 2, p: 1 }, () =>
      Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          sendJson('/users', { method: 'POST', project, direct: true, body: { email: `burst.${i}@example.com`, password: 'password' } }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(24).fill(201));
    expect(results.every((r) => r.body.email === `burst.${results.indexOf(r)}@example.com`)).toBe(true);
    expect(await storedUserCount(project)).toBe(24);
  });

  it('a steady 8-way stream of 300 creates from one key: all 201', async () => {
    const project = await createProject();
    const results = await cheaply(() =>
      pool(
        Array.from(
          { length: 300 },
          (_, i) => () => sendJson('/users', { method: 'POST', project, direct: true, body: { email: `stream.${i}@example.com`, password: 'password' } }),
        ),
        8,
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(300).fill(201));
    expect(await storedUserCount(project)).toBe(300);
  });

  it('a create whose predicted wait exceeds the API-key budget is 429 with Retry-After and stores nothing; another project’s sign-in is served within one turn', async () => {
    const project = await createProject();
    const other = await createProject();
    const user = await fastUser(other, { email: 'served.between@example.com' });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Both slots busy, and enough of the project's own work queued that one more would wait
    // (n + 3) × estimate / 2 > the budget: the 2 running hashes, the n queued and its own.
    const estimate = hashEstimateMs();
    const queued = Math.floor((2 * SERVER_BUDGET_MS) / estimate) - 2;
    const held = [0, 1].map(() => withHashSlot({ queue: project.id, budgetMs: 60_000 }, () => released));
    // Each queued job notes how many hashes had begun when it was admitted.
    const admittedAt: number[] = [];
    const backlog = Array.from({ length: queued }, () => withHashSlot({ queue: project.id, budgetMs: 60_000 }, async () => void admittedAt.push(hashCount())));

    const refused = await send('/users', { method: 'POST', project, direct: true, body: { email: 'one.too.many@example.com', password: 'password' } });
    await expectErrorResponse(refused, 429, 'Too many requests');
    expect(refused.headers.get('Retry-After')).toBe(String(Math.ceil(((queued + 3) * estimate) / 2 / 1000)));
    expect(await storedUserCount(project)).toBe(0);

    const signingIn = send('/account/sessions', { method: 'POST', project: other.id, direct: true, body: { email: user.email, password: 'password' } });
    while (waitingForHash() < queued + 1) await sleep(5); // the sign-in has joined the queue
    const hashesBefore = hashCount();
    release();
    expect((await signingIn).status).toBe(201);
    await Promise.all([...held, ...backlog]);
    // One queued job of the bulk project, then the other project's turn: its sign-in hash began next.
    expect(admittedAt.slice(0, 3)).toEqual([hashesBefore, hashesBefore + 1, hashesBefore + 1]);
  });
});

describe('a create cancelled while it holds its email', () => {
  it('holds the email up only for the claim’s term: a later create of the email, already waiting, is then 201', async () => {
    const project = await createProject();
    const email = 'abandoned.claim@example.com';
    // The first create's request is cancelled (its client went away) once it holds the
    // claim: its lookup of the email never answers, so it never resumes nor releases.
    let abandoned = false;
    const prepare = env.DB.prepare.bind(env.DB);
    vi.spyOn(env.DB, 'prepare').mockImplementation((sql: string) => {
      if (abandoned || !sql.startsWith('select "id", "status", "password_hash"')) return prepare(sql);
      abandoned = true;
      const never = () => new Promise<never>(() => {});
      return { bind: () => ({ all: never, raw: never, first: never, run: never }) } as unknown as D1PreparedStatement;
    });
    void send('/users', { method: 'POST', project, direct: true, body: { email, password: 'password' } });
    while (!abandoned) await sleep(5);
    const later = sendJson('/users', { method: 'POST', project, direct: true, body: { email: email.toUpperCase(), password: 'password' } });

    // Minutes later (only the clock moves on: the first create never resumes).
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 5 * 60_000);
    const created = await Promise.race([later, sleep(10_000).then(() => Promise.reject(new Error('the later create is still waiting for the claim')))]);
    expect(created.status, created.text).toBe(201);
    expect((await storedUsers(project)).map((r) => r.id)).toEqual([created.body.$id]);
  });
});

describe('prefs', () => {
  it('20 concurrent PATCHes of different keys lose no key (and keep the existing ones)', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'prefs.race@example.com', prefs: JSON.stringify({ keep: 'me', n: 1 }) });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendJson(`/users/${user.id}/prefs`, { method: 'PATCH', project, direct: true, body: { prefs: { [`key${i}`]: { i, s: `value ${i}` } } } }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.status, r.text).toBe(200);
      expect(r.body[`key${i}`]).toEqual({ i, s: `value ${i}` });
      expect(r.body.keep).toBe('me');
    });
    const { body } = await sendJson(`/users/${user.id}/prefs`, { project });
    expect(Object.keys(body).sort()).toEqual(['keep', 'n', ...Array.from({ length: 20 }, (_, i) => `key${i}`)].sort());
    for (let i = 0; i < 20; i++) expect(body[`key${i}`]).toEqual({ i, s: `value ${i}` });
    expect((await eventsOf(user.id)).filter((e) => e === 'users.update.prefs')).toHaveLength(20);
  });

  it('20 concurrent PATCHes of one key end with one of the sent values, whole', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'prefs.same@example.com' });
    const values = Array.from({ length: 20 }, (_, i) => ({ writer: i, list: [i, i, i] }));
    const results = await Promise.all(
      values.map((v) =>
        sendJson(`/users/${user.id}/prefs`, { method: 'PATCH', project, direct: true, body: { prefs: { shared: v, [`own${v.writer}`]: true } } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const { body } = await sendJson(`/users/${user.id}/prefs`, { project });
    expect(values).toContainEqual(body.shared);
    for (let i = 0; i < 20; i++) expect(body[`own${i}`]).toBe(true);
  });
});

// Hashing of moderate cost: a sign-in spends tens of milliseconds between reading the
// user and inserting the session, which is the window a concurrent block must not slip through.
const RACE_HASH = { m: 1024, t: 2, p: 1 };
const ROUNDS = 12;
const SIGN_INS = 6;
/** When the racing request starts: mostly while the sign-ins hash, every third round well after some finished. */
const delayOf = (round: number) => (round % 3 === 2 ? 250 : (round * 7) % 40);

interface RaceOutcome {
  sessions: Session[];
  statuses: number[];
  messages: string[];
}

/** Fires SIGN_INS sign-ins for the user and, after `delayMs`, the other requests; waits for all. */
async function race(
  project: Awaited<ReturnType<typeof createProject>>,
  email: string,
  delayMs: number,
  others: Array<() => Promise<Response>>,
): Promise<{ outcome: RaceOutcome; otherStatuses: number[] }> {
  const signIns = Array.from({ length: SIGN_INS }, async (_, i) => {
    await sleep(i * 3);
    return send('/account/sessions', { method: 'POST', project, direct: true, body: { email, password: 'password' } });
  });
  const rest = (async () => {
    await sleep(delayMs);
    return Promise.all(others.map((o) => o()));
  })();
  const responses = await Promise.all(signIns);
  const otherResponses = await rest;
  const outcome: RaceOutcome = { sessions: [], statuses: [], messages: [] };
  for (const response of responses) {
    outcome.statuses.push(response.status);
    if (response.status === 201) outcome.sessions.push(await sessionOf(project.id, response));
    outcome.messages.push(response.status === 201 ? '' : ((await response.json()) as { message: string }).message);
  }
  const otherStatuses = otherResponses.map((r) => r.status);
  await Promise.all(otherResponses.map((r) => r.text()));
  return { outcome, otherStatuses };
}

describe('sign-in racing with revocation', () => {
  it('racing a block, repeatedly: no session of the blocked user survives, in D1 or by token', async () => {
    const project = await createProject();
    let signedIn = 0;
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const user = await fastUser(project, { email: `block.race.${round}@example.com` }, RACE_HASH);
      const block = () => send(`/users/${user.id}/status`, { method: 'PATCH', project, direct: true, body: { status: 2 } });
      const { outcome, otherStatuses } = await race(project, user.email, delayOf(round), [block]);
      expect(otherStatuses).toEqual([200]);
      outcome.statuses.forEach((status, i) => {
        expect([201, 401], `round ${round}: ${outcome.messages[i]}`).toContain(status);
        if (status === 401) expect(outcome.messages[i]).toBe('Invalid credentials. User is blocked');
      });
      signedIn += outcome.sessions.length;
      refused += outcome.statuses.filter((s) => s === 401).length;
      expect(await sessionRows(user.id), `round ${round}: a session row survived the block`).toEqual([]);
      for (const session of outcome.sessions) expect(await accountStatus(session), `round ${round}: a token still works`).toBe(401);
    }
    // Both sides of the race happened: some sign-ins before the block, some after.
    expect(signedIn).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('racing a block and a DELETE of all sessions, repeatedly: nothing survives', async () => {
    const project = await createProject();
    for (let round = 0; round < ROUNDS / 2; round++) {
      const user = await fastUser(project, { email: `block.delete.race.${round}@example.com` }, RACE_HASH);
      const block = () => send(`/users/${user.id}/status`, { method: 'PATCH', project, direct: true, body: { status: 2 } });
      const deleteAll = () => send(`/users/${user.id}/sessions`, { method: 'DELETE', project, direct: true, body: {} });
      const { outcome, otherStatuses } = await race(project, user.email, delayOf(round + 1), [deleteAll, block]);
      expect(otherStatuses).toEqual([200, 200]);
      expect(await sessionRows(user.id)).toEqual([]);
      for (const session of outcome.sessions) expect(await accountStatus(session)).toBe(401);
    }
  });

  it('racing a DELETE of all sessions, repeatedly: every surviving row is a session handed out, and a token works exactly while its row exists', async () => {
    const project = await createProject();
    let ended = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const user = await fastUser(project, { email: `delete.race.${round}@example.com` }, RACE_HASH);
      const deleteAll = () => send(`/users/${user.id}/sessions`, { method: 'DELETE', project, direct: true, ip: randomIp(), body: {} });
      const { outcome, otherStatuses } = await race(project, user.email, delayOf(round), [deleteAll]);
      expect(otherStatuses).toEqual([200]);
      expect(
        outcome.statuses.every((s) => s === 201),
        outcome.messages.join(','),
      ).toBe(true);
      const rows = (await sessionRows(user.id)).map((r) => r.id);
      const handedOut = outcome.sessions.map((s) => s.id);
      for (const id of rows) expect(handedOut).toContain(id);
      for (const session of outcome.sessions) {
        expect(await accountStatus(session), `round ${round}, session ${session.id}`).toBe(rows.includes(session.id) ? 200 : 401);
      }
      ended += handedOut.length - rows.length;
    }
    expect(ended, 'some sign-ins completed before a deletion').toBeGreaterThan(0);
  });
});

/** The KV token records of a user. */
async function kvTokensOf(userId: string): Promise<string[]> {
  const found: string[] = [];
  for (const { name } of (await env.SESSIONS.list()).keys) {
    const value = await env.SESSIONS.get(name);
    if (value?.includes(userId)) found.push(name);
  }
  return found;
}

/** A promise with its resolver. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * Holds every D1 batch that carries a statement matching `pattern` until `release` is
 * opened; `reached` opens when the first such batch arrives. Forces an interleaving
 * that a race only hits by luck.
 */
function holdBatches(pattern: RegExp) {
  const marked = new WeakSet<object>();
  const reached = latch();
  const release = latch();
  const proto = Object.getPrototypeOf(env.DB) as D1Database;
  vi.spyOn(env.DB, 'prepare').mockImplementation((query: string) => {
    const statement = proto.prepare.call(env.DB, query);
    if (!pattern.test(query)) return statement;
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => {
      const bound = bind(...values);
      marked.add(bound);
      return bound;
    };
    return statement;
  });
  vi.spyOn(env.DB, 'batch').mockImplementation(async (statements: D1PreparedStatement[]) => {
    if (statements.some((s) => marked.has(s))) {
      reached.open();
      await release.promise;
    }
    return proto.batch.call(env.DB, statements) as Promise<D1Result[]>;
  });
  return { reached: reached.promise, release: release.open };
}

/** Holds KV puts until `release`; `reached` opens at the first one. */
function holdKvPuts() {
  const reached = latch();
  const release = latch();
  const put = env.SESSIONS.put.bind(env.SESSIONS);
  vi.spyOn(env.SESSIONS, 'put').mockImplementation(async (...args: Parameters<KVNamespace['put']>) => {
    reached.open();
    await release.promise;
    return put(...args);
  });
  return { reached: reached.promise, release: release.open };
}

describe('sign-in and revocation, interleaved on purpose', () => {
  it('the session insert of a sign-in that read the user before the block lands after it: refused as blocked, no row, no token', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.block@example.com' });
    const hold = holdBatches(/^insert into "sessions"/i);
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached; // the password checked out against the active user; the insert waits
    const blocked = await send(`/users/${user.id}/status`, { method: 'PATCH', project, direct: true, body: { status: 2 } });
    expect(blocked.status).toBe(200);
    hold.release();
    await expectErrorResponse(await signingIn, 401, 'Invalid credentials. User is blocked');
    vi.restoreAllMocks();
    expect(await sessionRows(user.id)).toEqual([]);
    expect(await kvTokensOf(user.id)).toEqual([]);
  });

  it('a block that lands between a sign-in’s insert and its KV write: the token handed out is refused at once', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.block.kv@example.com' });
    const hold = holdKvPuts();
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached; // the D1 row exists; its token is not in KV yet
    expect((await send(`/users/${user.id}/status`, { method: 'PATCH', project, direct: true, body: { status: 2 } })).status).toBe(200);
    hold.release();
    const response = await signingIn;
    vi.restoreAllMocks();
    expect(await sessionRows(user.id)).toEqual([]);
    // The sign-in had passed every check before the block; it reports success, and its token is dead.
    expect(response.status).toBe(201);
    expect(await accountStatus(await sessionOf(project.id, response))).toBe(401);
  });

  it('a DELETE of all sessions between a sign-in’s insert and its KV write: the late token is refused at once', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.delete.kv@example.com' });
    const hold = holdKvPuts();
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached;
    expect((await send(`/users/${user.id}/sessions`, { method: 'DELETE', project, direct: true, body: {} })).status).toBe(200);
    hold.release();
    const response = await signingIn;
    vi.restoreAllMocks();
    expect(await sessionRows(user.id)).toEqual([]);
    // The sign-in reports success and its token even reached KV, after the deletion; D1 says no.
    expect(response.status).toBe(201);
    const session = await sessionOf(project.id, response);
    expect(await env.SESSIONS.get(`session:${await sha256(session.secret)}`)).not.toBeNull();
    expect(await accountStatus(session)).toBe(401);
  });
});

describe('sign-in racing a password change or a delete, interleaved on purpose', () => {
  it('the session insert of a sign-in that verified the old password lands after a password change: refused, no row, no token', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.password@example.com' });
    const hold = holdBatches(/^insert into "sessions"/i);
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached; // the old password checked out; the insert waits
    const changed = await withHashCost(CHEAP, () =>
      send(`/users/${user.id}/password`, { method: 'PATCH', project, direct: true, body: { password: 'another-password' } }),
    );
    expect(changed.status).toBe(200);
    hold.release();
    await expectErrorResponse(await signingIn, 401, 'Invalid credentials');
    vi.restoreAllMocks();
    expect(await sessionRows(user.id)).toEqual([]);
    expect(await kvTokensOf(user.id)).toEqual([]);
    // Checked once more against the new hash, the old password is a refused sign-in.
    expect(await eventsOf(user.id)).toEqual(['users.update.password', 'account.sessions.failed']);
  });

  it('a password change between a sign-in’s insert and its KV write: the token handed out is refused at once', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.password.kv@example.com' });
    const hold = holdKvPuts();
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached; // the D1 row exists; its token is not in KV yet
    const changed = await withHashCost(CHEAP, () =>
      send(`/users/${user.id}/password`, { method: 'PATCH', project, direct: true, body: { password: 'another-password' } }),
    );
    expect(changed.status).toBe(200);
    hold.release();
    const response = await signingIn;
    vi.restoreAllMocks();
    expect(response.status).toBe(201);
    expect(await sessionRows(user.id)).toEqual([]);
    expect(await accountStatus(await sessionOf(project.id, response))).toBe(401);
  });

  it('the session insert of a sign-in that read the user before a delete lands after it: refused, no row, no token, no log', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.delete.user@example.com' });
    const hold = holdBatches(/^insert into "sessions"/i);
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached;
    const deleted = await send(`/users/${user.id}`, { method: 'DELETE', project, direct: true, body: {} });
    expect(deleted.status).toBe(204);
    hold.release();
    await expectErrorResponse(await signingIn, 401, 'Invalid credentials');
    vi.restoreAllMocks();
    expect(await sessionRows(user.id)).toEqual([]);
    expect(await kvTokensOf(user.id)).toEqual([]);
    expect(await eventsOf(user.id)).toEqual([]);
    expect(await storedUserCount(project)).toBe(0);
  });

  it('a delete between a sign-in’s insert and its KV write: the late token is refused at once and nothing of the user is left in D1', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'forced.delete.user.kv@example.com' });
    const hold = holdKvPuts();
    const signingIn = send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    await hold.reached;
    expect((await send(`/users/${user.id}`, { method: 'DELETE', project, direct: true, body: {} })).status).toBe(204);
    hold.release();
    const response = await signingIn;
    vi.restoreAllMocks();
    expect(response.status).toBe(201);
    expect(await accountStatus(await sessionOf(project.id, response))).toBe(401);
    expect(await sessionRows(user.id)).toEqual([]);
    expect(await eventsOf(user.id)).toEqual([]);
  });

  it('racing a delete, repeatedly: no session row or working token survives the deleted user', async () => {
    const project = await createProject();
    let signedIn = 0;
    for (let round = 0; round < ROUNDS / 2; round++) {
      const user = await fastUser(project, { email: `delete.user.race.${round}@example.com` }, RACE_HASH);
      const remove = () => send(`/users/${user.id}`, { method: 'DELETE', project, direct: true, body: {} });
      const { outcome, otherStatuses } = await race(project, user.email, delayOf(round), [remove]);
      expect(otherStatuses).toEqual([204]);
      outcome.statuses.forEach((status, i) => {
        expect([201, 401], `round ${round}: ${outcome.messages[i]}`).toContain(status);
        if (status === 401) expect(outcome.messages[i]).toBe('Invalid credentials');
      });
      signedIn += outcome.sessions.length;
      expect(await sessionRows(user.id), `round ${round}`).toEqual([]);
      expect(await eventsOf(user.id), `round ${round}`).toEqual([]);
      for (const session of outcome.sessions) expect(await accountStatus(session), `round ${round}: a token still works`).toBe(401);
    }
    expect(signedIn, 'some sign-ins completed before a delete').toBeGreaterThan(0);
    expect(await storedUserCount(project)).toBe(0);
  });
});

describe('the block itself', () => {
  it('a block racing many requests of the blocked user leaves every token refused afterwards', async () => {
    const project = await createProject();
    const user = await fastUser(project, { email: 'busy.user@example.com' });
    const sessions: Session[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await send('/account/sessions', { method: 'POST', project, body: { email: user.email, password: 'password' } });
      expect(response.status).toBe(201);
      sessions.push(await sessionOf(project.id, response));
    }
    const traffic = Array.from({ length: 30 }, (_, i) => send('/account', { project: project.id, direct: true, cookie: sessions[i % 5]!.cookie }));
    const blocked = send(`/users/${user.id}/status`, { method: 'PATCH', project, direct: true, body: { status: 2 } });
    const responses = await Promise.all([...traffic, blocked]);
    for (const r of responses) {
      expect([200, 401]).toContain(r.status);
      await r.text();
    }
    expect(await sessionRows(user.id)).toEqual([]);
    for (const s of sessions) expect(await accountStatus(s)).toBe(401);
    expect(await env.DB.prepare('SELECT status FROM users WHERE id = ?').bind(user.id).first('status')).toBe(2);
  });
});
