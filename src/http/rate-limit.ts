// Abuse limits, checked after authentication and before parameters (and so before
// any password hashing). Enforcement is the Workers Rate Limiting binding; the
// numbers for the X-RateLimit-* headers come from the RATE_LIMITS var, which
// restates each binding's configuration (wrangler.toml).
import { HttpError } from './errors.ts';

export type Limiter = 'SIGN_IN_EMAIL_LIMITER' | 'SIGN_IN_IP_LIMITER' | 'SESSION_DELETE_IP_LIMITER';

export interface RateLimitRule {
  limiter: Limiter;
  /** The counter's key for this request, or null when the rule does not apply. */
  key(input: { projectId: string; ip: string; params: Record<string, unknown> }): string | null;
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

export async function enforceRateLimits(
  env: Env,
  rules: RateLimitRule[],
  input: { projectId: string; ip: string; params: Record<string, unknown> },
): Promise<void> {
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
    throw new HttpError(429, 'Too many requests', headers);
  }
}

/** Per client IP across projects, as upstream (requests without an IP share one counter). */
export const perIp = (limiter: Limiter): RateLimitRule => ({ limiter, key: ({ ip }) => `ip:${ip}` });

/** Per project and email, as typed (case-insensitive); skipped when there is no email to count. */
export const perEmail = (limiter: Limiter): RateLimitRule => ({
  limiter,
  key: ({ projectId, params }) =>
    typeof params.email === 'string' && params.email !== '' ? `${projectId}:${params.email.toLowerCase().slice(0, 320)}` : null,
});
