// What an endpoint declares: its route, who may call it, its parameters and its
// responses. The router, the request pipeline and the OpenAPI document all read
// these declarations, so they cannot drift apart.
import type { z } from 'zod';
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

export interface RequestContext {
  request: Request;
  env: Env;
  exec: ExecutionContext;
  url: URL;
  requestId: string;
  stores: Stores;
  /** Path parameters, percent-decoded. */
  path: Record<string, string>;
  /** Set for every endpoint whose access is not 'open'. */
  project: Project;
  /** Set for endpoints with 'session' access. */
  session: AuthenticatedSession;
  /** The checked API key's scopes ('key' access; empty otherwise). */
  scopes: readonly string[];
  /** A valid API key of the project came with a 'public' endpoint with `appKey`: a server calls for its user. */
  app: boolean;
  /** Who made the request (IP, device, country), parsed on first use. */
  actor(): Actor;
  /** The X-Appwrite-Locale language for country names. */
  locale: string;
  /** The dialect the request speaks (contract §12.1). */
  dialect: Dialect;
}

export interface Endpoint<S extends ParamSpec = ParamSpec> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** itty-router pattern below API_BASE, e.g. '/users/:userId'. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  /** Query parameters for GET, JSON body fields otherwise. */
  params: S;
  /** The largest request body accepted (default MAX_BODY_BYTES, src/http/body.ts). */
  maxBodyBytes?: number;
  /** Abuse limits, checked after credentials and before parameters. */
  rateLimits?: RateLimitRule[];
  responses: Record<number, { description: string; model?: z.ZodType }>;
  handle(ctx: RequestContext, params: ParamValues<S>): Promise<Response>;
}

/** Declares an endpoint with its parameter types inferred from `params`. */
export function endpoint<S extends ParamSpec>(definition: Endpoint<S>): Endpoint<S> {
  return definition;
}
