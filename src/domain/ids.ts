// Ids.
//
// General ids (sessions, API keys): 20 lower-case hex characters, a millisecond
// timestamp followed by random bits, strictly increasing within an isolate.
//
// Users: one 53-bit integer, `seq` = registration second × 2^21 + a counter, is both
// the users row's rowid (which the search index is keyed and ordered by) and, in hex,
// the `$id`. Ordering by rowid is then exactly ordering by (registration, $id), so
// a search can page through the index in order without reading every match.
// (Upstream ids were 13-hex uniqid(); the contract allows any sortable lower-case id.)
import { SECOND } from '../db/schema.ts';

/** Project ids: lower-case, so that SDKs which lower-case header values still match. */
export const PROJECT_ID = /^[a-z0-9][a-z0-9-]{0,35}$/;

let lastId = 0n;

export function newId(): string {
  const random = BigInt(crypto.getRandomValues(new Uint32Array(1))[0]!);
  let next = (BigInt(Date.now()) << 32n) | random;
  if (next <= lastId) next = lastId + 1n;
  lastId = next;
  return next.toString(16).padStart(20, '0');
}

export { SECOND };

export interface UserKey {
  seq: number;
  id: string;
  registration: number;
}

export function userKey(seq: number): UserKey {
  return { seq, id: seq.toString(16).padStart(14, '0'), registration: Math.floor(seq / SECOND) };
}

let lastSeq = 0;

/** A new user key for now: a random start within the second (isolates rarely collide), then increasing. */
export function newUserKey(): UserKey {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]! % (SECOND / 2);
  const seq = Math.max(Math.floor(Date.now() / 1000) * SECOND + random, lastSeq + 1);
  lastSeq = seq;
  return userKey(seq);
}

/**
 * After a key was found taken: the next keys start a random stretch further on. An import
 * places its users on the seqs right after the newest of their second (often this
 * isolate's last key), so stepping by one would meet them again and again.
 */
export function skipTakenUserKeys(): void {
  lastSeq += 1024 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 65536);
}
