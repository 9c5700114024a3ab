// The Users API (contract §4): server side, API key with users.read / users.write.
import { endpoint } from '../http/endpoint.ts';
import { read, tag, write } from './users-access.ts';
import { perIp } from '../http/rate-limit.ts';
import { json, noContent, rawJson } from '../http/respond.ts';
import { successModel } from '../schemas/common.ts';
import type { Dialect } from '../schemas/dialect.ts';
import { User, UserList } from '../schemas/user-model.ts';
import { LogList, SessionList } from '../schemas/session-model.ts';
import {
  createUserParams,
  listLogsParams,
  listUsersParams,
  prefsModel,
  updateEmailParams,
  updateNameParams,
  updatePasswordParams,
  updatePrefsParams,
  updateStatusParams,
  updateVerificationParams,
} from '../schemas/users.ts';
import * as audit from '../domain/audit.ts';
import { alreadyRegistered, tooBusy, userNotFound } from '../domain/errors.ts';
import * as sessions from '../domain/sessions.ts';
import * as users from '../domain/users.ts';

const user06 = User['0.6'];

export const listUsers = endpoint({
  method: 'GET',
  path: '/users',
  operationId: 'listUsers',
  summary: 'List users',
  tag,
  access: read,
  params: listUsersParams,
  responses: { 200: { description: 'Users list', model: UserList['0.6'].schema } },
  handle: async (ctx, p) =>
    json(
      UserList['0.6'].render(
        await users.listUsers(ctx.stores, ctx.project, p.search, {
          limit: p.limit,
          offset: p.offset,
          order: p.orderType,
          cursor: p.cursor ? { id: p.cursor, direction: p.cursorDirection } : undefined,
        }),
      ),
    ),
});

export const createUser = endpoint({
  method: 'POST',
  path: '/users',
  operationId: 'createUser',
  summary: 'Create user',
  tag,
  access: write,
  params: createUserParams,
  responses: { 201: { description: 'User', model: user06.schema } },
  raises: [alreadyRegistered],
  handle: async (ctx, p) => json(user06.render(await users.createUser(ctx.stores, ctx.project, p, ctx.actor(), ctx.hashBudgetMs)), 201),
});

export const getUserPrefs = endpoint({
  method: 'GET',
  path: '/users/:userId/prefs',
  operationId: 'getUserPrefs',
  summary: 'Get user preferences',
  tag,
  access: read,
  params: {},
  responses: { 200: { description: 'Preferences', model: prefsModel } },
  raises: [userNotFound],
  handle: async (ctx) => rawJson(await users.getPrefs(ctx.stores, ctx.project, ctx.path.userId)),
});

export const updateUserPrefs = endpoint({
  method: 'PATCH',
  path: '/users/:userId/prefs',
  operationId: 'updateUserPrefs',
  summary: 'Update user preferences (shallow merge)',
  tag,
  access: write,
  params: updatePrefsParams,
  responses: { 200: { description: 'The merged preferences', model: prefsModel } },
  raises: [userNotFound],
  handle: async (ctx, p) => rawJson(await users.mergePrefs(ctx.stores, ctx.project, ctx.path.userId, p.prefs, ctx.actor())),
});

export const updateUserStatus = endpoint({
  method: 'PATCH',
  path: '/users/:userId/status',
  operationId: 'updateUserStatus',
  summary: 'Update user status',
  tag,
  access: write,
  params: updateStatusParams,
  responses: { 200: { description: 'User', model: user06.schema } },
  raises: [userNotFound],
  handle: async (ctx, p) => json(user06.render(await users.updateStatus(ctx.stores, ctx.project, ctx.path.userId, p.status, ctx.actor()))),
});

export const getUserLogs = endpoint({
  method: 'GET',
  path: '/users/:userId/logs',
  operationId: 'getUserLogs',
  summary: 'Get user logs (newest first)',
  tag,
  access: read,
  params: listLogsParams,
  responses: { 200: { description: 'Audit log entries', model: LogList['0.6'].schema } },
  raises: [userNotFound],
  handle: async (ctx, p) => json(LogList['0.6'].render(await audit.listLogs(ctx.stores, ctx.project, ctx.path.userId, p.limit, p.offset), ctx)),
});

export const getUserSessions = endpoint({
  method: 'GET',
  path: '/users/:userId/sessions',
  operationId: 'getUserSessions',
  summary: 'Get user sessions',
  tag,
  access: read,
  params: {},
  responses: { 200: { description: 'Sessions', model: SessionList['0.6'].schema } },
  raises: [userNotFound],
  handle: async (ctx) => json(SessionList['0.6'].render(await sessions.listUserSessions(ctx.stores, ctx.project, ctx.path.userId), ctx)),
});

export const deleteUserSessions = endpoint({
  method: 'DELETE',
  path: '/users/:userId/sessions',
  operationId: 'deleteUserSessions',
  summary: 'Delete all user sessions',
  tag,
  access: write,
  params: {},
  rateLimits: [perIp('SESSION_DELETE_IP_LIMITER')],
  responses: { 200: { description: 'Every session of the user ended', model: successModel } },
  raises: [userNotFound],
  handle: async (ctx) => {
    await sessions.deleteUserSessions(ctx.stores, ctx.project, ctx.path.userId, ctx.actor());
    return json({ result: 'success' });
  },
});

export const deleteUserSession = endpoint({
  method: 'DELETE',
  path: '/users/:userId/sessions/:sessionId',
  operationId: 'deleteUserSession',
  summary: 'Delete user session (succeeds for an unknown session too)',
  tag,
  access: write,
  params: {},
  rateLimits: [perIp('SESSION_DELETE_IP_LIMITER')],
  responses: { 200: { description: 'The session ended', model: successModel } },
  raises: [userNotFound],
  handle: async (ctx) => {
    await sessions.deleteUserSessions(ctx.stores, ctx.project, ctx.path.userId, ctx.actor(), ctx.path.sessionId);
    return json({ result: 'success' });
  },
});

// Contract §9.1: edits and erasure, on Appwrite 1.x paths.

export const updateUserName = endpoint({
  method: 'PATCH',
  path: '/users/:userId/name',
  operationId: 'updateUserName',
  summary: 'Update user name',
  tag,
  access: write,
  params: updateNameParams,
  responses: { 200: { description: 'User', model: user06.schema } },
  raises: [userNotFound],
  handle: async (ctx, p) => json(user06.render(await users.updateName(ctx.stores, ctx.project, ctx.path.userId, p.name, ctx.actor()))),
});

export const updateUserPassword = endpoint({
  method: 'PATCH',
  path: '/users/:userId/password',
  operationId: 'updateUserPassword',
  summary: 'Update user password (ends every session of the user)',
  tag,
  access: write,
  params: updatePasswordParams,
  responses: { 200: { description: 'User', model: user06.schema } },
  raises: [userNotFound, tooBusy],
  handle: async (ctx, p) =>
    json(user06.render(await users.updatePassword(ctx.stores, ctx.project, ctx.path.userId, p.password, ctx.actor(), ctx.hashBudgetMs))),
});

/**
 * The routes both dialects declare alike but for the User model they answer with
 * (GET and DELETE /users/{userId}, the email and its verification).
 */
export function sharedUserRoutes(d: Dialect) {
  const user = User[d];
  return {
    getUser: endpoint({
      method: 'GET',
      path: '/users/:userId',
      operationId: 'getUser',
      summary: 'Get user',
      tag,
      access: read,
      params: {},
      responses: { 200: { description: 'User', model: user.schema } },
      raises: [userNotFound],
      handle: async (ctx) => json(user.render(await users.getUser(ctx.stores, ctx.project, ctx.path.userId))),
    }),
    updateUserEmail: endpoint({
      method: 'PATCH',
      path: '/users/:userId/email',
      operationId: 'updateUserEmail',
      summary: 'Update user email',
      tag,
      access: write,
      params: updateEmailParams,
      responses: { 200: { description: 'User', model: user.schema } },
      raises: [userNotFound, () => alreadyRegistered('user_email_already_exists')],
      handle: async (ctx, p) => json(user.render(await users.updateEmail(ctx.stores, ctx.project, ctx.path.userId, p.email, ctx.actor()))),
    }),
    updateUserVerification: endpoint({
      method: 'PATCH',
      path: '/users/:userId/verification',
      operationId: 'updateUserVerification',
      summary: 'Update user email verification',
      tag,
      access: write,
      params: updateVerificationParams,
      responses: { 200: { description: 'User', model: user.schema } },
      raises: [userNotFound],
      handle: async (ctx, p) => json(user.render(await users.updateVerification(ctx.stores, ctx.project, ctx.path.userId, p.emailVerification, ctx.actor()))),
    }),
    deleteUser: endpoint({
      method: 'DELETE',
      path: '/users/:userId',
      operationId: 'deleteUser',
      summary: 'Delete user (with prefs, sessions and logs)',
      tag,
      access: write,
      params: {},
      responses: { 204: { description: 'The user is erased' } },
      raises: [userNotFound],
      handle: async (ctx) => {
        await users.deleteUser(ctx.stores, ctx.project, ctx.path.userId);
        return noContent();
      },
    }),
  };
}

export const { getUser, updateUserEmail, updateUserVerification, deleteUser } = sharedUserRoutes('0.6');
