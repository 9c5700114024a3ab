// The user rules: creation (hashing, ids, case-insensitive unique emails, unique phones),
// listing and search, prefs, status, labels, edits and erasure. Every function returns
// the user's record (db/users.ts PublicUserRow); the edge renders it in the request's
// dialect (src/schemas/user-model.ts).
import { deleteUserLogs } from '../db/audit.ts';
import { isConstraintError } from '../db/client.ts';
import { deleteUserSessions, deleteUserSessionsIf } from '../db/sessions.ts';
import { deleteUserTokensIf } from '../db/tokens.ts';
import * as queries from '../db/users.ts';
import type { NewUserRow, Page, PublicUserRow } from '../db/users.ts';
import { MAX_BOUND_PARAMS, QueryTooLarge, queryUsers, type UserQuery } from '../db/user-queries.ts';

export type { Attribute, Comparison, Filter, OrderAttribute, UserQuery, Value } from '../db/user-queries.ts';
import { countCreated } from '../db/usage.ts';
import { eraseSettledUserEvents } from '../db/webhooks.ts';
import type { Actor, Project, Stores } from './context.ts';
import { alreadyRegistered, cursorNotFound, invalidParam, phoneTaken, queryInvalid, tooBusy, userNotFound } from './errors.ts';
import { newUserKey, skipTakenUserKeys } from './ids.ts';
import { hashPassword } from './passwords.ts';
import { lapsed, lease, pollUntil, type Lease } from './polling.ts';
import { matchExpression, searchText } from './search.ts';
import { commitUserChange } from './user-change.ts';
import { UserStatus } from '../db/user-status.ts';

/** A user as the domain hands it to the edge. */
export type UserRecord = PublicUserRow;
export { UserStatus };

/** The 0.6 wire shapes the edge renders a record in (src/schemas/user-model.ts); the 0.6 suites type responses with them. */
export interface UserListItem {
  $id: string;
  email: string;
  emailVerification: boolean;
  status: number;
  registration: number;
  name: string;
}
export type User = UserListItem & { roles: string[] };

export const emailKey = (email: string) => email.toLowerCase();

/** The 1.x dialect's default ordering and the time of changes: unix milliseconds. */
export const nowMs = () => Date.now();

export interface NewUser {
  /** A custom id (contract §9.2); none: generated. */
  userId?: string;
  /** '' for none: a user may have a phone only, or neither (1.x). */
  email: string;
  phone?: string;
  /** '' for none: such a user cannot sign in with a password. */
  password: string;
  name: string;
}

/** `hashBudgetMs`: how long the caller accepts to wait for a hash slot (hash-admission.ts). */
export async function createUser(stores: Stores, project: Project, input: NewUser, actor: Actor, hashBudgetMs: number): Promise<UserRecord> {
  const { db } = stores;
  const key = emailKey(input.email);
  const release = key === '' ? () => {} : await claimEmail(project.id, key, hashBudgetMs + CLAIM_SLACK_MS);
  try {
    // Checked before hashing so a duplicate costs no hash (upstream checks first too);
    // the unique index still settles a race between isolates.
    if (key !== '' && (await queries.findUserByEmail(db, project.id, key))) throw alreadyRegistered();
    const passwordHash = input.password === '' ? '' : await hashPassword(input.password, { queue: project.id, budgetMs: hashBudgetMs });
    return await insertUser(stores, project, input, passwordHash, actor);
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

async function insertUser(stores: Stores, project: Project, input: NewUser, passwordHash: string, actor: Actor): Promise<UserRecord> {
  const { db } = stores;
  for (let attempt = 1; ; attempt++) {
    const key = newUserKey();
    const id = input.userId ?? key.id;
    const now = nowMs();
    const row: NewUserRow = {
      seq: key.seq,
      id,
      projectId: project.id,
      email: input.email,
      emailKey: emailKey(input.email),
      phone: input.phone ?? '',
      name: input.name,
      passwordHash,
      passwordUpdate: passwordHash === '' ? 0 : now,
      updatedAt: now,
      status: UserStatus.unactivated,
      emailVerification: false,
      registration: key.registration,
      searchText: searchText(project.seq, input.name, input.email),
    };
    try {
      const { row: inserted } = await commitUserChange(stores, project, {
        userId: id,
        event: 'users.create',
        write: queries.insertUser(db, row),
        actor,
        time: key.registration,
        also: [countCreated(db, project.id, 'users', key.registration, 1)],
      });
      return inserted!;
    } catch (err) {
      // Create has one conflict for a taken id, email or phone (upstream 1.x).
      if (isConstraintError(err, 'UNIQUE', 'users.email_key') || isConstraintError(err, 'UNIQUE', 'users.phone')) throw alreadyRegistered();
      if (input.userId !== undefined && isConstraintError(err, 'UNIQUE', 'users.id')) throw alreadyRegistered();
      // Another isolate took the same key in the same second: draw again (the next key). Taken
      // twice running, an import holds the keys that follow: draw again further on.
      if (isConstraintError(err, 'UNIQUE') && attempt < 3) {
        if (attempt > 1) skipTakenUserKeys();
        continue;
      }
      throw err;
    }
  }
}

export async function getUser({ db }: Stores, project: Project, userId: string): Promise<UserRecord> {
  const [row] = await queries.userById(db, project.id, userId).all();
  if (!row) throw userNotFound();
  return row;
}

/** A page of users and the number of matches (`total`). */
export async function listUsers({ db }: Stores, project: Project, search: string, page: Page): Promise<{ total: number; users: UserRecord[] }> {
  const match = matchExpression(project.seq, search);
  const result = match === null ? await queries.listUsers(db, project.id, page) : await queries.searchUsers(db, project.id, match, page);
  if (!result) throw cursorNotFound(page.cursor!.id);
  return { total: result.sum, users: result.users };
}

/**
 * 1.x: a page of the users matching `query` (and `search`), with their count unless
 * `count` is false. The plain list and search, as in 0.6, take their fast paths.
 */
export async function findUsers(
  { db }: Stores,
  project: Project,
  search: string,
  query: UserQuery,
  count: boolean,
): Promise<{ total: number; users: UserRecord[] }> {
  if (query.filters.length === 0 && !query.order && count) {
    return listUsers({ db } as Stores, project, search, { limit: query.limit, offset: query.offset, order: 'ASC', cursor: query.cursor });
  }
  const match = matchExpression(project.seq, search);
  const filters = match === null ? query.filters : [...query.filters, { op: 'search' as const, match }];
  let result;
  try {
    result = await queryUsers(db, project.id, { ...query, filters }, count);
  } catch (err) {
    if (err instanceof QueryTooLarge) throw queryInvalid(`Invalid query: the queries bind more than ${MAX_BOUND_PARAMS} values; send fewer filters or values`);
    throw err;
  }
  if (!result) throw cursorNotFound(query.cursor!.id);
  return result;
}

/** The stored prefs JSON text, returned byte for byte. */
export async function getPrefs({ db }: Stores, project: Project, userId: string): Promise<string> {
  const prefs = await queries.findPrefs(db, project.id, userId);
  if (prefs === undefined) throw userNotFound();
  return prefs;
}

/** 0.6: a shallow merge into the stored prefs; returns the merged JSON text. */
export async function mergePrefs(stores: Stores, project: Project, userId: string, patch: Record<string, unknown>, actor: Actor): Promise<string> {
  try {
    const write = queries.mergePrefs(stores.db, project.id, userId, JSON.stringify(patch), nowMs());
    const { row } = await commitUserChange(stores, project, { userId, event: 'users.update.prefs', write, actor });
    if (!row) throw userNotFound();
    return row.prefs;
  } catch (err) {
    if (isConstraintError(err, 'CHECK')) throw invalidParam('prefs', 'Merged prefs must be at most 64 KiB of JSON');
    throw err;
  }
}

/** 1.x: the prefs become `prefs` as a whole; returns the stored JSON text. */
export async function replacePrefs(stores: Stores, project: Project, userId: string, prefs: Record<string, unknown>, actor: Actor): Promise<string> {
  try {
    return (await updateFields(stores, project, userId, { prefs: JSON.stringify(prefs) }, 'users.update.prefs', actor)).prefs;
  } catch (err) {
    if (isConstraintError(err, 'CHECK')) throw invalidParam('prefs', 'Prefs must be at most 64 KiB of JSON');
    throw err;
  }
}

/** Blocking also ends every session of the user, in the same transaction. */
export async function updateStatus(stores: Stores, project: Project, userId: string, status: UserStatus, actor: Actor): Promise<UserRecord> {
  const { db } = stores;
  const { row } = await commitUserChange(stores, project, {
    userId,
    event: 'users.update.status',
    write: queries.updateUser(db, project.id, userId, { status }, nowMs()),
    actor,
    // Deletes nothing unless blocking; a batch cannot branch, so the condition is in SQL.
    ends: deleteUserSessionsIf(db, project.id, userId, status === UserStatus.blocked),
    // Its unexchanged tokens too (contract §12.4: blocking ends tokens as well).
    also: [deleteUserTokensIf(db, project.id, userId, status === UserStatus.blocked)],
  });
  if (!row) throw userNotFound();
  return row;
}

export async function updateName(stores: Stores, project: Project, userId: string, name: string, actor: Actor): Promise<UserRecord> {
  return updateSearchFields(stores, project, userId, { name }, 'users.update.name', actor);
}

/** Another user of the project with the address (case-insensitively) is a 409; one's own in another case is a change. */
export async function updateEmail(stores: Stores, project: Project, userId: string, email: string, actor: Actor): Promise<UserRecord> {
  try {
    return await updateSearchFields(stores, project, userId, { email, emailKey: emailKey(email) }, 'users.update.email', actor);
  } catch (err) {
    if (isConstraintError(err, 'UNIQUE', 'users.email_key')) throw alreadyRegistered('user_email_already_exists');
    throw err;
  }
}

/** `phone`: E.164, or '' to remove it; another user of the project with it is a 409. */
export async function updatePhone(stores: Stores, project: Project, userId: string, phone: string, actor: Actor): Promise<UserRecord> {
  try {
    return await updateFields(stores, project, userId, { phone }, 'users.update.phone', actor);
  } catch (err) {
    if (isConstraintError(err, 'UNIQUE', 'users.phone')) throw phoneTaken();
    throw err;
  }
}

export async function updatePhoneVerification(stores: Stores, project: Project, userId: string, verified: boolean, actor: Actor): Promise<UserRecord> {
  return updateFields(stores, project, userId, { phoneVerification: verified }, 'users.update.phoneVerification', actor);
}

/** Replaces the labels (duplicates dropped, first occurrence kept); user_labels follows by trigger. */
export async function updateLabels(stores: Stores, project: Project, userId: string, labels: string[], actor: Actor): Promise<UserRecord> {
  return updateFields(stores, project, userId, { labels: [...new Set(labels)] }, 'users.update.labels', actor);
}

export async function updateVerification(stores: Stores, project: Project, userId: string, verified: boolean, actor: Actor): Promise<UserRecord> {
  return updateFields(stores, project, userId, { emailVerification: verified }, 'users.update.verification', actor);
}

/** One plain change of a user, logged and announced in the same batch. */
async function updateFields(
  stores: Stores,
  project: Project,
  userId: string,
  change: Parameters<typeof queries.updateUser>[3],
  event: 'users.update.prefs' | 'users.update.phone' | 'users.update.phoneVerification' | 'users.update.labels' | 'users.update.verification',
  actor: Actor,
): Promise<UserRecord> {
  const write = queries.updateUser(stores.db, project.id, userId, change, nowMs());
  const { row } = await commitUserChange(stores, project, { userId, event, write, actor });
  if (!row) throw userNotFound();
  return row;
}

/**
 * Name and email both feed the search text, so a change of one is written with the
 * text computed from the other as read; should the other change in between, the
 * write matches nothing and is retried on a fresh read.
 */
async function updateSearchFields(
  stores: Stores,
  project: Project,
  userId: string,
  change: { name: string } | { email: string; emailKey: string },
  event: 'users.update.name' | 'users.update.email',
  actor: Actor,
): Promise<UserRecord> {
  const { db } = stores;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const current = await queries.findSearchFields(db, project.id, userId);
    if (!current) throw userNotFound();
    const next = { ...current, ...change };
    const { row } = await commitUserChange(stores, project, {
      userId,
      event,
      write: queries.updateSearchFields(db, project.id, userId, current, change, searchText(project.seq, next.name, next.email), nowMs()),
      actor,
      guard: { before: queries.stillHas(current), after: queries.stillHas(next) },
    });
    if (row) return row;
  }
  // Only a stream of concurrent edits of one user gets here: ask the client to retry.
  throw tooBusy();
}

/** A new password ends every session of the user in the same transaction (contract §9.1). */
export async function updatePassword(
  stores: Stores,
  project: Project,
  userId: string,
  password: string,
  actor: Actor,
  hashBudgetMs: number,
): Promise<UserRecord> {
  const { db } = stores;
  // An unknown user costs no hash.
  const [exists] = await queries.userById(db, project.id, userId).all();
  if (!exists) throw userNotFound();
  const passwordHash = await hashPassword(password, { queue: project.id, budgetMs: hashBudgetMs });
  const { row } = await commitUserChange(stores, project, {
    userId,
    event: 'users.update.password',
    write: queries.updateUser(db, project.id, userId, { passwordHash, passwordUpdate: nowMs() }, nowMs()),
    actor,
    ends: deleteUserSessions(db, project.id, userId),
    also: [deleteUserTokensIf(db, project.id, userId)],
  });
  if (!row) throw userNotFound();
  return row;
}

/**
 * Erases the user in one transaction: sessions (their tokens are returned so KV can
 * forget them; D1 refuses them from now on), logs, the data of their delivered webhook
 * events (those still to deliver keep it until delivered), then the row with its prefs,
 * which takes the counter and search index with it. A sign-in racing this inserts its
 * session from the users row, so once the row is gone it inserts nothing.
 */
export async function deleteUser(stores: Stores, project: Project, userId: string): Promise<void> {
  const { db } = stores;
  const { row } = await commitUserChange(stores, project, {
    userId,
    event: 'users.delete',
    write: queries.deleteUser(db, project.id, userId),
    eventSees: 'before',
    ends: deleteUserSessions(db, project.id, userId),
    also: [deleteUserTokensIf(db, project.id, userId), deleteUserLogs(db, project.id, userId), eraseSettledUserEvents(db, project.id, userId)],
  });
  if (!row) throw userNotFound();
}
