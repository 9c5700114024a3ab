// Sessions: sign-in, the check of every session-authenticated request, listing and
// ending sessions. A session is a D1 row (the authority) plus a KV entry keyed by
// the hash of its secret (the fast path); the secret itself is handed out once.
import { deleteLog, insertLogIf } from '../db/audit.ts';
import type { BatchItem } from 'drizzle-orm/batch';
import * as queries from '../db/sessions.ts';
import type { SessionRow } from '../db/sessions.ts';
import { batchPrepared } from '../db/prepared.ts';
import { countCreated } from '../db/usage.ts';
import { findUser, findUserByEmail, replacePasswordHash, touchAccessed, userById, type PublicUserRow } from '../db/users.ts';
import { KV_MIN_TTL_SECONDS, deleteTokens, getToken, putToken } from '../kv/session-tokens.ts';
import { auditEntry } from './audit.ts';
import { deleteEvents } from '../db/webhooks.ts';
import { eventData, recordEvent, recordSessionEvents } from './events.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { invalidCredentials, noSession, sessionNotFound, userBlocked, userNotFound } from './errors.ts';
import { constantTimeEqual, randomHex, sha256Hex } from './crypto.ts';
import { newId } from './ids.ts';
import type { Admission } from './hash-admission.ts';
import { decoyHash, hashPassword, isArgon2id, verifyImportedHash, verifyPassword } from './passwords.ts';
import type { DeviceInfo } from './user-agent.ts';
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

/** Upstream sessions last one year. */
export const DEFAULT_SESSION_LIFETIME = 365 * 24 * 60 * 60;

/** The configured session lifetime in seconds (SESSION_LIFETIME); unset or empty means the default. */
export function sessionLifetime(configured: string | undefined): number {
  if (configured === undefined || configured.trim() === '') return DEFAULT_SESSION_LIFETIME;
  const seconds = Number(configured);
  // A plain Error: a misconfiguration is logged, and the client sees only a 500.
  if (!Number.isInteger(seconds) || seconds < KV_MIN_TTL_SECONDS) throw new Error(`SESSION_LIFETIME must be a whole number of seconds ≥ ${KV_MIN_TTL_SECONDS}`);
  return seconds;
}

/** Appwrite's default: a user holds at most 10 sessions. */
export const DEFAULT_MAX_SESSIONS = 10;

/** The configured cap on a user's live sessions (MAX_SESSIONS); unset or empty means the default. */
export function maxSessions(configured: string | undefined): number {
  if (configured === undefined || configured.trim() === '') return DEFAULT_MAX_SESSIONS;
  const max = Number(configured);
  // A plain Error: a misconfiguration is logged, and the client sees only a 500.
  if (!Number.isInteger(max) || max < 1) throw new Error('MAX_SESSIONS must be a whole number ≥ 1');
  return max;
}

type SignedIn = { id: string; expire: number; credentials: SessionCredentials };

interface SignInRequest {
  project: Project;
  email: string;
  password: string;
  actor: Actor;
  lifetimeSeconds: number;
  maxSessions: number;
  hashBudgetMs: number;
}

export async function signIn(
  stores: Stores,
  project: Project,
  email: string,
  password: string,
  actor: Actor,
  lifetimeSeconds: number,
  maxSessions: number,
  hashBudgetMs: number,
): Promise<SignedIn> {
  // When the session insert finds the user changed since the check (blocked, deleted, a
  // new password, or the hash upgraded by a sign-in racing this one), the password is
  // checked once more against what is stored now: a racing upgrade must not refuse it.
  const request = { project, email, password, actor, lifetimeSeconds, maxSessions, hashBudgetMs };
  return (await attemptSignIn(stores, request, false)) ?? (await attemptSignIn(stores, request, true))!;
}

/** One sign-in attempt; null when the user changed under it and `last` is false. */
async function attemptSignIn(
  stores: Stores,
  { project, email, password, actor, lifetimeSeconds, maxSessions, hashBudgetMs }: SignInRequest,
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
  const start = { project, userId: user.id, verifiedHash: user.passwordHash, actor, now, lifetimeSeconds, maxSessions };
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
  /** The password hash the caller verified: no session begins once the user has another. */
  verifiedHash: string;
  actor: Actor;
  now: number;
  lifetimeSeconds: number;
  /** MAX_SESSIONS: the oldest live sessions beyond it end in the same batch. */
  maxSessions: number;
}

/**
 * Begins a session, in one batch with `alongside` (run after it): the session row (only
 * while the user exists, is not blocked and has `verifiedHash`), its log entry and event,
 * and the end of the user's oldest live sessions beyond `maxSessions` (each logged and
 * announced as `account.sessions.delete`, their tokens deleted); then its KV token. Every
 * way a session begins goes through here. Null when the user changed: nothing was written.
 */
export async function beginSession(
  { db, kv, events }: Stores,
  { project, userId, verifiedHash, actor, now, lifetimeSeconds, maxSessions }: SessionStart,
  alongside: BatchItem<'sqlite'>[] = [],
): Promise<SignedIn | null> {
  const secret = randomHex(32);
  const session: SessionRow = {
    id: newId(),
    projectId: project.id,
    userId,
    tokenHash: sha256Hex(secret),
    expire: now + lifetimeSeconds,
    created: now,
    ip: actor.ip,
    device: JSON.stringify(actor.device),
    country: actor.country,
  };
  const created = queries.userHasSession(project.id, userId, session.id);
  const cap = queries.capSessions(db, session, now, maxSessions, auditEntry(project.id, userId, 'account.sessions.delete', actor, now));
  const [inserted, logged, recorded, , capRecorded, ended] = await db.batch([
    queries.insertSessionIfActive(db, session, verifiedHash),
    insertLogIf(db, auditEntry(project.id, userId, 'account.sessions.create', actor, now), created),
    recordEvent(db, { projectId: project.id, userId, event: 'account.sessions.create', time: now, data: eventData.session(session.id), when: created }),
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
  return { id: session.id, expire: session.expire, credentials: { userId, secret } };
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
export async function authenticate({ db, kv }: Stores, project: Project, credentials: SessionCredentials | null): Promise<AuthenticatedSession> {
  if (!credentials) throw noSession();
  const now = nowSeconds();
  const tokenHash = sha256Hex(credentials.secret);
  const record = await getToken(kv, tokenHash);
  if (!record || record.userId !== credentials.userId || record.projectId !== project.id || record.expire <= now) throw noSession();
  const live = await queries.findLiveSession(db, project.id, record.sessionId, now);
  if (!live || !constantTimeEqual(live.tokenHash, tokenHash)) throw noSession();
  if (live.user.status === UserStatus.blocked) throw userBlocked();
  return { sessionId: record.sessionId, user: live.user };
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
export async function endOwnSession({ db, kv, events }: Stores, project: Project, session: AuthenticatedSession, sessionId: string, actor: Actor) {
  const id = sessionId === 'current' ? session.sessionId : sessionId;
  const userId = session.user.id;
  const ending = queries.userHasSession(project.id, userId, id);
  const [, recorded, deleted] = await db.batch([
    insertLogIf(db, auditEntry(project.id, userId, 'account.sessions.delete', actor, nowSeconds()), ending),
    recordEvent(db, { projectId: project.id, userId, event: 'account.sessions.delete', data: eventData.session(id), when: ending }),
    queries.deleteUserSession(db, project.id, userId, id),
  ]);
  if (deleted.length === 0) throw sessionNotFound();
  events.announce(recorded);
  await deleteTokens(
    kv,
    deleted.map((row) => row.tokenHash),
  );
  return { endedCurrent: id === session.sessionId };
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
export async function deleteUserSessions({ db, kv, events }: Stores, project: Project, userId: string, actor: Actor, sessionId?: string): Promise<number> {
  const entry = auditEntry(project.id, userId, 'users.sessions.delete', actor, nowSeconds());
  const ending = queries.userHasSession(project.id, userId, sessionId);
  const [[user], , recorded, deleted] = await db.batch([
    findUser(db, project.id, userId),
    insertLogIf(db, entry, ending),
    // `data` lists the sessions the next statement deletes.
    recordEvent(db, { projectId: project.id, userId, event: 'users.sessions.delete', data: eventData.endingSessions(sessionId), when: ending }),
    sessionId === undefined ? queries.deleteUserSessions(db, project.id, userId) : queries.deleteUserSession(db, project.id, userId, sessionId),
  ]);
  if (!user) throw userNotFound();
  events.announce(recorded);
  await deleteTokens(
    kv,
    deleted.map((row) => row.tokenHash),
  );
  return deleted.length;
}
