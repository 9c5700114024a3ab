// Webhook signing secrets at rest: "v1.<iv>.<ciphertext>" (base64), AES-256-GCM under the
// WEBHOOK_SECRET_KEY Worker secret, bound to the webhook id.
import { fromBase64, toBase64 } from './base64.ts';

/** A new WEBHOOK_SECRET_KEY value: 32 random bytes, base64. */
export function newSecretKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

const keys = new Map<string, Promise<CryptoKey>>();
function aesKey(secretKey: string): Promise<CryptoKey> {
  let key = keys.get(secretKey);
  if (!key) {
    const raw = fromBase64(secretKey);
    if (raw.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes, base64-encoded');
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(secretKey, key);
  }
  return key;
}

export async function encryptSecret(secret: string, secretKey: string, webhookId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params = { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(webhookId) };
  const sealed = await crypto.subtle.encrypt(params, await aesKey(secretKey), new TextEncoder().encode(secret));
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** The stored secret does not open with this WEBHOOK_SECRET_KEY (the key was changed, or the row altered). */
export class UndecryptableSecret extends Error {}

/** A malformed WEBHOOK_SECRET_KEY throws a plain Error (the deployment's to fix); a secret it cannot open, UndecryptableSecret. */
export async function decryptSecret(stored: string, secretKey: string, webhookId: string): Promise<string> {
  const key = await aesKey(secretKey);
  try {
    const [version, iv, sealed] = stored.split('.');
    if (version !== 'v1' || !iv || !sealed) throw new Error('unknown webhook secret format');
    const params = { name: 'AES-GCM', iv: fromBase64(iv), additionalData: new TextEncoder().encode(webhookId) };
    return new TextDecoder().decode(await crypto.subtle.decrypt(params, key, fromBase64(sealed)));
  } catch (err) {
    throw new UndecryptableSecret(err instanceof Error ? err.message : String(err));
  }
}
