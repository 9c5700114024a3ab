// Password hashing: argon2id (pure JS, @noble/hashes) at an OWASP minimum setting,
// stored as a PHC string that records its parameters so they can be raised later
// without invalidating existing hashes. Never WebCrypto PBKDF2: production Workers
// cap it at 100 000 iterations.
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { toBase64 } from './base64.ts';
import { constantTimeEqual } from './crypto.ts';
import { parseArgon2, verifyStoredHash } from './password-formats.ts';
import { withHashSlot, type Admission } from './hash-admission.ts';

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

export async function hashPassword(password: string, admission: Admission, params: Argon2Params = DEFAULT_PARAMS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await withHashSlot(admission, () => argon2id(password, salt, params, HASH_BYTES));
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Checks a password against a PHC string with whatever parameters it records. A string
 * this module cannot read verifies as false, after the same work as a real check.
 */
export async function verifyPassword(password: string, phc: string, admission: Admission): Promise<boolean> {
  const parsed = parsePhc(phc);
  const { salt, params, hash } = parsed ?? parsePhc(decoyHash())!;
  const derived = await withHashSlot(admission, () => argon2id(password, salt, params, hash.length));
  return parsed !== null && constantTimeEqual(b64(derived), b64(hash));
}

/** Whether `stored` is an argon2id PHC string this module verifies itself (any parameters). */
export const isArgon2id = (stored: string) => parsePhc(stored) !== null;

/** Verifies a hash made elsewhere (password-formats.ts) under the same admission as ours. */
export async function verifyImportedHash(password: string, stored: string, admission: Admission): Promise<boolean> {
  return withHashSlot(admission, () => {
    hashesComputed++;
    return verifyStoredHash(password, stored);
  });
}

/**
 * A PHC string no password matches (its hash bytes are zero), with the current default
 * parameters: verifying an unknown email's password against it costs exactly what a real
 * check costs, and making it costs nothing, so the first unknown email in an isolate is
 * no slower than the next.
 */
let decoySalt: string | undefined;
export function decoyHash(): string {
  decoySalt ??= b64(crypto.getRandomValues(new Uint8Array(SALT_BYTES)));
  const { m, t, p } = DEFAULT_PARAMS;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${decoySalt}$${b64(new Uint8Array(HASH_BYTES))}`;
}

let hashesComputed = 0;
let argon2idComputed = 0;
/** How many hashes (ours, or imported ones verified) this isolate has run (observable by tests and the benchmark). */
export const hashCount = () => hashesComputed;
/** How many of those were this service's argon2id (what checking an unknown email costs). */
export const argon2idCount = () => argon2idComputed;

function argon2id(password: string, salt: Uint8Array, params: Argon2Params, dkLen: number): Promise<Uint8Array> {
  hashesComputed++;
  argon2idComputed++;
  return argon2idAsync(new TextEncoder().encode(password), salt, { ...params, dkLen, asyncTick: ASYNC_TICK_MS });
}

/** Two hashes at this memory must fit the isolate beside everything else. */
const MAX_MEMORY_KIB = 32 * 1024;
/** Bounds on the CPU one stored hash can ask for, far above any setting this service uses. */
const MAX_PASSES = 99;
const MAX_LANES = 99;

/** The parts of an argon2id v19 PHC string, or null if argon2 would reject them or they would not fit. */
function parsePhc(phc: string): { params: Argon2Params; salt: Uint8Array; hash: Uint8Array } | null {
  const parts = parseArgon2(phc);
  if (!parts || parts.type !== 'argon2id' || parts.version !== 19) return null;
  const { m, t, p, salt, hash } = parts;
  if (t < 1 || t > MAX_PASSES || p < 1 || p > MAX_LANES || m < 8 * p || m > MAX_MEMORY_KIB || salt.length < 8 || hash.length < 4) return null;
  return { params: { m, t, p }, salt, hash };
}

// PHC strings use standard base64 without padding.
const b64 = (bytes: Uint8Array) => toBase64(bytes, false);
