// The served OpenAPI document as the tests read it, and a check of real responses
// against it with a JSON Schema 2020-12 validator that runs in workerd.
import { Validator } from '@cfworker/json-schema';
import { expect } from 'vitest';
import { API_BASE, type Endpoint } from '../../src/http/endpoint.ts';
import { call, expectJson } from '../helpers.ts';

export type Schema = Record<string, any>;

export interface Operation {
  operationId: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required: boolean; description?: string; schema: Schema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  security: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
}

export function fetchDocument(): Promise<OpenApiDocument> {
  return expectJson<OpenApiDocument>(call('/openapi.json', { project: null }));
}

/** Where the document lists an endpoint: '/users/:userId' → '/v1/users/{userId}'. */
export function documentedPath(endpoint: Endpoint): string {
  return API_BASE + endpoint.path.replace(/:(\w+)/g, '{$1}');
}

/**
 * Asserts the document lists the response's status for the operation and, when it
 * documents a JSON body, that the body is valid against that schema ($refs resolved
 * against the document's components). Returns the parsed body.
 */
export async function expectDocumented(doc: OpenApiDocument, operationId: string, response: Response): Promise<any> {
  const operation = Object.values(doc.paths)
    .flatMap((item) => Object.values(item))
    .find((candidate) => candidate.operationId === operationId);
  const documented = operation?.responses[response.status];
  expect(documented, `${operationId} documents status ${response.status}`).toBeDefined();
  const text = await response.text();
  const schema = documented!.content?.['application/json']?.schema;
  if (!schema) {
    expect(response.headers.get('Content-Type') ?? '', `${operationId} ${response.status}`).not.toContain('json');
    return text;
  }
  expect(response.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
  const body = JSON.parse(text);
  // Non-keyword members are indexed by their JSON pointer too, so `#/components/schemas/…` resolves.
  const validator = new Validator({ ...schema, components: doc.components }, '2020-12', false);
  const { errors } = validator.validate(body);
  expect(errors, `${operationId} ${response.status}: ${text}`).toEqual([]);
  return body;
}
