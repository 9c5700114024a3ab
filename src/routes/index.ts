// The route tables of the two dialects (contract §12.1), in the order the API references
// list them. Each entry's module holds its handler; src/http/pipeline.ts runs the checks before it.
import type { Endpoint } from '../http/endpoint.ts';
import { health } from './health.ts';
import { createSession, deleteAccountSession, getAccount, getAccountSessions } from './account.ts';
import { referenceEndpoints } from './docs.ts';
import { createEmailSession1x, createTokenSession1x, deleteAccountSessions1x, getAccount1x, getAccountSession1x, listAccountSessions1x } from './account-1x.ts';
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
  sharedUserRoutes,
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
  importRoutes,
  importUsers,
} from './user-imports.ts';
import {
  createUser1x,
  createUserJwt1x,
  createUserSession1x,
  createUserToken1x,
  deleteUserSession1x,
  deleteUserSessions1x,
  getUserLogs1x,
  getUserSessions1x,
  getUsersUsage1x,
  listUsers1x,
  updateUserLabels1x,
  updateUserName1x,
  updateUserPassword1x,
  updateUserPhone1x,
  updateUserPhoneVerification1x,
  updateUserPrefs1x,
  updateUserStatus1x,
} from './users-1x.ts';

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

const shared1x = sharedUserRoutes('1.x');
const imports1x = importRoutes('1.x');

/** The 1.x dialect (contract §12.3, §12.4): the Users API and the Account API. */
export const endpoints1x: Endpoint<any>[] = [
  health,
  listUsers1x, // GET    /v1/users
  createUser1x, // POST   /v1/users
  imports1x.importBcrypt, // POST   /v1/users/bcrypt
  imports1x.importArgon2, // POST   /v1/users/argon2
  imports1x.importScrypt, // POST   /v1/users/scrypt
  imports1x.importScryptModified, // POST   /v1/users/scrypt-modified
  imports1x.importSha, // POST   /v1/users/sha
  imports1x.importMd5, // POST   /v1/users/md5
  imports1x.importPhpass, // POST   /v1/users/phpass
  importUsers, // POST   /v1/users/import (this service's own format, the same in both dialects)
  exportUsers, // GET    /v1/users/export (before /users/:userId)
  getUsersUsage1x, // GET    /v1/users/usage (before /users/:userId)
  shared1x.getUser, // GET    /v1/users/:userId
  shared1x.deleteUser, // DELETE /v1/users/:userId
  getUserPrefs, // GET    /v1/users/:userId/prefs (the bare object in both dialects)
  updateUserPrefs1x, // PATCH  /v1/users/:userId/prefs
  updateUserStatus1x, // PATCH  /v1/users/:userId/status
  updateUserLabels1x, // PUT    /v1/users/:userId/labels
  updateUserName1x, // PATCH  /v1/users/:userId/name
  shared1x.updateUserEmail, // PATCH  /v1/users/:userId/email
  updateUserPhone1x, // PATCH  /v1/users/:userId/phone
  updateUserPassword1x, // PATCH  /v1/users/:userId/password
  shared1x.updateUserVerification, // PATCH  /v1/users/:userId/verification
  updateUserPhoneVerification1x, // PATCH  /v1/users/:userId/verification/phone
  getUserLogs1x, // GET    /v1/users/:userId/logs
  getUserSessions1x, // GET    /v1/users/:userId/sessions
  createUserSession1x, // POST   /v1/users/:userId/sessions
  deleteUserSessions1x, // DELETE /v1/users/:userId/sessions
  deleteUserSession1x, // DELETE /v1/users/:userId/sessions/:sessionId
  createUserToken1x, // POST   /v1/users/:userId/tokens
  createUserJwt1x, // POST   /v1/users/:userId/jwts
  createEmailSession1x, // POST   /v1/account/sessions/email
  createTokenSession1x, // POST   /v1/account/sessions/token
  getAccount1x, // GET    /v1/account
  listAccountSessions1x, // GET    /v1/account/sessions
  deleteAccountSessions1x, // DELETE /v1/account/sessions
  getAccountSession1x, // GET    /v1/account/sessions/:sessionId
  deleteAccountSession, // DELETE /v1/account/sessions/:sessionId (the same in both dialects)
  ...referenceEndpoints(() => endpoints1x, '1.x'), // the 1.x document
];
