// Sessions and logs through the unmodified node-appwrite 1.1.0 SDK against a real `wrangler dev`,
// after real sign-ins: POST /v1/account/sessions over plain HTTP, as a Chrome 70 browser on
// Windows 10 would, then GET /v1/account with the X-Fallback-Cookies it got back.
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { expectSdkError, sdk } from './sdk.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');

// The project is shared by every e2e file: this file's users live under their own domain.
const domain = `${randomBytes(4).toString('hex')}.sessions.test`;
const email = (local: string) => `${local}@${domain}`;

const CHROME_70_WINDOWS_10 = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36';
const WINDOWS_10 = { name: 'Windows', short_name: 'WIN', version: '10', platform: 'x64' };
const CHROME_70 = { type: 'browser', name: 'Chrome', short_name: 'CH', version: '70.0', engine: 'Blink' };
/** Locally there is no real country: "--"/"Unknown", or whatever two-letter code the runtime reports. */
const GEO = { isoCode: expect.stringMatching(/^([a-z]{2}|--)$/), country: expect.stringMatching(/\S/) };
/** The client address (wrangler dev: 127.0.0.1). */
const IP = expect.stringMatching(/^[0-9a-f.:]+$/i);
const CHROME_ON_WINDOWS = { OS: WINDOWS_10, client: CHROME_70, device: 0, brand: '', model: '', geo: GEO };
/** node-appwrite sends no User-Agent: parsed as upstream's 'UNKNOWN'. */
const NO_USER_AGENT = { OS: [], client: null, device: null, brand: '', model: '', geo: GEO };

interface User {
  $id: string;
  email: string;
  status: number;
}
interface Device {
  OS: object;
  client: object | null;
  device: number | null;
  brand: string;
  model: string;
  geo: { isoCode: string; country: string };
}
interface Session extends Device {
  $id: string;
  ip: string;
}
interface LogEntry extends Device {
  event: string;
  ip: string;
  time: number;
}
type Success = { result: string };

/** The part of node-appwrite's Users service used here (the package has no types). */
interface UsersService {
  create(email: string, password: string, name?: string): Promise<User>;
  getSessions(userId: string): Promise<Session[]>;
  deleteSession(userId: string, sessionId: string): Promise<Success>;
  deleteSessions(userId: string): Promise<Success>;
  getLogs(userId: string): Promise<LogEntry[]>;
  updatePrefs(userId: string, prefs: object): Promise<Record<string, unknown>>;
  updateStatus(userId: string, status: number | string): Promise<User>;
}

const users: UsersService = new sdk.Users(new sdk.Client().setEndpoint(endpoint).setProject(projectId).setKey(key));

/** A signed-in browser: the session id and the X-Fallback-Cookies value that authenticates it. */
interface BrowserSession {
  id: string;
  cookies: string;
}

/** POST /v1/account/sessions as the browser would (no API key, no Origin). */
function postSignIn(address: string, password: string): Promise<Response> {
  return fetch(`${endpoint}/account/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'user-agent': CHROME_70_WINDOWS_10 },
    body: JSON.stringify({ email: address, password }),
  });
}

async function signIn(address: string, password = 'password'): Promise<BrowserSession> {
  const res = await postSignIn(address, password);
  const body = (await res.json()) as { $id: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(body).toEqual({ $id: expect.any(String), type: 1, expire: expect.any(Number) });
  const cookies = res.headers.get('x-fallback-cookies');
  expect(cookies).toBeTruthy();
  return { id: body.$id, cookies: cookies! };
}

/** GET /v1/account with the session's X-Fallback-Cookies: the status and the body. */
async function account(session: BrowserSession): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${endpoint}/account`, {
    headers: { 'x-appwrite-project': projectId, 'x-fallback-cookies': session.cookies, 'user-agent': CHROME_70_WINDOWS_10 },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A fresh user with `count` sessions from real sign-ins. */
async function signedInUser(local: string, count: number): Promise<{ user: User; sessions: BrowserSession[] }> {
  const user = await users.create(email(local), 'password');
  const sessions: BrowserSession[] = [];
  for (let i = 0; i < count; i++) sessions.push(await signIn(email(local)));
  return { user, sessions };
}

const ids = (list: { $id: string }[]) => list.map((s) => s.$id).toSorted();
const events = (logs: LogEntry[]) => logs.map((entry) => entry.event);

describe('getSessions', () => {
  it('lists every sign-in with the device parsed from its User-Agent, without `current`', async () => {
    const { user, sessions } = await signedInUser('listed', 2);
    const listed = await users.getSessions(user.$id);
    expect(ids(listed)).toEqual(sessions.map((s) => s.id).toSorted());
    for (const session of listed) expect(session).toEqual({ $id: expect.any(String), ip: IP, ...CHROME_ON_WINDOWS });
  });

  it('answers [] for a user who never signed in', async () => {
    const user = await users.create(email('never'), 'password');
    expect(await users.getSessions(user.$id)).toEqual([]);
  });
});

describe('deleteSession and deleteSessions', () => {
  it('deleteSession ends only that session, at once', async () => {
    const { user, sessions } = await signedInUser('one', 2);
    const [ended, kept] = sessions as [BrowserSession, BrowserSession];
    expect(await account(ended)).toMatchObject({ status: 200, body: { $id: user.$id } });

    expect(await users.deleteSession(user.$id, ended.id)).toEqual({ result: 'success' });
    expect((await account(ended)).status).toBe(401);
    expect(await account(kept)).toMatchObject({ status: 200, body: { $id: user.$id } });
    expect(ids(await users.getSessions(user.$id))).toEqual([kept.id]);
  });

  it('deleteSession succeeds for an unknown session id and ends nothing', async () => {
    const { user, sessions } = await signedInUser('unknown.session', 1);
    expect(await users.deleteSession(user.$id, 'no-such-session')).toEqual({ result: 'success' });
    expect(ids(await users.getSessions(user.$id))).toEqual([sessions[0]!.id]);
    expect((await account(sessions[0]!)).status).toBe(200);
  });

  it('deleteSessions ends every session of the user', async () => {
    const { user, sessions } = await signedInUser('all', 2);
    for (const session of sessions) expect((await account(session)).status).toBe(200);
    expect(await users.deleteSessions(user.$id)).toEqual({ result: 'success' });
    for (const session of sessions) expect((await account(session)).status).toBe(401);
    expect(await users.getSessions(user.$id)).toEqual([]);
  });

  it('answers 404 for an unknown user', async () => {
    await expectSdkError(users.getSessions('no-such-user'), 404, 'User not found');
    await expectSdkError(users.deleteSession('no-such-user', 'no-such-session'), 404, 'User not found');
    await expectSdkError(users.deleteSessions('no-such-user'), 404, 'User not found');
  });
});

describe('getLogs', () => {
  it('records creation, sign-ins, a failed sign-in and an admin sign-out, newest first', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { user, sessions } = await signedInUser('audited', 2);
    const failed = await postSignIn(email('audited'), 'wrong-password');
    expect(failed.status).toBe(401);
    expect(await failed.json()).toMatchObject({ message: 'Invalid credentials', code: 401 });
    await users.deleteSession(user.$id, sessions[0]!.id);

    const now = Math.floor(Date.now() / 1000);
    const entry = (event: string, device: object) => ({
      event,
      ip: IP,
      time: expect.toSatisfy((t: number) => Number.isInteger(t) && t >= before - 5 && t <= now + 5),
      ...device,
    });
    // The sign-in attempts came from the browser, the other events from the SDK.
    expect(await users.getLogs(user.$id)).toEqual([
      entry('users.sessions.delete', NO_USER_AGENT),
      entry('account.sessions.failed', CHROME_ON_WINDOWS),
      entry('account.sessions.create', CHROME_ON_WINDOWS),
      entry('account.sessions.create', CHROME_ON_WINDOWS),
      entry('users.create', NO_USER_AGENT),
    ]);
  });

  it('returns at most the 10 newest entries', async () => {
    const user = await users.create(email('busy'), 'password');
    expect(events(await users.getLogs(user.$id))).toEqual(['users.create']);
    for (let i = 1; i <= 11; i++) await users.updatePrefs(user.$id, { n: i });
    const logs = await users.getLogs(user.$id);
    expect(events(logs)).toEqual(Array(10).fill('users.update.prefs'));
  });

  it('answers 404 for an unknown user', async () => {
    await expectSdkError(users.getLogs('no-such-user'), 404, 'User not found');
  });
});

describe('blocking through updateStatus', () => {
  it('ends every session and refuses sign-ins until unblocked; old sessions stay ended', async () => {
    const { user, sessions } = await signedInUser('blocked', 1);
    const [old] = sessions as [BrowserSession];
    expect((await account(old)).status).toBe(200);

    expect(await users.updateStatus(user.$id, 2)).toMatchObject({ status: 2 });
    expect((await account(old)).status).toBe(401);
    expect(await users.getSessions(user.$id)).toEqual([]);
    const refused = await postSignIn(email('blocked'), 'password');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ message: 'Invalid credentials. User is blocked', code: 401 });

    expect(await users.updateStatus(user.$id, '1')).toMatchObject({ status: 1 });
    const fresh = await signIn(email('blocked'));
    expect(await account(fresh)).toMatchObject({ status: 200, body: { $id: user.$id, status: 1 } });
    expect((await account(old)).status).toBe(401);
    expect(ids(await users.getSessions(user.$id))).toEqual([fresh.id]);
    expect(events(await users.getLogs(user.$id)).slice(0, 4)).toEqual([
      'account.sessions.create',
      'users.update.status',
      'account.sessions.failed',
      'users.update.status',
    ]);
  });
});
