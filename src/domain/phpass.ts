// phpass "portable" hashes (openwall.com/phpass), as WordPress ($P$) and phpBB 3 ($H$)
// store them: MD5 of salt‖password, then 2^count rounds of MD5(digest‖password), in
// phpass's own base64. Written here because npm has no well-kept package for it.
// Callers validate the setting (src/domain/password-formats.ts) before hashing.
import { md5 } from '@noble/hashes/legacy.js';

/** phpass's alphabet (not bcrypt's: digits come first). */
const PHPASS_ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** log2 of the MD5 rounds: the character after `$P$`. */
export function phpassCountLog2(setting: string): number {
  return PHPASS_ITOA64.indexOf(setting.charAt(3));
}

/** The full 34-character hash of `password` with the prefix, count and salt of `setting`. */
export function phpassHash(password: string, setting: string): string {
  const text = new TextEncoder();
  const pw = text.encode(password);
  const block = new Uint8Array(16 + pw.length);
  block.set(pw, 16);
  let digest = md5(concat(text.encode(setting.slice(4, 12)), pw));
  for (let i = 2 ** phpassCountLog2(setting); i > 0; i--) {
    block.set(digest);
    digest = md5(block);
  }
  return setting.slice(0, 12) + encode64(digest);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// phpass's encode64: little-endian groups of 3 bytes, 6 bits per character.
function encode64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const value = bytes[i]! | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16);
    const chars = Math.min(4, bytes.length - i + 1);
    for (let c = 0; c < chars; c++) out += PHPASS_ITOA64[(value >> (6 * c)) & 0x3f];
  }
  return out;
}
