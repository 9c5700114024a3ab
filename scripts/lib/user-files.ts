// The files `npm run admin -- users import` reads (contract §9.3), streamed: our JSON
// Lines (one bulk-import record per line), a Firebase `auth:export` JSON file, or a
// JSON array of Supabase `auth.users` rows; the latter two are mapped to bulk-import
// records here. The records' rules are checked by src/schemas/imports.ts, as for the
// bulk route.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidHashError, decodeStoredHash } from '../../src/domain/password-formats.ts';

export type Format = 'jsonl' | 'firebase' | 'supabase';

/** Firebase's project-wide hash parameters (Firebase console → Authentication → password hash parameters). */
export interface FirebaseParams {
  signerKey?: string;
  saltSeparator?: string;
  rounds?: number;
  memCost?: number;
}

/** An item of the file: a value to check as a record, or why it is not one. */
export type Item = { ok: true; value: unknown } | { ok: false; message: string };

export async function* readRecords(path: string, format: Format, firebase: FirebaseParams = {}, now = Date.now()): AsyncGenerator<Item> {
  if (format === 'jsonl') {
    for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      yield parsed(line, (value) => value);
    }
    return;
  }
  // Firebase: {"users": [ … ]} — records two levels down; Supabase: [ … ] — one level down.
  const depth = format === 'firebase' ? 2 : 1;
  const map = format === 'firebase' ? (u: unknown) => fromFirebase(u, firebase) : (u: unknown) => fromSupabase(u, now);
  for await (const text of jsonArrayItems(createReadStream(path, 'utf8'), depth)) yield parsed(text, map);
}

function parsed(text: string, map: (value: unknown) => unknown): Item {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'Invalid record: not valid JSON' };
  }
  return { ok: true, value: map(value) };
}

/**
 * The JSON texts of the objects found `depth` containers deep, one at a time, without
 * holding the file: a scanner that follows strings and nesting only.
 */
export async function* jsonArrayItems(chunks: AsyncIterable<string>, depth: number): AsyncGenerator<string> {
  let level = 0;
  let inString = false;
  let escaped = false;
  let item: string[] | null = null;
  let from = 0;
  for await (const chunk of chunks) {
    from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') {
        if (level === depth && c === '{' && item === null) {
          item = [];
          from = i;
        }
        level++;
      } else if (c === '}' || c === ']') {
        level--;
        if (level === depth && item !== null) {
          item.push(chunk.slice(from, i + 1));
          yield item.join('');
          item = null;
        }
      }
    }
    if (item !== null) item.push(chunk.slice(from));
  }
  if (item !== null || level !== 0) throw new Error('the file ends inside a JSON value');
}

type Json = Record<string, unknown>;
const object = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A Firebase `auth:export` user: localId, email, displayName, emailVerified, createdAt (ms), disabled, passwordHash + salt. */
export function fromFirebase(value: unknown, params: FirebaseParams): Json {
  const u = object(value);
  const createdAt = Number(u.createdAt);
  const hash = text(u.passwordHash) && {
    algorithm: 'scrypt-modified',
    value: u.passwordHash,
    salt: u.salt,
    saltSeparator: params.saltSeparator,
    signerKey: params.signerKey,
    rounds: params.rounds,
    memCost: params.memCost,
  };
  return {
    userId: u.localId,
    email: u.email,
    name: u.displayName ?? '',
    emailVerification: u.emailVerified === true,
    status: u.disabled === true ? 2 : 0,
    ...(Number.isFinite(createdAt) && u.createdAt !== undefined && { registration: Math.floor(createdAt / 1000) }),
    ...(hash && { hash }),
  };
}

/**
 * A Supabase `auth.users` row: id, email, encrypted_password (Go bcrypt, or Supabase's
 * $fbscrypt$/argon2 forms, which read as ours), email_confirmed_at, created_at,
 * raw_user_meta_data.name|full_name, banned_until.
 */
export function fromSupabase(value: unknown, now: number): Json {
  const u = object(value);
  const meta = object(typeof u.raw_user_meta_data === 'string' ? safeParse(u.raw_user_meta_data) : u.raw_user_meta_data);
  const created = Date.parse(String(u.created_at));
  const bannedUntil = text(u.banned_until) ? Date.parse(u.banned_until as string) : NaN;
  const encrypted = text(u.encrypted_password);
  return {
    userId: u.id,
    email: u.email,
    name: text(meta.name) ?? text(meta.full_name) ?? '',
    emailVerification: u.email_confirmed_at !== null && u.email_confirmed_at !== undefined,
    status: bannedUntil > now ? 2 : 0,
    ...(Number.isFinite(created) && { registration: Math.floor(created / 1000) }),
    ...(encrypted && { hash: storedForm(encrypted) }),
  };
}

function storedForm(encrypted: string): Json {
  try {
    return { ...decodeStoredHash(encrypted) };
  } catch (err) {
    if (!(err instanceof InvalidHashError)) throw err;
    // Reported by the record check with bcrypt's rule, Supabase's own algorithm.
    return { algorithm: 'bcrypt', value: encrypted };
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
