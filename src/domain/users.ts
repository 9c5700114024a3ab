// The user rules: creation (hashing, ids, case-insensitive unique emails), listing
// and search, prefs and status, and the wire shape of a user.
import { insertLogIf } from '../db/audit.ts';
import { isConstraintError } from '../db/client.ts';
import { deleteUserSessionsIf } from '../db/sessions.ts';
import * as queries from '../db/users.ts';
import type { Page, PublicUserRow } from '../db/users.ts';
import { deleteTokens } from '../kv/session-tokens.ts';
import { auditEntry } from './audit.ts';
import { recordEvent } from './events.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { alreadyRegistered, invalidParam, userNotFound } from './errors.ts';
import { newUserKey } from './ids.ts';
import { hashPassword } from './passwords.ts';
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

export async function createUser(
  { db, events }: Stores,
  project: Project,
  input: { email: string; password: string; name: string },
  actor: Actor,
): Promise<User> {
  // Checked before hashing so a duplicate costs no hash (upstream checks first too);
  // the unique index still settles a race between two creates.
  if (await queries.findUserByEmail(db, project.id, emailKey(input.email))) throw alreadyRegistered();
  const passwordHash = await hashPassword(input.password);
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
  const [row] = await queries.findUser(db, project.id, userId);
  if (!row) throw userNotFound();
  return toUser(row);
}

export async function listUsers({ db }: Stores, project: Project, search: string, page: Page) {
  const match = matchExpression(project.seq, search);
  const result = match === null ? await queries.listUsers(db, project.id, page) : await queries.searchUsers(db, project.id, match, page);
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
