// How an endpoint declares a parameter: its zod schema, the rule in Appwrite's words
// (shown as `Invalid <name>: <rule>`), a description, and for optional parameters the
// value used when it is missing. src/http/params.ts validates requests with these;
// src/openapi/ describes them.
import type { z } from 'zod';

export interface Param<T = unknown> {
  schema: z.ZodType<T, unknown>;
  /** The rule in words, as shown after `Invalid <name>: `. */
  rule: string;
  description: string;
  /** Present for optional parameters: the value used when missing, null or "". */
  fallback?: { value: T };
  /** A required parameter for which "" is a value, not a missing one (a name may be cleared). */
  emptyAllowed?: true;
}

export type ParamSpec = Record<string, Param<any>>;
export type ParamValues<S extends ParamSpec> = { [K in keyof S]: S[K] extends Param<infer T> ? T : never };

export function required<T>(schema: z.ZodType<T, unknown>, rule: string, description: string, options: { emptyAllowed?: true } = {}): Param<T> {
  return { schema, rule, description, ...options };
}

export function optional<T>(schema: z.ZodType<T, unknown>, rule: string, description: string, value: T): Param<T> {
  return { schema, rule, description, fallback: { value } };
}
