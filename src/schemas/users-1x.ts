// Users API parameters of the 1.x dialect (contract §12.3), with Appwrite 1.6's rules
// and their words (its validators' descriptions).
import { z } from 'zod';
import { common as importParams } from './imports.ts';
import { optional, required } from './params.ts';
import { LABELS_RULE, PHONE_RULE, labelsSchema, phoneSchema, text } from './common.ts';
import { createUserParams, prefsObject } from './users.ts';

/** A boolean as JSON, or from a query string as "true"/"false" (also "1"/"0", as PHP's filter). */
export const booleanValue = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]).meta({ type: 'boolean' });
const BOOLEAN_RULE = 'Value must be a valid boolean';

const phone = phoneSchema;

const password = z
  .string()
  .refine((s) => s.isWellFormed() && [...s].length >= 8 && [...s].length <= 256)
  .meta({ minLength: 8, maxLength: 256 });
const PASSWORD_RULE = 'Password must be between 8 and 256 characters long.';
const NAME_RULE = 'Value must be a valid string and at least 1 chars and no longer than 128 chars';

export const createUserParams1x = {
  userId: importParams.userId,
  email: optional(createUserParams.email.schema, createUserParams.email.rule, 'User email.', ''),
  phone: optional(phone, PHONE_RULE, 'Phone number. Format this number with a leading `+` and a country code, e.g. +16175551212.', ''),
  password: optional(password, PASSWORD_RULE, 'Plain text user password. Must be at least 8 chars.', ''),
  name: optional(text(128), NAME_RULE, 'User name. Max length: 128 chars.', ''),
};

export const updateNameParams1x = {
  name: required(text(128), NAME_RULE, 'User name. Max length: 128 chars.', { emptyAllowed: true }),
};
export const updatePasswordParams1x = { password: required(password, PASSWORD_RULE, 'New user password. Must be at least 8 chars.') };
export const updatePhoneParams1x = {
  // "" removes the phone (upstream).
  number: required(z.union([z.literal(''), phone]), PHONE_RULE, 'User phone number, or "" to remove it.', { emptyAllowed: true }),
};
export const updateStatusParams1x = {
  status: required(booleanValue, BOOLEAN_RULE, 'User Status. To activate the user pass `true` and to block the user pass `false`.'),
};
export const updatePhoneVerificationParams1x = {
  phoneVerification: required(booleanValue, BOOLEAN_RULE, 'User phone verification status.'),
};
export const updatePrefsParams1x = {
  prefs: required(prefsObject(64 * 1024), 'Value must be a valid object.', 'Prefs key-value JSON object (replaces the stored prefs).'),
};

export const updateLabelsParams1x = {
  labels: required(
    labelsSchema,
    LABELS_RULE,
    'Array of user labels. Replaces the previous labels. Maximum of 1000 labels are allowed, each up to 36 alphanumeric characters long.',
    { emptyAllowed: true },
  ),
};

/** `total`: count the matches (default) or not (`total` is then 0). */
export const totalParam = optional(booleanValue, BOOLEAN_RULE, 'When set to false, the total count returned will be 0 and will not be calculated.', true);
