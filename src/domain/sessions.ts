// Sessions: sign-in, sessions made by a server, the check of every session-authenticated
// request (the cookie's credentials; JWTs: domain/session-jwts.ts), listing and ending sessions. A session is a D1 row (the authority) plus a KV entry keyed by
// the hash of its secret (the fast path); the secret itself is handed out once.
import { deleteLog, insertLogIf } from '../db/audit.ts';
import type { SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import * as queries from '../db/sessions.ts';
import type { SessionRow } from '../db/sessions.ts';
import { batchPrepared } from '../db/prepared.ts';
import { countCreated } from '../db/usage.ts';
import { findUser, findUserByEmail, replacePasswordHash, touchAccessed, touchAccessedBefore, userById, type PublicUserRow } from '../db/users.ts';
import { deleteTokens, getToken, putToken } from '../kv/session-tokens.ts';
import { auditEntry, type AuditEvent } from './audit.ts';
import { deleteEvents } from '../db/webhooks.ts';
import { eventData, recordEvent, recordSessionEvents } from './events.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { invalidCredentials, noSession, sessionNotFound, userBlocked, userNotFound } from './errors.ts';
import { constantTimeEqual, randomHex, sha256Hex } from './crypto.ts';
import { newId } from './ids.ts';
import type { Admission } from './hash-admission.ts';
import type { SessionSettings } from './session-config.ts';
import { decoyHash, hashPassword, isArgon2id, verifyImportedHash, verifyPassword } from './passwords.ts';
import { emailKey } from './users.ts';
import { UserStatus } from '../db/user-status.ts';

/** What the session cookie carries: base64(JSON {id: userId, secret}). */
export interface SessionCredentials {
  userId: string;
  secret: string;
}

export interface AuthenticatedSession {
  sessionId: string;
  user: PublicUserRow;
}

/** How a session began (the 1.x `provider`). */
export type SessionProvider = SessionRow['provider'];

/** A session just begun: its record (current), and the credentials only its caller ever sees. */
export interface SignedIn {
  id: string;
  expire: number;
  credentials: SessionCredentials;
  session: SessionRecord;
}

export interface SignInRequest {
  project: Project;
  email: string;
  password: string;
  actor: Actor;
  settings: SessionSettings;
  hashBudgetMs: number;
}

export async function signIn(stores: Stores, request: SignInRequest): Promise<SignedIn> {
  // When the session insert finds the user changed since the check (blocked, deleted, a
  // new password, or the hash upgraded by a sign-in racing this one), the password is
  // checked once more against what is stored now: a racing upgrade must not refuse it.
  return (await attemptSignIn(stores, request, false)) ?? (await attemptSignIn(stores, request, true))!;
}

/** One sign-in attempt; null when the user changed under it and `last` is false. */
async function attemptSignIn(
  stores: Stores,
  { project, email, password, actor, settings, hashBudgetMs }: SignInRequest,
  last: boolean,
): Promise<SignedIn | null> {
  const { db } = stores;
  const now = nowSeconds();
  const user = await findUserByEmail(db, project.id, emailKey(email));
  // An unknown email does the same work as a wrong password, so timing tells nothing:
  // one argon2id hash (against a decoy), then the same log write, which inserts no row for it.
  const admission = { queue: project.id, budgetMs: hashBudgetMs };
  const { valid, upgrade } = await checkPassword(password, user?.passwordHash, admission);
  if (!user || !valid || user.status === UserStatus.blocked) {
    // The audit trail shows refused sign-ins of existing users, blocked ones included.
    await insertLogIf(db, auditEntry(project.id, user?.id ?? '', 'account.sessions.failed', actor, now));
    throw user && valid ? userBlocked() : invalidCredentials();
  }

  // An imported hash is replaced by ours once it has proved the password right.
  const upgraded = upgrade ? await hashPassword(password, admission) : null;
  const start: SessionStart = { project, userId: user.id, guard: queries.passwordHashIs(user.passwordHash), provider: 'email', actor, now, settings };
  // After the session insert, which checked the hash that was verified: changes it once.
  const begun = await beginSession(stores, start, [replacePasswordHash(db, project.id, user.id, user.passwordHash, upgraded)]);
  // Not begun: between the password check and the insert the user was blocked, deleted,
  // or given another password hash.
  if (!begun) {
    if (!last) return null;
    const [current] = await userById(db, project.id, user.id).all();
    throw current?.status === UserStatus.blocked ? userBlocked() : invalidCredentials();
  }
  return begun;
}

export interface SessionStart {
  project: Project;
  userId: string;
  /** What must still hold as the session goes in (db/sessions.ts insertSessionIfActive): the verified password hash, a live token, … */
  guard: SQL;
  provider: SessionProvider;
  actor: Actor;
  now: number;
  /** The lifetime, and MAX_SESSIONS: the oldest live sessions beyond it end in the same batch. */
  settings: SessionSettings;
  /** The log entry and event of the start: the user's own by default, `users.sessions.create` when a server makes it. */
  event?: Extract<AuditEvent, 'account.sessions.create' | 'users.sessions.create'>;
}

/**
 * Begins a session, in one batch with `alongside` (run after it): the session row (only
 * while the user exists, is not blocked and `guard` holds), its log entry and event,
 * and the end of the user's oldest live sessions beyond MAX_SESSIONS (each logged and
 * announced as `account.sessions.delete`, their tokens deleted); then its KV token. Every
 * way a session begins goes through here. Null when the user changed: nothing was written.
 */
export async function beginSession(
  { db, kv, events }: Stores,
  { project, userId, guard, provider, actor, now, settings, event = 'account.sessions.create' }: SessionStart,
  alongside: BatchItem<'sqlite'>[] = [],
): Promise<SignedIn | null> {
  const secret = randomHex(32);
  const session: SessionRow = {
    id: newId(),
    projectId: project.id,
    userId,
    tokenHash: sha256Hex(secret),
    expire: now + settings.lifetimeSeconds,
    created: now,
    ip: actor.ip,
    device: JSON.stringify(actor.device),
    country: actor.country,
    provider,
  };
  const created = queries.userHasSession(project.id, userId, session.id);
  const cap = queries.capSessions(db, session, now, settings.maxSessions, auditEntry(project.id, userId, 'account.sessions.delete', actor, now));
  const [inserted, logged, recorded, , capRecorded, ended] = await db.batch([
    queries.insertSessionIfActive(db, session, guard),
    insertLogIf(db, auditEntry(project.id, userId, event, actor, now), created),
    recordEvent(db, { projectId: project.id, userId, event, time: now, data: eventData.session(session.id), when: created }),
    cap.logs,
    recordSessionEvents(db, cap.ending, 'account.sessions.delete', now),
    cap.ended,
    // The 1.x accessedAt and the usage counters, as the session exists.
    touchAccessed(db, project.id, userId, Date.now(), created),
    countCreated(db, project.id, 'sessions', now, 1, created),
    ...alongside,
  ]);
  if (inserted.length === 0) return null;
  // The sessions the cap ended are over whatever happens next.
  events.announce(capRecorded);
  try {
    await putToken(kv, session.tokenHash, { sessionId: session.id, userId, projectId: project.id, expire: session.expire }, now);
  } catch (err) {
    // Never leave a D1 session that no token can reach, nor a log or an event saying it was created.
    await db.batch([
      queries.deleteUserSession(db, project.id, userId, session.id),
      ...logged.map((entry) => deleteLog(db, entry.seq)),
      deleteEvents(
        db,
        recorded.map((e) => e.id),
      ),
    ]);
    throw err;
  } finally {
    await deleteTokens(
      kv,
      ended.map((row) => row.tokenHash),
    );
  }
  events.announce(recorded);
  return { id: session.id, expire: session.expire, credentials: { userId, secret }, session: { ...session, current: true } };
}

/**
 * Users API: a session for the user made by a server (contract §12.4), whose credentials
 * it hands to the browser or to its own client. 404 for an unknown user; a blocked one is
 * refused as at sign-in (§6).
 */
export async function createServerSession(stores: Stores, project: Project, userId: string, actor: Actor, settings: SessionSettings): Promise<SignedIn> {
  const start: SessionStart = {
    project,
    userId,
    guard: queries.noGuard,
    provider: 'server',
    actor,
    now: nowSeconds(),
    settings,
    event: 'users.sessions.create',
  };
  const begun = await beginSession(stores, start);
  if (begun) return begun;
  const [user] = await userById(stores.db, project.id, userId).all();
  throw user ? userBlocked() : userNotFound();
}

/**
 * Verifies a password against a stored hash of any algorithm (password-formats.ts);
 * `upgrade` when it is right but made elsewhere with another algorithm (argon2id hashes,
 * whatever their parameters, are verified as they are and kept). An unknown
 * email, or a user without a password (imported without a hash), is checked against a
 * decoy: the same hashing work as a wrong password, so no account enumeration.
 */
async function checkPassword(password: string, stored: string | undefined, admission: Admission): Promise<{ valid: boolean; upgrade: boolean }> {
  if (!stored || isArgon2id(stored)) return { valid: await verifyPassword(password, stored || decoyHash(), admission), upgrade: false };
  const valid = await verifyImportedHash(password, stored, admission);
  // An md5 or cheap bcrypt check answers in milliseconds: refused, it pays the decoy's
  // argon2id on top, as an unknown email does (accepted, it pays the upgrade's).
  if (!valid) await verifyPassword(password, decoyHash(), admission);
  return { valid, upgrade: valid };
}

/** Checks a session token: KV finds the session, D1 confirms it is still live. */
export async function authenticate(stores: Stores, project: Project, credentials: SessionCredentials | null): Promise<AuthenticatedSession> {
  if (!credentials) throw noSession();
  const now = nowSeconds();
  const tokenHash = sha256Hex(credentials.secret);
  const record = await getToken(stores.kv, tokenHash);
  if (!record || record.userId !== credentials.userId || record.projectId !== project.id || record.expire <= now) throw noSession();
  const live = await queries.findLiveSession(stores.db, project.id, record.sessionId, now);
  if (!live || !constantTimeEqual(live.tokenHash, tokenHash)) throw noSession();
  if (live.user.status === UserStatus.blocked) throw userBlocked();
  return { sessionId: record.sessionId, user: await touched(stores, project, live.user) };
}

/** How stale accessedAt may get: a request as the user moves it at most once an hour (contract §12.2). */
const ACCESS_TOUCH_MS = 60 * 60 * 1000;

/** The user with accessedAt moved to now when it is over an hour old: one conditional UPDATE then, no write otherwise. */
export async function touched({ db }: Stores, project: Project, user: PublicUserRow): Promise<PublicUserRow> {
  const now = Date.now();
  if (now - user.accessedAt < ACCESS_TOUCH_MS) return user;
  await touchAccessedBefore(db, project.id, user.id, now, now - ACCESS_TOUCH_MS);
  return { ...user, accessedAt: now };
}

/** A session as the domain hands it to the edge: `current` tells the caller's own. */
export type SessionRecord = SessionRow & { current: boolean };

/**
 * The most sessions a listing returns: the 0.6 routes have no paging params (contract §4),
 * and a user with tens of thousands of sessions must not make one response read them all.
 */
export const SESSION_LIST_LIMIT = 100;

export async function listOwnSessions({ db }: Stores, project: Project, session: AuthenticatedSession): Promise<SessionRecord[]> {
  const rows = await queries.listUserSessions(db, project.id, session.user.id, nowSeconds(), SESSION_LIST_LIMIT).all();
  return rows.map((row) => ({ ...row, current: row.id === session.sessionId }));
}

/** Ends one of the caller's own sessions (`current` names the one in use). */
export async function endOwnSession(stores: Stores, project: Project, session: AuthenticatedSession, sessionId: string, actor: Actor) {
  const { db } = stores;
  const id = sessionId === 'current' ? session.sessionId : sessionId;
  const userId = session.user.id;
  const ending = queries.userHasSession(project.id, userId, id);
  const { ended } = await commitEnding(stores, {
    log: insertLogIf(db, auditEntry(project.id, userId, 'account.sessions.delete', actor, nowSeconds()), ending),
    record: recordEvent(db, { projectId: project.id, userId, event: 'account.sessions.delete', data: eventData.session(id), when: ending }),
    end: queries.deleteUserSession(db, project.id, userId, id),
  });
  if (ended === 0) throw sessionNotFound();
  return { endedCurrent: id === session.sessionId };
}

/** One of the caller's own live sessions (`current`: the one in use). */
export async function getOwnSession({ db }: Stores, project: Project, session: AuthenticatedSession, sessionId: string): Promise<SessionRecord> {
  const id = sessionId === 'current' ? session.sessionId : sessionId;
  const [row] = await queries.findUserSession(db, project.id, session.user.id, id, nowSeconds()).all();
  if (!row) throw sessionNotFound();
  return { ...row, current: row.id === session.sessionId };
}

/** Ends every session of the caller (each logged and announced as `account.sessions.delete`). */
export async function endAllOwnSessions(stores: Stores, project: Project, session: AuthenticatedSession, actor: Actor): Promise<void> {
  const { db } = stores;
  const userId = session.user.id;
  const now = nowSeconds();
  const ending = queries.allSessionsOf(project.id, userId);
  await commitEnding(stores, {
    log: queries.logEachSession(db, ending, auditEntry(project.id, userId, 'account.sessions.delete', actor, now)),
    record: recordSessionEvents(db, ending, 'account.sessions.delete', now),
    end: queries.deleteUserSessions(db, project.id, userId),
  });
}

export async function listUserSessions({ db }: Stores, project: Project, userId: string): Promise<SessionRecord[]> {
  const [[user], rows] = await batchPrepared(db, [
    userById(db, project.id, userId),
    queries.listUserSessions(db, project.id, userId, nowSeconds(), SESSION_LIST_LIMIT),
  ]);
  if (!user) throw userNotFound();
  return rows.map((row) => ({ ...row, current: false }));
}

/**
 * Users API: ends one session (sessionId) or all of them; succeeds for an unknown session
 * and resolves to how many ended (the 1.x dialect refuses an unknown one).
 * Logged, and announced, only when a session ended, as on the Account API: both are
 * placed before the deletion in the batch, conditional on what it will delete.
 */
export async function deleteUserSessions(stores: Stores, project: Project, userId: string, actor: Actor, sessionId?: string): Promise<number> {
  const { db } = stores;
  const entry = auditEntry(project.id, userId, 'users.sessions.delete', actor, nowSeconds());
  const ending = queries.userHasSession(project.id, userId, sessionId);
  const { ended, userExists } = await commitEnding(stores, {
    ofUser: findUser(db, project.id, userId),
    log: insertLogIf(db, entry, ending),
    // `data` lists the sessions the deletion ends.
    record: recordEvent(db, { projectId: project.id, userId, event: 'users.sessions.delete', data: eventData.endingSessions(sessionId), when: ending }),
    end: sessionId === undefined ? queries.deleteUserSessions(db, project.id, userId) : queries.deleteUserSession(db, project.id, userId, sessionId),
  });
  if (!userExists) throw userNotFound();
  return ended;
}

/**
 * Ends sessions in one batch: the audit entries and events first (conditioned on, or made of,
 * what the deletion will end), then the deletion; then the events are announced and the ended
 * tokens leave KV. `ofUser`, read first in the same snapshot, tells whether the user exists.
 */
async function commitEnding(
  { db, kv, events }: Stores,
  parts: { ofUser?: BatchItem<'sqlite'>; log: BatchItem<'sqlite'>; record: BatchItem<'sqlite'>; end: BatchItem<'sqlite'> },
): Promise<{ ended: number; userExists: boolean }> {
  const ending = [parts.log, parts.record, parts.end] as const;
  const results = (await db.batch(parts.ofUser ? [parts.ofUser, ...ending] : ending)) as unknown[][];
  const [found, , recorded, deleted] = (parts.ofUser ? results : [[true], ...results]) as [
    unknown[],
    unknown,
    Array<{ id: string }>,
    Array<{ tokenHash: string }>,
  ];
  events.announce(recorded);
  await deleteTokens(
    kv,
    deleted.map((row) => row.tokenHash),
  );
  return { ended: deleted.length, userExists: found.length > 0 };
}
