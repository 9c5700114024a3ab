// Parameter validation in Appwrite's words. Each endpoint declares its parameters as
// zod schemas (src/schemas/); the same declarations produce the OpenAPI document.
// Order follows upstream: missing/empty → `Param "x" is not optional.`, then the
// schema → `Invalid x: <rule>`, parameter by parameter in declaration order.
import type { z } from 'zod';
import { badRequest } from './errors.ts';

export interface Param<T = unknown> {
  schema: z.ZodType<T, unknown>;
  /** The rule in words, as shown after `Invalid <name>: `. */
  rule: string;
  description: string;
  /** Present for optional parameters: the value used when missing, null or "". */
  fallback?: { value: T };
}

export type ParamSpec = Record<string, Param<any>>;
export type ParamValues<S extends ParamSpec> = { [K in keyof S]: S[K] extends Param<infer T> ? T : never };

export function required<T>(schema: z.ZodType<T, unknown>, rule: string, description: string): Param<T> {
  return { schema, rule, description };
}

export function optional<T>(schema: z.ZodType<T, unknown>, rule: string, description: string, value: T): Param<T> {
  return { schema, rule, description, fallback: { value } };
}

export function validateParams<S extends ParamSpec>(spec: S, source: Record<string, unknown>): ParamValues<S> {
  const values: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(spec)) {
    const raw = Object.hasOwn(source, name) ? source[name] : undefined;
    if (raw === undefined || raw === null || raw === '') {
      if (!param.fallback) throw badRequest(`Param "${name}" is not optional.`);
      values[name] = param.fallback.value;
      continue;
    }
    const parsed = param.schema.safeParse(raw);
    if (!parsed.success) throw badRequest(`Invalid ${name}: ${param.rule}`);
    values[name] = parsed.data;
  }
  return values as ParamValues<S>;
}
