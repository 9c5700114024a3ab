// zod → JSON Schema 2020-12 (the schema dialect of OpenAPI 3.1) with zod 4's own
// converter, so the document needs no converter library in the bundle.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

const options = {
  target: 'draft-2020-12',
  // z.custom and the like have no JSON form: any value, unless their .meta() says more.
  unrepresentable: 'any',
  override: applyTypeMeta,
} as const;

/**
 * A `.meta({ type, … })` states the wire format of a schema whose zod form does not
 * (a transform, a pipe, z.custom), so it replaces what zod generated instead of being
 * merged into it: `limit` is an integer, not "an integer and also anyOf number|digits".
 */
function applyTypeMeta({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void {
  const meta = z.globalRegistry.get(zodSchema);
  if (!meta?.type) return;
  for (const key of Object.keys(jsonSchema)) if (!(key in meta)) delete jsonSchema[key];
}

/** A registry of models with ids: zod's global one (0.6), or the 1.x one (schemas/dialect.ts). */
export type Models = z.core.$ZodRegistry<{ id?: string }>;

/** Every schema with an id in the registry, by id; they refer to one another as `#/components/schemas/<id>`. */
export function componentSchemas(models: Models = z.globalRegistry): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(models, { ...options, io: 'output', uri: (id) => COMPONENTS + id });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutDialect(schema)]));
}

/** A reference to the component of a schema with an id, else the schema itself. */
export function schemaOf(schema: z.ZodType, io: 'input' | 'output', models: Models = z.globalRegistry): JsonSchema {
  const id = models.get(schema)?.id;
  return id ? { $ref: COMPONENTS + id } : withoutDialect(z.toJSONSchema(schema, { ...options, io }));
}

/** The document's dialect applies; a component's own `$id` would be a fragment, which 2020-12 forbids. */
function withoutDialect({ $schema: _, $id: __, ...schema }: JsonSchema): JsonSchema {
  return schema;
}
