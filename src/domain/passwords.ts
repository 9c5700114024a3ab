// Password hashing: argon2id (pure JS, @noble/hashes) at an OWASP minimum setting,
// stored as a PHC string that records its parameters so they can be raised later
// without invalidating existing hashes. Never WebCrypto PBKDF2: production Workers
// cap it at 100 000 iterations.
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { constantTimeEqual } from './crypto.ts';
import { tooBusy } from './errors.ts';

export interface Argon2Params {
  m: number; // memory, KiB
  t: number; // passes
  p: number; // lanes
}

/** OWASP Password Storage Cheat Sheet: m=7168 KiB, t=5, p=1. */
export const DEFAULT_PARAMS: Argon2Params = { m: 7168, t: 5, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Yield to the event loop while hashing so one hash does not stall the isolate's other requests.
const ASYNC_TICK_MS = 25;

export async function hashPassword(password: string, params: Argon2Params = DEFAULT_PARAMS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, params, HASH_BYTES);
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  const hash = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
  return constantTimeEqual(b64(hash), b64(parsed.hash));
}

/** A hash of a random password: verifying against it costs what a real check costs. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(crypto.randomUUID()).catch((err: unknown) => {
    decoy = undefined; // e.g. refused while the isolate was busy: try again next time
    throw err;
  });
  return decoy;
}

function derive(password: string, salt: Uint8Array, params: Argon2Params, dkLen: number): Promise<Uint8Array> {
  return withHashSlot(() => argon2idAsync(new TextEncoder().encode(password), salt, { ...params, dkLen, asyncTick: ASYNC_TICK_MS }));
}

/** Runs expensive hash work (ours, or verifying an imported hash) under the admission control below. */
export async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  await acquireHashSlot();
  try {
    return await work();
  } finally {
    releaseHashSlot();
  }
}

// Each hash holds ~7 MiB and ~150 ms of CPU. An isolate (128 MB, shared by its
// concurrent requests) runs at most MAX_CONCURRENT_HASHES at once; a few more
// requests may wait up to MAX_WAIT_MS for a slot, and beyond that the request is
// refused, so one busy API key cannot starve or exhaust the isolate. Waiters poll
// with their own timers instead of being woken by the finishing request: the
// runtime cancels a request whose only pending work is a promise another request
// will resolve.
const MAX_CONCURRENT_HASHES = 2;
const MAX_WAITING_HASHES = 16;
const MAX_WAIT_MS = 5_000;
const POLL_MS = 5;
let running = 0;
let waiting = 0;

async function acquireHashSlot(): Promise<void> {
  if (running >= MAX_CONCURRENT_HASHES) {
    if (waiting >= MAX_WAITING_HASHES) throw tooBusy();
    waiting++;
    try {
      const deadline = Date.now() + MAX_WAIT_MS;
      while (running >= MAX_CONCURRENT_HASHES) {
        if (Date.now() > deadline) throw tooBusy();
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      waiting--;
    }
  }
  running++;
}

function releaseHashSlot(): void {
  running--;
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parsePhc(phc: string): { params: Argon2Params; salt: Uint8Array; hash: Uint8Array } | null {
  const match = PHC.exec(phc);
  if (!match) return null;
  const [, m, t, p, salt, hash] = match;
  return { params: { m: Number(m), t: Number(t), p: Number(p) }, salt: unb64(salt!), hash: unb64(hash!) };
}

// PHC strings use standard base64 without padding.
function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, '');
}

function unb64(text: string): Uint8Array {
  return Uint8Array.from(atob(text.padEnd(Math.ceil(text.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
}
