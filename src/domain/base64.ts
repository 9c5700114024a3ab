// Standard base64 (RFC 4648 §4), as the stored formats here spell it: with `=` padding,
// or without it where PHC strings and some imported hashes drop it.

export function toBase64(bytes: Uint8Array, padded = true): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  const text = btoa(binary);
  return padded ? text : text.replace(/=+$/, '');
}

/** Decodes padded or unpadded base64; throws on anything else. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** The bytes only if `text` is their canonical spelling (padded or not, as asked), else null: imported hashes are compared as given. */
export function fromCanonicalBase64(text: string, padded: boolean): Uint8Array<ArrayBuffer> | null {
  if (!(padded ? /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ : /^[A-Za-z0-9+/]*$/).test(text)) return null;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64(text);
  } catch {
    return null;
  }
  return toBase64(bytes, padded) === text ? bytes : null;
}
