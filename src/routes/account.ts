// The Account API (contract §5): the end user's own side, authenticated by the
// session cookie or X-Fallback-Cookies. Sessions begin here.
import { endpoint, type RequestContext } from '../http/endpoint.ts';
import { json, noContent } from '../http/respond.ts';
import { perEmail, perIp, perProject } from '../http/rate-limit.ts';
import { signedOut, withSessionCookies } from '../http/session-cookie.ts';
import { OwnSessionList } from '../schemas/session-model.ts';
import { createSessionParams, createdSessionModel } from '../schemas/sessions.ts';
import { User } from '../schemas/user-model.ts';
import type { Dialect } from '../schemas/dialect.ts';
import { sessionSettings } from '../domain/session-config.ts';
import { invalidCredentials, sessionNotFound, userBlocked } from '../domain/errors.ts';
import * as sessions from '../domain/sessions.ts';

export const tag = 'account';
export const session = { kind: 'session' } as const;

/** A password sign-in of the request, as the domain takes it (both dialects' sign-ins). */
export function signInRequest(ctx: RequestContext<{ kind: 'public' }>, { email, password }: { email: string; password: string }): sessions.SignInRequest {
  return { project: ctx.project, email, password, actor: ctx.actor(), settings: sessionSettings(ctx.env), hashBudgetMs: ctx.hashBudgetMs };
}

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
    const created = await sessions.signIn(ctx.stores, signInRequest(ctx, p));
    const response = json({ $id: created.id, type: 1, expire: created.expire }, 201);
    return withSessionCookies(response, ctx.request, ctx.url, ctx.project.id, created.credentials, created.expire);
  },
});

/** The Account routes both dialects declare alike but for the models they answer with. */
export function sharedAccountRoutes(d: Dialect) {
  return {
    getAccount: endpoint({
      method: 'GET',
      path: '/account',
      operationId: 'getAccount',
      summary: 'Get the signed-in user',
      tag,
      access: session,
      params: {},
      responses: { 200: { description: 'User', model: User[d].schema } },
      handle: async (ctx) => json(User[d].render(ctx.session.user)),
    }),
    getAccountSessions: endpoint({
      method: 'GET',
      path: '/account/sessions',
      operationId: 'getAccountSessions',
      summary: "List the signed-in user's sessions",
      tag,
      access: session,
      params: {},
      responses: { 200: { description: 'Sessions, with the one in use marked current', model: OwnSessionList[d].schema } },
      handle: async (ctx) => json(OwnSessionList[d].render(await sessions.listOwnSessions(ctx.stores, ctx.project, ctx.session), ctx)),
    }),
  };
}

export const { getAccount, getAccountSessions } = sharedAccountRoutes('0.6');

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
    return endedCurrent ? noContent(signedOut(ctx.project.id, ctx.url)) : noContent();
  },
});
