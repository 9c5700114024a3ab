// The Users API in the 1.x dialect (contract §12.3): the routes whose parameters or
// answers differ from 0.6, and those only today's SDKs know (phone, labels, usage).
// Each renders the domain's records with the 1.x models (src/schemas/*-model.ts).
import { endpoint } from '../http/endpoint.ts';
import { read, tag, write } from './users-access.ts';
import { perIp } from '../http/rate-limit.ts';
import { json, noContent, rawJson } from '../http/respond.ts';
import { parseUserQueries, parseLogQueries, queriesParam } from '../schemas/queries.ts';
import { LogList, Session1x, SessionList } from '../schemas/session-model.ts';
import { createJwtParams1x, createTokenParams1x, jwt1xModel, renderToken, token1xModel } from '../schemas/sessions-1x.ts';
import { encodeCredentials } from '../http/session-cookie.ts';
import { sessionSettings } from '../domain/session-config.ts';
import { createToken } from '../domain/tokens.ts';
import { createJwt } from '../domain/session-jwts.ts';
import { User, UserList } from '../schemas/user-model.ts';
import { prefsModel, listUsersParams } from '../schemas/users.ts';
import {
  createUserParams1x,
  totalParam,
  updateLabelsParams1x,
  updateNameParams1x,
  updatePasswordParams1x,
  updatePhoneParams1x,
  updatePhoneVerificationParams1x,
  updatePrefsParams1x,
  updateStatusParams1x,
} from '../schemas/users-1x.ts';
import * as audit from '../domain/audit.ts';
import { alreadyRegistered, phoneTaken, sessionNotFound, tooBusy, userBlocked, userNotFound } from '../domain/errors.ts';
import * as sessions from '../domain/sessions.ts';
import * as users from '../domain/users.ts';
import { usage, USAGE_RANGES, type UsageRange } from '../domain/usage.ts';
import { renderUsage, usageUsersModel } from '../schemas/usage-model.ts';
import { z } from 'zod';
import { optional } from '../schemas/params.ts';
import { UserStatus } from '../domain/users.ts';

const user = User['1.x'];
const asUser = { 200: { description: 'User', model: user.schema } };

export const listUsers1x = endpoint({
  method: 'GET',
  path: '/users',
  operationId: 'listUsers',
  summary: 'List users (queries, search)',
  tag,
  access: read,
  params: { queries: queriesParam, search: listUsersParams.search, total: totalParam },
  responses: { 200: { description: 'Users list', model: UserList['1.x'].schema } },
  handle: async (ctx, p) =>
    json(UserList['1.x'].render(await users.findUsers(ctx.stores, ctx.project, p.search, parseUserQueries(p.queries, ctx.project.seq), p.total))),
});

export const createUser1x = endpoint({
  method: 'POST',
  path: '/users',
  operationId: 'createUser',
  summary: 'Create user',
  tag,
  access: write,
  params: createUserParams1x,
  responses: { 201: { description: 'User', model: user.schema } },
  raises: [alreadyRegistered],
  handle: async (ctx, p) => {
    const input = { userId: p.userId ?? undefined, email: p.email, phone: p.phone, password: p.password, name: p.name };
    return json(user.render(await users.createUser(ctx.stores, ctx.project, input, ctx.actor(), ctx.hashBudgetMs)), 201);
  },
});

export const updateUserPrefs1x = endpoint({
  method: 'PATCH',
  path: '/users/:userId/prefs',
  operationId: 'updateUserPrefs',
  summary: 'Update user preferences (replaces them)',
  tag,
  access: write,
  params: updatePrefsParams1x,
  responses: { 200: { description: 'The new preferences', model: prefsModel } },
  raises: [userNotFound],
  handle: async (ctx, p) => rawJson(await users.replacePrefs(ctx.stores, ctx.project, ctx.path.userId, p.prefs, ctx.actor())),
});

export const updateUserStatus1x = endpoint({
  method: 'PATCH',
  path: '/users/:userId/status',
  operationId: 'updateUserStatus',
  summary: 'Update user status (false blocks, ending every session)',
  tag,
  access: write,
  params: updateStatusParams1x,
  responses: asUser,
  raises: [userNotFound],
  // Unblocking makes a user active; 0.6's "unactivated" (0) has no 1.x word.
  handle: async (ctx, p) =>
    json(user.render(await users.updateStatus(ctx.stores, ctx.project, ctx.path.userId, p.status ? UserStatus.activated : UserStatus.blocked, ctx.actor()))),
});

export const updateUserName1x = endpoint({
  method: 'PATCH',
  path: '/users/:userId/name',
  operationId: 'updateUserName',
  summary: 'Update user name',
  tag,
  access: write,
  params: updateNameParams1x,
  responses: asUser,
  raises: [userNotFound],
  handle: async (ctx, p) => json(user.render(await users.updateName(ctx.stores, ctx.project, ctx.path.userId, p.name, ctx.actor()))),
});

export const updateUserPassword1x = endpoint({
  method: 'PATCH',
  path: '/users/:userId/password',
  operationId: 'updateUserPassword',
  summary: 'Update user password (ends every session of the user)',
  tag,
  access: write,
  params: updatePasswordParams1x,
  responses: asUser,
  raises: [userNotFound, tooBusy],
  handle: async (ctx, p) => json(user.render(await users.updatePassword(ctx.stores, ctx.project, ctx.path.userId, p.password, ctx.actor(), ctx.hashBudgetMs))),
});

export const updateUserPhone1x = endpoint({
  method: 'PATCH',
  path: '/users/:userId/phone',
  operationId: 'updateUserPhone',
  summary: 'Update user phone ("" removes it)',
  tag,
  access: write,
  params: updatePhoneParams1x,
  responses: asUser,
  raises: [userNotFound, phoneTaken],
  handle: async (ctx, p) => json(user.render(await users.updatePhone(ctx.stores, ctx.project, ctx.path.userId, p.number, ctx.actor()))),
});

export const updateUserPhoneVerification1x = endpoint({
  method: 'PATCH',
  path: '/users/:userId/verification/phone',
  operationId: 'updateUserPhoneVerification',
  summary: 'Update user phone verification',
  tag,
  access: write,
  params: updatePhoneVerificationParams1x,
  responses: asUser,
  raises: [userNotFound],
  handle: async (ctx, p) => json(user.render(await users.updatePhoneVerification(ctx.stores, ctx.project, ctx.path.userId, p.phoneVerification, ctx.actor()))),
});

export const updateUserLabels1x = endpoint({
  method: 'PUT',
  path: '/users/:userId/labels',
  operationId: 'updateUserLabels',
  summary: 'Update user labels (replaces them)',
  tag,
  access: write,
  params: updateLabelsParams1x,
  responses: asUser,
  raises: [userNotFound],
  handle: async (ctx, p) => json(user.render(await users.updateLabels(ctx.stores, ctx.project, ctx.path.userId, p.labels, ctx.actor()))),
});

export const getUserLogs1x = endpoint({
  method: 'GET',
  path: '/users/:userId/logs',
  operationId: 'listUserLogs',
  summary: 'List user logs (newest first)',
  tag,
  access: read,
  params: { queries: queriesParam, total: totalParam },
  responses: { 200: { description: 'Logs list', model: LogList['1.x'].schema } },
  raises: [userNotFound],
  handle: async (ctx, p) => {
    const { limit, offset } = parseLogQueries(p.queries);
    return json(LogList['1.x'].render(await audit.listLogs(ctx.stores, ctx.project, ctx.path.userId, limit, offset, p.total), ctx));
  },
});

export const getUserSessions1x = endpoint({
  method: 'GET',
  path: '/users/:userId/sessions',
  operationId: 'listUserSessions',
  summary: 'List user sessions',
  tag,
  access: read,
  params: { total: totalParam },
  responses: { 200: { description: 'Sessions list', model: SessionList['1.x'].schema } },
  raises: [userNotFound],
  handle: async (ctx, p) => {
    const list = SessionList['1.x'].render(await sessions.listUserSessions(ctx.stores, ctx.project, ctx.path.userId), ctx);
    return json(p.total ? list : { ...list, total: 0 });
  },
});

export const deleteUserSessions1x = endpoint({
  method: 'DELETE',
  path: '/users/:userId/sessions',
  operationId: 'deleteUserSessions',
  summary: 'Delete all user sessions',
  tag,
  access: write,
  params: {},
  rateLimits: [perIp('SESSION_DELETE_IP_LIMITER')],
  responses: { 204: { description: 'Every session of the user ended' } },
  raises: [userNotFound],
  handle: async (ctx) => {
    await sessions.deleteUserSessions(ctx.stores, ctx.project, ctx.path.userId, ctx.actor());
    return noContent();
  },
});

export const deleteUserSession1x = endpoint({
  method: 'DELETE',
  path: '/users/:userId/sessions/:sessionId',
  operationId: 'deleteUserSession',
  summary: 'Delete user session',
  tag,
  access: write,
  params: {},
  rateLimits: [perIp('SESSION_DELETE_IP_LIMITER')],
  responses: {
    204: { description: 'The session ended' },
  },
  raises: [userNotFound, sessionNotFound],
  handle: async (ctx) => {
    const ended = await sessions.deleteUserSessions(ctx.stores, ctx.project, ctx.path.userId, ctx.actor(), ctx.path.sessionId);
    if (ended === 0) throw sessionNotFound();
    return noContent();
  },
});

export const getUsersUsage1x = endpoint({
  method: 'GET',
  path: '/users/usage',
  operationId: 'getUsage',
  summary: 'Users and sessions created per hour (24h) or per day (30d, 90d)',
  tag,
  access: read,
  params: {
    range: optional(
      z.enum(Object.keys(USAGE_RANGES) as [UsageRange, ...UsageRange[]]),
      'Value must be one of (24h, 30d, 90d)',
      'Date range.',
      '30d' as UsageRange,
    ),
  },
  responses: { 200: { description: 'UsageUsers', model: usageUsersModel } },
  handle: async (ctx, p) => json(renderUsage(await usage(ctx.stores, ctx.project, p.range))),
});

export const createUserSession1x = endpoint({
  method: 'POST',
  path: '/users/:userId/sessions',
  operationId: 'createUserSession',
  summary: 'Create a session for the user (its `secret` is the session value, for server-side rendering)',
  tag,
  access: write,
  params: {},
  responses: {
    201: { description: 'Session (provider `server`)', model: Session1x.schema },
  },
  raises: [userBlocked, userNotFound],
  handle: async (ctx) => {
    const begun = await sessions.createServerSession(ctx.stores, ctx.project, ctx.path.userId, ctx.actor(), sessionSettings(ctx.env));
    return json(Session1x.render(begun.session, ctx, encodeCredentials(begun.credentials)), 201);
  },
});

export const createUserToken1x = endpoint({
  method: 'POST',
  path: '/users/:userId/tokens',
  operationId: 'createUserToken',
  summary: 'Create a token for the user, to exchange once for a session (POST /account/sessions/token)',
  tag,
  access: write,
  params: createTokenParams1x,
  responses: { 201: { description: 'Token', model: token1xModel } },
  raises: [userNotFound],
  handle: async (ctx, p) => json(renderToken(await createToken(ctx.stores, ctx.project, ctx.path.userId, p.length, p.expire, ctx.actor())), 201),
});

export const createUserJwt1x = endpoint({
  method: 'POST',
  path: '/users/:userId/jwts',
  operationId: 'createUserJWT',
  summary: 'Create a JWT for one of the user’s sessions (X-Appwrite-JWT on the Account API)',
  tag,
  access: write,
  params: createJwtParams1x,
  responses: {
    201: { description: 'JWT', model: jwt1xModel },
  },
  raises: [userNotFound, sessionNotFound],
  handle: async (ctx, p) => json({ jwt: await createJwt(ctx.stores, ctx.project, ctx.path.userId, p.sessionId, p.duration, ctx.env.JWT_SECRET) }, 201),
});
