// Tokens (contract §12.4): a server makes a short secret for a user (to send by its own
// means: a link, a code) and the user's client exchanges it, once, for a session. Only
// the SHA-256 of the secret is stored; the exchange deletes the row in the batch that
// inserts the session, so of two exchanges of one token exactly one begins a session.
import { insertLogIf } from '../db/audit.ts';
import { deleteToken, insertTokenIfUser, tokenExists, tokenIsLive } from '../db/tokens.ts';
import { auditEntry } from './audit.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { randomHex, sha256Hex } from './crypto.ts';
import { invalidToken, userNotFound } from './errors.ts';
import { eventData, recordEvent } from './events.ts';
import { newId } from './ids.ts';
import type { SessionSettings } from './session-config.ts';
import { beginSession, type SignedIn } from './sessions.ts';

/** A token as made: the secret is handed out this once. */
export interface TokenRecord {
  id: string;
  userId: string;
  secret: string;
  created: number;
  expire: number;
}

/** Upstream's bounds: `length` 4–128 characters (default 6), `expire` 60 s – 1 year (default 15 minutes). */
export const TOKEN_LENGTH = { min: 4, max: 128, default: 6 };
export const TOKEN_EXPIRE = { min: 60, max: 31_536_000, default: 900 };

export async function createToken(
  { db, events }: Stores,
  project: Project,
  userId: string,
  length: number,
  expireSeconds: number,
  actor: Actor,
): Promise<TokenRecord> {
  const now = nowSeconds();
  // Hex, as upstream's tokenGenerator: `length` characters of 4 bits each.
  const secret = randomHex(Math.ceil(length / 2)).slice(0, length);
  const token = { id: newId(), projectId: project.id, userId, secretHash: sha256Hex(secret), expire: now + expireSeconds, created: now };
  const made = tokenExists(token.id);
  const [inserted, , recorded] = await db.batch([
    insertTokenIfUser(db, token),
    insertLogIf(db, auditEntry(project.id, userId, 'users.tokens.create', actor, now), made),
    recordEvent(db, { projectId: project.id, userId, event: 'users.tokens.create', time: now, data: eventData.session(token.id), when: made }),
  ]);
  if (inserted.length === 0) throw userNotFound();
  events.announce(recorded);
  return { id: token.id, userId, secret, created: now, expire: token.expire };
}

/**
 * Exchanges a token for a session (provider `token`): unknown, used, expired or wrong
 * are one 401 user_invalid_token, so none is told apart, and so is a token of a blocked user
 * (blocking ends tokens too: the exchange begins no session for a blocked user).
 */
export async function exchangeToken(
  stores: Stores,
  project: Project,
  userId: string,
  secret: string,
  actor: Actor,
  settings: SessionSettings,
): Promise<SignedIn> {
  const now = nowSeconds();
  const secretHash = sha256Hex(secret);
  const start = { project, userId, guard: tokenIsLive(project.id, userId, secretHash, now), provider: 'token' as const, actor, now, settings };
  const begun = await beginSession(stores, start, [deleteToken(stores.db, project.id, userId, secretHash, now)]);
  if (!begun) throw invalidToken();
  return begun;
}
