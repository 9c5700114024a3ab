// Reading an import file into bulk-import records (contract §9.2); Firebase users and
// Supabase rows are mapped by src/domain/import-sources.ts, as the `users import` CLI maps
// them. No DOM here: test/console/ checks it.
import { chunks, utf8Bytes } from '../src/domain/chunks.ts';
import { fromFirebase, fromSupabase, isObject, type SourceRecord as ImportRecord } from '../src/domain/import-sources.ts';

export type { ImportRecord };

export type Format = 'jsonl' | 'firebase' | 'supabase';

export const FORMAT_NAMES: Record<Format, string> = {
  jsonl: 'JSON Lines (this service’s export)',
  firebase: 'Firebase auth:export JSON',
  supabase: 'Supabase auth.users JSON array',
};

/** Firebase's project-wide password hash parameters (console: Authentication → Users → Password hash parameters). */
export interface FirebaseHashConfig {
  signerKey: string;
  saltSeparator: string;
  rounds: number;
  memCost: number;
}

export const FIREBASE_DEFAULTS = { rounds: 8, memCost: 14 };

/** What one POST /v1/users/import takes: 1000 records, in a body of 4 MiB (src/schemas/imports.ts), less room for `{"users":[]}`. */
export const REQUEST_RECORDS = 1000;
export const REQUEST_BYTES = 4 * 1024 * 1024 - 64;

/** The records in order, in runs that each fit one bulk request (each record costs its JSON and a comma). */
export function importRequests(records: ImportRecord[]): AsyncGenerator<ImportRecord[]> {
  return chunks(records, (record) => utf8Bytes(JSON.stringify(record)) + 1, REQUEST_BYTES, REQUEST_RECORDS);
}

/** The format a file's text is in: a JSON array is Supabase's, an object with `users` Firebase's, else JSON Lines. */
export function detectFormat(text: string): Format {
  const start = text.trimStart();
  if (start.startsWith('[')) return 'supabase';
  if (start.startsWith('{')) {
    try {
      const parsed = JSON.parse(start) as unknown;
      if (isObject(parsed) && Array.isArray(parsed.users)) return 'firebase';
    } catch {
      // Not one JSON document: JSON Lines.
    }
  }
  return 'jsonl';
}

/** Throws an Error whose message tells the operator what is wrong with the file. */
export function readImportFile(text: string, format: Format, firebase?: FirebaseHashConfig, now = Date.now()): ImportRecord[] {
  switch (format) {
    case 'jsonl':
      return readJsonLines(text);
    case 'firebase':
      return readFirebase(text, firebase);
    case 'supabase':
      return readSupabase(text, now);
  }
}

function readJsonLines(text: string): ImportRecord[] {
  const records: ImportRecord[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Error(`Line ${index + 1} is not valid JSON.`);
    }
    if (!isObject(record)) throw new Error(`Line ${index + 1} is not a JSON object.`);
    records.push(record as unknown as ImportRecord);
  });
  return records;
}

function readFirebase(text: string, config: FirebaseHashConfig | undefined): ImportRecord[] {
  const users = parseJson(text, 'Firebase');
  if (!isObject(users) || !Array.isArray(users.users)) throw new Error('A Firebase auth:export file is a JSON object with a "users" array.');
  return users.users.map((user: unknown, index: number) => {
    if (!isObject(user)) throw new Error(`Firebase user ${index + 1} is not a JSON object.`);
    const record = fromFirebase(user, config ?? {});
    if (record.hash && (!config?.signerKey || !config.saltSeparator)) {
      throw new Error('This Firebase file has password hashes: enter the signer key and salt separator of its project’s password hash parameters.');
    }
    return record;
  });
}

function readSupabase(text: string, now: number): ImportRecord[] {
  const rows = parseJson(text, 'Supabase');
  if (!Array.isArray(rows)) throw new Error('A Supabase export is a JSON array of auth.users rows.');
  return rows.map((row: unknown, index: number) => {
    if (!isObject(row)) throw new Error(`Supabase row ${index + 1} is not a JSON object.`);
    return fromSupabase(row, now);
  });
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`This is not a valid ${source} JSON file.`);
  }
}
