// Bringing users in and taking them out (contract §9.2–9.3): the import routes'
// parameters, the bulk-import record (checked here for the bulk route and the admin
// CLI alike) and the export page. Whether a hash is well-formed for its algorithm is
// the domain's rule (src/domain/password-formats.ts).
import { z } from 'zod';
import { invalidArgument } from '../domain/errors.ts';
import { HASH_ALGORITHMS, SHA_VERSIONS, type ShaVersion } from '../domain/password-formats.ts';
import { checkParams, optional, required, type Checked, type ParamValues } from './params.ts';
import { LABELS_RULE, PHONE_RULE, integerInRange, labelsSchema, phoneSchema, text } from './common.ts';
import { createUserParams, prefsObject, userListItemModel } from './users.ts';

/** Appwrite's custom ids, minus the words that name routes beside /users/{userId}. */
const CUSTOM_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$/;
const RESERVED_IDS = new Set(['export', 'import', 'usage']);
export const GENERATED_ID = 'unique()';

/** A custom id, or null for `unique()` (the service generates one). */
const userIdSchema = z
  .string()
  .refine((id) => id === GENERATED_ID || (CUSTOM_ID.test(id) && !RESERVED_IDS.has(id)))
  .transform((id) => (id === GENERATED_ID ? null : id))
  .meta({ type: 'string', maxLength: 36 });
const USER_ID_RULE =
  'Value must be unique() or 1 to 36 chars of a-z, A-Z, 0-9, period, hyphen and underscore, not starting with a special char, and not export, import or usage';
const USER_ID_DESCRIPTION = 'User ID: `unique()` for a generated one, or a custom ID (1–36 chars of a-z, A-Z, 0-9, `.`, `-`, `_`).';

/** The hash as given (a string; its form is checked against the algorithm). */
const hashString = z
  .string()
  .refine((s) => s.isWellFormed() && s.length <= 1024)
  .meta({ maxLength: 1024 });
const HASH_RULE = 'Value must be a string of at most 1024 chars';

export const common = {
  userId: required(userIdSchema, USER_ID_RULE, USER_ID_DESCRIPTION),
  email: createUserParams.email,
  password: required(hashString, HASH_RULE, 'The password hash, in the form the route names.'),
  name: createUserParams.name,
};

const positive = (description: string) => required(integerInRange(1, 1 << 30), 'Value must be in range between 1 and 1073741824', description);
const saltString = (description: string) =>
  required(
    z
      .string()
      .refine((s) => s.isWellFormed() && s.length <= 256)
      .meta({ maxLength: 256 }),
    'Value must be a string of at most 256 chars',
    description,
  );

export const importBcryptParams = common;
export const importArgon2Params = common;
export const importMd5Params = common;
export const importPhpassParams = common;
export const importShaParams = {
  ...common,
  passwordVersion: optional(
    z.enum(SHA_VERSIONS as [ShaVersion, ...ShaVersion[]]),
    `Value must be one of (${SHA_VERSIONS.join(', ')})`,
    'SHA version of the digest.',
    'sha3-512' as ShaVersion,
  ),
};
export const importScryptParams = {
  ...common,
  passwordSalt: saltString('The salt, as a UTF-8 string.'),
  passwordCpu: positive('CPU/memory cost N (a power of two).'),
  passwordMemory: positive('Block size r.'),
  passwordParallel: positive('Parallelization p.'),
  passwordLength: positive('Length of the derived key, in bytes.'),
};
export const importScryptModifiedParams = {
  ...common,
  passwordSalt: saltString("The user's salt (base64), from Firebase's `auth:export`."),
  passwordSaltSeparator: saltString("The project's salt separator (base64), from the Firebase console."),
  passwordSignerKey: saltString("The project's signer key (base64), from the Firebase console."),
};

/** The record's `hash` as declared; its content is checked by the domain, which names the broken rule. */
const hashModel = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v))
  .meta({
    type: 'object',
    required: ['algorithm', 'value'],
    properties: {
      algorithm: { enum: [...HASH_ALGORITHMS] },
      value: { type: 'string' },
      salt: { type: 'string' },
      saltSeparator: { type: 'string' },
      signerKey: { type: 'string' },
      rounds: { type: 'integer' },
      memCost: { type: 'integer' },
      cpu: { type: 'integer' },
      memory: { type: 'integer' },
      parallel: { type: 'integer' },
      length: { type: 'integer' },
      version: { enum: [...SHA_VERSIONS] },
    },
    description: 'A password hash made elsewhere (the forms of the import routes); absent: the user cannot sign in until a password is set.',
  });

const PREFS_MAX_BYTES = 64 * 1024;
/** Latest registration accepted: 2100-01-01 (seq = second × 2^21 must stay a safe integer). */
export const MAX_REGISTRATION = 4_102_444_800;

/** One bulk-import record (contract §9.2); the export writes the same shape. */
export const importRecordSpec = {
  userId: optional(userIdSchema, USER_ID_RULE, USER_ID_DESCRIPTION, null as string | null),
  // Required unless the record has a phone (checkImportRecord).
  email: optional(createUserParams.email.schema, createUserParams.email.rule, 'User account email; may be left out when `phone` is given.', ''),
  name: createUserParams.name,
  phone: optional(phoneSchema, PHONE_RULE, 'E.164 phone number, unique per project.', ''),
  phoneVerification: optional(z.boolean(), 'Value must be a boolean', 'Whether the phone is verified.', false),
  labels: optional(labelsSchema, LABELS_RULE, 'Labels.', [] as string[]),
  emailVerification: optional(z.boolean(), 'Value must be a boolean', 'Whether the email is verified.', false),
  status: optional(
    z.literal([0, 1, 2]).meta({ type: 'integer', enum: [0, 1, 2] }),
    'Value must be one of (0, 1, 2)',
    '0 unactivated, 1 activated, 2 blocked.',
    0 as 0 | 1 | 2,
  ),
  registration: optional(
    z.int().min(0).max(MAX_REGISTRATION) as z.ZodType<number | null, unknown>,
    `Value must be an integer unix timestamp (seconds) between 0 and ${MAX_REGISTRATION}`,
    'Unix seconds; default: now.',
    null,
  ),
  prefs: optional(prefsObject(PREFS_MAX_BYTES), 'Value must be a valid object of at most 64 KiB as JSON', 'Preferences.', {} as Record<string, unknown>),
  hash: optional(hashModel as z.ZodType<Record<string, unknown> | null, unknown>, 'Value must be an object', 'The password hash.', null),
};
export type ImportRecordValues = ParamValues<typeof importRecordSpec>;

/** Checks one record of a bulk import; the message names the first broken rule. */
export function checkImportRecord(raw: unknown): Checked<ImportRecordValues> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, message: 'Invalid record: Value must be an object', typed: invalidArgument('record', 'Value must be an object') };
  const checked = checkParams(importRecordSpec, raw as Record<string, unknown>);
  if (checked.ok && checked.values.email === '' && checked.values.phone === '') {
    const message = 'Param "email" is not optional.';
    return { ok: false, message, typed: { type: 'general_argument_invalid', message } };
  }
  return checked;
}

export const MAX_IMPORT_RECORDS = 1000;
/** A bulk request's body may exceed the usual 128 KiB: 1000 records with some prefs. */
export const IMPORT_MAX_BODY_BYTES = 4 * 1024 * 1024;

const recordModel = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string(),
    emailVerification: z.boolean(),
    status: z.literal([0, 1, 2]),
    registration: z.int(),
    prefs: z.record(z.string(), z.unknown()),
    hash: z.optional(z.record(z.string(), z.unknown())),
    // Written only when set, so that a project without them exports as before.
    phone: z.optional(z.string()),
    phoneVerification: z.optional(z.boolean()),
    labels: z.optional(z.array(z.string())),
  })
  .meta({ id: 'ImportRecord' });

export const bulkImportParams = {
  users: required(
    z
      .array(z.unknown())
      .max(MAX_IMPORT_RECORDS)
      .meta({ items: { $ref: '#/components/schemas/ImportRecord' } }) as z.ZodType<unknown[], unknown>,
    `Value must be an array of at most ${MAX_IMPORT_RECORDS} records`,
    'The users to create; each record is checked on its own.',
  ),
};

export const bulkImportModel = z
  .object({
    sum: z.int().meta({ description: 'Users created.' }),
    users: z.array(userListItemModel),
    errors: z.array(z.object({ index: z.int(), code: z.int(), message: z.string() })),
  })
  .meta({ id: 'ImportResult' });

export const exportUsersParams = {
  cursor: optional(
    text(64),
    "Value must be the cursor of a previous page of this project's export",
    "The previous page's `cursor`, as given (opaque; it outlives the deletion of any user); absent: from the start.",
    '',
  ),
  limit: optional(
    integerInRange(1, 1000),
    'Value must be in range between 1 and 1000',
    'Records per page at most (default 1000); a page stops earlier at about 4 MiB.',
    1000,
  ),
};

export const exportPageModel = z
  .object({
    records: z.array(recordModel),
    cursor: z.string().nullable().meta({ description: 'Where the next page starts (pass it as `cursor`); null at the end.' }),
  })
  .meta({ id: 'ExportPage' });
