import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256HexNative } from '../../src/domain/crypto.ts';

describe('sha256HexNative', () => {
  it('gives the hashes sha256Hex stores (API keys are looked up by them)', async () => {
    for (const value of ['', 'abc', 'a'.repeat(512), 'clé-ünïcode-🔑']) expect(await sha256HexNative(value)).toBe(sha256Hex(value));
    // FIPS 180-2's "abc" vector.
    expect(await sha256HexNative('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
