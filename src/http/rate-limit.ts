// Abuse limits, checked after authentication and before parameters (and so before
// any password hashing). Enforcement is the Workers Rate Limiting binding; the
// numbers for the X-RateLimit-* headers come from the RATE_LIMITS var, which
// restates each binding's configuration (wrangler.toml).
import { tooBusy } from '../domain/errors.ts';
import { HttpError } from './errors.ts';

export type Limiter =
  'SIGN_IN_EMAIL_LIMITER' | 'SIGN_IN_IP_LIMITER' | 'SIGN_IN_PROJECT_LIMITER' | 'SESSION_DELETE_IP_LIMITER' | 'TOKEN_USER_LIMITER' | 'TOKEN_IP_LIMITER';

export interface RateLimitInput {
  projectId: string;
  ip: string;
  params: Record<string, unknown>;
  /** A server with a valid API key calls for its user (SSR sign-in). */
  app: boolean;
}

export interface RateLimitRule {
  limiter: Limiter;
  /** The counter's key for this request, or null when the rule does not apply. */
  key(input: RateLimitInput): string | null;
}

interface LimitConfig {
  limit: number;
  period: number;
}

let parsed: { source: string; limits: Record<string, LimitConfig> } | undefined;
function limitsOf(env: Env): Record<string, LimitConfig> {
  if (parsed?.source !== env.RATE_LIMITS) parsed = { source: env.RATE_LIMITS, limits: JSON.parse(env.RATE_LIMITS) };
  return parsed.limits;
}

export async function enforceRateLimits(env: Env, rules: RateLimitRule[], input: RateLimitInput): Promise<void> {
  for (const rule of rules) {
    const key = rule.key(input);
    if (key === null) continue;
    const { success } = await env[rule.limiter].limit({ key });
    if (success) continue;
    const config = limitsOf(env)[rule.limiter];
    const headers: Record<string, string> = {};
    if (config) {
      const now = Math.floor(Date.now() / 1000);
      headers['X-RateLimit-Limit'] = String(config.limit);
      headers['X-RateLimit-Remaining'] = '0';
      // The binding counts in fixed windows of `period` seconds.
      headers['X-RateLimit-Reset'] = String(now - (now % config.period) + config.period);
    }
    throw new HttpError(429, 'Too many requests', tooBusy().typed, headers);
  }
}

/** Per client IP (clientKey) across projects, as upstream (requests without an IP share one counter). */
export const perIp = (limiter: Limiter): RateLimitRule => ({ limiter, key: ({ ip }) => `ip:${clientKey(ip)}` });

/**
 * Per client IP, except for a server signing its users in (SSR): every user of that server
 * comes from its one address, so only the per-user rules count them (contract §12.4).
 */
export const perBrowserIp = (limiter: Limiter): RateLimitRule => ({ limiter, key: (input) => (input.app ? null : perIp(limiter).key(input)) });

/** Per project and user id (a token exchange); skipped when there is no id to count. */
export const perUserId = (limiter: Limiter): RateLimitRule => ({
  limiter,
  key: ({ projectId, params }) => (typeof params.userId === 'string' && params.userId !== '' ? `${projectId}:${params.userId.slice(0, 64)}` : null),
});

/** Per project and email, as typed (case-insensitive); skipped when there is no email to count. */
export const perEmail = (limiter: Limiter): RateLimitRule => ({
  limiter,
  key: ({ projectId, params }) => (typeof params.email === 'string' && params.email !== '' ? `${projectId}:${params.email.toLowerCase().slice(0, 320)}` : null),
});

/** Per project: a ceiling on what all clients together may cost it. */
export const perProject = (limiter: Limiter): RateLimitRule => ({ limiter, key: ({ projectId }) => `project:${projectId}` });

/**
 * Whom an address counts as: an IPv6 address by its /64, the least a subscriber is given
 * (keyed whole, one /64 would be 2^64 clients), in one spelling whatever the form it came
 * in; an IPv4-mapped IPv6 address as its IPv4; an IPv4 address, or anything else, as it is.
 */
export function clientKey(ip: string): string {
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::`, a trailing dotted IPv4 and a zone allowed), or null. */
function ipv6Groups(text: string): number[] | null {
  const halves = text.replace(/%.*$/, '').split('::');
  if (halves.length > 2) return null;
  const parts = halves.map((half, i) => groupsOf(half, i === halves.length - 1));
  if (parts.some((part) => part === null)) return null;
  const [head, tail] = parts as number[][];
  if (tail === undefined) return head!.length === 8 ? head! : null;
  const zeros = 8 - head!.length - tail.length;
  return zeros >= 1 ? [...head!, ...Array<number>(zeros).fill(0), ...tail] : null;
}

/** The groups on one side of `::`; a dotted IPv4 only as the address's last piece. */
function groupsOf(half: string, last: boolean): number[] | null {
  if (half === '') return [];
  const groups: number[] = [];
  const pieces = half.split(':');
  for (const [i, piece] of pieces.entries()) {
    const v4 = last && i === pieces.length - 1 ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(piece) : null;
    if (v4) {
      const bytes = v4.slice(1).map(Number);
      if (bytes.some((b) => b > 255)) return null;
      groups.push((bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) groups.push(parseInt(piece, 16));
    else return null;
  }
  return groups;
}
