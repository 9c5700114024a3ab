// The session settings of wrangler.toml's [vars] (SESSION_LIFETIME, MAX_SESSIONS), parsed
// once per isolate for as long as their text stays the same: every way a session begins
// reads them from here.
import { KV_MIN_TTL_SECONDS } from '../kv/session-tokens.ts';

/** Upstream sessions last one year. */
export const DEFAULT_SESSION_LIFETIME = 365 * 24 * 60 * 60;
/** Appwrite's default: a user holds at most 10 sessions. */
export const DEFAULT_MAX_SESSIONS = 10;

export interface SessionSettings {
  /** How long a session lasts, in seconds. */
  lifetimeSeconds: number;
  /** MAX_SESSIONS: a user's live sessions beyond it end as a new one begins. */
  maxSessions: number;
}

/** The configured session lifetime in seconds (SESSION_LIFETIME); unset or empty means the default. */
export function sessionLifetime(configured: string | undefined): number {
  if (configured === undefined || configured.trim() === '') return DEFAULT_SESSION_LIFETIME;
  const seconds = Number(configured);
  // A plain Error: a misconfiguration is logged, and the client sees only a 500.
  if (!Number.isInteger(seconds) || seconds < KV_MIN_TTL_SECONDS) throw new Error(`SESSION_LIFETIME must be a whole number of seconds ≥ ${KV_MIN_TTL_SECONDS}`);
  return seconds;
}

/** The configured cap on a user's live sessions (MAX_SESSIONS); unset or empty means the default. */
export function maxSessions(configured: string | undefined): number {
  if (configured === undefined || configured.trim() === '') return DEFAULT_MAX_SESSIONS;
  const max = Number(configured);
  // A plain Error: a misconfiguration is logged, and the client sees only a 500.
  if (!Number.isInteger(max) || max < 1) throw new Error('MAX_SESSIONS must be a whole number ≥ 1');
  return max;
}

let parsed: { lifetime?: string; max?: string; settings: SessionSettings } | undefined;

/** The settings from the vars, parsed again only when their text changes (tests run with several). */
export function sessionSettings(vars: { SESSION_LIFETIME?: string; MAX_SESSIONS?: string }): SessionSettings {
  if (!parsed || parsed.lifetime !== vars.SESSION_LIFETIME || parsed.max !== vars.MAX_SESSIONS) {
    const settings = { lifetimeSeconds: sessionLifetime(vars.SESSION_LIFETIME), maxSessions: maxSessions(vars.MAX_SESSIONS) };
    parsed = { lifetime: vars.SESSION_LIFETIME, max: vars.MAX_SESSIONS, settings };
  }
  return parsed.settings;
}
