// Firebase `auth:export` users and Supabase `auth.users` rows as bulk-import records
// (contract §9.2), mapped as contract §9.3 says, one record at a time. Shared by the
// console (console/import-files.ts, bundled for the browser) and `npm run admin -- users
// import` (scripts/lib/user-files.ts, streamed): no DOM, no Node. The records' rules are
// checked afterwards (src/schemas/imports.ts), as for any bulk import.
import type { ImportedHash } from './password-formats.ts';
import { UserStatus } from '../db/user-status.ts';

/** A record as a source maps to it, before its rules are checked. */
export interface SourceRecord {
  userId?: string;
  email: string;
  name?: string;
  emailVerification?: boolean;
  status?: number;
  registration?: number;
  prefs?: Record<string, unknown>;
  hash?: ImportedHash;
}

/** Firebase's project-wide password hash parameters (console: Authentication → Users → Password hash parameters). */
export interface FirebaseParams {
  signerKey?: string;
  saltSeparator?: string;
  rounds?: number;
  memCost?: number;
}

/** A Firebase `auth:export` user: localId, email, displayName, emailVerified, createdAt (ms), disabled, passwordHash + salt. */
export function fromFirebase(user: Record<string, unknown>, params: FirebaseParams): SourceRecord {
  const record: SourceRecord = {
    userId: text(user.localId),
    email: text(user.email) ?? '',
    name: text(user.displayName) ?? '',
    emailVerification: user.emailVerified === true,
    status: user.disabled === true ? UserStatus.blocked : UserStatus.unactivated,
  };
  const createdAt = Number(user.createdAt);
  if (user.createdAt !== undefined && Number.isFinite(createdAt)) record.registration = Math.floor(createdAt / 1000);
  const passwordHash = text(user.passwordHash);
  if (passwordHash) {
    record.hash = {
      algorithm: 'scrypt-modified',
      value: passwordHash,
      salt: text(user.salt) ?? '',
      saltSeparator: params.saltSeparator,
      signerKey: params.signerKey,
      rounds: params.rounds,
      memCost: params.memCost,
    };
  }
  return record;
}

/**
 * A Supabase `auth.users` row: id, email, encrypted_password (as bcrypt, Supabase's own
 * algorithm), email_confirmed_at (set = verified), created_at, raw_user_meta_data.name|full_name,
 * banned_until (in the future = blocked).
 */
export function fromSupabase(row: Record<string, unknown>, now: number): SourceRecord {
  const meta = metadata(row.raw_user_meta_data);
  const record: SourceRecord = {
    userId: text(row.id),
    email: text(row.email) ?? '',
    name: text(meta.name) ?? text(meta.full_name) ?? '',
    emailVerification: row.email_confirmed_at !== null && row.email_confirmed_at !== undefined && row.email_confirmed_at !== '',
    status: (timestamp(row.banned_until) ?? -Infinity) > now ? UserStatus.blocked : UserStatus.unactivated,
  };
  const created = timestamp(row.created_at);
  if (created !== undefined) record.registration = Math.floor(created / 1000);
  const password = text(row.encrypted_password);
  if (password) record.hash = { algorithm: 'bcrypt', value: password };
  return record;
}

/** raw_user_meta_data is jsonb: an object, or its text when the rows were dumped as strings. */
function metadata(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return isObject(value) ? value : {};
}

/**
 * Milliseconds of a Postgres timestamptz as JSON carries it ("2024-01-15 10:20:30.123456+00"
 * or ISO 8601), parsed here because Date.parse of the Postgres form differs between engines.
 */
function timestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(value.trim());
  if (!match) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = match;
  const offset = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${date}T${time}${fraction.slice(0, 4)}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
