// Who performed a request, as recorded on sessions and audit entries: the client IP
// (Cloudflare's CF-Connecting-IP; never X-Forwarded-For, which clients can forge),
// the parsed User-Agent and the country from Cloudflare's request.cf data. A server
// signing its user in (a valid API key) names the user's browser in X-Forwarded-User-Agent.
import type { Actor } from '../domain/context.ts';
import { parseUserAgent } from '../domain/user-agent.ts';

export function actorOf(request: Request, app = false): Actor {
  const cf = (request as { cf?: { country?: unknown } }).cf;
  const forwarded = app ? request.headers.get('X-Forwarded-User-Agent') : null;
  return {
    ip: (request.headers.get('CF-Connecting-IP') ?? '').slice(0, 64),
    device: parseUserAgent(forwarded || request.headers.get('User-Agent')),
    country: typeof cf?.country === 'string' ? cf.country : '--',
  };
}

/** The X-Appwrite-Locale header chooses the language of country names. */
export function localeOf(request: Request): string {
  return request.headers.get('X-Appwrite-Locale') || 'en';
}
