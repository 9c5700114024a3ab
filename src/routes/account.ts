// The Account API (contract §5): the end user's own side, authenticated by the
// session cookie or X-Fallback-Cookies. Sessions begin here.
import { endpoint } from '../http/endpoint.ts';
import { json, noContent } from '../http/respond.ts';
import { perEmail, perIp, perProject } from '../http/rate-limit.ts';
import { encodeCredentials, expiredCookies, fallbackHeader, needsFallback, sessionCookies } from '../http/session-cookie.ts';
import { ownSessionList06 } from '../schemas/session-model.ts';
import { createSessionParams, createdSessionModel } from '../schemas/sessions.ts';
import { User } from '../schemas/user-model.ts';
import { invalidCredentials, sessionNotFound, userBlocked } from '../domain/errors.ts';
import * as sessions from '../domain/sessions.ts';

const tag = 'account';
const session = { kind: 'session' } as const;

export const createSession = endpoint({
  method: 'POST',
  path: '/account/sessions',
  operationId: 'createSession',
  summary: 'Sign in with email and password',
  tag,
  access: { kind: 'public' },
  params: createSessionParams,
  // The project's ceiling last, so that what the other two refuse does not count against it.
  rateLimits: [perEmail('SIGN_IN_EMAIL_LIMITER'), perIp('SIGN_IN_IP_LIMITER'), perProject('SIGN_IN_PROJECT_LIMITER')],
  responses: {
    201: { description: 'Session created; the cookie a_session_<projectId> is set', model: createdSessionModel },
  },
  raises: [invalidCredentials, userBlocked],
  handle: async (ctx, p) => {
    const created = await sessions.signIn(
      ctx.stores,
      ctx.project,
      p.email,
      p.password,
      ctx.actor(),
      sessions.sessionLifetime(ctx.env.SESSION_LIFETIME),
      sessions.maxSessions(ctx.env.MAX_SESSIONS),
      ctx.hashBudgetMs,
    );
    const value = encodeCredentials(created.credentials);
    const response = json({ $id: created.id, type: 1, expire: created.expire }, 201);
    for (const cookie of sessionCookies(ctx.project.id, value, created.expire, ctx.url.protocol === 'https:')) {
      response.headers.append('Set-Cookie', cookie);
    }
    if (needsFallback(ctx.request, ctx.url)) response.headers.set('X-Fallback-Cookies', fallbackHeader(ctx.project.id, value));
    return response;
  },
});

export const getAccount = endpoint({
  method: 'GET',
  path: '/account',
  operationId: 'getAccount',
  summary: 'Get the signed-in user',
  tag,
  access: session,
  params: {},
  responses: { 200: { description: 'User', model: User['0.6'].schema } },
  handle: async (ctx) => json(User['0.6'].render(ctx.session.user)),
});

export const getAccountSessions = endpoint({
  method: 'GET',
  path: '/account/sessions',
  operationId: 'getAccountSessions',
  summary: "List the signed-in user's sessions",
  tag,
  access: session,
  params: {},
  responses: { 200: { description: 'Sessions, with the one in use marked current', model: ownSessionList06.schema } },
  handle: async (ctx) => json(ownSessionList06.render(await sessions.listOwnSessions(ctx.stores, ctx.project, ctx.session), ctx)),
});

export const deleteAccountSession = endpoint({
  method: 'DELETE',
  path: '/account/sessions/:sessionId',
  operationId: 'deleteAccountSession',
  summary: 'Sign out one session (`current` for the one in use)',
  tag,
  access: session,
  params: {},
  rateLimits: [perIp('SESSION_DELETE_IP_LIMITER')],
  responses: { 204: { description: 'Session ended' } },
  raises: [sessionNotFound],
  handle: async (ctx) => {
    const { endedCurrent } = await sessions.endOwnSession(ctx.stores, ctx.project, ctx.session, ctx.path.sessionId, ctx.actor());
    if (!endedCurrent) return noContent();
    const headers = new Headers({ 'X-Fallback-Cookies': '[]' });
    for (const cookie of expiredCookies(ctx.project.id, ctx.url.protocol === 'https:')) headers.append('Set-Cookie', cookie);
    return noContent(headers);
  },
});
