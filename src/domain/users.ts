// The user rules: creation (hashing, ids, case-insensitive unique emails), listing
// and search, prefs, status, edits and erasure, and the wire shape of a user.
import { deleteUserLogs, insertLogIf } from '../db/audit.ts';
import { isConstraintError } from '../db/client.ts';
import { deleteUserSessions, deleteUserSessionsIf } from '../db/sessions.ts';
import * as queries from '../db/users.ts';
import type { Page, PublicUserRow } from '../db/users.ts';
import { eraseSettledUserEvents } from '../db/webhooks.ts';
import { deleteTokens } from '../kv/session-tokens.ts';
import { auditEntry } from './audit.ts';
import { recordEvent } from './events.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { alreadyRegistered, invalidParam, tooBusy, userNotFound } from './errors.ts';
import { newUserKey } from './ids.ts';
import { hashPassword } from './passwords.ts';
import { lapsed, lease, pollUntil, type Lease } from './polling.ts';
import { matchExpression, searchText } from './search.ts';

export interface UserListItem {
  $id: string;
  email: string;
  emailVerification: boolean;
  status: number;
  registration: number;
  name: string;
}
export type User = UserListItem & { roles: string[] };

export function toListItem(row: PublicUserRow): UserListItem {
  return {
    $id: row.id,
    email: row.email,
    emailVerification: row.emailVerification,
    status: row.status,
    registration: row.registration,
    name: row.name,
  };
}

export function toUser(row: PublicUserRow): User {
  return { ...toListItem(row), roles: [] };
}

export const emailKey = (email: string) => email.toLowerCase();

/** `hashBudgetMs`: how long the caller accepts to wait for a hash slot (hash-admission.ts). */
export async function createUser(
  { db, events }: Stores,
  project: Project,
  input: { email: string; password: string; name: string },
  actor: Actor,
  hashBudgetMs: number,
): Promise<User> {
  const release = await claimEmail(project.id, emailKey(input.email), hashBudgetMs + CLAIM_SLACK_MS);
  try {
    // Checked before hashing so a duplicate costs no hash (upstream checks first too);
    // the unique index still settles a race between isolates.
    if (await queries.findUserByEmail(db, project.id, emailKey(input.email))) throw alreadyRegistered();
    const passwordHash = await hashPassword(input.password, { queue: project.id, budgetMs: hashBudgetMs });
    return await insertUser({ db, events }, project, input, passwordHash, actor);
  } finally {
    release();
  }
}

/**
 * Emails being created in this isolate: a second create of the same email waits for the
 * first to finish, then finds it taken without spending a hash. A claim is a lease, so a
 * create cancelled while it holds one (its client went away) holds up the email only
 * until the term is over.
 */
const creating = new Map<string, Lease>();
/**
 * A claim's term beyond its create's hash budget (the longest admitted wait for a slot):
 * time for the hash and two D1 round trips. A create that outlasts it merely lets a later
 * one spend a hash too; the unique index still keeps the email to one user.
 */
const CLAIM_SLACK_MS = 10_000;

async function claimEmail(projectId: string, key: string, termMs: number): Promise<() => void> {
  const claim = `${projectId}\n${key}`;
  await pollUntil(() => {
    const held = creating.get(claim);
    return held === undefined || lapsed(held);
  });
  // Forget the claims cancelled creates left behind.
  for (const [other, held] of creating) if (lapsed(held)) creating.delete(other);
  const mine = lease(termMs);
  creating.set(claim, mine);
  // Only its own claim: once lapsed, the email may be another create's.
  return () => void (creating.get(claim) === mine && creating.delete(claim));
}

async function insertUser({ db, events }: Pick<Stores, 'db' | 'events'>, project: Project, input: { email: string; name: string }, passwordHash: string, actor: Actor): Promise<User> {
  for (let attempt = 1; ; attempt++) {
    const key = newUserKey();
    try {
      const [[row], , recorded] = await db.batch([
        queries.insertUser(db, {
          seq: key.seq,
          id: key.id,
          projectId: project.id,
          email: input.email,
          emailKey: emailKey(input.email),
          name: input.name,
          passwordHash,
          status: 0,
          emailVerification: false,
          registration: key.registration,
          searchText: searchText(project.seq, input.name, input.email),
        }),
        insertLogIf(db, auditEntry(project.id, key.id, 'users.create', actor, key.registration)),
        recordEvent(db, { projectId: project.id, userId: key.id, event: 'users.create', time: key.registration }),
      ]);
      events.announce(recorded);
      return toUser(row!);
    } catch (err) {
      if (isConstraintError(err, 'UNIQUE', 'users.email_key')) throw alreadyRegistered();
      // Another isolate took the same key in the same second: draw again.
      if (isConstraintError(err, 'UNIQUE') && attempt < 3) continue;
      throw err;
    }
  }
}

export async function getUser({ db }: Stores, project: Project, userId: string): Promise<User> {
  const [row] = await queries.userById(db, project.id, userId).all();
  if (!row) throw userNotFound();
  return toUser(row);
}

export async function listUsers({ db }: Stores, project: Project, search: string, page: Page) {
  const match = matchExpression(project.seq, search);
  const result = match === null ? await queries.listUsers(db, project.id, page) : await queries.searchUsers(db, project.id, match, page);
  if (!result) throw invalidParam('cursor', 'User not found');
  return { sum: result.sum, users: result.users.map(toListItem) };
}

/** The stored prefs JSON text, returned byte for byte. */
export async function getPrefs({ db }: Stores, project: Project, userId: string): Promise<string> {
  const prefs = await queries.findPrefs(db, project.id, userId);
  if (prefs === undefined) throw userNotFound();
  return prefs;
}

export async function mergePrefs({ db, events }: Stores, project: Project, userId: string, patch: Record<string, unknown>, actor: Actor): Promise<string> {
  try {
    const [[row], , recorded] = await db.batch([
      queries.mergePrefs(db, project.id, userId, JSON.stringify(patch)),
      insertLogIf(db, auditEntry(project.id, userId, 'users.update.prefs', actor, nowSeconds())),
      recordEvent(db, { projectId: project.id, userId, event: 'users.update.prefs' }),
    ]);
    if (!row) throw userNotFound();
    events.announce(recorded);
    return row.prefs;
  } catch (err) {
    if (isConstraintError(err, 'CHECK')) throw invalidParam('prefs', 'Merged prefs must be at most 64 KiB of JSON');
    throw err;
  }
}

/** Blocking (status 2) also ends every session of the user, in the same transaction. */
export async function updateStatus({ db, kv, events }: Stores, project: Project, userId: string, status: number, actor: Actor): Promise<User> {
  const [[row], , recorded, ended] = await db.batch([
    queries.updateStatus(db, project.id, userId, status),
    insertLogIf(db, auditEntry(project.id, userId, 'users.update.status', actor, nowSeconds())),
    recordEvent(db, { projectId: project.id, userId, event: 'users.update.status' }),
    // Deletes nothing unless blocking; a batch cannot branch, so the condition is in SQL.
    deleteUserSessionsIf(db, project.id, userId, status === 2),
  ]);
  if (!row) throw userNotFound();
  events.announce(recorded);
  await deleteTokens(kv, ended.map((s) => s.tokenHash));
  return toUser(row);
}

export async function updateName(stores: Stores, project: Project, userId: string, name: string, actor: Actor): Promise<User> {
  return updateSearchFields(stores, project, userId, { name }, 'users.update.name', actor);
}

/** Another user of the project with the address (case-insensitively) is a 409; one's own in another case is a change. */
export async function updateEmail(stores: Stores, project: Project, userId: string, email: string, actor: Actor): Promise<User> {
  try {
    return await updateSearchFields(stores, project, userId, { email, emailKey: emailKey(email) }, 'users.update.email', actor);
  } catch (err) {
    if (isConstraintError(err, 'UNIQUE', 'users.email_key')) throw alreadyRegistered();
    throw err;
  }
}

/**
 * Name and email both feed the search text, so a change of one is written with the
 * text computed from the other as read; should the other change in between, the
 * write matches nothing and is retried on a fresh read.
 */
async function updateSearchFields(
  { db, events }: Stores,
  project: Project,
  userId: string,
  change: { name: string } | { email: string; emailKey: string },
  event: 'users.update.name' | 'users.update.email',
  actor: Actor,
): Promise<User> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const current = await queries.findSearchFields(db, project.id, userId);
    if (!current) throw userNotFound();
    const next = { ...current, ...change };
    const [, [row], recorded] = await db.batch([
      insertLogIf(db, auditEntry(project.id, userId, event, actor, nowSeconds()), queries.stillHas(current)),
      queries.updateSearchFields(db, project.id, userId, current, change, searchText(project.seq, next.name, next.email)),
      recordEvent(db, { projectId: project.id, userId, event, when: queries.stillHas(next) }),
    ]);
    if (!row) continue;
    events.announce(recorded);
    return toUser(row);
  }
  // Only a stream of concurrent edits of one user gets here: ask the client to retry.
  throw tooBusy();
}

/** A new password ends every session of the user in the same transaction (contract §9.1). */
export async function updatePassword(
  { db, kv, events }: Stores,
  project: Project,
  userId: string,
  password: string,
  actor: Actor,
  hashBudgetMs: number,
): Promise<User> {
  // An unknown user costs no hash.
  const [exists] = await queries.userById(db, project.id, userId).all();
  if (!exists) throw userNotFound();
  const passwordHash = await hashPassword(password, { queue: project.id, budgetMs: hashBudgetMs });
  const [[row], , recorded, ended] = await db.batch([
    queries.updatePasswordHash(db, project.id, userId, passwordHash),
    insertLogIf(db, auditEntry(project.id, userId, 'users.update.password', actor, nowSeconds())),
    recordEvent(db, { projectId: project.id, userId, event: 'users.update.password' }),
    deleteUserSessions(db, project.id, userId),
  ]);
  if (!row) throw userNotFound();
  events.announce(recorded);
  await deleteTokens(kv, ended.map((s) => s.tokenHash));
  return toUser(row);
}

export async function updateVerification({ db, events }: Stores, project: Project, userId: string, verified: boolean, actor: Actor): Promise<User> {
  const [[row], , recorded] = await db.batch([
    queries.updateEmailVerification(db, project.id, userId, verified),
    insertLogIf(db, auditEntry(project.id, userId, 'users.update.verification', actor, nowSeconds())),
    recordEvent(db, { projectId: project.id, userId, event: 'users.update.verification' }),
  ]);
  if (!row) throw userNotFound();
  events.announce(recorded);
  return toUser(row);
}

/**
 * Erases the user in one transaction: sessions (their tokens are returned so KV can
 * forget them; D1 refuses them from now on), logs, the data of their delivered webhook
 * events (those still to deliver keep it until delivered), then the row with its prefs,
 * which takes the counter and search index with it. A sign-in racing this inserts its
 * session from the users row, so once the row is gone it inserts nothing.
 */
export async function deleteUser({ db, kv, events }: Stores, project: Project, userId: string): Promise<void> {
  const [recorded, ended, , , deleted] = await db.batch([
    // Before the delete, so `data` is the user as it was.
    recordEvent(db, { projectId: project.id, userId, event: 'users.delete' }),
    deleteUserSessions(db, project.id, userId),
    deleteUserLogs(db, project.id, userId),
    eraseSettledUserEvents(db, project.id, userId),
    queries.deleteUser(db, project.id, userId),
  ]);
  if (deleted.length === 0) throw userNotFound();
  events.announce(recorded);
  await deleteTokens(kv, ended.map((s) => s.tokenHash));
}
