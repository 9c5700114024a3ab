// The OpenAPI 3.1 document, generated from the route table: the declarations that
// route and validate requests (src/routes/, src/schemas/) are the ones described.
import { z } from 'zod';
import { ACCESS_RAISES, API_BASE, type Access, type Endpoint } from '../http/endpoint.ts';
import { SERVICE_VERSION, statusOf } from '../http/errors.ts';
import { errorModel, pathParams } from '../schemas/common.ts';
import { error1xModel, models1x, type Dialect } from '../schemas/dialect.ts';
import { webhookHeaders, webhookPayloads } from '../schemas/webhooks.ts';
import type { Param } from '../schemas/params.ts';
import { componentSchemas, schemaOf, type JsonSchema, type Models } from './json-schema.ts';

const SECURITY_SCHEMES = {
  Project: { type: 'apiKey', in: 'header', name: 'X-Appwrite-Project', description: 'The project ID. A `project` query or body parameter overrides it.' },
  Key: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Appwrite-Key',
    description: "A secret API key of the project; the operation's description names the scope it needs.",
  },
  Session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'a_session_<projectId>',
    description:
      'The session cookie set by a sign-in, named after the project. Cross-site clients send it in the ' +
      '`X-Fallback-Cookies` header instead: `{"a_session_<projectId>": "<value>"}`, as that sign-in response returns it.',
  },
  SessionHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Appwrite-Session',
    description: "The session value (the cookie's, or the `secret` of a session made with an API key): a server acting as its user.",
  },
  JWT: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Appwrite-JWT',
    description: 'A JWT from `POST /v1/users/{userId}/jwts` (1.x dialect): valid while it is unexpired and its session lives.',
  },
};

const REQUEST_ID = { $ref: '#/components/headers/RequestId' };

/** What differs between the two dialects' documents: their models and their error format (contract §12). */
interface Flavour {
  models: Models;
  error: z.ZodType;
  invalid(name: string, rule: string): string;
  /** A reason for an error, with its 1.x `type` where the dialect has one. */
  typed(type: string, reason: string): string;
}
const FLAVOURS: Record<Dialect, Flavour> = {
  '0.6': { models: z.globalRegistry, error: errorModel, invalid: (name, rule) => `Invalid ${name}: ${rule}`, typed: (_type, reason) => reason },
  '1.x': {
    models: models1x,
    error: error1xModel,
    invalid: (name, rule) => `general_argument_invalid, Invalid \`${name}\` param: ${rule}`,
    typed: (type, reason) => `\`${type}\`: ${reason}`,
  },
};

/**
 * The models both dialects answer with (prefs, health, the import and export shapes) are
 * components of the 1.x document too, under their one id: registered in its registry.
 */
function shareModels(table: Endpoint[]): void {
  const share = (model: z.ZodType) => {
    const id = models1x.has(model) ? undefined : z.globalRegistry.get(model)?.id;
    // A name the 1.x dialect has a model of its own for (User, Error, …) stays its own.
    if (!id || models1x._idmap.has(id)) return;
    model.register(models1x, { id });
    // The models it is made of (ImportResult's UserListItem, ExportPage's ImportRecord) too.
    const nested = Object.keys((z.toJSONSchema(model, { unrepresentable: 'any' }) as { $defs?: object }).$defs ?? {});
    for (const name of nested) {
      const schema = z.globalRegistry._idmap.get(name);
      if (schema) share(schema as z.ZodType);
    }
  };
  // Errors are the dialect's own model (see response()).
  for (const { responses } of table) for (const [status, { model }] of Object.entries(responses)) if (model && Number(status) < 400) share(model);
}

/** The document describing a route table: the 0.6 dialect's, or the 1.x dialect's. */
export function openApiDocument(table: Endpoint[], dialect: Dialect = '0.6'): JsonSchema {
  const flavour = FLAVOURS[dialect];
  if (dialect === '1.x') shareModels(table);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const endpoint of table) (paths[openApiPath(endpoint.path)] ??= {})[endpoint.method.toLowerCase()] = operation(endpoint, flavour);
  if (dialect === '1.x') {
    return {
      openapi: '3.1.1',
      info: {
        title: 'Users API (1.x dialect)',
        version: SERVICE_VERSION,
        description:
          "The Users API as today's Appwrite SDKs speak it: requests carry `X-Appwrite-Response-Format: 1.6.0` (any version 1.5.0 or later), " +
          'answers are Appwrite 1.6\'s models, errors are `{"message", "code", "type", "version"}` with Appwrite 1.6\'s `type`. ' +
          'Webhooks are the same in both dialects: see the 0.6 document (`/v1/openapi.json`).',
      },
      servers: [{ url: '/', description: 'This deployment' }],
      tags: [...new Set(table.map((endpoint) => endpoint.tag))].map((name) => ({ name })),
      paths,
      components: {
        schemas: componentSchemas(models1x),
        securitySchemes: {
          ...SECURITY_SCHEMES,
          Format: { type: 'apiKey', in: 'header', name: 'X-Appwrite-Response-Format', description: 'A version 1.5.0 or later selects this dialect.' },
        },
        headers: { RequestId: { description: 'Identifies the request in the service logs.', schema: { type: 'string', format: 'uuid' } } },
      },
    };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Users API',
      version: SERVICE_VERSION,
      description:
        'The Appwrite 0.6 Users API, and the Account sign-in that creates sessions, on Cloudflare Workers. ' +
        'Errors are `{"message", "code", "version"}` with `code` equal to the HTTP status.',
    },
    servers: [{ url: '/', description: 'This deployment' }],
    tags: [
      ...[...new Set(table.map((endpoint) => endpoint.tag))].map((name) => ({ name })),
      { name: 'webhooks', description: 'What the service sends to registered webhooks.' },
    ],
    paths,
    webhooks: webhooks(),
    components: {
      schemas: componentSchemas(),
      securitySchemes: SECURITY_SCHEMES,
      headers: { RequestId: { description: 'Identifies the request in the service logs.', schema: { type: 'string', format: 'uuid' } } },
    },
  };
}

const WEBHOOK_DESCRIPTION =
  'Sent to each webhook registered for the event (`npm run admin -- webhook create`; `users.*` takes every `users.` event) after the change ' +
  'is stored, at least once: deduplicate on `webhook-id`. Verify `webhook-signature` with a Standard Webhooks library and the `whsec_` secret. ' +
  'Any 2xx answer within 10 s acknowledges it; otherwise it is retried with growing delays, 8 attempts in all.';

/** The top-level `webhooks` section: what the service POSTs, per event. */
function webhooks(): Record<string, JsonSchema> {
  const parameters = webhookHeaders.map(({ name, description, schema }) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: schemaOf(schema, 'output'),
  }));
  return Object.fromEntries(
    webhookPayloads.map(({ event, model, summary }) => [
      event,
      {
        post: {
          operationId: `webhook:${event}`,
          summary,
          description: WEBHOOK_DESCRIPTION,
          tags: ['webhooks'],
          parameters,
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(model, 'output') } } },
          responses: { '2XX': { description: 'Delivered' }, default: { description: 'Not delivered: retried later' } },
          // The receiver authenticates the sender by webhook-signature, not by a scheme of this API.
          security: [],
        },
      },
    ]),
  );
}

/** '/users/:userId' → '/v1/users/{userId}' */
function openApiPath(pattern: string): string {
  return API_BASE + pattern.replace(/:(\w+)/g, '{$1}');
}

function operation(endpoint: Endpoint, flavour: Flavour): JsonSchema {
  const { method, access } = endpoint;
  const params = Object.entries(endpoint.params);
  const parameters = [...pathParameters(endpoint.path, flavour), ...(method === 'GET' ? params.map((p) => queryParameter(p, flavour)) : [])];
  return {
    operationId: endpoint.operationId,
    summary: endpoint.summary,
    tags: [endpoint.tag],
    ...(access.kind === 'key' && { description: `Needs an API key with the \`${access.scope}\` scope.` }),
    ...(parameters.length > 0 && { parameters }),
    ...(method !== 'GET' && params.length > 0 && { requestBody: requestBody(params, flavour) }),
    responses: responses(endpoint, flavour),
    security: security(access, flavour),
  };
}

function pathParameters(pattern: string, flavour: Flavour): JsonSchema[] {
  return [...pattern.matchAll(/:(\w+)/g)].map(([, name]) => {
    const schema = pathParams[name!];
    if (!schema) throw new Error(`Path parameter "${name}" of ${pattern} is not described in src/schemas/common.ts (pathParams)`);
    const { description, ...json } = schemaOf(schema, 'input', flavour.models);
    return { name, in: 'path', required: true, description, schema: json };
  });
}

function queryParameter([name, param]: [string, Param], flavour: Flavour): JsonSchema {
  return { name, in: 'query', required: !param.fallback, description: paramDescription(name, param, flavour), schema: paramSchema(param, flavour) };
}

function requestBody(params: Array<[string, Param]>, flavour: Flavour): JsonSchema {
  const properties = Object.fromEntries(
    params.map(([name, param]) => [name, { ...paramSchema(param, flavour), description: paramDescription(name, param, flavour) }]),
  );
  const required = params.filter(([, param]) => !param.fallback).map(([name]) => name);
  const schema = { type: 'object', properties, ...(required.length > 0 && { required }) };
  return { required: required.length > 0, content: { 'application/json': { schema } } };
}

function paramSchema(param: Param, flavour: Flavour): JsonSchema {
  return { ...schemaOf(param.schema, 'input', flavour.models), ...(param.fallback && { default: param.fallback.value }) };
}

/** The description, and the error an invalid value gets (src/http/params.ts). */
function paramDescription(name: string, param: Param, flavour: Flavour): string {
  return `${param.description}\n\nAn invalid value is refused with 400 \`${flavour.invalid(name, param.rule)}\`.`;
}

function responses(endpoint: Endpoint, flavour: Flavour): JsonSchema {
  const errors = errorResponses(endpoint, flavour);
  const all: Array<[string, { description: string; model?: z.ZodType }]> = [
    ...Object.entries(endpoint.responses),
    ...[...errors].map(([status, reasons]): [string, { description: string }] => [String(status), { description: reasons.join('; ') }]),
  ];
  return Object.fromEntries(all.map(([status, { description, model }]) => [status, response(Number(status), description, model, flavour)]));
}

/**
 * Every error the endpoint can answer, by status: what src/http/pipeline.ts checks before the
 * handler runs (project, origin, credentials, rate limits, body, parameters), then the domain
 * failures the handler raises, each in the dialect's words (1.x: its `type` too).
 */
function errorResponses({ method, access, rateLimits, raises = [] }: Endpoint, flavour: Flavour): Map<number, string[]> {
  const errors = new Map<number, string[]>();
  const add = (status: number, reason: string) => {
    const reasons = errors.get(status) ?? [];
    if (!reasons.includes(reason)) errors.set(status, [...reasons, reason]);
  };
  if (access.kind !== 'open') {
    add(400, 'Missing or unknown project, or an invalid parameter');
    add(403, 'A browser origin the project does not allow');
  }
  if (access.kind === 'key') add(401, flavour.typed('general_unauthorized_scope', 'Missing or insufficient API key'));
  if (access.kind === 'public' && access.appKey) add(401, flavour.typed('user_unauthorized', 'An API key that is not valid for the project'));
  if (method !== 'GET') add(413, 'Request body too large');
  if (rateLimits) add(429, flavour.typed('general_rate_limit_exceeded', 'Too many requests'));
  for (const raise of [...ACCESS_RAISES[access.kind], ...raises]) {
    const failure = raise();
    add(statusOf(failure), flavour === FLAVOURS['1.x'] ? flavour.typed(failure.typed.type, failure.typed.message) : failure.message);
  }
  add(500, 'Server Error (the details only in the logs, under the request id)');
  return new Map([...errors].sort(([a], [b]) => a - b));
}

function response(status: number, description: string, model: z.ZodType | undefined, flavour: Flavour): JsonSchema {
  // An error is always the dialect's error model.
  const schema = status >= 400 ? flavour.error : model;
  return {
    description,
    headers: { 'X-Request-Id': REQUEST_ID },
    ...(schema && { content: { 'application/json': { schema: schemaOf(schema, 'output', flavour.models) } } }),
  };
}

function security(access: Access, flavour: Flavour): Array<Record<string, string[]>> {
  const format: Record<string, string[]> = flavour.models === models1x ? { Format: [] } : {};
  switch (access.kind) {
    case 'open':
      return [];
    case 'public':
      // A sign-in that takes a key: without one a browser's, with one a server's (SSR).
      return access.appKey
        ? [
            { Project: [], ...format },
            { Project: [], Key: [], ...format },
          ]
        : [{ Project: [], ...format }];
    case 'key':
      return [{ Project: [], Key: [access.scope], ...format }];
    case 'session':
      // Any one of the ways a request authenticates as the user.
      return ['Session', 'SessionHeader', 'JWT'].map((scheme) => ({ Project: [], [scheme]: [], ...format }));
  }
}
