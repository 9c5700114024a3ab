// Session tokens in Workers KV.
//
// Key layout (the only key family in the SESSIONS namespace):
//   session:<sha256 hex of the session secret>  →  JSON { sessionId, userId, projectId, expire }
//   with KV expiration = the session's expiry (unix seconds).
//
// A token check is one KV read at the edge: unknown or expired tokens are rejected
// without touching D1. KV is eventually consistent (≈60 s across locations), so it
// is never the authority on revocation: D1's sessions row is checked as well
// (src/domain/sessions.ts), and deleting that row revokes the session at once.
export interface TokenRecord {
  sessionId: string;
  userId: string;
  projectId: string;
  expire: number;
}

/** KV refuses expirations less than 60 seconds ahead. */
export const KV_MIN_TTL_SECONDS = 60;

const key = (tokenHash: string) => `session:${tokenHash}`;

export async function putToken(kv: KVNamespace, tokenHash: string, record: TokenRecord, now: number): Promise<void> {
  if (record.expire - now < KV_MIN_TTL_SECONDS) {
    throw new Error(`session lifetime must be at least ${KV_MIN_TTL_SECONDS} seconds`);
  }
  await kv.put(key(tokenHash), JSON.stringify(record), { expiration: record.expire });
}

export async function getToken(kv: KVNamespace, tokenHash: string): Promise<TokenRecord | null> {
  return kv.get<TokenRecord>(key(tokenHash), 'json');
}

/**
 * The most token deletes one request makes: a Worker invocation may make at most 1,000
 * KV operations, and ending a user's sessions can end thousands.
 */
const MAX_TOKEN_DELETES = 500;

/**
 * Best effort cleanup: the D1 rows are already gone, so a stale KV entry no longer
 * authenticates (authenticate() needs the live row with the same token hash). Past
 * MAX_TOKEN_DELETES the entries are left to KV, which drops each at its session's expiry.
 */
export async function deleteTokens(kv: KVNamespace, tokenHashes: string[]): Promise<void> {
  await Promise.allSettled(tokenHashes.slice(0, MAX_TOKEN_DELETES).map((hash) => kv.delete(key(hash))));
}
