// The domain's own failures. Each names what went wrong in the contract's words
// (the message reaches API clients as is) and a kind; the HTTP edge maps kinds to
// statuses in one place (src/http/errors.ts), so the domain never speaks HTTP.
// Each failure also carries what the 1.x dialect says of it (contract §12.2): Appwrite
// 1.6's `type` and message (app/config/errors.php), declared beside the 0.6 message.
export type DomainErrorKind =
  | 'invalid' // the request's content breaks a rule
  | 'unauthenticated' // credentials missing, wrong, or of a blocked user
  | 'not-found'
  | 'conflict' // the thing exists already
  | 'busy' // the service refuses more work now; retrying later may succeed
  | 'unavailable'; // the project cannot take writes for a moment (a move's freeze); retry after the delay

/** A failure in the 1.x dialect's words: Appwrite 1.6's error type and its message. */
export interface Typed {
  type: string;
  message: string;
}

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  /** For 'busy' and 'unavailable': when a retry may succeed, in seconds. */
  readonly retryAfterSeconds?: number;
  readonly typed: Typed;

  constructor(kind: DomainErrorKind, message: string, typed: Typed, retryAfterSeconds?: number) {
    super(message);
    this.kind = kind;
    this.typed = typed;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The 1.x words of a parameter that breaks a rule (Appwrite's validator message). */
export const invalidArgument = (name: string, rule: string): Typed => ({ type: 'general_argument_invalid', message: `Invalid \`${name}\` param: ${rule}` });

export const userNotFound = () =>
  new DomainError('not-found', 'User not found', { type: 'user_not_found', message: 'User with the requested ID could not be found.' });
export const sessionNotFound = () =>
  new DomainError('not-found', 'Session not found', { type: 'user_session_not_found', message: 'The current user session could not be found.' });
/** `type`: create says user_already_exists whatever is taken; the edits name it (contract §12.3). */
export const alreadyRegistered = (type: 'user_already_exists' | 'user_email_already_exists' = 'user_already_exists') =>
  new DomainError('conflict', 'User already registered', {
    type,
    message:
      type === 'user_already_exists'
        ? 'A user with the same id, email, or phone already exists in this project.'
        : 'A user with the same email already exists in the current project.',
  });
export const phoneTaken = () =>
  new DomainError('conflict', 'User already registered', {
    type: 'user_phone_already_exists',
    message: 'A user with the same phone number already exists in the current project.',
  });
export const invalidCredentials = () =>
  new DomainError('unauthenticated', 'Invalid credentials', {
    type: 'user_invalid_credentials',
    message: 'Invalid credentials. Please check the email and password.',
  });
export const userBlocked = () =>
  new DomainError('unauthenticated', 'Invalid credentials. User is blocked', {
    type: 'user_blocked',
    message:
      'The current user has been blocked. You can unblock the user by making a request to the User API\'s "Update User Status" endpoint or in the Appwrite Console\'s Auth section.',
  });
export const noSession = () =>
  new DomainError('unauthenticated', 'Guest (role: guest) missing scope (account)', {
    type: 'general_unauthorized_scope',
    message: 'User (role: guests) missing scope (account)',
  });
/** A token (POST /users/{userId}/tokens) that is unknown, used or expired: one answer for all, so none is told apart. */
export const invalidToken = () =>
  new DomainError('unauthenticated', 'Invalid token', { type: 'user_invalid_token', message: 'Invalid token passed in the request.' });
/** An X-Appwrite-JWT that is malformed, tampered, expired, of another project, or whose session or user is gone. */
export const jwtInvalid = () =>
  new DomainError('unauthenticated', 'Invalid JWT', {
    type: 'user_jwt_invalid',
    message: 'The JWT token is invalid. Please check the value of the X-Appwrite-JWT header to ensure the correct token is being used.',
  });
/** A parameter whose value breaks a rule only the domain can check (as `Invalid <name>: <rule>`). */
export const invalidParam = (name: string, rule: string) => new DomainError('invalid', `Invalid ${name}: ${rule}`, invalidArgument(name, rule));
/** An unknown list cursor; upstream 1.6 names the id. */
export const cursorNotFound = (id: string) =>
  new DomainError('invalid', 'Invalid cursor: User not found', { type: 'general_cursor_not_found', message: `User '${id}' for the 'cursor' value not found.` });
/** A 1.x query the service does not support; the message names it. */
export const queryInvalid = (message: string) => new DomainError('invalid', message, { type: 'general_query_invalid', message });
export const tooBusy = (retryAfterSeconds?: number) =>
  new DomainError(
    'busy',
    'Too many requests',
    { type: 'general_rate_limit_exceeded', message: 'Rate limit for the current endpoint has been exceeded. Please try again after some time.' },
    retryAfterSeconds,
  );

/** Seconds a client waits before retrying a write refused by a move's freeze (which lasts about the directory caches' 30 s). */
export const FROZEN_RETRY_SECONDS = 5;
/** A write refused during a move's freeze (domain/moves.ts): nothing was written; the same request succeeds once it ends. */
export const projectMoving = () =>
  new DomainError(
    'unavailable',
    'The project is moving to another database; retry shortly',
    {
      type: 'general_service_unavailable',
      message: 'The project is being moved to another database and takes no writes for a few seconds. Please retry shortly.',
    },
    FROZEN_RETRY_SECONDS,
  );
