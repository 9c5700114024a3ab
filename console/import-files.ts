// Reading an import file into bulk-import records (contract §9.2), mapped from Firebase
// and Supabase exactly as contract §9.3 says. No DOM here: test/console/ checks it.

export interface ImportHash {
  algorithm: string;
  value: string;
  salt?: string;
  saltSeparator?: string;
  signerKey?: string;
  rounds?: number;
  memCost?: number;
}

export interface ImportRecord {
  userId?: string;
  email: string;
  name?: string;
  emailVerification?: boolean;
  status?: number;
  registration?: number;
  prefs?: Record<string, unknown>;
  hash?: ImportHash;
}

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

const BLOCKED = 2;

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
    const record: ImportRecord = {
      userId: stringOr(user.localId),
      email: stringOr(user.email) ?? '',
      name: stringOr(user.displayName) ?? '',
      emailVerification: user.emailVerified === true,
      status: user.disabled === true ? BLOCKED : 0,
    };
    const createdAt = Number(user.createdAt);
    if (user.createdAt !== undefined && Number.isFinite(createdAt)) record.registration = Math.floor(createdAt / 1000);
    const passwordHash = stringOr(user.passwordHash);
    if (passwordHash) {
      if (!config?.signerKey || !config.saltSeparator) {
        throw new Error('This Firebase file has password hashes: enter the signer key and salt separator of its project’s password hash parameters.');
      }
      record.hash = {
        algorithm: 'scrypt-modified',
        value: passwordHash,
        salt: stringOr(user.salt) ?? '',
        saltSeparator: config.saltSeparator,
        signerKey: config.signerKey,
        rounds: config.rounds,
        memCost: config.memCost,
      };
    }
    return record;
  });
}

function readSupabase(text: string, now: number): ImportRecord[] {
  const rows = parseJson(text, 'Supabase');
  if (!Array.isArray(rows)) throw new Error('A Supabase export is a JSON array of auth.users rows.');
  return rows.map((row: unknown, index: number) => {
    if (!isObject(row)) throw new Error(`Supabase row ${index + 1} is not a JSON object.`);
    const meta = metadata(row.raw_user_meta_data);
    const record: ImportRecord = {
      userId: stringOr(row.id),
      email: stringOr(row.email) ?? '',
      name: stringOr(meta.name) ?? stringOr(meta.full_name) ?? '',
      emailVerification: row.email_confirmed_at !== null && row.email_confirmed_at !== undefined && row.email_confirmed_at !== '',
      status: (timestamp(row.banned_until) ?? -Infinity) > now ? BLOCKED : 0,
    };
    const created = timestamp(row.created_at);
    if (created !== undefined) record.registration = Math.floor(created / 1000);
    const password = stringOr(row.encrypted_password);
    if (password) record.hash = { algorithm: 'bcrypt', value: password };
    return record;
  });
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

/** Milliseconds of a Postgres timestamptz as JSON carries it ("2024-01-15 10:20:30.123456+00" or ISO 8601). */
function timestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(value.trim());
  if (!match) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = match;
  const offset = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${date}T${time}${fraction.slice(0, 4)}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`This is not a valid ${source} JSON file.`);
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
