// The Account API in the 1.x dialect (contract §12.4): sign-in by email and password or
// by a token, the signed-in user and their sessions. Authenticated by the session cookie,
// X-Fallback-Cookies, X-Appwrite-Session or X-Appwrite-JWT (src/http/pipeline.ts). A
// sign-in that carries a valid API key of the project is a server's (SSR): it answers
// with the session's `secret`, takes the device from X-Forwarded-User-Agent and is not
// counted per IP.
import { endpoint, type RequestContext } from '../http/endpoint.ts';
import { json, noContent } from '../http/respond.ts';
import { perBrowserIp, perEmail, perIp, perProject, perUserId } from '../http/rate-limit.ts';
import { encodeCredentials, signedOut, withSessionCookies } from '../http/session-cookie.ts';
import { Session1x } from '../schemas/session-model.ts';
import { emailSessionParams1x, tokenSessionParams1x } from '../schemas/sessions-1x.ts';
import { sessionSettings } from '../domain/session-config.ts';
import { invalidCredentials, invalidToken, sessionNotFound, userBlocked } from '../domain/errors.ts';
import * as sessions from '../domain/sessions.ts';
import { exchangeToken } from '../domain/tokens.ts';
import { session, sharedAccountRoutes, signInRequest, tag } from './account.ts';

const signInAccess = { kind: 'public', appKey: true } as const;
const created = (description: string) => ({ 201: { description, model: Session1x.schema } });

/** A sign-in's 201: the Session (its `secret` only for a server's), the cookies as §5. */
function signedIn(ctx: RequestContext<typeof signInAccess>, begun: sessions.SignedIn): Response {
  const response = json(Session1x.render(begun.session, ctx, ctx.app ? encodeCredentials(begun.credentials) : ''), 201);
  return withSessionCookies(response, ctx.request, ctx.url, ctx.project.id, begun.credentials, begun.expire);
}

export const createEmailSession1x = endpoint({
  method: 'POST',
  path: '/account/sessions/email',
  operationId: 'createEmailPasswordSession',
  summary: 'Sign in with email and password (with an API key: for server-side rendering)',
  tag,
  access: signInAccess,
  params: emailSessionParams1x,
  // As the 0.6 sign-in; a server with its key is counted per email only (and in the project's ceiling).
  rateLimits: [perEmail('SIGN_IN_EMAIL_LIMITER'), perBrowserIp('SIGN_IN_IP_LIMITER'), perProject('SIGN_IN_PROJECT_LIMITER')],
  responses: {
    ...created('Session; the cookie a_session_<projectId> is set'),
  },
  raises: [invalidCredentials, userBlocked],
  handle: async (ctx, p) => signedIn(ctx, await sessions.signIn(ctx.stores, signInRequest(ctx, p))),
});

export const createTokenSession1x = endpoint({
  method: 'POST',
  path: '/account/sessions/token',
  operationId: 'createSession',
  summary: 'Exchange a token (POST /users/{userId}/tokens) for a session, once',
  tag,
  access: signInAccess,
  params: tokenSessionParams1x,
  rateLimits: [perUserId('TOKEN_USER_LIMITER'), perBrowserIp('TOKEN_IP_LIMITER')],
  responses: {
    ...created('Session; the cookie a_session_<projectId> is set'),
  },
  raises: [invalidToken],
  handle: async (ctx, p) => signedIn(ctx, await exchangeToken(ctx.stores, ctx.project, p.userId, p.secret, ctx.actor(), sessionSettings(ctx.env))),
});

export const { getAccount: getAccount1x, getAccountSessions: listAccountSessions1x } = sharedAccountRoutes('1.x');

export const deleteAccountSessions1x = endpoint({
  method: 'DELETE',
  path: '/account/sessions',
  operationId: 'deleteAccountSessions',
  summary: 'Sign out everywhere: end every session of the signed-in user',
  tag,
  access: session,
  params: {},
  rateLimits: [perIp('SESSION_DELETE_IP_LIMITER')],
  responses: { 204: { description: 'Every session ended' } },
  handle: async (ctx) => {
    await sessions.endAllOwnSessions(ctx.stores, ctx.project, ctx.session, ctx.actor());
    return noContent(signedOut(ctx.project.id, ctx.url));
  },
});

export const getAccountSession1x = endpoint({
  method: 'GET',
  path: '/account/sessions/:sessionId',
  operationId: 'getAccountSession',
  summary: 'Get one session of the signed-in user (`current` for the one in use)',
  tag,
  access: session,
  params: {},
  responses: { 200: { description: 'Session', model: Session1x.schema } },
  raises: [sessionNotFound],
  handle: async (ctx) => json(Session1x.render(await sessions.getOwnSession(ctx.stores, ctx.project, ctx.session, ctx.path.sessionId), ctx)),
});
