// The one error mapper: known failures keep their status and message, anything else
// becomes a bare 500 that never carries SQL, bound values, stacks or secrets. The 1.x
// dialect adds Appwrite 1.6's `type` and speaks its message (contract §12.2).
import pkg from '../../package.json' with { type: 'json' };
import { isFrozenWrite } from '../db/client.ts';
import { DomainError, invalidArgument, projectMoving, type DomainErrorKind, type Typed } from '../domain/errors.ts';
import type { Dialect } from '../schemas/dialect.ts';
import { JSON_CONTENT_TYPE } from './respond.ts';

export const SERVICE_VERSION: string = pkg.version;

/** Statuses whose own message reaches the client (contract §2). */
const SHOWN = new Set([400, 401, 403, 404, 409, 412, 413, 429, 503]);

const SERVER_ERROR: Typed = { type: 'general_unknown', message: 'Server Error' };

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The 1.x type and message; for an argument, its rule in Appwrite's words. */
  readonly typed: Typed;

  constructor(status: number, message: string, typed: Typed, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.typed = typed;
    this.headers = headers;
  }
}

/** `typed` defaults to general_argument_invalid with the same message. */
export const badRequest = (message: string, typed: Typed = { type: 'general_argument_invalid', message }) => new HttpError(400, message, typed);
export const unauthorized = (message: string, typed: Typed) => new HttpError(401, message, typed);
/** A parameter breaking its rule, in each dialect's words. */
export const invalidParamError = (name: string, rule: string) => badRequest(`Invalid ${name}: ${rule}`, invalidArgument(name, rule));
export const routeNotFound = () =>
  new HttpError(404, 'Not Found', {
    type: 'general_route_not_found',
    message: 'The requested route was not found. Please refer to the API docs and try again.',
  });

/** The status of each kind of domain failure: the one place the domain meets HTTP. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  'not-found': 404,
  conflict: 409,
  busy: 429,
  unavailable: 503,
};

export function statusOf(err: DomainError): number {
  return DOMAIN_STATUS[err.kind];
}

/** An error response; `typed` (the 1.x words) is used in the 1.x dialect only. */
export function errorResponse(status: number, message: string, headers: Record<string, string> = {}, dialect: Dialect = '0.6', typed?: Typed): Response {
  const shown = SHOWN.has(status);
  const code = shown ? status : 500;
  const wire = !shown ? SERVER_ERROR : dialect === '1.x' && typed ? typed : { type: 'general_unknown', message };
  const body = JSON.stringify(
    dialect === '1.x'
      ? { message: wire.message, code, type: wire.type, version: SERVICE_VERSION }
      : { message: shown ? message : 'Server Error', code, version: SERVICE_VERSION },
  );
  return new Response(body, {
    status: code,
    headers: {
      ...headers,
      'Content-Type': JSON_CONTENT_TYPE,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Expires: '0',
      Pragma: 'no-cache',
    },
  });
}

/** Maps a thrown value to a response in the request's dialect; unexpected errors are logged with the request id only. */
export function toErrorResponse(err: unknown, requestId: string, dialect: Dialect = '0.6'): Response {
  if (err instanceof HttpError) return errorResponse(err.status, err.message, err.headers, dialect, err.typed);
  // A write the freeze triggers of a moving project refused (migrations/0013_shards.sql): a 503 to retry, not a failure.
  if (isFrozenWrite(err)) return toErrorResponse(projectMoving(), requestId, dialect);
  if (err instanceof DomainError) {
    const headers: Record<string, string> = err.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(Math.ceil(err.retryAfterSeconds)) };
    return errorResponse(statusOf(err), err.message, headers, dialect, err.typed);
  }
  console.error(JSON.stringify({ level: 'error', requestId, error: describe(err) }));
  return errorResponse(500, 'Server Error', {}, dialect);
}

/**
 * What we log about an unexpected error: its class and the D1 error message, never
 * drizzle's wrapper message, which embeds the SQL and its bound values.
 */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const cause = err.cause instanceof Error ? err.cause : undefined;
  return cause ? `${err.name}: ${cause.name}: ${cause.message}` : `${err.name}: ${err.message}`;
}
