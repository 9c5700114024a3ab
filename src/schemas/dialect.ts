// The two dialects the service speaks (contract §12.1): 0.6 (no X-Appwrite-Response-Format)
// and 1.x. A model is declared once per dialect, as a zod schema and the function that
// renders a domain record in it: the routes render with it and the OpenAPI documents
// describe its schema, and the domain never knows which dialect asked.
import { z } from 'zod';

export type Dialect = '0.6' | '1.x';

/** What rendering may depend on besides the record: the request's language (country names). */
export interface RenderContext {
  locale: string;
}

export interface Shape<R> {
  schema: z.ZodType;
  render(record: R, context: RenderContext): unknown;
}

/** A model in both dialects. */
export type Model<R> = Record<Dialect, Shape<R>>;

/**
 * The 1.x models with an id, by the names upstream gives them (User, Session, …): a
 * registry of their own, since the 0.6 models hold the same names in zod's global one.
 * Each dialect's OpenAPI document takes its components from its registry.
 */
export const models1x = z.registry<{ id: string; description?: string }>();

/** The 1.x error body (contract §12.2). */
export const error1xModel = z
  .object({
    message: z.string(),
    code: z.int(),
    type: z.string().meta({ description: "Appwrite 1.6's error type, e.g. user_not_found." }),
    version: z.string(),
  })
  .register(models1x, { id: 'Error' });
