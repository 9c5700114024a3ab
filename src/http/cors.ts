// CORS for the browser SDK (contract §7). Which origins may call a project is that
// project's configuration; a preflight carries no project header, so it is answered
// for an origin that any project allows, and the real request is then checked
// against its own project's origins.
import type { Db } from '../db/client.ts';
import { anyProjectAllowsOrigin } from '../db/projects.ts';
import { AUTH_CACHE_TTL_MS, MISS_CACHE_TTL_MS } from '../domain/access.ts';
import type { Project } from '../domain/context.ts';
import { LookupCache } from '../domain/ttl-cache.ts';
import { HttpError } from './errors.ts';

const ALLOW_HEADERS = [
  'Origin',
  'Cookie',
  'Set-Cookie',
  'X-Requested-With',
  'Content-Type',
  'Access-Control-Allow-Origin',
  'Access-Control-Request-Headers',
  'Accept',
  'X-Appwrite-Project',
  'X-Appwrite-Key',
  'X-Appwrite-Locale',
  'X-Appwrite-Mode',
  'X-SDK-Version',
  'X-Fallback-Cookies',
  'Cache-Control',
  'Expires',
  'Pragma',
  'X-D1-Bookmark',
  // Today's SDKs (contract §12.1).
  'X-Appwrite-Response-Format',
  'X-SDK-Name',
  'X-SDK-Platform',
  'X-SDK-Language',
  'X-Appwrite-JWT',
  'X-Appwrite-Session',
].join(', ');

export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Expose-Headers': 'X-Fallback-Cookies, X-D1-Bookmark',
    Vary: 'Origin',
  };
}

// Allowed origins are cached like projects, refused ones like unknown projects (src/domain/access.ts).
const preflightCache = new LookupCache<true>(AUTH_CACHE_TTL_MS, MISS_CACHE_TTL_MS);

export async function preflight(request: Request, db: Db): Promise<Response> {
  const origin = request.headers.get('Origin');
  const allowed = Boolean(
    origin && origin.length <= 2048 && (await preflightCache.get(origin, async () => (await anyProjectAllowsOrigin(db, origin)) || undefined)),
  );
  return new Response(null, { status: 200, headers: allowed && origin ? corsHeaders(origin) : { Vary: 'Origin' } });
}

/**
 * The origin to answer with CORS headers, or null for requests without one.
 * A browser origin the project does not allow is refused, unless the call is a
 * server's: `validKey` says the request carries an API key that was checked and is
 * valid for the project. A key header on a route that checks none lifts nothing.
 */
export function checkOrigin(request: Request, url: URL, project: Project, validKey: boolean): string | null {
  const origin = request.headers.get('Origin');
  if (!origin || origin === url.origin || project.origins.includes(origin)) return origin;
  if (validKey) return null;
  const host = safeHost(origin);
  const message = `Invalid Origin. Register your new client (${host}) as a new Web platform on your project console`;
  throw new HttpError(403, message, { type: 'general_unknown_origin', message: `${message} dashboard` });
}

function safeHost(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return 'unknown';
  }
}
