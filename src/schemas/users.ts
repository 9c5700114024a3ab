// Users API parameters and models (contract §3–4). Used both to validate requests
// and to describe them in the OpenAPI document.
import { z } from 'zod';
import { optional, required } from './params.ts';
import { integerInRange, text } from './common.ts';
import type { UserStatus } from '../domain/users.ts';

// PHP FILTER_VALIDATE_EMAIL in spirit: an ASCII dot-atom local part and a dotted domain.
const EMAIL =
  /^(?=.{3,254}$)(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Passwords are 6–32 bytes of UTF-8, as upstream's strlen() rule. */
const passwordBytes = (s: string) => new TextEncoder().encode(s).length;

export const listUsersParams = {
  search: optional(text(256, { allowNul: true }), 'Value must be a string and no longer than 256 chars', 'Search term to filter your list results.', ''),
  limit: optional(
    integerInRange(0, 100),
    'Value must be in range between 0 and 100',
    'Results limit value. By default will return maximum 25 results. Maximum of 100 results allowed per request.',
    25,
  ),
  offset: optional(
    integerInRange(0, 2000),
    'Value must be in range between 0 and 2,000',
    'Results offset. The default value is 0. Use this param to manage pagination.',
    0,
  ),
  orderType: optional(z.enum(['ASC', 'DESC']), 'Value must be one of (ASC, DESC)', 'Order result by ASC or DESC order.', 'ASC' as 'ASC' | 'DESC'),
  cursor: optional(
    text(256, { allowNul: true }),
    'Value must be a string and no longer than 256 chars',
    "A user's $id: the page holds the users after (or before, see cursorDirection) that user in the list's order; `offset` skips further away from it. An unknown user is 400 `Invalid cursor: User not found`.",
    '',
  ),
  cursorDirection: optional(
    z.enum(['after', 'before']),
    'Value must be one of (after, before)',
    'Page after the cursor (default) or the `limit` users just before it, still in list order.',
    'after' as 'after' | 'before',
  ),
};

const email = required(z.string().regex(EMAIL).meta({ format: 'email' }), 'Value must be a valid email address', 'User account email.');
const password = required(
  z
    .string()
    .refine((s) => s.isWellFormed() && passwordBytes(s) >= 6 && passwordBytes(s) <= 32)
    .meta({ minLength: 6, maxLength: 32 }),
  'Password must be between 6 and 32 chars and contain ...',
  'User account password. Must be between 6 to 32 chars.',
);
const NAME_RULE = 'Value must be a string and no longer than 100 chars';

export const createUserParams = {
  email,
  password,
  name: optional(text(100), NAME_RULE, 'User account name.', ''),
};

// Contract §9.1: Appwrite 1.x paths and parameter names.
export const updateNameParams = {
  // Required, yet "" is a name: it clears the name.
  name: required(text(100), NAME_RULE, 'User name. Max length: 100 chars; an empty string clears it.', { emptyAllowed: true }),
};
export const updateEmailParams = { email };
export const updatePasswordParams = { password };
export const updateVerificationParams = {
  emailVerification: required(
    z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).meta({ type: 'boolean' }),
    'Value must be a valid boolean',
    'User email verification status: true or false (also as the strings "true", "false").',
  ),
};

/** Deepest prefs nesting accepted; SQLite's JSON functions stop at 1000. */
export const PREFS_MAX_DEPTH = 64;

/**
 * A prefs object, of at most `maxBytes` as JSON if given. One predicate, so that the size
 * is measured only once the value is known storable: JSON.stringify of deeper nesting
 * throws a RangeError (a 500), and whether zod runs a chained refinement after a failed
 * check is its default, not a promise.
 */
export const prefsObject = (maxBytes?: number) =>
  // z.custom keeps the parsed object as is: rebuilding it would turn a "__proto__" key into a prototype.
  z
    .custom<Record<string, unknown>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && storable(v) && (maxBytes === undefined || jsonBytes(v) <= maxBytes),
    )
    .meta({ type: 'object', additionalProperties: true });

export const updatePrefsParams = {
  prefs: required(prefsObject(), 'Value must be a valid object.', 'Prefs key-value JSON object.'),
};

// Upstream accepted anything loosely equal to 0/1/2; we accept exactly these (deviation, contract §6).
export const updateStatusParams = {
  status: required(
    z.union([z.literal([0, 1, 2]), z.enum(['0', '1', '2']).transform((v) => Number(v) as UserStatus)]).meta({ type: 'integer', enum: [0, 1, 2] }),
    'Value must be one of (1, 2, 0)',
    'User Status code. To activate the user pass 1, to blocking the user pass 2 and for disabling the user pass 0',
  ),
};

/**
 * Nested at most PREFS_MAX_DEPTH deep, and every key and string well-formed: a lone
 * surrogate ("\ud800" in the JSON) cannot be stored as UTF-8 and would come back altered.
 */
function storable(value: object): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, level] = stack.pop()!;
    if (typeof node === 'string' && !node.isWellFormed()) return false;
    if (node === null || typeof node !== 'object') continue;
    if (level > PREFS_MAX_DEPTH) return false;
    for (const [key, child] of Object.entries(node)) {
      if (!key.isWellFormed()) return false;
      stack.push([child, level + 1]);
    }
  }
  return true;
}

function jsonBytes(value: object): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

const user = {
  $id: z.string(),
  email: z.string(),
  emailVerification: z.boolean(),
  status: z.literal([0, 1, 2]),
  registration: z.int().meta({ description: 'Unix timestamp (seconds).' }),
  name: z.string(),
};

export const userModel = z.object({ ...user, roles: z.array(z.string()) }).meta({ id: 'User' });
export const userListItemModel = z.object(user).meta({ id: 'UserListItem' });
export const userListModel = z.object({ sum: z.int(), users: z.array(userListItemModel) }).meta({ id: 'UserList' });
export const prefsModel = z.record(z.string(), z.unknown()).meta({ id: 'Prefs' });

export const listLogsParams = {
  // Unlike GET /v1/users (limit 0 gives the sum alone), a page of logs has no use for 0 (contract §4).
  limit: optional(integerInRange(1, 100), 'Value must be in range between 1 and 100', 'Maximum number of entries, newest first (upstream: 10).', 10),
  offset: optional(integerInRange(0, 2000), 'Value must be in range between 0 and 2,000', 'Entries to skip, for paging through the history.', 0),
};
