// How `users import` (scripts/lib/user-transfer.ts) cuts a file into the bulk route's
// calls. Locally a chunk is 1000 records. With --remote every value of a chunk is
// inlined into the SQL of one `wrangler d1 execute` (d1-shim.ts), which takes at most
// MAX_SQL_BYTES: a chunk then holds as many records as a guess at their SQL allows, and
// a chunk whose SQL is still too large (refused unsent) is halved until it passes; a
// record too large alone is skipped, with the reason. No node APIs here: test/ runs it.
import { chunks, utf8Bytes } from '../../src/domain/chunks.ts';
import type { CheckedRecord, ImportOutcome } from '../../src/domain/imports.ts';
import { statusOf } from '../../src/http/errors.ts';
import { MAX_IMPORT_RECORDS } from '../../src/schemas/imports.ts';
import { MAX_SQL_BYTES, SqlTooLarge } from './d1-shim.ts';

/** A record not created: its place in the file (from 0), and why. */
export interface Skipped {
  index: number;
  code: number;
  message: string;
}

/**
 * A record's share of the SQL, guessed: its JSON twice (prefs are a JSON text within the
 * row's JSON, so their quotes are escaped) and room for the row's derived fields and its
 * log and event entries.
 */
const guessedSql = (record: CheckedRecord) => (record.ok ? 2 * utf8Bytes(JSON.stringify(record.values)) + 512 : 0);

/** Imports `records` through `importChunk` (the domain's importUsers) chunk by chunk, reporting each record skipped. */
export async function importInChunks(
  records: AsyncIterable<CheckedRecord>,
  importChunk: (chunk: CheckedRecord[]) => Promise<ImportOutcome>,
  skip: (skipped: Skipped) => void,
  { inlined }: { inlined: boolean },
): Promise<{ created: number; skipped: number }> {
  let created = 0;
  let skipped = 0;
  const send = async (chunk: CheckedRecord[], first: number): Promise<void> => {
    let outcome: ImportOutcome;
    try {
      outcome = await importChunk(chunk);
    } catch (err) {
      if (!(err instanceof SqlTooLarge)) throw err;
      if (chunk.length === 1) {
        skipped++;
        return skip({ index: first, code: 400, message: `Record too large for --remote (${err.message}); import it through POST /v1/users/import` });
      }
      const half = Math.ceil(chunk.length / 2);
      await send(chunk.slice(0, half), first);
      return send(chunk.slice(half), first + half);
    }
    created += outcome.created.length;
    skipped += outcome.failures.length;
    for (const { index, error } of outcome.failures) skip({ index: first + index, code: statusOf(error), message: error.message });
  };
  let index = 0;
  for await (const chunk of chunks(records, inlined ? guessedSql : () => 0, inlined ? MAX_SQL_BYTES : Infinity, MAX_IMPORT_RECORDS)) {
    await send(chunk, index);
    index += chunk.length;
  }
  return { created, skipped };
}
