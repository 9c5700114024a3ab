// Parameter validation in Appwrite's words, from the declarations in src/schemas/
// (the checks themselves: checkParams in src/schemas/params.ts).
import { checkParams, type ParamSpec, type ParamValues } from '../schemas/params.ts';
import { badRequest } from './errors.ts';

export function validateParams<S extends ParamSpec>(spec: S, source: Record<string, unknown>): ParamValues<S> {
  const checked = checkParams(spec, source);
  if (!checked.ok) throw badRequest(checked.message, checked.typed);
  return checked.values;
}
