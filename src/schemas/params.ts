// How an endpoint declares a parameter: its zod schema, the rule in Appwrite's words
// (shown as `Invalid <name>: <rule>`), a description, and for optional parameters the
// value used when it is missing. src/http/params.ts validates requests with these;
// src/openapi/ describes them.
import type { z } from 'zod';
import { invalidArgument, type Typed } from '../domain/errors.ts';

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

/** A failure carries its 0.6 message and its 1.x words. */
export type Checked<T> = { ok: true; values: T } | { ok: false; message: string; typed: Typed };

/**
 * Checks `source` against `spec` in Appwrite's words and order: missing/empty →
 * `Param "x" is not optional.`, then the schema → `Invalid x: <rule>`, parameter by
 * parameter in declaration order. Requests (src/http/params.ts) and the records of a
 * bulk import (src/schemas/imports.ts) are checked alike.
 */
export function checkParams<S extends ParamSpec>(spec: S, source: Record<string, unknown>): Checked<ParamValues<S>> {
  const values: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(spec)) {
    const raw = Object.hasOwn(source, name) ? source[name] : undefined;
    if (raw === undefined || raw === null || (raw === '' && !param.emptyAllowed)) {
      if (!param.fallback) {
        const message = `Param "${name}" is not optional.`;
        return { ok: false, message, typed: { type: 'general_argument_invalid', message } };
      }
      values[name] = param.fallback.value;
      continue;
    }
    const parsed = param.schema.safeParse(raw);
    if (!parsed.success) return { ok: false, message: `Invalid ${name}: ${param.rule}`, typed: invalidArgument(name, param.rule) };
    values[name] = parsed.data;
  }
  return { ok: true, values: values as ParamValues<S> };
}
