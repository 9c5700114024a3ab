// Full-text search over users' name and email, per project, through the FTS5 table
// users_fts (migrations/0001). Each word is folded (lower case, no diacritics) and
// spelled in plain ASCII letters and digits, so FTS5 sees exactly the tokens made
// here and never splits one; each token is prefixed with the project's integer key
// ("p000012z" + word). A search therefore walks only its own project's index entries,
// and a crafted name cannot plant a token in another project's namespace. The key has
// at least 6 digits so the namespace is 8 characters wide for the first million
// projects: the index keeps every word's 1- to 3-letter prefixes at 9 to 11 characters
// (migrations/0006), which is what makes search-as-you-type cheap.

/** Letters, digits and combining marks: what a word is made of, in any script. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MARKS = /\p{M}/gu;
const PLAIN = /[a-pr-z0-9]/;

function words(value: string): string[] {
  return (value.match(WORD) ?? []).map(fold).filter((w) => w !== '');
}

/** Case- and diacritic-insensitive, like a reader expects: "Zoë" and "zoe" are one word. */
function fold(word: string): string {
  return word.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/**
 * ASCII letters and digits stand for themselves; any other character (and "q", the
 * escape) becomes "q" plus six hex digits. Injective and prefix-preserving, so word
 * prefixes still match.
 */
function spell(word: string): string {
  let out = '';
  for (const ch of word) out += PLAIN.test(ch) ? ch : `q${ch.codePointAt(0)!.toString(16).padStart(6, '0')}`;
  return out;
}

const tokenPrefix = (projectSeq: number) => `p${String(projectSeq).padStart(6, '0')}z`;

/** The text stored in users.search_text for a user. */
export function searchText(projectSeq: number, name: string, email: string): string {
  const prefix = tokenPrefix(projectSeq);
  return [...words(name), ...words(email)].map((w) => prefix + spell(w)).join(' ');
}

/**
 * The FTS5 MATCH expression for what a user typed, or null when it holds no words.
 * Each whitespace-separated term must match as a phrase of its words (so "example.com"
 * finds ".example.com" addresses but not "example.org"), the last word of each
 * term as a prefix ("jo" finds "John") unless the term is a whole email address;
 * terms are ANDed. Every token is quoted and
 * alphanumeric, so FTS5 operators, quotes or brackets in the input are plain text.
 */
export function matchExpression(projectSeq: number, search: string): string | null {
  const prefix = tokenPrefix(projectSeq);
  const phrases = search
    .split(/\s+/)
    .map((term) => ({ ws: words(term), exact: COMPLETE_EMAIL.test(term) }))
    .filter(({ ws }) => ws.length > 0)
    .map(({ ws, exact }) => `${ws.map((w) => `"${prefix}${spell(w)}"`).join(' + ')}${exact ? '' : ' *'}`);
  return phrases.length > 0 ? phrases.join(' AND ') : null;
}

/**
 * A whole address is matched word for word: as a prefix its last word ("com") would
 * expand to nearly every user's tokens before FTS5 could check the phrase.
 */
const COMPLETE_EMAIL = /^[^@\s]+@[^@\s]+\.[\p{L}]{2,}$/u;
