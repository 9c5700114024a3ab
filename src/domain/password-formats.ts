// Password hashes made elsewhere (contract §9.2): validated at import, stored in
// users.password_hash as ONE self-describing string, verified with their own algorithm on
// the user's first sign-in (then replaced by this service's argon2id), and given back by
// the export (§9.3) exactly as they came in.
//
// Stored forms (base64 is standard; "nopad" = without `=` padding, as PHC strings use):
//   bcrypt           $2a$|$2b$|$2y$<cost>$<53 chars>                       as given
//   argon2           $argon2id|i|d$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>   as given (PHC, nopad)
//   phpass           $P$|$H$<count><8-char salt><22-char hash>              as given
//   scrypt           $scrypt$n=<N>,r=<r>,p=<p>$<salt>$<key>                 salt = its UTF-8 bytes; nopad
//   scrypt-modified  $fbscrypt$v=1,n=<memCost>,r=<rounds>,p=1,ss=<saltSeparator>,sk=<signerKey>$<salt>$<hash>
//                    Supabase's form (supabase/auth): n is the exponent, base64 padded as Firebase gives it
//   sha              $sha$v=<version>$<lower-case hex digest>
//   md5              $md5$<lower-case hex digest>
//
// Cost caps. Verifying runs in a Worker isolate (128 MB shared by its concurrent requests;
// src/domain/hash-admission.ts lets 2 hashes run at once), so one verification may hold at most
// 32 MiB, and may cost about what bcrypt at cost 12 costs (~0.4 s of CPU in workerd, about
// 1.5–2.5× this service's own argon2id). It happens once per imported user (the hash is then
// upgraded), but each wrong password makes it happen again, so parameters beyond the caps
// are refused at import (and a stored hash beyond them never verifies):
//   bcrypt   cost 4–12
//   argon2   m ≤ 32768 KiB, m·t ≤ 65536 (two passes over 32 MiB), p 1–16
//   scrypt   N a power of two ≥ 2, 128·N·r ≤ 32 MiB, N·r·p ≤ 2^19; r 1–32, p 1–16
//   Firebase rounds 1–8, memCost 1–14 (Firebase's own ranges: 16 MiB at most)
//   phpass   2^7–2^17 MD5 rounds (WordPress uses 2^13, phpBB 2^11; phpass allows up to 2^30)
// So PHP's and libsodium's argon2 defaults (m=65536) cannot be imported: those users reset.
// Measured figures: docs/benchmark.md, "Imported password hashes".
import { argon2dAsync, argon2iAsync, argon2idAsync } from '@noble/hashes/argon2.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import { sha3_224, sha3_256, sha3_384, sha3_512 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import bcrypt from 'bcryptjs';
import { fromCanonicalBase64, toBase64 } from './base64.ts';
import { constantTimeEqual } from './crypto.ts';
import { phpassCountLog2, phpassHash } from './phpass.ts';

export const HASH_ALGORITHMS = ['argon2', 'bcrypt', 'scrypt', 'scrypt-modified', 'sha', 'md5', 'phpass'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

const SHA = {
  sha1,
  sha224,
  sha256,
  sha384,
  'sha512/224': sha512_224,
  'sha512/256': sha512_256,
  sha512,
  'sha3-224': sha3_224,
  'sha3-256': sha3_256,
  'sha3-384': sha3_384,
  'sha3-512': sha3_512,
};
export type ShaVersion = keyof typeof SHA;
export const SHA_VERSIONS = Object.keys(SHA) as ShaVersion[];

/** The bulk-import record's `hash` (contract §9.2). */
export interface ImportedHash {
  algorithm: HashAlgorithm;
  value: string;
  salt?: string;
  saltSeparator?: string;
  signerKey?: string;
  rounds?: number;
  memCost?: number;
  cpu?: number;
  memory?: number;
  parallel?: number;
  length?: number;
  version?: ShaVersion;
}

/** A hash that is not well-formed for its algorithm; the message is shown to API clients. */
export class InvalidHashError extends Error {
  override name = 'InvalidHashError';
}

/** Validates `input` and returns the string to store. Throws InvalidHashError. */
export function encodeStoredHash(input: ImportedHash): string {
  return format(normalize(input));
}

/** The normalized import record a stored hash came from. Throws InvalidHashError. */
export function decodeStoredHash(stored: string): ImportedHash {
  if (typeof stored !== 'string' || stored.length > MAX_STORED_LENGTH) throw new InvalidHashError('unknown hash format');
  const hash = normalize(parse(stored));
  // Only the canonical spelling decodes, so that encode(decode(x)) === x.
  if (format(hash) !== stored) throw new InvalidHashError('hash is not in canonical form');
  return hash;
}

/** Whether `password` matches `stored`. False for any stored value this module cannot read. */
export async function verifyStoredHash(password: string, stored: string): Promise<boolean> {
  try {
    return await verify(new TextEncoder().encode(password), password, decodeStoredHash(stored));
  } catch {
    return false;
  }
}

const MAX_STORED_LENGTH = 1024;
const MAX_MEMORY_BYTES = 32 * 1024 * 1024;
const BCRYPT_COST = { min: 4, max: 12 };
const ARGON2_MAX_KIB = MAX_MEMORY_BYTES / 1024;
const ARGON2_MAX_WORK = 2 * ARGON2_MAX_KIB;
const SCRYPT_MAX_WORK = 2 ** 19;
const PHPASS_COUNT_LOG2 = { min: 7, max: 17 };
const FIREBASE_DEFAULTS = { rounds: 8, memCost: 14 };
// Yield to the event loop while deriving so one verification does not stall the isolate's other requests.
const ASYNC_TICK_MS = 25;

// Which fields besides `value` each algorithm takes.
const FIELDS: Record<HashAlgorithm, ReadonlyArray<keyof ImportedHash>> = {
  argon2: [],
  bcrypt: [],
  phpass: [],
  md5: [],
  sha: ['version'],
  scrypt: ['salt', 'cpu', 'memory', 'parallel', 'length'],
  'scrypt-modified': ['salt', 'saltSeparator', 'signerKey', 'rounds', 'memCost'],
};
const OPTIONAL_FIELDS: ReadonlyArray<keyof ImportedHash> = [
  'salt',
  'saltSeparator',
  'signerKey',
  'rounds',
  'memCost',
  'cpu',
  'memory',
  'parallel',
  'length',
  'version',
];

function fail(message: string): never {
  throw new InvalidHashError(message);
}

// ---- validation: any input to its normalized form, or InvalidHashError ----

function normalize(input: ImportedHash): ImportedHash {
  if (typeof input !== 'object' || input === null) fail('hash must be an object');
  const { algorithm, value } = input;
  if (!HASH_ALGORITHMS.includes(algorithm)) fail(`algorithm must be one of ${HASH_ALGORITHMS.join(', ')}`);
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_STORED_LENGTH)
    fail(`hash value must be a string of 1 to ${MAX_STORED_LENGTH} characters`);
  for (const [field, given] of Object.entries(input)) {
    if (field === 'algorithm' || field === 'value' || given == null) continue;
    if (!OPTIONAL_FIELDS.includes(field as keyof ImportedHash)) fail('hash has an unknown field');
    if (!FIELDS[algorithm].includes(field as keyof ImportedHash)) fail(`${field} does not apply to ${algorithm}`);
  }
  switch (algorithm) {
    case 'bcrypt':
      checkBcrypt(value);
      return { algorithm, value };
    case 'argon2':
      checkArgon2(value);
      return { algorithm, value };
    case 'phpass':
      checkPhpass(value);
      return { algorithm, value };
    case 'md5':
      return { algorithm, value: hexDigest(value, 16, 'md5') };
    case 'sha': {
      const version = input.version ?? 'sha3-512';
      if (!SHA_VERSIONS.includes(version)) fail(`version must be one of ${SHA_VERSIONS.join(', ')}`);
      return { algorithm, value: hexDigest(value, SHA[version].outputLen, version), version };
    }
    case 'scrypt':
      return normalizeScrypt(input);
    case 'scrypt-modified':
      return normalizeFirebase(input);
  }
}

// bcrypt's base64 leaves 4 unused bits after the 16-byte salt and 2 after the 23-byte hash;
// a hash with any of them set can never verify, so it is refused.
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{21}[.Oeu][./A-Za-z0-9]{30}[.CGKOSWaeimquy26]$/;

function checkBcrypt(value: string): void {
  const match = BCRYPT.exec(value);
  if (!match) fail('bcrypt hash must be $2a$, $2b$ or $2y$, a two-digit cost and 53 characters');
  inRange(Number(match[1]), BCRYPT_COST.min, BCRYPT_COST.max, 'bcrypt cost');
}

const ARGON2 = /^\$(argon2id|argon2i|argon2d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export interface Argon2Phc {
  type: 'argon2id' | 'argon2i' | 'argon2d';
  version: number;
  m: number;
  t: number;
  p: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** The parts of an argon2 PHC string in its canonical spelling (integers, nopad base64), or null. */
export function parseArgon2(value: string): Argon2Phc | null {
  const match = ARGON2.exec(value);
  if (!match) return null;
  const [, type, version, m, t, p, salt, hash] = match;
  const numbers = [version, m, t, p].map(canonicalInteger);
  const saltBytes = fromCanonicalBase64(salt!, false);
  const hashBytes = fromCanonicalBase64(hash!, false);
  if (numbers.includes(null) || !saltBytes || !hashBytes) return null;
  const [v, mem, passes, lanes] = numbers as number[];
  return { type: type as Argon2Phc['type'], version: v!, m: mem!, t: passes!, p: lanes!, salt: saltBytes, hash: hashBytes };
}

function checkArgon2(value: string): Argon2Phc {
  const phc = parseArgon2(value);
  if (!phc) fail('argon2 hash must be a PHC string: $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash> (base64 without padding)');
  if (phc.version !== 19 && phc.version !== 16) fail('argon2 version must be 19 or 16');
  inRange(phc.p, 1, 16, 'argon2 parallelism (p)');
  inRange(phc.m, 8 * phc.p, ARGON2_MAX_KIB, 'argon2 memory (m, KiB)');
  inRange(phc.t, 1, Math.floor(ARGON2_MAX_WORK / phc.m), 'argon2 passes (t) at this memory');
  inRange(phc.salt.length, 8, 64, 'argon2 salt length (bytes)');
  inRange(phc.hash.length, 16, 64, 'argon2 hash length (bytes)');
  return phc;
}

const PHPASS = /^\$[PH]\$[./0-9A-Za-z]{30}[./01]$/;

function checkPhpass(value: string): void {
  // 16 MD5 bytes in 22 characters: the last one carries 2 bits (./01).
  if (!PHPASS.test(value)) fail('phpass hash must be $P$ or $H$ followed by 31 characters');
  inRange(phpassCountLog2(value), PHPASS_COUNT_LOG2.min, PHPASS_COUNT_LOG2.max, 'phpass log2 rounds');
}

function normalizeScrypt(input: ImportedHash): ImportedHash {
  const salt = input.salt;
  if (typeof salt !== 'string' || !salt.isWellFormed()) fail('scrypt salt must be a string');
  inRange(new TextEncoder().encode(salt).length, 1, 256, 'scrypt salt length (bytes)');
  const cpu = integer(input.cpu, 'scrypt cpu (N)');
  const memory = integer(input.memory, 'scrypt memory (r)');
  const parallel = integer(input.parallel, 'scrypt parallel (p)');
  const length = integer(input.length, 'scrypt length');
  if (cpu < 2 || (cpu & (cpu - 1)) !== 0) fail('scrypt cpu (N) must be a power of two, at least 2');
  inRange(memory, 1, 32, 'scrypt memory (r)');
  inRange(parallel, 1, 16, 'scrypt parallel (p)');
  if (128 * cpu * memory > MAX_MEMORY_BYTES) fail('scrypt memory 128·N·r must be at most 32 MiB');
  if (cpu * memory * parallel > SCRYPT_MAX_WORK) fail(`scrypt work N·r·p must be at most ${SCRYPT_MAX_WORK}`);
  inRange(length, 16, 128, 'scrypt length (bytes)');
  const value = hexDigest(input.value, length, 'scrypt');
  return { algorithm: 'scrypt', value, salt, cpu, memory, parallel, length };
}

function normalizeFirebase(input: ImportedHash): ImportedHash {
  const rounds = integer(input.rounds ?? FIREBASE_DEFAULTS.rounds, 'rounds');
  const memCost = integer(input.memCost ?? FIREBASE_DEFAULTS.memCost, 'memCost');
  inRange(rounds, 1, 8, 'rounds');
  inRange(memCost, 1, 14, 'memCost');
  // Checked here, stored as given (Firebase's padded base64).
  base64Field(input.salt, 'salt', 1, 64);
  base64Field(input.saltSeparator, 'saltSeparator', 0, 64);
  const signerKey = base64Field(input.signerKey, 'signerKey', 16, 128);
  const value = base64Field(input.value, 'hash', 16, 128);
  if (value.length !== signerKey.length) fail('hash must be as long as the signer key');
  return {
    algorithm: 'scrypt-modified',
    value: input.value,
    salt: input.salt,
    saltSeparator: input.saltSeparator,
    signerKey: input.signerKey,
    rounds,
    memCost,
  };
}

/** Lower-cased hex of exactly `bytes` bytes. */
function hexDigest(value: string, bytes: number, name: string): string {
  if (!/^[0-9a-fA-F]*$/.test(value) || value.length !== 2 * bytes) fail(`${name} hash must be ${2 * bytes} hex digits`);
  return value.toLowerCase();
}

function base64Field(value: unknown, name: string, min: number, max: number): Uint8Array {
  const bytes = typeof value === 'string' ? fromCanonicalBase64(value, true) : null;
  if (!bytes) fail(`${name} must be base64`);
  inRange(bytes.length, min, max, `${name} length (bytes)`);
  return bytes;
}

function integer(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value)) fail(`${name} must be an integer`);
  return value as number;
}

function inRange(value: number, min: number, max: number, name: string): void {
  if (value < min || value > max) fail(`${name} must be between ${min} and ${max}`);
}

// ---- the stored string: format (normalized → string) and parse (string → unvalidated record) ----

function format(hash: ImportedHash): string {
  switch (hash.algorithm) {
    case 'bcrypt':
    case 'argon2':
    case 'phpass':
      return hash.value;
    case 'md5':
      return `$md5$${hash.value}`;
    case 'sha':
      return `$sha$v=${hash.version}$${hash.value}`;
    case 'scrypt': {
      const salt = toBase64(new TextEncoder().encode(hash.salt), false);
      return `$scrypt$n=${hash.cpu},r=${hash.memory},p=${hash.parallel}$${salt}$${toBase64(hexToBytes(hash.value), false)}`;
    }
    case 'scrypt-modified':
      return `$fbscrypt$v=1,n=${hash.memCost},r=${hash.rounds},p=1,ss=${hash.saltSeparator},sk=${hash.signerKey}$${hash.salt}$${hash.value}`;
  }
}

const SCRYPT_STORED = /^\$scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const FIREBASE_STORED = /^\$fbscrypt\$v=1,n=(\d+),r=(\d+),p=1,ss=([A-Za-z0-9+/=]*),sk=([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;
const SHA_STORED = /^\$sha\$v=([a-z0-9/-]+)\$([0-9a-f]+)$/;
const MD5_STORED = /^\$md5\$([0-9a-f]+)$/;

// Fields that do not parse stay undefined or NaN, for normalize() to refuse.
function parse(stored: string): ImportedHash {
  if (/^\$2[aby]\$/.test(stored)) return { algorithm: 'bcrypt', value: stored };
  if (/^\$argon2(id|i|d)\$/.test(stored)) return { algorithm: 'argon2', value: stored };
  if (/^\$[PH]\$/.test(stored)) return { algorithm: 'phpass', value: stored };
  let match = MD5_STORED.exec(stored);
  if (match) return { algorithm: 'md5', value: match[1]! };
  match = SHA_STORED.exec(stored);
  if (match) return { algorithm: 'sha', value: match[2]!, version: match[1] as ShaVersion };
  match = SCRYPT_STORED.exec(stored);
  if (match) {
    const [, n, r, p, salt, key] = match;
    const saltBytes = fromCanonicalBase64(salt!, false);
    const keyBytes = fromCanonicalBase64(key!, false);
    return {
      algorithm: 'scrypt',
      value: keyBytes ? bytesToHex(keyBytes) : '',
      salt: saltBytes ? new TextDecoder().decode(saltBytes) : undefined,
      cpu: Number(n),
      memory: Number(r),
      parallel: Number(p),
      length: keyBytes?.length,
    };
  }
  match = FIREBASE_STORED.exec(stored);
  if (match) {
    const [, n, r, saltSeparator, signerKey, salt, value] = match;
    return { algorithm: 'scrypt-modified', value: value!, salt, saltSeparator, signerKey, rounds: Number(r), memCost: Number(n) };
  }
  fail('unknown hash format');
}

// ---- verification ----

async function verify(pw: Uint8Array, password: string, hash: ImportedHash): Promise<boolean> {
  switch (hash.algorithm) {
    case 'bcrypt':
      return bcrypt.compare(password, hash.value);
    case 'phpass':
      return constantTimeEqual(phpassHash(password, hash.value), hash.value);
    case 'md5':
      return constantTimeEqual(bytesToHex(md5(pw)), hash.value);
    case 'sha':
      return constantTimeEqual(bytesToHex(SHA[hash.version!](pw)), hash.value);
    case 'argon2': {
      const phc = checkArgon2(hash.value);
      const argon2 = { argon2id: argon2idAsync, argon2i: argon2iAsync, argon2d: argon2dAsync }[phc.type];
      const opts = { m: phc.m, t: phc.t, p: phc.p, version: phc.version === 19 ? 0x13 : 0x10, dkLen: phc.hash.length, asyncTick: ASYNC_TICK_MS };
      return constantTimeEqual(bytesToHex(await argon2(pw, phc.salt, opts)), bytesToHex(phc.hash));
    }
    case 'scrypt': {
      const opts = { N: hash.cpu!, r: hash.memory!, p: hash.parallel!, dkLen: hash.length!, asyncTick: ASYNC_TICK_MS };
      return constantTimeEqual(bytesToHex(await scryptAsync(pw, new TextEncoder().encode(hash.salt), opts)), hash.value);
    }
    case 'scrypt-modified':
      return constantTimeEqual(toBase64(await firebaseScrypt(pw, hash), true), hash.value);
  }
}

// Firebase's modified scrypt (github.com/firebase/scrypt): key = scrypt(password,
// salt‖saltSeparator, N = 2^memCost, r = rounds, p = 1, 32 bytes); the hash is the signer
// key encrypted with AES-256-CTR under that key and an all-zero counter block.
async function firebaseScrypt(pw: Uint8Array, hash: ImportedHash): Promise<Uint8Array> {
  const salt = fromCanonicalBase64(hash.salt!, true)!;
  const separator = fromCanonicalBase64(hash.saltSeparator!, true)!;
  const saltAndSeparator = new Uint8Array(salt.length + separator.length);
  saltAndSeparator.set(salt);
  saltAndSeparator.set(separator, salt.length);
  const derived = await scryptAsync(pw, saltAndSeparator, { N: 2 ** hash.memCost!, r: hash.rounds!, p: 1, dkLen: 32, asyncTick: ASYNC_TICK_MS });
  const key = await crypto.subtle.importKey('raw', derived, 'AES-CTR', false, ['encrypt']);
  const signerKey = fromCanonicalBase64(hash.signerKey!, true)!;
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 128 }, key, signerKey));
}

// ---- strict integers: only the canonical spelling is accepted ----

function canonicalInteger(text: string | undefined): number | null {
  return text !== undefined && /^(0|[1-9]\d{0,8})$/.test(text) ? Number(text) : null;
}
