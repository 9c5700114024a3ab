// The user rules: creation (hashing, ids, case-insensitive unique emails), listing
// and search, prefs and status, and the wire shape of a user.
import type { Db } from '../db/client.ts';
import { isConstraintError } from '../db/client.ts';
import * as queries from '../db/users.ts';
import type { Page, PublicUserRow } from '../db/users.ts';
import type { Project } from '../http/auth.ts';
import { HttpError, badRequest } from '../http/errors.ts';
import { newId } from './ids.ts';
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

const userNotFound = () => new HttpError(404, 'User not found');

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

export async function createUser(db: Db, project: Project, input: { email: string; password: string; name: string }): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await queries.insertUser(db, {
      id: newId(),
      projectId: project.id,
      email: input.email,
      emailKey: emailKey(input.email),
      name: input.name,
      passwordHash,
      status: 0,
      emailVerification: false,
      registration: Math.floor(Date.now() / 1000),
      searchText: searchText(project.seq, input.name, input.email),
    });
    return toUser(row);
  } catch (err) {
    if (isConstraintError(err, 'UNIQUE')) throw new HttpError(409, 'User already registered');
    throw err;
  }
}

export async function getUser(db: Db, project: Project, userId: string): Promise<User> {
  const row = await queries.findUser(db, project.id, userId);
  if (!row) throw userNotFound();
  return toUser(row);
}

export async function listUsers(db: Db, project: Project, search: string, page: Page) {
  const match = matchExpression(project.seq, search);
  const result = match === null ? await queries.listUsers(db, project.id, page) : await queries.searchUsers(db, project.id, match, page);
  return { sum: result.sum, users: result.users.map(toListItem) };
}

/** The stored prefs JSON text, returned byte for byte. */
export async function getPrefs(db: Db, project: Project, userId: string): Promise<string> {
  const prefs = await queries.findPrefs(db, project.id, userId);
  if (prefs === undefined) throw userNotFound();
  return prefs;
}

export async function mergePrefs(db: Db, project: Project, userId: string, patch: Record<string, unknown>): Promise<string> {
  let merged: string | undefined;
  try {
    merged = await queries.mergePrefs(db, project.id, userId, JSON.stringify(patch));
  } catch (err) {
    if (isConstraintError(err, 'CHECK')) throw badRequest('Invalid prefs: Merged prefs must be at most 64 KiB of JSON');
    throw err;
  }
  if (merged === undefined) throw userNotFound();
  return merged;
}

export async function updateStatus(db: Db, project: Project, userId: string, status: number): Promise<User> {
  const row = await queries.updateStatus(db, project.id, userId, status);
  if (!row) throw userNotFound();
  return toUser(row);
}
