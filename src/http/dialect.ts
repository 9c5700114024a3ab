// Which dialect a request speaks (contract §12.1): no X-Appwrite-Response-Format is 0.6,
// a version 1.5.0 or later is 1.x; anything else is a 400, in the 1.x format (the header
// says the client expects it).
import type { Dialect } from '../schemas/dialect.ts';
import { badRequest, type HttpError } from './errors.ts';

export const RESPONSE_FORMAT_HEADER = 'X-Appwrite-Response-Format';

const VERSION = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/;
const OLDEST_1X = [1, 5, 0];

const MESSAGE =
  'Invalid X-Appwrite-Response-Format: this service speaks the 0.6 dialect (send no X-Appwrite-Response-Format header) and the 1.x dialect (a version 1.5.0 or later, e.g. 1.6.0)';

export type Chosen = { dialect: Dialect; error?: undefined } | { dialect: '1.x'; error: HttpError };

export function chooseDialect(request: Request): Chosen {
  const header = request.headers.get(RESPONSE_FORMAT_HEADER);
  if (header === null) return { dialect: '0.6' };
  const parts = VERSION.exec(header.trim())?.slice(1).map(Number);
  if (parts && !isOlder(parts, OLDEST_1X)) return { dialect: '1.x' };
  return { dialect: '1.x', error: badRequest(MESSAGE) };
}

function isOlder(version: number[], than: number[]): boolean {
  for (let i = 0; i < than.length; i++) if (version[i] !== than[i]) return version[i]! < than[i]!;
  return false;
}
