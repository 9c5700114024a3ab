// Parameter validation in Appwrite's words, from the declarations in src/schemas/.
// Order follows upstream: missing/empty → `Param "x" is not optional.` ("" counts as
// missing unless the parameter declares it a value), then the
// schema → `Invalid x: <rule>`, parameter by parameter in declaration order.
import type { ParamSpec, ParamValues } from '../schemas/params.ts';
import { badRequest } from './errors.ts';

export function validateParams<S extends ParamSpec>(spec: S, source: Record<string, unknown>): ParamValues<S> {
  const values: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(spec)) {
    const raw = Object.hasOwn(source, name) ? source[name] : undefined;
    if (raw === undefined || raw === null || (raw === '' && !param.emptyAllowed)) {
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
