// Abuse limits (contract §2 "rate limited", wrangler.toml [[ratelimits]]): sign-in per
// project+email, per client IP (an IPv6 /64) and per project, session deletion per client IP. Numbers come from
// env.RATE_LIMITS, which must agree with the bindings themselves. The binding counts
// in fixed wall-clock windows and keeps its counters for the whole file, so every
// test uses its own emails and IPs and starts early enough in a window.
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashCount } from '../../src/domain/passwords.ts';
import { clientKey } from '../../src/http/rate-limit.ts';
import { endpoints, endpoints1x } from '../../src/routes/index.ts';
import { createProject } from '../helpers.ts';
import {
  accountStatus,
  eventsOf,
  expectErrorResponse,
  fastUser,
  fastUsers,
  freshWindow,
  pool,
  randomIp,
  rateLimits,
  send,
  sendJson,
  sessionRows,
  signIn,
  windowOf,
  sessionsThroughDb,
} from './support.ts';

const TOO_MANY = 'Too many requests';

// Waiting for a fresh window can take up to the budget asked for, plus the test itself.
vi.setConfig({ testTimeout: 60_000 });
beforeEach(sessionsThroughDb);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Asserts a 429 with the contract body (the dialect's) and X-RateLimit-* headers for the limiter's configuration. */
async function expectLimited(response: Response, config: { limit: number; period: number }, dialect: '0.6' | '1.x' = '0.6') {
  const now = Math.floor(Date.now() / 1000);
  expect(response.headers.get('X-RateLimit-Limit')).toBe(String(config.limit));
  expect(response.headers.get('X-RateLimit-Remaining')).toBe('0');
  const reset = Number(response.headers.get('X-RateLimit-Reset'));
  expect(Number.isInteger(reset), `X-RateLimit-Reset ${response.headers.get('X-RateLimit-Reset')}`).toBe(true);
  // When the window ends: in the future, at most one period ahead.
  expect(reset).toBeGreaterThan(now);
  expect(reset).toBeLessThanOrEqual(now + config.period);
  if (dialect === '0.6') return void (await expectErrorResponse(response, 429, TOO_MANY));
  const body = JSON.parse(await response.text());
  expect({ status: response.status, type: body.type, code: body.code }).toEqual({ status: 429, type: 'general_rate_limit_exceeded', code: 429 });
}

/** D1 statements the Worker prepares while the callback runs. */
async function preparedDuring(run: () => Promise<void>): Promise<string[]> {
  const spy = vi.spyOn(env.DB, 'prepare');
  try {
    await run();
    return spy.mock.calls.map((call) => String(call[0]));
  } finally {
    spy.mockRestore();
  }
}

describe('configuration', () => {
  it('RATE_LIMITS restates every [[ratelimits]] binding of wrangler.toml exactly, in every environment', () => {
    const environments = JSON.parse(env.TEST_RATELIMIT_CONFIG) as Record<
      string,
      { var: string | null; bindings: Array<{ name: string; namespace: string; limit: number; period: number }> }
    >;
    expect(Object.keys(environments)).toContain('');
    const namespaces: string[] = [];
    for (const [name, { var: restated, bindings }] of Object.entries(environments)) {
      const label = name || 'top level';
      expect(bindings.length, label).toBeGreaterThan(0);
      const fromBindings = Object.fromEntries(bindings.map((b) => [b.name, { limit: b.limit, period: b.period }]));
      expect(restated, `${label}: RATE_LIMITS`).not.toBeNull();
      expect(JSON.parse(restated!), `${label}: RATE_LIMITS vs [[ratelimits]]`).toEqual(fromBindings);
      for (const b of bindings) expect([10, 60], `${label}: ${b.name} period`).toContain(b.period);
      namespaces.push(...bindings.map((b) => b.namespace));
    }
    // Bindings that share a namespace_id share their counters (even across Workers).
    expect(new Set(namespaces).size, `namespace ids ${namespaces.join(', ')}`).toBe(namespaces.length);
    // What the tests run with is the top level.
    expect(JSON.parse(env.RATE_LIMITS)).toEqual(JSON.parse(environments['']!.var!));
  });

  it('every limiter a route uses is a binding with a configured limit', () => {
    const configured = rateLimits() as Record<string, unknown>;
    const used = new Set([...endpoints, ...endpoints1x].flatMap((e) => (e.rateLimits ?? []).map((r) => r.limiter)));
    expect([...used].sort()).toEqual([
      'SESSION_DELETE_IP_LIMITER',
      'SIGN_IN_EMAIL_LIMITER',
      'SIGN_IN_IP_LIMITER',
      'SIGN_IN_PROJECT_LIMITER',
      'TOKEN_IP_LIMITER',
      'TOKEN_USER_LIMITER',
    ]);
    for (const name of used) {
      expect(configured[name], name).toBeDefined();
      expect(typeof (env as unknown as Record<string, RateLimit>)[name]?.limit, name).toBe('function');
    }
  });

  it('sign-in and session deletions are limited; creating users is not', () => {
    const limiters = (operationId: string) => endpoints.find((e) => e.operationId === operationId)?.rateLimits?.map((r) => r.limiter) ?? [];
    expect(limiters('createSession')).toEqual(['SIGN_IN_EMAIL_LIMITER', 'SIGN_IN_IP_LIMITER', 'SIGN_IN_PROJECT_LIMITER']);
    expect(limiters('deleteUserSessions')).toEqual(['SESSION_DELETE_IP_LIMITER']);
    expect(limiters('deleteUserSession')).toEqual(['SESSION_DELETE_IP_LIMITER']);
    expect(limiters('deleteAccountSession')).toEqual(['SESSION_DELETE_IP_LIMITER']);
    expect(limiters('createUser')).toEqual([]);
    const limiters1x = (operationId: string) => endpoints1x.find((e) => e.operationId === operationId)?.rateLimits?.map((r) => r.limiter) ?? [];
    expect(limiters1x('createEmailPasswordSession')).toEqual(['SIGN_IN_EMAIL_LIMITER', 'SIGN_IN_IP_LIMITER', 'SIGN_IN_PROJECT_LIMITER']);
    expect(limiters1x('createSession')).toEqual(['TOKEN_USER_LIMITER', 'TOKEN_IP_LIMITER']);
    expect(limiters1x('deleteAccountSessions')).toEqual(['SESSION_DELETE_IP_LIMITER']);
    expect(limiters1x('deleteAccountSession')).toEqual(['SESSION_DELETE_IP_LIMITER']);
  });
});

describe('sign-in per project and email', () => {
  const config = () => rateLimits().SIGN_IN_EMAIL_LIMITER;

  it('the (limit+1)-th attempt within the window is 429 with X-RateLimit-* headers, refused before the user is even looked up', async () => {
    const { limit, period } = config();
    const project = await createProject();
    const user = await fastUser(project, { email: 'limited.email@example.com', password: 'correct-password' });
    const window = await freshWindow(period, 3_000);

    // `limit` wrong passwords, each from its own IP (so only the per-email counter can
    // fire), the email's case varying: the counter is per email, case-insensitively.
    for (let i = 0; i < limit; i++) {
      const email = i % 2 === 0 ? user.email : user.email.toUpperCase();
      await expectErrorResponse(
        await send('/account/sessions', { method: 'POST', project, body: { email, password: `wrong-${i}` } }),
        401,
        'Invalid credentials',
      );
    }
    const failedLogs = (await eventsOf(user.id)).filter((e) => e === 'account.sessions.failed').length;
    expect(failedLogs).toBe(limit);

    // The next attempt is refused, even with the right password, without reading the user.
    let limited!: Response;
    const statements = await preparedDuring(async () => {
      limited = await send('/account/sessions', { method: 'POST', project, body: { email: user.email, password: 'correct-password' } });
    });
    await expectLimited(limited, config());
    expect(
      statements.filter((sql) => /"users"|"sessions"|"audit_logs"/.test(sql)),
      'a refused sign-in touches no user, session or log',
    ).toEqual([]);

    // Rate limits come before parameters: an invalid or missing password is 429 too, not 400.
    await expectLimited(await send('/account/sessions', { method: 'POST', project, body: { email: user.email, password: 'x' } }), config());
    await expectLimited(await send('/account/sessions', { method: 'POST', project, body: { email: user.email.toUpperCase() } }), config());

    // Refused attempts write nothing: no failed-login entry, no session.
    expect((await eventsOf(user.id)).filter((e) => e === 'account.sessions.failed')).toHaveLength(limit);
    expect(await sessionRows(user.id)).toEqual([]);
    expect(windowOf(period), 'the attempts must fall into one window of the limiter').toBe(window);
  });

  it('counts per project and email: another email, or the same email in another project, still signs in', async () => {
    const { limit, period } = config();
    const [a, b] = [await createProject(), await createProject()];
    const email = 'shared.limit@example.com';
    await fastUser(a, { email });
    await fastUser(b, { email });
    const other = await fastUser(a, { email: 'other.limit@example.com' });
    const window = await freshWindow(period, 3_000);
    for (let i = 0; i < limit; i++) await signIn(a, email);
    await expectLimited(await send('/account/sessions', { method: 'POST', project: a, body: { email, password: 'password' } }), config());
    expect(await accountStatus(await signIn(a, other.email))).toBe(200);
    expect(await accountStatus(await signIn(b, email))).toBe(200);
    expect(windowOf(period)).toBe(window);
  });
});

describe('sign-in per client IP', () => {
  const config = () => rateLimits().SIGN_IN_IP_LIMITER;

  it('the (limit+1)-th attempt from one IP is 429, whatever the email; another IP still signs in', async () => {
    const { limit, period } = config();
    const project = await createProject();
    const users = await fastUsers(
      project,
      Array.from({ length: limit + 2 }, (_, i) => ({ email: `ip.limit.${i}@example.com` })),
    );
    const ip = randomIp();
    const window = await freshWindow(period, 5_000);
    // Different emails (each far below its own limit), one IP.
    for (let i = 0; i < limit; i++) await signIn(project, users[i]!.email, 'password', { ip });
    const blocked = users[limit]!;
    let limited!: Response;
    const statements = await preparedDuring(async () => {
      limited = await send('/account/sessions', { method: 'POST', project, ip, body: { email: blocked.email, password: 'password' } });
    });
    await expectLimited(limited, config());
    expect(statements.filter((sql) => /"users"|"sessions"|"audit_logs"/.test(sql))).toEqual([]);
    expect(await sessionRows(blocked.id)).toEqual([]);
    // Before parameters too.
    await expectLimited(await send('/account/sessions', { method: 'POST', project, ip, body: { email: 'not an email' } }), config());
    // The IP's counter holds across projects (as upstream), and CF-Connecting-IP is what counts.
    const elsewhere = await createProject();
    const there = await fastUser(elsewhere, { email: 'ip.limit.elsewhere@example.com' });
    await expectLimited(
      await send('/account/sessions', { method: 'POST', project: elsewhere, ip, body: { email: there.email, password: 'password' } }),
      config(),
    );
    // Another IP is unaffected, for the very email just refused.
    expect(await accountStatus(await signIn(project, blocked.email, 'password', { ip: randomIp() }))).toBe(200);
    expect(windowOf(period)).toBe(window);
  });

  it('X-Forwarded-For does not separate clients: only CF-Connecting-IP does', async () => {
    const { limit, period } = config();
    const project = await createProject();
    const users = await fastUsers(
      project,
      Array.from({ length: limit + 1 }, (_, i) => ({ email: `xff.${i}@example.com` })),
    );
    const ip = randomIp();
    const window = await freshWindow(period, 5_000);
    for (let i = 0; i < limit; i++) {
      await signIn(project, users[i]!.email, 'password', { ip, headers: { 'x-forwarded-for': randomIp() } });
    }
    const last = users[limit]!;
    await expectLimited(
      await send('/account/sessions', {
        method: 'POST',
        project,
        ip,
        headers: { 'x-forwarded-for': randomIp() },
        body: { email: last.email, password: 'password' },
      }),
      config(),
    );
    expect(windowOf(period)).toBe(window);
  });
});

describe('the client an address counts as', () => {
  it('an IPv6 address by its /64, however spelt; an IPv4-mapped one as its IPv4; anything else as it is', () => {
    const slash64 = '2001:db8:0:a::/64';
    for (const ip of [
      '2001:db8:0:a::1',
      '2001:0db8:0000:000a:0000:0000:0000:0002',
      '2001:DB8::A:FFFF:FFFF:FFFF:FFFF',
      '2001:db8:0:a:1::',
      '2001:db8:0:a::1.2.3.4',
      '2001:db8:0:a::9%eth0',
    ]) {
      expect(clientKey(ip), ip).toBe(slash64);
    }
    expect(clientKey('2001:db8:0:b::1')).toBe('2001:db8:0:b::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    for (const ip of ['::ffff:192.0.2.7', '::FFFF:c000:0207', '0:0:0:0:0:ffff:192.0.2.7']) expect(clientKey(ip), ip).toBe('192.0.2.7');
    for (const ip of ['192.0.2.7', '', 'not an address', '2001:db8::1::2', '1:2:3:4:5:6:7:8:9', '2001:db8::12345', '::ffff:1.2.3.256', '1.2.3.4::'])
      expect(clientKey(ip), ip).toBe(ip);
  });
});

describe('sign-in per client IP, IPv6', () => {
  const config = () => rateLimits().SIGN_IN_IP_LIMITER;
  const hex = () => crypto.getRandomValues(new Uint16Array(1))[0]!.toString(16);

  it('every address of one /64 shares the counter, however spelt; another /64 does not', async () => {
    const { limit, period } = config();
    const project = await createProject();
    const user = await fastUser(project, { email: 'ipv6.limit@example.com' });
    const [a, b] = [hex(), hex()];
    const spellings = [
      `2001:db8:${a}:${b}::${hex()}`,
      `2001:0db8:${a.padStart(4, '0')}:${b.padStart(4, '0')}:${hex()}:0:0:${hex()}`,
      `2001:DB8:${a}:${b}:${hex()}:${hex()}:${hex()}:${hex()}`.toUpperCase(),
    ];
    const window = await freshWindow(period, 5_000);
    // Each from another address of the /64 (and a new email): cheap 400s, counted all the same.
    for (let i = 0; i < limit; i++) {
      await expectErrorResponse(
        await send('/account/sessions', { method: 'POST', project, ip: spellings[i % 3], body: { email: `v6.${i}@example.com`, password: 'x' } }),
        400,
      );
    }
    await expectLimited(
      await send('/account/sessions', { method: 'POST', project, ip: `2001:db8:${a}:${b}::${hex()}:1`, body: { email: user.email, password: 'password' } }),
      config(),
    );
    expect(await accountStatus(await signIn(project, user.email, 'password', { ip: `2001:db8:${a}:${(parseInt(b, 16) ^ 1).toString(16)}::1` }))).toBe(200);
    expect(windowOf(period)).toBe(window);
  });

  it('an IPv4-mapped IPv6 address counts as its IPv4', async () => {
    const { limit, period } = config();
    const project = await createProject();
    const user = await fastUser(project, { email: 'mapped.limit@example.com' });
    const ip = randomIp();
    const window = await freshWindow(period, 5_000);
    for (let i = 0; i < limit; i++) {
      await expectErrorResponse(
        await send('/account/sessions', { method: 'POST', project, ip: `::ffff:${ip}`, body: { email: `mapped.${i}@example.com`, password: 'x' } }),
        400,
      );
    }
    await expectLimited(await send('/account/sessions', { method: 'POST', project, ip, body: { email: user.email, password: 'password' } }), config());
    expect(windowOf(period)).toBe(window);
  });
});

describe('sign-in per project', () => {
  const config = () => rateLimits().SIGN_IN_PROJECT_LIMITER;

  it('random emails from many addresses: past the ceiling the project’s sign-ins are 429 before any hash or D1 read; another project still signs in', async () => {
    const { limit, period } = config();
    const [project, other] = [await createProject(), await createProject()];
    const user = await fastUser(project, { email: 'project.limit@example.com' });
    const elsewhere = await fastUser(other, { email: 'project.limit@example.com' });
    const window = await freshWindow(period, 20_000);
    // The flood: each from its own address, with its own email (far below their own limits). Cheap 400s here, counted all the same.
    const flood = await pool(
      Array.from(
        { length: limit },
        (_, i) => async () => (await send('/account/sessions', { method: 'POST', project, body: { email: `flood.${i}@example.com`, password: 'x' } })).status,
      ),
      16,
    );
    expect(flood).toEqual(Array(limit).fill(400));
    const hashes = hashCount();
    let limited!: Response;
    const statements = await preparedDuring(async () => {
      limited = await send('/account/sessions', { method: 'POST', project, direct: true, body: { email: user.email, password: 'password' } });
    });
    await expectLimited(limited, config());
    expect(hashCount() - hashes, 'a refused sign-in hashes nothing').toBe(0);
    expect(statements.filter((sql) => /"users"|"sessions"|"audit_logs"/.test(sql))).toEqual([]);
    expect(await sessionRows(user.id)).toEqual([]);
    expect(await accountStatus(await signIn(other, elsewhere.email))).toBe(200);
    expect(windowOf(period)).toBe(window);
  });
});

describe('session deletion per client IP', () => {
  const config = () => rateLimits().SESSION_DELETE_IP_LIMITER;

  it('DELETE /v1/users/{id}/sessions: the (limit+1)-th from one IP is 429 and ends nothing; another IP still deletes', async () => {
    const { limit, period } = config();
    const project = await createProject();
    const user = await fastUser(project, { email: 'delete.limit@example.com' });
    const ip = randomIp();
    const window = await freshWindow(period, 8_000);
    for (let i = 0; i < limit; i++) {
      const { status, text } = await sendJson(`/users/${user.id}/sessions`, { method: 'DELETE', project, ip, body: {} });
      expect(status, text).toBe(200);
    }
    // A live session, made after the deletions, must survive every refused deletion.
    const session = await signIn(project, user.email);
    const logs = await eventsOf(user.id);
    await expectLimited(await send(`/users/${user.id}/sessions`, { method: 'DELETE', project, ip, body: {} }), config());
    await expectLimited(await send(`/users/${user.id}/sessions/${session.id}`, { method: 'DELETE', project, ip, body: {} }), config());
    // The account route shares the counter.
    await expectLimited(await send('/account/sessions/current', { method: 'DELETE', project: project.id, ip, cookie: session.cookie, body: {} }), config());
    expect(await accountStatus(session)).toBe(200);
    expect(await eventsOf(user.id), 'refused deletions write no users.sessions.delete').toEqual(logs);
    // Rate limits come after authentication: without a key it is still 401.
    await expectErrorResponse(await send(`/users/${user.id}/sessions`, { method: 'DELETE', project, key: null, ip, body: {} }), 401);
    // Another IP deletes.
    const { status } = await sendJson(`/users/${user.id}/sessions`, { method: 'DELETE', project, ip: randomIp(), body: {} });
    expect(status).toBe(200);
    expect(await accountStatus(session)).toBe(401);
    expect(windowOf(period)).toBe(window);
  });
});

describe('creating users with an API key', () => {
  it('is not sign-in limited: an IP whose sign-ins are refused still creates users, more than the sign-in limit', async () => {
    const { limit, period } = rateLimits().SIGN_IN_IP_LIMITER;
    const emailLimit = rateLimits().SIGN_IN_EMAIL_LIMITER;
    const project = await createProject();
    const ip = randomIp();
    const email = 'create.after.limit@example.com';
    const window = await freshWindow(period, 6_000);
    // Exhaust both sign-in counters for this IP and this email.
    for (let i = 0; i < Math.max(limit, emailLimit.limit); i++) {
      const response = await send('/account/sessions', { method: 'POST', project, ip, body: { email, password: 'x' } });
      expect([400, 429]).toContain(response.status);
      await response.text();
    }
    await expectLimited(
      await send('/account/sessions', { method: 'POST', project, ip, body: { email, password: 'password' } }),
      rateLimits().SIGN_IN_EMAIL_LIMITER,
    );
    // POST /v1/users from that IP, with that email: created.
    const created = await sendJson('/users', { method: 'POST', project, ip, body: { email, password: 'password' } });
    expect(created.status, created.text).toBe(201);
    // More requests than the sign-in limit from that IP: never 429 (parameter errors are cheap; two real ones).
    for (let i = 0; i < limit + 5; i++) {
      const { status, text } = await sendJson('/users', { method: 'POST', project, ip, body: { email: `bulk${i}@example.com`, password: 'short' } });
      expect(status, text).toBe(400);
    }
    for (let i = 0; i < 2; i++) {
      const { status, text } = await sendJson('/users', { method: 'POST', project, ip, body: { email: `bulk.real${i}@example.com`, password: 'password' } });
      expect(status, text).toBe(201);
    }
    expect(windowOf(period)).toBe(window);
  });
});

describe('the sign-ins of today’s SDKs (1.x, contract §12.4)', () => {
  const FORMAT = { 'x-appwrite-response-format': '1.6.0' };
  const emailSignIn = (project: { id: string }, email: string, options: { ip: string; key: string | null }) =>
    send('/account/sessions/email', { method: 'POST', project: project.id, ...options, headers: FORMAT, body: { email, password: 'password' } });

  it('a server with its API key (SSR) is not counted per IP: more sign-ins than the IP limit from one address succeed; without the key the IP limit holds', async () => {
    const { limit, period } = rateLimits().SIGN_IN_IP_LIMITER;
    const project = await createProject();
    const users = await fastUsers(
      project,
      Array.from({ length: limit + 2 }, (_, i) => ({ email: `ssr.ip.${i}@example.com` })),
    );
    const ip = randomIp();
    const window = await freshWindow(period, 10_000);
    for (const user of users) expect((await emailSignIn(project, user.email, { ip, key: project.key })).status).toBe(201);
    const browserIp = randomIp();
    for (let i = 0; i < limit; i++) expect((await emailSignIn(project, users[i]!.email, { ip: browserIp, key: null })).status).toBe(201);
    await expectLimited(await emailSignIn(project, users[limit]!.email, { ip: browserIp, key: null }), rateLimits().SIGN_IN_IP_LIMITER, '1.x');
    expect(windowOf(period)).toBe(window);
  });

  it('a server with its API key is still counted per project and email', async () => {
    const { limit, period } = rateLimits().SIGN_IN_EMAIL_LIMITER;
    const project = await createProject();
    const user = await fastUser(project, { email: 'ssr.email@example.com' });
    const window = await freshWindow(period, 5_000);
    for (let i = 0; i < limit; i++) expect((await emailSignIn(project, user.email, { ip: randomIp(), key: project.key })).status).toBe(201);
    await expectLimited(await emailSignIn(project, user.email, { ip: randomIp(), key: project.key }), rateLimits().SIGN_IN_EMAIL_LIMITER, '1.x');
    expect(windowOf(period)).toBe(window);
  });

  it('token exchanges are limited per user and per IP, before the token is looked at', async () => {
    const perUser = rateLimits().TOKEN_USER_LIMITER;
    const perIp = rateLimits().TOKEN_IP_LIMITER;
    const project = await createProject();
    const users = await fastUsers(
      project,
      Array.from({ length: perIp.limit + 1 }, (_, i) => ({ email: `token.limit.${i}@example.com` })),
    );
    const exchange = (userId: string, ip: string) =>
      send('/account/sessions/token', { method: 'POST', project: project.id, key: null, ip, headers: FORMAT, body: { userId, secret: 'wrong-secret' } });
    const window = await freshWindow(Math.min(perUser.period, perIp.period), 10_000);
    for (let i = 0; i < perUser.limit; i++) expect((await exchange(users[0]!.id, randomIp())).status).toBe(401);
    await expectLimited(await exchange(users[0]!.id, randomIp()), perUser, '1.x');
    const ip = randomIp();
    for (let i = 1; i <= perIp.limit; i++) expect((await exchange(users[i]!.id, ip)).status).toBe(401);
    await expectLimited(await exchange(users[perIp.limit]!.id, ip), perIp, '1.x');
    expect(windowOf(Math.min(perUser.period, perIp.period))).toBe(window);
  });
});
