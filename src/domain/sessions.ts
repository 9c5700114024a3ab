// Sessions: sign-in, the check of every session-authenticated request, listing and
// ending sessions. A session is a D1 row (the authority) plus a KV entry keyed by
// the hash of its secret (the fast path); the secret itself is handed out once.
import { deleteLog, insertLogIf } from '../db/audit.ts';
import * as queries from '../db/sessions.ts';
import type { SessionRow } from '../db/sessions.ts';
import { findUser, findUserByEmail, replacePasswordHash, type PublicUserRow } from '../db/users.ts';
import { KV_MIN_TTL_SECONDS, deleteTokens, getToken, putToken } from '../kv/session-tokens.ts';
import { auditEntry } from './audit.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { invalidCredentials, noSession, sessionNotFound, userBlocked, userNotFound } from './errors.ts';
import { constantTimeEqual, randomHex, sha256Hex } from './crypto.ts';
import { geoFor } from './geo.ts';
import { newId } from './ids.ts';
import { isCurrentHash, verifyStoredHash } from './password-formats.ts';
import { DEFAULT_PARAMS, decoyHash, hashPassword, verifyPassword, withHashSlot } from './passwords.ts';
import type { DeviceInfo } from './user-agent.ts';
import { emailKey } from './users.ts';

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

export async function signIn(
  { db, kv }: Stores,
  project: Project,
  email: string,
  password: string,
  actor: Actor,
  lifetimeSeconds: number,
): Promise<{ id: string; expire: number; credentials: SessionCredentials }> {
  const now = nowSeconds();
  const user = await findUserByEmail(db, project.id, emailKey(email));
  const { valid, upgrade } = await checkPassword(password, user?.passwordHash);
  if (!user) throw invalidCredentials();
  if (!valid || user.status === 2) {
    // The audit trail shows refused sign-ins of existing users, blocked ones included.
    await insertLogIf(db, auditEntry(project.id, user.id, 'account.sessions.failed', actor, now));
    throw valid ? userBlocked() : invalidCredentials();
  }

  // An imported hash is replaced by ours once it has proved the password right.
  const upgraded = upgrade ? await hashPassword(password) : null;
  const secret = randomHex(32);
  const session: SessionRow = {
    id: newId(),
    projectId: project.id,
    userId: user.id,
    tokenHash: sha256Hex(secret),
    expire: now + lifetimeSeconds,
    created: now,
    ip: actor.ip,
    device: JSON.stringify(actor.device),
    country: actor.country,
  };
  const [inserted, logged] = await db.batch([
    queries.insertSessionIfActive(db, session),
    insertLogIf(db, auditEntry(project.id, user.id, 'account.sessions.create', actor, now), queries.sessionExists(user.id, session.id)),
    replacePasswordHash(db, project.id, user.id, user.passwordHash, upgraded),
  ]);
  // No row: the user was blocked between the password check and the insert.
  if (inserted.length === 0) throw userBlocked();
  try {
    await putToken(kv, session.tokenHash, { sessionId: session.id, userId: user.id, projectId: project.id, expire: session.expire }, now);
  } catch (err) {
    // Never leave a D1 session that no token can reach, nor a log saying it was created.
    await db.batch([queries.deleteUserSession(db, project.id, user.id, session.id), ...logged.map((entry) => deleteLog(db, entry.seq))]);
    throw err;
  }
  return { id: session.id, expire: session.expire, credentials: { userId: user.id, secret } };
}

/**
 * Verifies a password against a stored hash of any algorithm (password-formats.ts);
 * `upgrade` when it is right but not yet this service's current argon2id. An unknown
 * email, or a user without a password (imported without a hash), costs the same
 * hashing work as a wrong password: no account enumeration.
 */
async function checkPassword(password: string, stored: string | undefined): Promise<{ valid: boolean; upgrade: boolean }> {
  if (stored === undefined || stored === '') {
    await verifyPassword(password, await decoyHash());
    return { valid: false, upgrade: false };
  }
  if (isCurrentHash(stored, DEFAULT_PARAMS)) return { valid: await verifyPassword(password, stored), upgrade: false };
  const valid = await withHashSlot(() => verifyStoredHash(password, stored));
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
  if (live.user.status === 2) throw userBlocked();
  return { sessionId: record.sessionId, user: live.user };
}

function toSessionModel(row: SessionRow, locale: string) {
  const device = JSON.parse(row.device) as DeviceInfo;
  return { $id: row.id, ip: row.ip, ...device, geo: geoFor(row.country, locale) };
}

export async function listOwnSessions({ db }: Stores, project: Project, session: AuthenticatedSession, locale: string) {
  const rows = await queries.listUserSessions(db, project.id, session.user.id, nowSeconds());
  return rows.map((row) => ({ ...toSessionModel(row, locale), current: row.id === session.sessionId }));
}

/** Ends one of the caller's own sessions (`current` names the one in use). */
export async function endOwnSession({ db, kv }: Stores, project: Project, session: AuthenticatedSession, sessionId: string, actor: Actor) {
  const id = sessionId === 'current' ? session.sessionId : sessionId;
  const userId = session.user.id;
  const [, deleted] = await db.batch([
    insertLogIf(db, auditEntry(project.id, userId, 'account.sessions.delete', actor, nowSeconds()), queries.sessionExists(userId, id)),
    queries.deleteUserSession(db, project.id, userId, id),
  ]);
  if (deleted.length === 0) throw sessionNotFound();
  await deleteTokens(kv, deleted.map((row) => row.tokenHash));
  return { endedCurrent: id === session.sessionId };
}

export async function listUserSessions({ db }: Stores, project: Project, userId: string, locale: string) {
  const [[user], rows] = await db.batch([
    findUser(db, project.id, userId),
    queries.listUserSessions(db, project.id, userId, nowSeconds()),
  ]);
  if (!user) throw userNotFound();
  return rows.map((row) => toSessionModel(row, locale));
}

/** Users API: ends one session (sessionId) or all of them; succeeds for an unknown session. */
export async function deleteUserSessions({ db, kv }: Stores, project: Project, userId: string, actor: Actor, sessionId?: string) {
  const [[user], , deleted] = await db.batch([
    findUser(db, project.id, userId),
    insertLogIf(db, auditEntry(project.id, userId, 'users.sessions.delete', actor, nowSeconds())),
    sessionId === undefined
      ? queries.deleteUserSessions(db, project.id, userId)
      : queries.deleteUserSession(db, project.id, userId, sessionId),
  ]);
  if (!user) throw userNotFound();
  await deleteTokens(kv, deleted.map((row) => row.tokenHash));
}
