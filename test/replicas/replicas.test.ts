// Reading near the user (contract §11) against a stale replica: the real Worker is
// given a D1 double whose sessions read a snapshot taken earlier (stale-replica.ts),
// the way a lagging read replica would. Bookmarks give read-your-writes; the
// promises of §6 (revoked session, blocked or deleted user refused on the very next
// request) hold although the snapshot still has the session.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { BASE, createProject, createUser, expectError, expectJson, insertUsers, type TestProject } from '../helpers.ts';
import { BLOCKED, GUEST_ACCOUNT, insertUser, sha256, signIn, type Session } from '../sessions/support.ts';
import { StaleReplica } from './stale-replica.ts';

let replica: StaleReplica;
beforeAll(async () => {
  replica = await StaleReplica.create();
});

interface ViaOptions {
  method?: string;
  body?: unknown;
  project?: TestProject;
  key?: string;
  session?: Session;
  bookmark?: string;
}

/** A request to the real Worker with the stale-replica double as its DB (metering on). */
async function via(path: string, options: ViaOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.project) headers['x-appwrite-project'] = options.project.id;
  const key = options.key ?? (options.session ? undefined : options.project?.key);
  if (key) headers['x-appwrite-key'] = key;
  if (options.session) headers.cookie = `a_session_${options.session.projectId}=${options.session.cookieValue}`;
  if (options.bookmark) headers['x-d1-bookmark'] = options.bookmark;
  const request = new Request(BASE + path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, DB: replica.binding(), METER_ROWS_READ: 'true' }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const bookmarkOf = (response: Response) => response.headers.get('X-D1-Bookmark')!;
const trips = (response: Response) => response.headers.get('X-D1-Round-Trips');

/** A project with one password user, signed in, everything in the snapshot. */
async function signedIn() {
  const project = await createProject();
  const email = `u${crypto.randomUUID().slice(0, 8)}@example.com`;
  const userId = await insertUser(project, { email });
  const session = await signIn(project, email);
  await replica.snapshot();
  // Warm this isolate's project and key caches, so the counts below are a warm isolate's.
  await expectJson(via(`/users/${userId}`, { project }));
  return { project, userId, session };
}

/**
 * Puts the session's KV entry back after a revocation deleted it: KV may go on serving
 * a deleted entry for ~60 s elsewhere, so the D1 row alone must refuse the session.
 */
async function keepStaleToken(session: Session, revoke: () => Promise<void>) {
  const key = `session:${await sha256(session.secret)}`;
  const entry = await env.SESSIONS.get(key);
  expect(entry).not.toBeNull();
  await revoke();
  await env.SESSIONS.put(key, entry!);
}

const sessionRowOnReplica = (sessionId: string) => env.REPLICA.prepare('SELECT id FROM sessions WHERE id = ?').bind(sessionId).first();

describe('the double is stale', () => {
  it('a key-authenticated read without a bookmark sees the snapshot; with the bookmark of the write, the write', async () => {
    const project = await createProject();
    await replica.snapshot();
    const created = await via('/users', { method: 'POST', project, body: { email: 'ada@example.com', password: 'password', name: 'Ada' } });
    const user = await expectJson(created, 201);
    expect(bookmarkOf(created)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);
    await expectError(via(`/users/${user.$id}`, { project }), 404, 'User not found');
    expect(await expectJson(via(`/users/${user.$id}`, { project, bookmark: bookmarkOf(created) }))).toEqual(user);
    expect(await expectJson(via('/users', { project, bookmark: bookmarkOf(created) }))).toMatchObject({ sum: 1, users: [{ $id: user.$id }] });
    // An older bookmark (the snapshot's) is served by the replica: still stale.
    const stale = await via('/users', { project });
    expect(await expectJson(stale)).toEqual({ sum: 0, users: [] });
    expect(await expectJson(via('/users', { project, bookmark: bookmarkOf(stale) }))).toEqual({ sum: 0, users: [] });
  });

  it('a status change is seen with its bookmark, not before', async () => {
    const { project, userId } = await signedIn();
    const blocked = await via(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } });
    expect(await expectJson(blocked)).toMatchObject({ status: 2 });
    expect(await expectJson(via(`/users/${userId}`, { project }))).toMatchObject({ status: 0 });
    expect(await expectJson(via(`/users/${userId}`, { project, bookmark: bookmarkOf(blocked) }))).toMatchObject({ status: 2 });
  });

  it('a project and key created after the snapshot work at once: the replica miss is confirmed on the primary', async () => {
    await replica.snapshot();
    const project = await createProject();
    const [id] = await insertUsers(project, [{ email: 'new@example.com' }]);
    const response = await via(`/users/${id}`, { project });
    // Project and key: a replica miss each, confirmed on the primary (one first-primary
    // session: its first query is the primary round trip, the second only needs a replica
    // that has caught up with it). The user itself is read on the request's replica, which
    // does not have it yet: without a bookmark, a key-authenticated read is as fresh as the replica.
    await expectError(response, 404, 'User not found');
    expect(trips(response)).toBe('primary=1, replica=4');
    // Unknown for real: still 400/401 after the primary confirmed the miss.
    await expectError(via('/users', { project: { ...project, id: 'nosuchproject' } }), 400, 'Missing or unknown project ID');
    await expectError(via('/users', { project, key: 'f'.repeat(64) }), 401, 'Guest (role: guest) missing scope (users.read)');
  });
});

describe('contract §6 against a stale replica', () => {
  it('a revoked session is refused on the very next request', async () => {
    const { project, session } = await signedIn();
    await expectJson(via('/account', { project, session }));
    await keepStaleToken(session, async () => {
      expect((await via('/account/sessions/current', { method: 'DELETE', project, session })).status).toBe(204);
    });
    expect(await sessionRowOnReplica(session.id)).not.toBeNull();
    await expectError(via('/account', { project, session }), 401, GUEST_ACCOUNT);
    await expectError(via('/account/sessions', { project, session }), 401, GUEST_ACCOUNT);
  });

  it('a session ended through the Users API is refused on the very next request', async () => {
    const { project, userId, session } = await signedIn();
    await keepStaleToken(session, async () => {
      await expectJson(via(`/users/${userId}/sessions`, { method: 'DELETE', project }));
    });
    expect(await sessionRowOnReplica(session.id)).not.toBeNull();
    await expectError(via('/account', { project, session }), 401, GUEST_ACCOUNT);
  });

  it('a blocked user is refused on the very next request', async () => {
    const { project, userId, session } = await signedIn();
    await keepStaleToken(session, async () => {
      await expectJson(via(`/users/${userId}/status`, { method: 'PATCH', project, body: { status: 2 } }));
    });
    expect(await sessionRowOnReplica(session.id)).not.toBeNull();
    await expectError(via('/account', { project, session }), 401, GUEST_ACCOUNT);
  });

  it('a user blocked behind the API (status set in D1, sessions left) is refused as blocked', async () => {
    const { project, userId, session } = await signedIn();
    await env.DB.prepare('UPDATE users SET status = 2 WHERE id = ?').bind(userId).run();
    await expectError(via('/account', { project, session }), 401, BLOCKED);
    await expectError(via('/account/sessions', { project, session }), 401, BLOCKED);
  });

  it('a deleted user is refused on the very next request', async () => {
    const { project, userId, session } = await signedIn();
    // As the delete route will: the user row goes, its sessions with it (ON DELETE CASCADE).
    await env.DB.prepare('DELETE FROM users WHERE project_id = ? AND id = ?').bind(project.id, userId).run();
    expect(await sessionRowOnReplica(session.id)).not.toBeNull();
    await expectError(via('/account', { project, session }), 401, GUEST_ACCOUNT);
    await expectError(via('/account/sessions', { project, session }), 401, GUEST_ACCOUNT);
  });

  it('a browser session reads its own writes without a bookmark', async () => {
    const { project, session } = await signedIn();
    const other = await signIn(project, (await expectJson(via('/account', { project, session }))).email);
    // The second sign-in is not in the snapshot; the session's own reads still list it.
    const listed = await expectJson(via('/account/sessions', { project, session }));
    expect(listed.map((s: any) => s.$id).sort()).toEqual([session.id, other.id].sort());
  });
});

describe('round trips per endpoint, warm isolate', () => {
  it('every Users API read needs no primary; account reads one (the session row); writes go to the primary', async () => {
    const { project, userId, session } = await signedIn();
    const cursor = (await insertUsers(project, [{ email: 'c@example.com', name: 'Cy' }]))[0]!;
    await replica.snapshot();
    const cases: Array<[string, ViaOptions, string]> = [
      ['/users', {}, 'primary=0, replica=1'],
      ['/users?search=cy', {}, 'primary=0, replica=1'],
      [`/users?cursor=${cursor}&cursorDirection=before`, {}, 'primary=0, replica=1'],
      [`/users?search=cy&cursor=${userId}&orderType=DESC`, {}, 'primary=0, replica=1'],
      [`/users/${userId}`, {}, 'primary=0, replica=1'],
      [`/users/${userId}/prefs`, {}, 'primary=0, replica=1'],
      [`/users/${userId}/logs`, {}, 'primary=0, replica=1'],
      [`/users/${userId}/sessions`, {}, 'primary=0, replica=1'],
      // §6: the session row is read on the primary; what follows is at least that fresh.
      ['/account', { session }, 'primary=1, replica=0'],
      ['/account/sessions', { session }, 'primary=1, replica=1'],
      [`/users/${userId}/prefs`, { method: 'PATCH', body: { prefs: { a: 1 } } }, 'primary=1, replica=0'],
      [`/users/${userId}/status`, { method: 'PATCH', body: { status: 1 } }, 'primary=1, replica=0'],
      // The duplicate check before hashing, then the insert.
      ['/users', { method: 'POST', body: { email: 'new@example.com', password: 'password' } }, 'primary=2, replica=0'],
      [`/users/${cursor}/sessions`, { method: 'DELETE' }, 'primary=1, replica=0'],
      [`/users/${cursor}/sessions/nope`, { method: 'DELETE' }, 'primary=1, replica=0'],
      ['/account/sessions/current', { method: 'DELETE', session }, 'primary=2, replica=0'],
    ];
    for (const [path, options, expected] of cases) {
      const response = await via(path, { project, ...options });
      expect(response.status, `${options.method ?? 'GET'} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
      expect({ path, trips: trips(response) }).toEqual({ path, trips: expected });
      expect(bookmarkOf(response), path).not.toBeNull();
    }
  });

  it('sign-in: the email lookup and the insert, both on the primary', async () => {
    const { project } = await signedIn();
    const email = `s${crypto.randomUUID().slice(0, 8)}@example.com`;
    await createUser(project, { email });
    const response = await via('/account/sessions', { method: 'POST', project, body: { email, password: 'password' } });
    expect(response.status).toBe(201);
    expect(trips(response)).toBe('primary=2, replica=0');
  });
});

describe('X-D1-Bookmark', () => {
  it('a malformed bookmark is 400 Invalid bookmark on every D1 route, never a 500', async () => {
    const project = await createProject();
    for (const bad of ['garbage', '00000000-00000001-00000000', 'zzzzzzzz-00000001-00000000-00000000000000000000000000000000', 'x'.repeat(5000)]) {
      await expectError(via('/users', { project, bookmark: bad }), 400, 'Invalid bookmark');
    }
  });

  it('a malformed bookmark is checked with the parameters: project and credentials errors come first (contract §2)', async () => {
    const project = await createProject();
    await expectError(via('/users', { bookmark: 'garbage' }), 400, 'Missing or unknown project ID');
    await expectError(via('/users', { project, key: 'wrong', bookmark: 'garbage' }), 401, 'Guest (role: guest) missing scope (users.read)');
    await expectError(via('/users?limit=-1', { project, bookmark: 'garbage' }), 400, 'Invalid bookmark');
  });

  it('a well-formed bookmark D1 has not issued is passed to D1, which (locally) serves the read and hands it back', async () => {
    const project = await createProject();
    const future = 'ffffffff-ffffffff-ffffffff-ffffffffffffffffffffffffffffffff';
    const response = await via('/users', { project, bookmark: future.toUpperCase() });
    expect(await expectJson(response)).toEqual({ sum: 0, users: [] });
    expect(bookmarkOf(response)).toBe(future);
  });

  it('writes ignore a bookmark (they start on the primary); open routes carry none', async () => {
    const project = await createProject();
    const response = await via('/users', { method: 'POST', project, bookmark: 'garbage', body: { email: 'b@example.com', password: 'password' } });
    expect(response.status).toBe(201);
    const health = await via('/health', { bookmark: 'garbage' });
    expect(health.status).toBe(200);
    expect(health.headers.has('X-D1-Bookmark')).toBe(false);
  });
});
