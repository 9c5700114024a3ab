// The whole route table, in the order the API reference lists it. Each entry's
// module holds its handler; src/http/pipeline.ts runs the checks before it.
import type { Endpoint } from '../http/endpoint.ts';
import { health } from './health.ts';
import { createSession, deleteAccountSession, getAccount, getAccountSessions } from './account.ts';
import { referenceEndpoints } from './docs.ts';
import {
  createUser,
  deleteUser,
  deleteUserSession,
  deleteUserSessions,
  getUser,
  getUserLogs,
  getUserPrefs,
  getUserSessions,
  listUsers,
  updateUserEmail,
  updateUserName,
  updateUserPassword,
  updateUserPrefs,
  updateUserStatus,
  updateUserVerification,
} from './users.ts';
import {
  exportUsers,
  importArgon2,
  importBcrypt,
  importMd5,
  importPhpass,
  importScrypt,
  importScryptModified,
  importSha,
  importUsers,
} from './user-imports.ts';

export const endpoints: Endpoint<any>[] = [
  health,
  listUsers, // GET    /v1/users
  createUser, // POST   /v1/users
  importBcrypt, // POST   /v1/users/bcrypt
  importArgon2, // POST   /v1/users/argon2
  importScrypt, // POST   /v1/users/scrypt
  importScryptModified, // POST   /v1/users/scrypt-modified
  importSha, // POST   /v1/users/sha
  importMd5, // POST   /v1/users/md5
  importPhpass, // POST   /v1/users/phpass
  importUsers, // POST   /v1/users/import
  exportUsers, // GET    /v1/users/export (before /users/:userId, which would take it)
  getUser, // GET    /v1/users/:userId
  getUserPrefs, // GET    /v1/users/:userId/prefs
  updateUserPrefs, // PATCH  /v1/users/:userId/prefs
  updateUserStatus, // PATCH  /v1/users/:userId/status
  updateUserName, // PATCH  /v1/users/:userId/name
  updateUserEmail, // PATCH  /v1/users/:userId/email
  updateUserPassword, // PATCH  /v1/users/:userId/password
  updateUserVerification, // PATCH  /v1/users/:userId/verification
  deleteUser, // DELETE /v1/users/:userId (itty matches whole segments: never /users/:userId/sessions…)
  getUserLogs, // GET    /v1/users/:userId/logs
  getUserSessions, // GET    /v1/users/:userId/sessions
  deleteUserSessions, // DELETE /v1/users/:userId/sessions
  deleteUserSession, // DELETE /v1/users/:userId/sessions/:sessionId
  createSession, // POST   /v1/account/sessions
  getAccount, // GET    /v1/account
  getAccountSessions, // GET    /v1/account/sessions
  deleteAccountSession, // DELETE /v1/account/sessions/:sessionId
  ...referenceEndpoints(() => endpoints), // GET /v1/openapi.json, GET /v1/docs
];
