// The console's only way to the service: the public API on this origin, in the 1.x dialect
// (contract §12), authenticated by the operator's API key, so the console can do nothing the
// key cannot. The key lives in sessionStorage (gone when the tab closes; never a cookie,
// never localStorage).
const STORAGE_KEY = 'edge-users-console';
const API = '/v1';
const RESPONSE_FORMAT = '1.6.0';

export interface Credentials {
  project: string;
  key: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The 1.x error's `type` (contract §12.2): what the console branches on. */
    readonly type = '',
  ) {
    super(message);
  }
}

export function credentials(): Credentials | null {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  return saved ? (JSON.parse(saved) as Credentials) : null;
}

export function signIn(value: Credentials): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  bookmark = null;
}

/** Called when the API refuses the key or the project: the app shows the key form again. */
let onRejected: (message: string) => void = () => {};
export function whenRejected(handler: (message: string) => void): void {
  onRejected = handler;
}

// Contract §11: the newest X-D1-Bookmark seen goes back with every request, so the
// console reads its own writes even when a read replica answers.
let bookmark: string | null = null;

/** A list is sent as the SDKs send `queries[]`: `name[0]=…&name[1]=…`. */
type Query = Record<string, string | number | string[] | undefined>;

export async function api<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const saved = credentials();
  if (!saved) throw rejected('Enter a project ID and an API key.', '');
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (Array.isArray(value)) value.forEach((item, index) => url.searchParams.set(`${name}[${index}]`, item));
    else if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = {
    'X-Appwrite-Project': saved.project,
    'X-Appwrite-Key': saved.key,
    'X-Appwrite-Response-Format': RESPONSE_FORMAT,
  };
  if (bookmark) headers['X-D1-Bookmark'] = bookmark;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The API could not be reached. Check the connection and try again.');
  }
  bookmark = response.headers.get('X-D1-Bookmark') ?? bookmark;
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `The API answered ${response.status} without a readable body.`);
  }
  if (response.ok) return json as T;
  const { message, type } = errorOf(json, response.status);
  // An unknown or revoked key, or a project that does not exist: back to the key form. A
  // valid key that lacks a scope (role: applications) keeps the console open for what it may do.
  const keyRefused = response.status === 401 && !message.includes('(role: applications)');
  if (keyRefused || type === 'project_not_found') throw rejected(message, type);
  throw new ApiError(response.status, message, type);
}

function errorOf(json: unknown, status: number): { message: string; type: string } {
  const { message, type } = (typeof json === 'object' && json !== null ? json : {}) as { message?: unknown; type?: unknown };
  return { message: typeof message === 'string' ? message : `The API answered ${status}.`, type: typeof type === 'string' ? type : '' };
}

/** An error already shown on the key form (the operator was signed out by it). */
export class SignedOut extends ApiError {}

function rejected(message: string, type: string): ApiError {
  signOut();
  onRejected(message);
  return new SignedOut(401, message, type);
}
