// Full-text search over users' name and email, per project, through the FTS5 table
// users_fts (migrations/0001). Every indexed word is prefixed with the project's
// integer key ("p12z" + word), so a search only walks its own project's entries
// and matching stays flat however many users other projects have.

/** Letters, digits and marks: the characters FTS5's unicode61 tokenizer keeps in words. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

const words = (value: string) => value.toLowerCase().match(WORD) ?? [];
const tokenPrefix = (projectSeq: number) => `p${projectSeq}z`;

/** The text stored in users.search_text for a user. */
export function searchText(projectSeq: number, name: string, email: string): string {
  const prefix = tokenPrefix(projectSeq);
  return [...words(name), ...words(email)].map((w) => prefix + w).join(' ');
}

/**
 * The FTS5 MATCH expression for what a user typed, or null when it holds no words.
 * Each whitespace-separated term must match as a phrase of its words (so "example.com"
 * finds ".example.com" addresses but not "example.org"), the last word of each
 * term as a prefix ("jo" finds "John"); terms are ANDed. Every word is quoted, so
 * FTS5 operators, quotes or brackets in the input are plain text.
 */
export function matchExpression(projectSeq: number, search: string): string | null {
  const prefix = tokenPrefix(projectSeq);
  const phrases = search
    .split(/\s+/)
    .map((term) => words(term))
    .filter((ws) => ws.length > 0)
    .map((ws) => `${ws.map((w) => `"${prefix}${w}"`).join(' + ')} *`);
  return phrases.length > 0 ? phrases.join(' AND ') : null;
}
