// Splitting a sequence into consecutive runs bounded both by count and by size: what
// a bulk request (1000 records, 4 MiB of body) or a D1 statement (100 KB of SQL) may
// take. Sizes are counted in UTF-8 bytes, as those limits are.

const encoder = new TextEncoder();

/** The UTF-8 bytes of a string. */
export const utf8Bytes = (text: string): number => encoder.encode(text).length;

/**
 * Consecutive runs of `items`, each of at most `maxCount` items whose sizes add up to at
 * most `maxBytes`; an item bigger than that alone is a run of its own. Streams: a run
 * is handed out before the items after it are read.
 */
export async function* chunks<T>(
  items: Iterable<T> | AsyncIterable<T>,
  sizeOf: (item: T) => number,
  maxBytes: number,
  maxCount = Infinity,
): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for await (const item of items) {
    const size = sizeOf(item);
    if (chunk.length > 0 && (chunk.length === maxCount || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
