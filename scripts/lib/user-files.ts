// The files `npm run admin -- users import` reads (contract §9.3), streamed: our JSON
// Lines (one bulk-import record per line), a Firebase `auth:export` JSON file, or a
// JSON array of Supabase `auth.users` rows; the latter two are mapped to bulk-import
// records one at a time by src/domain/import-sources.ts, as the console maps them. The
// records' rules are checked by src/schemas/imports.ts, as for the bulk route.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fromFirebase, fromSupabase, isObject, type FirebaseParams, type SourceRecord } from '../../src/domain/import-sources.ts';
import { InvalidHashError, decodeStoredHash, type ImportedHash } from '../../src/domain/password-formats.ts';

export type { FirebaseParams };
export type Format = 'jsonl' | 'firebase' | 'supabase';

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
  const map = format === 'firebase' ? (u: unknown) => fromFirebase(object(u), firebase) : (u: unknown) => withStoredForm(fromSupabase(object(u), now));
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

// Items are `{…}` texts, so JSON.parse gives an object.
const object = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {});

/** Supabase's $fbscrypt$ and argon2 password forms read as ours; anything else stays bcrypt. */
function withStoredForm(record: SourceRecord): SourceRecord {
  return record.hash ? { ...record, hash: storedForm(record.hash.value) } : record;
}

function storedForm(encrypted: string): ImportedHash {
  try {
    return decodeStoredHash(encrypted);
  } catch (err) {
    if (!(err instanceof InvalidHashError)) throw err;
    // Reported by the record check with bcrypt's rule, Supabase's own algorithm.
    return { algorithm: 'bcrypt', value: encrypted };
  }
}
