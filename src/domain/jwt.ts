// JSON Web Tokens (RFC 7519) as Appwrite hands them out: HS256, here keyed by the
// JWT_SECRET Worker secret through WebCrypto's HMAC. A token names its project, user and
// session; whether it still authenticates is the session row's decision (domain/sessions.ts).
import { fromBase64, toBase64 } from './base64.ts';

export interface JwtClaims {
  projectId: string;
  userId: string;
  sessionId: string;
  /** Unix seconds; absent when the token lives as long as its session (duration 0, as upstream). */
  exp?: number;
}

const HEADER = base64url(new TextEncoder().encode(JSON.stringify({ typ: 'JWT', alg: 'HS256' })));

function base64url(bytes: Uint8Array): string {
  return toBase64(bytes, false).replace(/\+/g, '-').replace(/\//g, '_');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  return fromBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
}

const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  if (!secret) throw new Error('JWT_SECRET is not set (README, Deploy)');
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

export async function signJwt(secret: string, claims: JwtClaims, issuedAt: number): Promise<string> {
  const payload = base64url(new TextEncoder().encode(JSON.stringify({ ...claims, iat: issuedAt })));
  const signed = `${HEADER}.${payload}`;
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(signed));
  return `${signed}.${base64url(new Uint8Array(signature))}`;
}

/** The claims of a token signed with `secret` and unexpired at `now`; null for anything else. */
export async function verifyJwt(secret: string, token: string, now: number): Promise<JwtClaims | null> {
  const parts = token.length <= 4096 ? token.split('.') : [];
  if (parts.length !== 3 || parts[0] !== HEADER) return null;
  let claims: unknown;
  try {
    // WebCrypto's verify compares in constant time.
    const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), fromBase64url(parts[2]!), new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
    if (!valid) return null;
    claims = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]!)));
  } catch (err) {
    if (!secret) throw err;
    return null;
  }
  const { projectId, userId, sessionId, exp } = (claims ?? {}) as Record<string, unknown>;
  if (typeof projectId !== 'string' || typeof userId !== 'string' || typeof sessionId !== 'string') return null;
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now)) return null;
  return { projectId, userId, sessionId, ...(exp === undefined ? {} : { exp }) };
}
