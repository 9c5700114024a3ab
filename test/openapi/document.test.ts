// GET /v1/openapi.json: an OpenAPI 3.1 document of the whole route table, built from
// the same declarations that route and validate requests (src/openapi/document.ts);
// and GET /v1/docs, the page rendering it. The page's Swagger UI files are static
// assets, which these tests cannot fetch (exports.default.fetch reaches the Worker
// only): test/e2e/docs.test.ts fetches them from a real `wrangler dev`.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Endpoint } from '../../src/http/endpoint.ts';
import { SERVICE_VERSION } from '../../src/http/errors.ts';
import type { Param } from '../../src/schemas/params.ts';
import { endpoints } from '../../src/routes/index.ts';
import { call } from '../helpers.ts';
import { documentedPath, fetchDocument, type Operation, type Schema } from './support.ts';

const doc = await fetchDocument();

function operationOf(endpoint: Endpoint): Operation {
  const operation = doc.paths[documentedPath(endpoint)]?.[endpoint.method.toLowerCase()];
  if (!operation) throw new Error(`${endpoint.method} ${endpoint.path} is not documented`);
  return operation;
}

describe('the document', () => {
  it('is OpenAPI 3.1.x, with the service version', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: SERVICE_VERSION });
  });

  it('lists every route of the table once, by its operationId', () => {
    const documented = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(documented).toHaveLength(endpoints.length);
    for (const endpoint of endpoints) expect(operationOf(endpoint).operationId).toBe(endpoint.operationId);
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs.map((match) => match.slice(8, -1)))) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<any>((node, key) => node?.[key], doc);
      expect(target, ref).toBeTypeOf('object');
    }
  });

  it('defines the Project, Key and Session security schemes', () => {
    const { Project, Key, Session } = doc.components.securitySchemes;
    expect(Project).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Appwrite-Project' });
    expect(Key).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Appwrite-Key' });
    expect(Session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'a_session_<projectId>' });
    expect(Session!.description).toContain('X-Fallback-Cookies');
  });
});

/** The JSON body's fields, shaped like query parameters. */
function bodyFields(operation: Operation) {
  const schema = operation.requestBody?.content['application/json']?.schema;
  const properties: Record<string, Schema> = schema?.properties ?? {};
  return Object.entries(properties).map(([name, field]) => ({
    name,
    required: schema!.required?.includes(name) ?? false,
    description: field.description,
    schema: field,
  }));
}

describe.each(endpoints.map((endpoint) => [endpoint.operationId, endpoint] as const))('%s', (_, endpoint) => {
  it('documents a success and its declared responses (models as components by their id), every error with the Error model', () => {
    const { responses } = operationOf(endpoint);
    const schemaOf = (status: string) => responses[status]?.content?.['application/json']?.schema;
    expect(Object.keys(responses).some((status) => status.startsWith('2'))).toBe(true);
    for (const [status, { model }] of Object.entries(endpoint.responses)) {
      expect(responses[status], status).toBeDefined();
      const id = model && z.globalRegistry.get(model)?.id;
      if (id) expect(schemaOf(status), status).toEqual({ $ref: `#/components/schemas/${id}` });
    }
    for (const status of Object.keys(responses).filter((status) => Number(status) >= 400)) {
      expect(schemaOf(status), status).toEqual({ $ref: '#/components/schemas/Error' });
    }
  });

  it('documents the security its access needs', () => {
    const { security, description } = operationOf(endpoint);
    const { access } = endpoint;
    const expected = {
      open: [],
      public: [{ Project: [] }],
      key: [{ Project: [], Key: access.kind === 'key' ? [access.scope] : [] }],
      // The cookie (or X-Fallback-Cookies), X-Appwrite-Session or X-Appwrite-JWT.
      session: [
        { Project: [], Session: [] },
        { Project: [], SessionHeader: [] },
        { Project: [], JWT: [] },
      ],
    }[access.kind];
    expect(security).toEqual(expected);
    if (access.kind === 'key') expect(description).toContain(access.scope);
  });

  it('documents its parameters: required unless they have a fallback, which is the default', () => {
    const operation = operationOf(endpoint);
    const pathNames = [...endpoint.path.matchAll(/:(\w+)/g)].map(([, name]) => name);
    const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path');
    expect(inPath.map((p) => [p.name, p.required, typeof p.description])).toEqual(pathNames.map((name) => [name, true, 'string']));

    const params: Array<[string, Param]> = Object.entries(endpoint.params);
    const documented = endpoint.method === 'GET' ? (operation.parameters ?? []).filter((p) => p.in === 'query') : bodyFields(operation);
    expect(documented.map((p) => p.name)).toEqual(params.map(([name]) => name));
    for (const [name, param] of params) {
      const entry = documented.find((p) => p.name === name)!;
      expect(entry.required, name).toBe(!param.fallback);
      expect(entry.schema.default, name).toEqual(param.fallback?.value);
      expect(entry.description, name).toContain(param.description);
      expect(entry.description, name).toContain(param.rule);
    }
  });
});

describe('GET /v1/docs', () => {
  it('is an HTML page loading Swagger UI and its start script from /docs/, under a CSP without inline scripts', async () => {
    const response = await call('/docs', { project: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=UTF-8');
    const csp = response.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);

    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([^<]*)<\/script>/g)];
    expect(scripts.map(([, attributes]) => /src="([^"]+)"/.exec(attributes!)?.[1])).toEqual(['/docs/swagger-ui/swagger-ui-bundle.js', '/docs/init.js']);
    expect(scripts.every(([, , inline]) => inline === '')).toBe(true);
    expect(html).toContain('href="/docs/swagger-ui/swagger-ui.css"');
    expect(html).toContain('data-openapi="/v1/openapi.json"');
  });
});
