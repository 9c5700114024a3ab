// The domain's own failures. Each names what went wrong in the contract's words
// (the message reaches API clients as is) and a kind; the HTTP edge maps kinds to
// statuses in one place (src/http/errors.ts), so the domain never speaks HTTP.
export type DomainErrorKind =
  | 'invalid' // the request's content breaks a rule
  | 'unauthenticated' // credentials missing, wrong, or of a blocked user
  | 'not-found'
  | 'conflict' // the thing exists already
  | 'busy'; // the service refuses more work now; retrying later may succeed

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  /** For 'busy': when a retry may succeed, in seconds. */
  readonly retryAfterSeconds?: number;

  constructor(kind: DomainErrorKind, message: string, retryAfterSeconds?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const userNotFound = () => new DomainError('not-found', 'User not found');
export const sessionNotFound = () => new DomainError('not-found', 'Session not found');
export const alreadyRegistered = () => new DomainError('conflict', 'User already registered');
export const invalidCredentials = () => new DomainError('unauthenticated', 'Invalid credentials');
export const userBlocked = () => new DomainError('unauthenticated', 'Invalid credentials. User is blocked');
export const noSession = () => new DomainError('unauthenticated', 'Guest (role: guest) missing scope (account)');
/** A parameter whose value breaks a rule only the domain can check (as `Invalid <name>: <rule>`). */
export const invalidParam = (name: string, rule: string) => new DomainError('invalid', `Invalid ${name}: ${rule}`);
export const tooBusy = (retryAfterSeconds?: number) => new DomainError('busy', 'Too many requests', retryAfterSeconds);
