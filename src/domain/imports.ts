// Bringing users in (contract §9.2) and taking them out (§9.3). One implementation for
// the import routes, the bulk route and the admin CLI: records arrive checked against
// src/schemas/imports.ts; here their hashes are checked and encoded (never computed:
// password-formats.ts), they get their place in list order, and go in with as few
// statements as possible.
//
// Order: a user's seq (rowid) is registration second × 2^21 + a counter (ids.ts). An
// imported user takes, within its registration second, the next seqs after every
// existing one, so a file's users keep its order, across chunks and requests too.
import type { Db } from '../db/client.ts';
import * as queries from '../db/imports.ts';
import type { ExportRow, ImportRow } from '../db/imports.ts';
import { countImported } from '../db/usage.ts';
import { insertImportedEvents } from '../db/webhooks.ts';
import { chunks, utf8Bytes } from './chunks.ts';
import { nowSeconds, type Actor, type Project, type Stores } from './context.ts';
import { DomainError, alreadyRegistered, invalidParam, type Typed } from './errors.ts';
import { SECOND, newId, userKey } from './ids.ts';
import { InvalidHashError, decodeStoredHash, encodeStoredHash, type ImportedHash } from './password-formats.ts';
import { searchText } from './search.ts';
import { emailKey, nowMs, type UserRecord } from './users.ts';

/** A record that passed its field rules (src/schemas/imports.ts). */
export interface ImportRecord {
  /** null: generate one (`unique()`). */
  userId: string | null;
  email: string;
  name: string;
  emailVerification: boolean;
  status: 0 | 1 | 2;
  /** Unix seconds; null: now. */
  registration: number | null;
  prefs: Record<string, unknown>;
  /** '' for none (then email is set). */
  phone: string;
  phoneVerification: boolean;
  labels: string[];
  /** Checked and encoded here; null: the user cannot sign in until a password is set. */
  hash: Record<string, unknown> | null;
}

/** A record as checked: its values, or the message of the first rule it breaks. */
export type CheckedRecord = { ok: true; values: ImportRecord } | { ok: false; message: string; typed?: Typed };

export interface ImportOutcome {
  /** The users created, in input order. */
  created: UserRecord[];
  /** The records skipped, by input index, in input order. */
  failures: Array<{ index: number; error: DomainError }>;
}

/** The user as stored until it gets its seq (and, unless custom, its id). */
interface Draft {
  index: number;
  customId: string | null;
  row: Omit<ImportRow, 'seq' | 'id'>;
}

// D1 statements stay small (≤ 100 KB of SQL, as the CLI's remote path inlines them).
const STATEMENT_JSON_BYTES = 64 * 1024;
// Seq collisions come only from concurrent writers in the same second; retrying settles them.
const MAX_ATTEMPTS = 3;

/**
 * Creates the records that break no rule and conflict with no user of the project.
 * `hashParam` names the hash in messages: `password` on the import routes, `hash` in
 * bulk records.
 */
/** A record of a new user with what an import leaves unset at its defaults (as the bulk schema does). */
export function importRecord(fields: Pick<ImportRecord, 'userId' | 'email' | 'name' | 'hash'>): ImportRecord {
  return { emailVerification: false, status: 0, registration: null, prefs: {}, phone: '', phoneVerification: false, labels: [], ...fields };
}

export async function importUsers(
  { db, events }: Stores,
  project: Project,
  records: CheckedRecord[],
  actor: Actor,
  hashParam = 'hash',
): Promise<ImportOutcome> {
  const now = nowSeconds();
  const failures: ImportOutcome['failures'] = [];
  let pending: Draft[] = [];
  records.forEach((record, index) => {
    if (!record.ok)
      return void failures.push({
        index,
        error: new DomainError('invalid', record.message, record.typed ?? { type: 'general_argument_invalid', message: record.message }),
      });
    try {
      pending.push(draftOf(project, record.values, index, now));
    } catch (err) {
      if (!(err instanceof InvalidHashError)) throw err;
      failures.push({ index, error: invalidParam(hashParam, err.message) });
    }
  });

  const created: Array<{ index: number; row: ImportRow }> = [];
  const log = { ip: actor.ip, time: now, device: JSON.stringify(actor.device), country: actor.country };
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) throw new Error('import: seq collisions persisted');
    const rows = await placeInOrder(db, pending);
    const { inserted, recorded } = await write(db, project.id, rows, log);
    events.announce(recorded);
    const missed: Draft[] = [];
    pending.forEach((draft, i) => (inserted.has(rows[i]!.seq) ? created.push({ index: draft.index, row: rows[i]! }) : missed.push(draft)));
    if (missed.length === 0) break;
    const existing = await queries.existingKeys(
      db,
      project.id,
      missed.flatMap((d) => (d.customId === null ? [] : [d.customId])),
      missed.flatMap((d) => (d.row.emailKey === '' ? [] : [d.row.emailKey])),
      missed.flatMap((d) => (d.row.phone === '' ? [] : [d.row.phone])),
    );
    pending = [];
    for (const draft of missed) {
      const taken =
        (draft.customId !== null && existing.ids.has(draft.customId)) ||
        (draft.row.emailKey !== '' && existing.emailKeys.has(draft.row.emailKey)) ||
        (draft.row.phone !== '' && existing.phones.has(draft.row.phone));
      if (taken) failures.push({ index: draft.index, error: alreadyRegistered() });
      else pending.push(draft); // its seq (or generated id) was taken meanwhile: place it again
    }
  }
  created.sort((a, b) => a.index - b.index);
  failures.sort((a, b) => a.index - b.index);
  return { created: created.map(({ row }) => recordOf(row)), failures };
}

/** One import route's user: 201 with the user, or the record's failure (400, 409). */
export async function importUser(
  stores: Stores,
  project: Project,
  input: { userId: string | null; email: string; name: string; hash: ImportedHash },
  actor: Actor,
): Promise<UserRecord> {
  const record = importRecord({ ...input, hash: { ...input.hash } });
  const { created, failures } = await importUsers(stores, project, [{ ok: true, values: record }], actor, 'password');
  if (failures[0]) throw failures[0].error;
  return created[0]!;
}

/** The record of a user as the import wrote it (never signed in yet). */
function recordOf(row: ImportRow): UserRecord {
  const { id, email, name, status, emailVerification, registration, prefs, phone, phoneVerification, passwordUpdate, updatedAt } = row;
  return {
    id,
    email,
    name,
    status,
    emailVerification,
    registration,
    prefs,
    phone,
    phoneVerification,
    labels: JSON.parse(row.labels) as string[],
    passwordUpdate,
    updatedAt,
    accessedAt: 0,
  };
}

function draftOf(project: Project, record: ImportRecord, index: number, now: number): Draft {
  const passwordHash = record.hash === null ? '' : encodeStoredHash(record.hash as unknown as ImportedHash);
  const changed = nowMs();
  return {
    index,
    customId: record.userId,
    row: {
      email: record.email,
      emailKey: emailKey(record.email),
      name: record.name,
      passwordHash,
      status: record.status,
      emailVerification: record.emailVerification,
      registration: record.registration ?? now,
      prefs: JSON.stringify(record.prefs),
      searchText: searchText(project.seq, record.name, record.email),
      phone: record.phone,
      phoneVerification: record.phoneVerification,
      labels: JSON.stringify([...new Set(record.labels)]),
      passwordUpdate: passwordHash === '' ? 0 : changed,
      updatedAt: changed,
    },
  };
}

/** Gives each draft the next seq of its registration second, in draft order. */
async function placeInOrder(db: Stores['db'], drafts: Draft[]): Promise<ImportRow[]> {
  const seconds = [...new Set(drafts.map((d) => d.row.registration))];
  const tops = await queries.topSeqs(db, seconds, SECOND);
  const next = new Map(seconds.map((s) => [s, (tops.get(s) ?? s * SECOND - 1) + 1]));
  return drafts.map((draft) => {
    const second = draft.row.registration;
    const seq = next.get(second)!;
    if (seq >= (second + 1) * SECOND) throw new Error(`import: registration second ${second} is full`);
    next.set(second, seq + 1);
    return { ...draft.row, seq, id: draft.customId ?? userKey(seq).id };
  });
}

/**
 * Inserts the rows, logs each one inserted, records its `users.create` event and counts it for usage, in one
 * transaction; the seqs inserted and the events recorded.
 */
async function write(
  db: Stores['db'],
  projectId: string,
  rows: ImportRow[],
  log: Parameters<typeof queries.logImported>[3],
): Promise<{ inserted: Set<number>; recorded: Array<{ id: string }> }> {
  const statements: D1PreparedStatement[] = [];
  for await (const chunk of chunks(rows, (row) => utf8Bytes(JSON.stringify(row)), STATEMENT_JSON_BYTES)) {
    statements.push(
      queries.insertImported(db, projectId, chunk),
      queries.logImported(
        db,
        projectId,
        chunk.map((r) => [r.seq, r.id]),
        log,
      ),
      insertImportedEvents(
        db,
        projectId,
        chunk.map((r) => [r.seq, r.id, newId()]),
        log.time,
      ),
      countImported(
        db,
        projectId,
        chunk.map((r) => [r.seq, r.id]),
        log.time,
      ),
    );
  }
  const results = await db.$client.batch<{ seq: number } | { id: string }>(statements);
  const of = <T>(offset: number) => results.filter((_, i) => i % 4 === offset).flatMap((r) => r.results as T[]);
  return { inserted: new Set(of<{ seq: number }>(0).map((row) => row.seq)), recorded: of<{ id: string }>(2) };
}

/** A user as a bulk-import record (the export's line); `hash` only when asked for and set. */
export interface ExportRecord {
  userId: string;
  email: string;
  name: string;
  emailVerification: boolean;
  status: number;
  registration: number;
  prefs: Record<string, unknown>;
  hash?: ImportedHash;
  // Only when set (contract §12.3), so that older exports and projects look as before.
  phone?: string;
  phoneVerification?: boolean;
  labels?: string[];
}

export function toExportRecord(row: ExportRow, withHash: boolean): ExportRecord {
  const record: ExportRecord = {
    userId: row.id,
    email: row.email,
    name: row.name,
    emailVerification: row.emailVerification === 1,
    status: row.status,
    registration: row.registration,
    prefs: JSON.parse(row.prefs) as Record<string, unknown>,
  };
  if (withHash && row.passwordHash !== '') record.hash = decodeStoredHash(row.passwordHash);
  if (row.phone !== '') record.phone = row.phone;
  if (row.phoneVerification === 1) record.phoneVerification = true;
  if (row.labels !== '[]') record.labels = JSON.parse(row.labels) as string[];
  return record;
}

/**
 * One page of the export (GET /v1/users/export): up to `limit` records after `cursor`,
 * fewer when they would pass EXPORT_PAGE_BYTES (db/imports.ts).
 */
export async function exportUsers({ db }: Stores, project: Project, cursor: string | null, limit: number, withHashes: boolean) {
  const { rows, more } = await queries.pageAfter(db, project.id, cursor === null ? null : await cursorSeq(db, project, cursor), limit);
  return { records: rows.map((row) => toExportRecord(row, withHashes)), cursor: more ? cursorOf(project, rows.at(-1)!.seq) : null };
}

// The cursor names a place in list order, not a user: it stays valid when the last
// user of a page is deleted before the next page is read. It carries the project's
// key so that a cursor of another project's export is refused, not followed.
// A user's id is still taken as a cursor (contract §9.3 had clients pass the last
// userId): the page then starts after that user, if it exists.
const CURSOR = /^([0-9]{1,15})\.([0-9]{1,16})$/;

async function cursorSeq(db: Db, project: Project, cursor: string): Promise<number> {
  const seq = seqOfCursor(project, cursor) ?? (await queries.seqOfUser(db, project.id, cursor));
  if (seq === undefined) throw invalidParam('cursor', "Value must be the cursor of a previous page of this project's export");
  return seq;
}

function cursorOf(project: Project, seq: number): string {
  return btoa(`${project.seq}.${seq}`).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The seq an opaque cursor of this project's export names, if `cursor` is one. */
function seqOfCursor(project: Project, cursor: string): number | undefined {
  let text = '';
  try {
    text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    // not base64: refused below
  }
  const match = CURSOR.exec(text);
  const seq = Number(match?.[2]);
  return match && Number(match[1]) === project.seq && Number.isSafeInteger(seq) && cursorOf(project, seq) === cursor ? seq : undefined;
}
