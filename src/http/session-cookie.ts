// The session cookie as the Appwrite SDKs know it: `a_session_<projectId>` (and
// `_legacy`) holding base64(JSON {id: userId, secret}), or, where browsers refuse
// third-party cookies, the same value echoed back in the X-Fallback-Cookies header; a
// server passes the same value in X-Appwrite-Session.
import { getDomain } from 'tldts';
import type { SessionCredentials } from '../domain/sessions.ts';

const cookieName = (projectId: string) => `a_session_${projectId}`;

export function encodeCredentials(credentials: SessionCredentials): string {
  return btoa(JSON.stringify({ id: credentials.userId, secret: credentials.secret }));
}

function decodeCredentials(value: string | undefined): SessionCredentials | null {
  if (!value || value.length > 1024) return null;
  try {
    const parsed: unknown = JSON.parse(atob(decodeURIComponent(value)));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { id, secret } = parsed as { id?: unknown; secret?: unknown };
    return typeof id === 'string' && typeof secret === 'string' ? { userId: id, secret } : null;
  } catch {
    return null;
  }
}

/**
 * Credentials from the cookie, the legacy cookie, the X-Appwrite-Session header (a server's
 * `setSession`, contract §12.4) or the X-Fallback-Cookies header, in that order (upstream's).
 */
export function readCredentials(request: Request, projectId: string): SessionCredentials | null {
  const cookies = parseCookies(request.headers.get('Cookie') ?? '');
  const name = cookieName(projectId);
  return (
    decodeCredentials(cookies.get(name)) ??
    decodeCredentials(cookies.get(`${name}_legacy`)) ??
    decodeCredentials(request.headers.get('X-Appwrite-Session') ?? undefined) ??
    decodeCredentials(fallbackCookies(request.headers.get('X-Fallback-Cookies'))[name])
  );
}

function parseCookies(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

function fallbackCookies(header: string | null): Record<string, string | undefined> {
  if (!header || header.length > 4096) return {};
  try {
    const parsed: unknown = JSON.parse(header);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Set-Cookie values for a new session (upstream sets both; only the main one is SameSite=None). */
export function sessionCookies(projectId: string, value: string, expire: number, secure: boolean): string[] {
  const attributes = `Expires=${new Date(expire * 1000).toUTCString()}; Path=/; HttpOnly${secure ? '; Secure' : ''}`;
  const encoded = encodeURIComponent(value);
  return [`${cookieName(projectId)}_legacy=${encoded}; ${attributes}`, `${cookieName(projectId)}=${encoded}; ${attributes}; SameSite=None`];
}

export function expiredCookies(projectId: string, secure: boolean): string[] {
  return sessionCookies(projectId, '', 0, secure);
}

/**
 * The login response also carries X-Fallback-Cookies when the request has no Origin
 * or a cross-site one, where the browser may not send the cookie back (it would then
 * be a third-party cookie). Only then: the header exposes the HttpOnly session to scripts.
 */
export function needsFallback(request: Request, url: URL): boolean {
  const origin = request.headers.get('Origin');
  if (!origin) return true;
  try {
    return site(new URL(origin)) !== site(url);
  } catch {
    return true;
  }
}

/**
 * A URL's site as browsers decide it (schemeful same-site): its scheme and registrable
 * domain by the Public Suffix List, private suffixes included (a.github.io and
 * b.github.io are different sites). A host with no registrable domain — an IP address,
 * localhost, a bare public suffix — is its own site.
 */
function site(url: URL): string {
  return `${url.protocol}//${getDomain(url.hostname, { allowPrivateDomains: true, extractHostname: false }) ?? url.hostname}`;
}

export function fallbackHeader(projectId: string, value: string): string {
  return JSON.stringify({ [cookieName(projectId)]: value });
}

/**
 * A sign-in's response with its session: both cookies, and X-Fallback-Cookies where the
 * browser may not send them back (contract §5).
 */
export function withSessionCookies(
  response: Response,
  request: Request,
  url: URL,
  projectId: string,
  credentials: SessionCredentials,
  expire: number,
): Response {
  const value = encodeCredentials(credentials);
  for (const cookie of sessionCookies(projectId, value, expire, url.protocol === 'https:')) response.headers.append('Set-Cookie', cookie);
  if (needsFallback(request, url)) response.headers.set('X-Fallback-Cookies', fallbackHeader(projectId, value));
  return response;
}

/** A sign-out's 204: the cookies expired, and an empty X-Fallback-Cookies for the SDKs that keep it. */
export function signedOut(projectId: string, url: URL): Headers {
  const headers = new Headers({ 'X-Fallback-Cookies': '[]' });
  for (const cookie of expiredCookies(projectId, url.protocol === 'https:')) headers.append('Set-Cookie', cookie);
  return headers;
}
