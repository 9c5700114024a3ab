// The one error mapper: known failures keep their status and message, anything else
// becomes a bare 500 that never carries SQL, bound values, stacks or secrets.
import pkg from '../../package.json' with { type: 'json' };
import { DomainError, type DomainErrorKind } from '../domain/errors.ts';
import { JSON_CONTENT_TYPE } from './respond.ts';

export const SERVICE_VERSION: string = pkg.version;

/** Statuses whose own message reaches the client (contract §2). */
const SHOWN = new Set([400, 401, 403, 404, 409, 412, 413, 429]);

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) => new HttpError(401, message);

/** The status of each kind of domain failure: the one place the domain meets HTTP. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  'not-found': 404,
  conflict: 409,
  busy: 429,
};

export function statusOf(err: DomainError): number {
  return DOMAIN_STATUS[err.kind];
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  const shown = SHOWN.has(status);
  const code = shown ? status : 500;
  const body = JSON.stringify({ message: shown ? message : 'Server Error', code, version: SERVICE_VERSION });
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

/** Maps a thrown value to a response; unexpected errors are logged with the request id only. */
export function toErrorResponse(err: unknown, requestId: string): Response {
  if (err instanceof HttpError) return errorResponse(err.status, err.message, err.headers);
  if (err instanceof DomainError) {
    const headers: Record<string, string> = err.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(Math.ceil(err.retryAfterSeconds)) };
    return errorResponse(statusOf(err), err.message, headers);
  }
  console.error(JSON.stringify({ level: 'error', requestId, error: describe(err) }));
  return errorResponse(500, 'Server Error');
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
