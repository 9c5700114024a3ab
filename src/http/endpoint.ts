// What an endpoint declares: its route, who may call it, its parameters and its
// responses. The router, the request pipeline and the OpenAPI document all read
// these declarations, so they cannot drift apart.
import type { z } from 'zod';
import { jwtInvalid, noSession, userBlocked, type DomainError } from '../domain/errors.ts';
import type { Scope } from '../domain/scopes.ts';
import type { Actor, Project, Stores } from '../domain/context.ts';
import type { AuthenticatedSession } from '../domain/sessions.ts';
import type { Dialect } from '../schemas/dialect.ts';
import type { ParamSpec, ParamValues } from '../schemas/params.ts';
import type { RateLimitRule } from './rate-limit.ts';

/** Where the route table is mounted: every endpoint path is below it. */
export const API_BASE = '/v1';

export type Access =
  | { kind: 'open' } // no project needed (health, docs)
  // A project, no credentials (sign-in). `appKey`: an X-Appwrite-Key must then be valid for
  // the project, and makes the request a server's (SSR sign-in, contract §12.4).
  | { kind: 'public'; appKey?: true }
  | { kind: 'key'; scope: Scope } // a project and an API key with the scope
  | { kind: 'session' }; // a project and an end-user session

/** The domain failures an access kind's check raises before the handler runs (domain/sessions.ts authenticate). */
export const ACCESS_RAISES: Record<Access['kind'], Array<() => DomainError>> = { open: [], public: [], key: [], session: [noSession, jwtInvalid, userBlocked] };

/** What every request's handler is given, whatever its access. */
interface BaseContext {
  request: Request;
  env: Env;
  exec: ExecutionContext;
  url: URL;
  requestId: string;
  stores: Stores;
  /** Who made the request (IP, device, country), parsed on first use. */
  actor(): Actor;
  /** The X-Appwrite-Locale language for country names. */
  locale: string;
  /** The dialect the request speaks (contract §12.1). */
  dialect: Dialect;
}

/** What the access kind adds: the project, the checked key's scopes or the session, and how long a hash may wait for a slot. */
export type AccessContext<A extends Access> = A extends { kind: 'open' }
  ? {}
  : A extends { kind: 'public' }
    ? {
        project: Project;
        hashBudgetMs: number;
        /** A valid API key of the project came with an `appKey` endpoint: a server calls for its user. */ app: boolean;
      }
    : A extends { kind: 'key' }
      ? { project: Project; scopes: readonly string[]; hashBudgetMs: number }
      : { project: Project; session: AuthenticatedSession };

/** The parameters of an itty-router pattern, percent-decoded: '/users/:userId' gives { userId: string }. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParams<Rest>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : {};

export type RequestContext<A extends Access = Access, P extends string = string> = BaseContext & AccessContext<A> & { path: PathParams<P> };

export interface Endpoint<S extends ParamSpec = ParamSpec, A extends Access = Access, P extends string = string> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** itty-router pattern below API_BASE, e.g. '/users/:userId'. */
  path: P;
  operationId: string;
  summary: string;
  tag: string;
  access: A;
  /** Query parameters for GET, JSON body fields otherwise. */
  params: S;
  /** The largest request body accepted (default MAX_BODY_BYTES, src/http/body.ts). */
  maxBodyBytes?: number;
  /** Abuse limits, checked after credentials and before parameters. */
  rateLimits?: RateLimitRule[];
  /** What it answers besides errors: the errors are documented from `access`, `params`, `rateLimits` and `raises`. */
  responses: Record<number, { description: string; model?: z.ZodType }>;
  /** The domain failures the handler may raise (factories of src/domain/errors.ts), documented in each dialect's words. */
  raises?: Array<() => DomainError>;
  handle(ctx: RequestContext<A, P>, params: ParamValues<S>): Promise<Response>;
}

/** Declares an endpoint: its handler's parameters come from `params`, its context from `access` and `path`. */
export function endpoint<S extends ParamSpec, const A extends Access, const P extends string>(definition: Endpoint<S, A, P>): Endpoint<S, A, P> {
  return definition;
}
