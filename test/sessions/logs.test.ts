// GET /v1/users/{userId}/logs and the audit trail behind it (contract §3, §5, §6):
// which events are written, with whose IP / User-Agent / country, in which order,
// paging, and that failed requests write nothing.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createProject, expectError, expectJson, type TestProject } from '../helpers.ts';
import { CHROME_DEVICE, CHROME_UA, emailOf, IPHONE_UA, insertUser, now, send, signIn, storedLogCount, storedLogs, UNKNOWN_GEO, US } from './support.ts';

const LOG_KEYS = ['event', 'ip', 'time', 'OS', 'client', 'device', 'brand', 'model', 'geo'];
const LIMIT = 'Invalid limit: Value must be in range between 1 and 100';
const OFFSET = 'Invalid offset: Value must be in range between 0 and 2,000';

/** Request options of an actor: Chrome 70 on Windows from `ip`, in `country` if given. */
const from = (ip: string, country?: string) => ({
  headers: { 'CF-Connecting-IP': ip, 'User-Agent': CHROME_UA },
  ...(country ? { cf: { country } } : {}),
});

const logs = (project: TestProject, userId: string, query = '') => expectJson<any[]>(send(`/users/${userId}/logs${query}`, { project, key: project.readKey }));

describe('the events of a user’s life', () => {
  it('are all written, newest first, each with the IP, User-Agent and country of the request that did it', async () => {
    const project = await createProject();
    const start = now();

    const user = await expectJson(
      send('/users', { method: 'POST', project, key: project.key, body: { email: 'audited@example.com', password: 'password' }, ...from('192.0.2.1', 'DE') }),
      201,
    );
    const userId: string = user.$id;
    // Later sign-ins need not pay for the real hash: swap in a cheap one of the same password.
    await env.DB.prepare('UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = ?) WHERE id = ?')
      .bind(await insertUser(project), userId)
      .run();
    const phone = await signIn(project, 'audited@example.com', 'password', {
      cf: { country: 'US' },
      headers: { 'CF-Connecting-IP': '192.0.2.2', 'User-Agent': IPHONE_UA },
    });
    await expectError(
      send('/account/sessions', { method: 'POST', project, body: { email: 'audited@example.com', password: 'wrong-password' }, ...from('192.0.2.3') }),
      401,
      'Invalid credentials',
    );
    const desktop = await signIn(project, 'AUDITED@example.com', 'password', from('192.0.2.4', 'US'));
    await expectJson(
      send(`/users/${userId}/prefs`, { method: 'PATCH', project, key: project.key, body: { prefs: { theme: 'dark' } }, ...from('192.0.2.5', 'FR') }),
    );
    await expectJson(send(`/users/${userId}/status`, { method: 'PATCH', project, key: project.key, body: { status: 1 }, ...from('192.0.2.6') }));
    await expectJson(send(`/users/${userId}/sessions/${phone.id}`, { method: 'DELETE', project, key: project.key, body: {}, ...from('192.0.2.7', 'US') }));
    const logout = await send('/account/sessions/current', { method: 'DELETE', project, session: desktop, body: {}, ...from('192.0.2.8', 'US') });
    expect(logout.status).toBe(204);
    // Nothing is left to end: not logged (README, "Choices and deviations").
    await expectJson(send(`/users/${userId}/sessions`, { method: 'DELETE', project, key: project.key, body: {}, ...from('192.0.2.9') }));
    const end = now();

    const entries = await logs(project, userId);
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual(LOG_KEYS);
      expect(entry.time).toBeGreaterThanOrEqual(start);
      expect(entry.time).toBeLessThanOrEqual(end);
    }
    const times = entries.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const strip = ({ time: _time, ...rest }: any) => rest;
    expect(entries.map(strip)).toEqual([
      { event: 'account.sessions.delete', ip: '192.0.2.8', ...CHROME_DEVICE, geo: US },
      { event: 'users.sessions.delete', ip: '192.0.2.7', ...CHROME_DEVICE, geo: US },
      { event: 'users.update.status', ip: '192.0.2.6', ...CHROME_DEVICE, geo: UNKNOWN_GEO },
      { event: 'users.update.prefs', ip: '192.0.2.5', ...CHROME_DEVICE, geo: { isoCode: 'fr', country: 'France' } },
      { event: 'account.sessions.create', ip: '192.0.2.4', ...CHROME_DEVICE, geo: US },
      { event: 'account.sessions.failed', ip: '192.0.2.3', ...CHROME_DEVICE, geo: UNKNOWN_GEO },
      {
        event: 'account.sessions.create',
        ip: '192.0.2.2',
        OS: expect.objectContaining({ name: 'iOS' }),
        client: expect.objectContaining({ name: 'Mobile Safari' }),
        device: 1,
        brand: 'AP',
        model: 'iPhone',
        geo: US,
      },
      { event: 'users.create', ip: '192.0.2.1', ...CHROME_DEVICE, geo: { isoCode: 'de', country: 'Germany' } },
    ]);

    // Country names follow X-Appwrite-Locale; the reading request's own actor data does not matter.
    const de = await expectJson<any[]>(
      send(`/users/${userId}/logs`, {
        project,
        key: project.key,
        headers: { 'x-appwrite-locale': 'de', 'CF-Connecting-IP': '198.51.100.99' },
        cf: { country: 'JP' },
      }),
    );
    expect(de.map((e) => e.geo)).toEqual([
      { isoCode: 'us', country: 'Vereinigte Staaten' },
      { isoCode: 'us', country: 'Vereinigte Staaten' },
      UNKNOWN_GEO,
      { isoCode: 'fr', country: 'Frankreich' },
      { isoCode: 'us', country: 'Vereinigte Staaten' },
      UNKNOWN_GEO,
      { isoCode: 'us', country: 'Vereinigte Staaten' },
      { isoCode: 'de', country: 'Deutschland' },
    ]);
    expect(de.map((e) => e.ip)).toEqual(entries.map((e) => e.ip));
  });

  it('a sign-in with an unknown email writes nothing anywhere', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const before = await storedLogCount();
    await expectError(
      send('/account/sessions', { method: 'POST', project, body: { email: 'unknown@example.com', password: 'password' } }),
      401,
      'Invalid credentials',
    );
    expect(await storedLogCount()).toBe(before);
    expect(await logs(project, userId)).toEqual([]);
  });

  it('a user inserted without the API and never signed in has logs []', async () => {
    const project = await createProject();
    expect(await logs(project, await insertUser(project))).toEqual([]);
  });

  it('logs belong to their user and project only', async () => {
    const project = await createProject();
    const a = await insertUser(project);
    const b = await insertUser(project);
    await signIn(project, await emailOf(a));
    expect((await logs(project, a)).map((e) => e.event)).toEqual(['account.sessions.create']);
    expect(await logs(project, b)).toEqual([]);
    const other = await createProject();
    await expectError(send(`/users/${a}/logs`, { project: other, key: other.key }), 404, 'User not found');
  });
});

describe('paging', () => {
  /** A user with `count` prefs updates, the i-th from 192.0.2.<i>. */
  async function userWithEntries(count: number) {
    const project = await createProject();
    const userId = await insertUser(project);
    for (let i = 0; i < count; i++) {
      await expectJson(
        send(`/users/${userId}/prefs`, {
          method: 'PATCH',
          project,
          key: project.key,
          body: { prefs: { n: i } },
          headers: { 'CF-Connecting-IP': `192.0.2.${i}` },
        }),
      );
    }
    // Newest first: the expected order of IPs.
    const ips = Array.from({ length: count }, (_, i) => `192.0.2.${count - 1 - i}`);
    return { project, userId, ips };
  }

  it('returns at most 10 entries by default, newest first; limit and offset page through the rest', async () => {
    const { project, userId, ips } = await userWithEntries(13);
    const ipsOf = (entries: any[]) => entries.map((e) => e.ip);
    expect(ipsOf(await logs(project, userId))).toEqual(ips.slice(0, 10));
    expect(ipsOf(await logs(project, userId, '?limit=13'))).toEqual(ips);
    expect(ipsOf(await logs(project, userId, '?limit=100'))).toEqual(ips);
    expect(ipsOf(await logs(project, userId, '?offset=10'))).toEqual(ips.slice(10));
    expect(ipsOf(await logs(project, userId, '?limit=5&offset=5'))).toEqual(ips.slice(5, 10));
    expect(ipsOf(await logs(project, userId, '?limit=1&offset=12'))).toEqual(ips.slice(12));
    expect(await logs(project, userId, '?offset=13')).toEqual([]);
    expect(await logs(project, userId, '?offset=2000')).toEqual([]);
    // Empty values fall back to the defaults.
    expect(ipsOf(await logs(project, userId, '?limit=&offset='))).toEqual(ips.slice(0, 10));
    // Pages put together are the whole log, without gaps or repeats.
    const pages: string[] = [];
    for (let offset = 0; offset < 13; offset += 4) pages.push(...ipsOf(await logs(project, userId, `?limit=4&offset=${offset}`)));
    expect(pages).toEqual(ips);
  });

  it('refuses limits outside 1–100 (0 included, contract §4) and offsets outside 0–2000 with exact messages', async () => {
    const { project, userId } = await userWithEntries(1);
    for (const limit of ['0', '00', '101', '-1', 'abc', '1.5', '1e2x']) {
      await expectError(send(`/users/${userId}/logs?limit=${limit}`, { project, key: project.key }), 400, LIMIT);
    }
    for (const offset of ['2001', '-1', 'abc']) {
      await expectError(send(`/users/${userId}/logs?offset=${offset}`, { project, key: project.key }), 400, OFFSET);
    }
  });

  it('is 404 for an unknown user; needs users.read', async () => {
    const { project, userId } = await userWithEntries(1);
    await expectError(send('/users/nosuchuser/logs', { project, key: project.key }), 404, 'User not found');
    await expectError(send(`/users/${userId}/logs`, { project }), 401, 'Guest (role: guest) missing scope (users.read)');
    await expectError(
      send(`/users/${userId}/logs`, { project, key: project.writeKey }),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.read)`,
    );
  });
});

describe('requests that fail write nothing', () => {
  it('validation errors, 404s, 409s, refused keys and refused deletions leave the audit trail unchanged', async () => {
    const project = await createProject();
    const userId = await insertUser(project, { email: 'existing@example.com' });
    const victimId = await insertUser(project);
    const session = await signIn(project, 'existing@example.com');
    await signIn(project, await emailOf(victimId));
    const before = await storedLogs(userId);
    const victimBefore = await storedLogs(victimId);
    const total = await storedLogCount();

    const key = project.key;
    const failures: [Promise<Response>, number][] = [
      [send('/users', { method: 'POST', project, key, body: { email: 'EXISTING@example.com', password: 'password' } }), 409],
      [send('/users', { method: 'POST', project, key, body: { email: 'not-an-email', password: 'password' } }), 400],
      [send('/users', { method: 'POST', project, key: project.readKey, body: { email: 'new@example.com', password: 'password' } }), 401],
      [send(`/users/${userId}/status`, { method: 'PATCH', project, key, body: { status: 'x' } }), 400],
      [send(`/users/${userId}/status`, { method: 'PATCH', project, key, body: {} }), 400],
      [send(`/users/${userId}/status`, { method: 'PATCH', project, key: project.readKey, body: { status: 1 } }), 401],
      [send('/users/nosuchuser/status', { method: 'PATCH', project, key, body: { status: 1 } }), 404],
      [send(`/users/${userId}/prefs`, { method: 'PATCH', project, key, body: { prefs: 'string' } }), 400],
      [send('/users/nosuchuser/prefs', { method: 'PATCH', project, key, body: { prefs: { a: 1 } } }), 404],
      [send('/users/nosuchuser/sessions', { method: 'DELETE', project, key, body: {} }), 404],
      [send('/users/nosuchuser/sessions/x', { method: 'DELETE', project, key, body: {} }), 404],
      [send(`/users/${userId}/sessions`, { method: 'DELETE', project, key: project.readKey, body: {} }), 401],
      [send('/account/sessions', { method: 'POST', project, body: { email: 'existing@example.com' } }), 400],
      [send('/account/sessions', { method: 'POST', project, body: { email: 'bad', password: 'password' } }), 400],
      [send('/account/sessions', { method: 'POST', project, body: { email: 'nobody@example.com', password: 'password' } }), 401],
      [send('/account/sessions/nosuchsession', { method: 'DELETE', project, session, body: {} }), 404],
      [send('/account/sessions/current', { method: 'DELETE', project, body: {} }), 401],
    ];
    for (const [pending, status] of failures) {
      const response = await pending;
      expect(response.status, await response.text()).toBe(status);
    }
    expect(await storedLogs(userId)).toEqual(before);
    expect(await storedLogs(victimId)).toEqual(victimBefore);
    expect(await storedLogCount()).toBe(total);
  });

  it('users.sessions.delete is written only when a session ended, like account.sessions.delete', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const events = async () => (await storedLogs(userId)).map((l) => l.event);
    const del = (path: string) => expectJson(send(`/users/${userId}/sessions${path}`, { method: 'DELETE', project, key: project.key, body: {} }));
    await del(''); // no session at all
    await del('/00000000000000000000'); // an unknown session
    expect(await events()).toEqual([]);
    const one = await signIn(project, await emailOf(userId));
    await signIn(project, await emailOf(userId));
    await del(`/${one.id}`);
    await del(`/${one.id}`); // already gone
    expect(await events()).toEqual(['account.sessions.create', 'account.sessions.create', 'users.sessions.delete']);
    await del(''); // ends the other one
    await del(''); // nothing left
    expect(await events()).toEqual(['account.sessions.create', 'account.sessions.create', 'users.sessions.delete', 'users.sessions.delete']);
  });

  it('trying to end another user’s session (404) writes no account.sessions.delete for anyone', async () => {
    const project = await createProject();
    const userId = await insertUser(project);
    const victimId = await insertUser(project);
    const session = await signIn(project, await emailOf(userId));
    const victim = await signIn(project, await emailOf(victimId));
    const total = await storedLogCount();
    await expectError(send(`/account/sessions/${victim.id}`, { method: 'DELETE', project, session, body: {} }), 404, 'Session not found');
    expect((await storedLogs(userId)).map((l) => l.event)).toEqual(['account.sessions.create']);
    expect((await storedLogs(victimId)).map((l) => l.event)).toEqual(['account.sessions.create']);
    expect(await storedLogCount()).toBe(total);
  });
});
