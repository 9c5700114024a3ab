// Building blocks shared by the endpoint schemas.
import { z } from 'zod';

/**
 * A well-formed string (no lone surrogates, no NUL unless `allowNul`) of at most `max`
 * code points, like PHP mb_strlen. NUL is refused in what gets stored; a value that is
 * only read (a search term) may hold one, as upstream accepted it.
 */
export const text = (max: number, { allowNul = false }: { allowNul?: boolean } = {}) =>
  z
    .string()
    .refine((s) => s.isWellFormed() && (allowNul || !s.includes('\0')) && codePoints(s) <= max)
    .meta({ maxLength: max });

/** An integer given as a JSON number or, from a query string, as digits. */
export const integerInRange = (min: number, max: number) =>
  z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d{1,9}$/)
        .transform(Number),
    ])
    .pipe(z.int().min(min).max(max))
    .meta({ type: 'integer', minimum: min, maximum: max });

function codePoints(s: string): number {
  let count = 0;
  for (const _ of s) count++;
  return count;
}

/** The path parameters, by the names the routes give them ('/users/:userId'). Any string is accepted. */
export const pathParams: Record<string, z.ZodType> = {
  userId: z.string().meta({ description: 'User unique ID.' }),
  sessionId: z.string().meta({ description: 'Session unique ID. On the Account API, `current` stands for the session in use.' }),
};

export const errorModel = z
  .object({
    message: z.string(),
    code: z.int(),
    version: z.string(),
  })
  .meta({ id: 'Error' });

export const successModel = z.object({ result: z.literal('success') }).meta({ id: 'Success' });

/** E.164: a `+`, then at most fifteen digits (upstream's Phone validator). */
export const PHONE = /^\+[1-9]\d{6,14}$/;
export const phoneSchema = z.string().regex(PHONE).meta({ pattern: PHONE.source });
export const PHONE_RULE = "Phone number must start with a '+' can have a maximum of fifteen digits.";

/** A user's labels: at most 1000 of 1–36 `a-zA-Z0-9` (upstream). */
export const MAX_LABELS = 1000;
export const labelsSchema = z
  .array(z.string().regex(/^[a-zA-Z0-9]{1,36}$/))
  .max(MAX_LABELS)
  .meta({ maxItems: MAX_LABELS });
export const LABELS_RULE = `Value must a valid array no longer than ${MAX_LABELS} items and Value must be a valid string containing only alphanumeric chars and no longer than 36 chars`;
