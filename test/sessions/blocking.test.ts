// Blocking (contract §6, a deliberate deviation): PATCH status 2 ends every session of
// the user at once and refuses new sign-ins; unblocking revives nothing. Also a
// sign-in racing with a block.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { OFFLINE } from '../../src/domain/hash-admission.ts';
import { hashPassword } from '../../src/domain/passwords.ts';
import { createProject, expectError, expectJson, type TestProject } from '../helpers.ts';
import { BLOCKED, emailOf, GUEST_ACCOUNT, INVALID_CREDENTIALS, insertUser, send, sha256, signIn, storedSessions, type Session } from './support.ts';

const setStatus = (project: TestProject, userId: string, status: unknown) =>
  send(`/users/${userId}/status`, { method: 'PATCH', project, key: project.key, body: { status } });

const signInAttempt = (project: TestProject, email: string, password = 'password') =>
  send('/account/sessions', { method: 'POST', project, body: { email, password } });

/** The token no longer authenticates anywhere, and its session row is gone. */
async function expectRefused(project: TestProject, session: Session) {
  for (const path of ['/account', '/account/sessions']) {
    await expectError(send(path, { project, session }), 401, GUEST_ACCOUNT);
  }
  await expectError(send('/account/sessions/current', { method: 'DELETE', project, session }), 401, GUEST_ACCOUNT);
  expect((await storedSessions(session.userId)).map((s) => s.id)).not.toContain(session.id);
}

async function activeUser(sessionCount: number) {
  const project = await createProject();
  const userId = await insertUser(project, { status: 1 });
  const email = await emailOf(userId);
  const sessions: Session[] = [];
  for (let i = 0; i < sessionCount; i++) sessions.push(await signIn(project, email));
  return { project, userId, email, sessions };
}

describe('blocking a user (status 2)', () => {
  it('answers 200 with the user and ends every session at once: tokens refused, D1 rows and KV entries gone', async () => {
    const { project, userId, sessions } = await activeUser(3);
    const bystander = await signIn(project, await emailOf(await insertUser(project)));
    const user = await expectJson(setStatus(project, userId, 2));
    expect(user).toMatchObject({ $id: userId, status: 2, roles: [] });
    for (const session of sessions) await expectRefused(project, session);
    expect(await storedSessions(userId)).toEqual([]);
    for (const session of sessions) expect(await env.SESSIONS.get(`session:${await sha256(session.secret)}`)).toBeNull();
    expect(await expectJson(send(`/users/${userId}/sessions`, { project, key: project.key }))).toEqual([]);
    // Other users are untouched.
    expect((await expectJson(send('/account', { project, session: bystander }))).$id).toBe(bystander.userId);
  });

  it('the status given as the string "2" blocks as well', async () => {
    const { project, userId, sessions } = await activeUser(1);
    expect((await expectJson(setStatus(project, userId, '2'))).status).toBe(2);
    await expectRefused(project, sessions[0]!);
    expect(await storedSessions(userId)).toEqual([]);
  });

  it('refuses a new sign-in with the right password as blocked, with a wrong one as plain invalid credentials', async () => {
    const { project, userId, email } = await activeUser(0);
    await expectJson(setStatus(project, userId, 2));
    const response = await signInAttempt(project, email);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.has('X-Fallback-Cookies')).toBe(false);
    await expectError(response, 401, BLOCKED);
    await expectError(signInAttempt(project, email.toUpperCase()), 401, BLOCKED);
    await expectError(signInAttempt(project, email, 'wrong-password'), 401, INVALID_CREDENTIALS);
    expect(await storedSessions(userId)).toEqual([]);
  });

  it('unblocking (status 1) does not revive old sessions, but allows a new sign-in', async () => {
    const { project, userId, email, sessions } = await activeUser(2);
    await expectJson(setStatus(project, userId, 2));
    expect((await expectJson(setStatus(project, userId, 1))).status).toBe(1);
    for (const session of sessions) await expectRefused(project, session);
    const fresh = await signIn(project, email);
    expect((await expectJson(send('/account', { project, session: fresh }))).status).toBe(1);
    expect((await storedSessions(userId)).map((s) => s.id)).toEqual([fresh.id]);
    // Unblocking to status 0 works the same way.
    await expectJson(setStatus(project, userId, 2));
    await expectRefused(project, fresh);
    await expectJson(setStatus(project, userId, 0));
    await signIn(project, email);
  });

  it('statuses 0 and 1 end no session', async () => {
    const { project, userId, sessions } = await activeUser(1);
    for (const status of [0, 1, '0', '1']) {
      await expectJson(setStatus(project, userId, status));
      expect((await expectJson(send('/account', { project, session: sessions[0]! }))).$id).toBe(userId);
    }
    expect(await storedSessions(userId)).toHaveLength(1);
  });

  it('an invalid or refused status change ends no session', async () => {
    const { project, userId, sessions } = await activeUser(1);
    await expectError(setStatus(project, userId, 3), 400, 'Invalid status: Value must be one of (1, 2, 0)');
    await expectError(setStatus(project, userId, 'blocked'), 400, 'Invalid status: Value must be one of (1, 2, 0)');
    await expectError(
      send(`/users/${userId}/status`, { method: 'PATCH', project, key: project.readKey, body: { status: 2 } }),
      401,
      `app.${project.id}@service.localhost (role: application) missing scope (users.write)`,
    );
    expect((await expectJson(send('/account', { project, session: sessions[0]! }))).$id).toBe(userId);
  });
});

describe('a sign-in racing with a block', () => {
  it('leaves no session row and no working token for the blocked user, every time', async () => {
    // A costlier password hash than the other tests use (a tenth of the real cost), so that
    // the sign-in spends a while between reading the user and inserting the session. One
    // timed sign-in tells how long that takes here;
    // the block is then sent at fractions of that time, landing before, during and after
    // the sign-in's steps.
    const slowHash = await hashPassword('password', OFFLINE, { m: 1024, t: 2, p: 1 });
    const solo = await activeUser(0);
    await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?').bind(slowHash, solo.userId).run();
    const started = Date.now();
    await signIn(solo.project, solo.email);
    const duration = Date.now() - started;

    // null: the block is sent first, at the same moment.
    for (const fraction of [null, 0, 0.6, 0.8, 0.9, 1, 1.2]) {
      // A fresh user each round (sign-ins per email are rate limited), with an older session.
      const { project, userId, email, sessions } = await activeUser(1);
      await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?').bind(slowHash, userId).run();
      const delayedBlock = async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.round(fraction! * duration)));
        return setStatus(project, userId, 2);
      };
      const [blockResponse, signInResponse] =
        fraction === null
          ? await Promise.all([setStatus(project, userId, 2), signInAttempt(project, email)])
          : await Promise.all([signInAttempt(project, email), delayedBlock()]).then(([s, b]) => [b, s] as const);
      expect(blockResponse.status).toBe(200);

      const tokens: Session[] = [...sessions];
      if (signInResponse.status === 201) {
        const cookie = signInResponse.headers.getSetCookie().find((c) => c.startsWith(`a_session_${project.id}=`))!;
        const cookieValue = cookie.slice(`a_session_${project.id}=`.length).split(';')[0]!;
        const { secret } = JSON.parse(atob(decodeURIComponent(cookieValue)));
        const body = await signInResponse.json<{ $id: string }>();
        tokens.push({ ...sessions[0]!, id: body.$id, secret, cookieValue, rawValue: decodeURIComponent(cookieValue) });
      } else {
        // Which side wins depends on timing; the only other outcome is the block's refusal.
        await expectError(signInResponse, 401, BLOCKED);
      }
      expect(await storedSessions(userId), `block at ${fraction} of the sign-in`).toEqual([]);
      for (const token of tokens) await expectRefused(project, token);
      // The block itself stands.
      expect((await env.DB.prepare('SELECT status FROM users WHERE id = ?').bind(userId).first<{ status: number }>())!.status).toBe(2);
    }
  }, 20_000);
});
