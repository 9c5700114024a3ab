// Reads request bodies for POST/PATCH/PUT/DELETE. GET and HEAD bodies are never touched:
// node-appwrite sends `null` as a GET body and the runtime must not be asked to re-read it.
import { HttpError } from './errors.ts';

/** The largest body accepted; prefs, the biggest parameter, are capped at 64 KiB. */
export const MAX_BODY_BYTES = 128 * 1024;

export type Body = { kind: 'none' } | { kind: 'object'; value: Record<string, unknown> } | { kind: 'invalid' };

const tooLarge = () => new HttpError(413, 'Request body too large', { type: 'general_argument_invalid', message: 'Request body too large' });

export async function readBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<Body> {
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) return { kind: 'none' };
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > maxBytes) throw tooLarge();

  const text = await readCapped(request.body, maxBytes);
  if (text.trim() === '') return { kind: 'none' };

  const type = (request.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return { kind: 'object', value: Object.fromEntries(new URLSearchParams(text)) };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null) return { kind: 'none' };
    if (typeof value === 'object' && !Array.isArray(value)) return { kind: 'object', value: value as Record<string, unknown> };
  } catch {
    // Falls through: malformed JSON is reported once parameters are validated,
    // after the project and credentials checks, as the contract orders them.
  }
  return { kind: 'invalid' };
}

async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
