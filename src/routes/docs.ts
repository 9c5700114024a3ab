// The API reference (contract §8): the OpenAPI document, and a page rendering it with
// Swagger UI. The page's scripts and styles are static assets under /docs/ (wrangler.toml
// [assets]; scripts/build-assets.ts copies Swagger UI there), so the page needs no CDN
// and, with no inline script, a strict Content-Security-Policy holds.
import { z } from 'zod';
import { API_BASE, endpoint, type Endpoint } from '../http/endpoint.ts';
import { rawJson } from '../http/respond.ts';
import { openApiDocument } from '../openapi/document.ts';
import type { Dialect } from '../schemas/dialect.ts';

const open = { kind: 'open' } as const;
const tag = 'docs';
const OPENAPI_PATH = '/openapi.json';

const openApiModel = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document.' });

// Swagger UI's stylesheet draws its icons from data: URLs.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Users API reference</title>
<link rel="icon" type="image/png" href="/docs/swagger-ui/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui/swagger-ui.css">
<script src="/docs/swagger-ui/swagger-ui-bundle.js" defer></script>
<script src="/docs/init.js" defer></script>
</head>
<body>
<div id="swagger-ui" data-openapi="${API_BASE}${OPENAPI_PATH}"></div>
</body>
</html>
`;

const getDocs = endpoint({
  method: 'GET',
  path: '/docs',
  operationId: 'getDocs',
  summary: 'API reference page (HTML)',
  tag,
  access: open,
  params: {},
  responses: { 200: { description: 'An HTML page rendering GET /v1/openapi.json' } },
  handle: async () => new Response(PAGE, { headers: { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Security-Policy': CSP } }),
});

/**
 * The reference routes of a dialect's route table: GET /v1/openapi.json answers the
 * document of the dialect that asks (contract §12.1), so the docs page switches by
 * sending X-Appwrite-Response-Format. The table is read on the first request, so it
 * may list these routes themselves; the document is then built once per isolate.
 */
export function referenceEndpoints(table: () => Endpoint<any>[], dialect: Dialect = '0.6'): Endpoint<any>[] {
  let serialized: string | undefined;
  const getOpenApi = endpoint({
    method: 'GET',
    path: OPENAPI_PATH,
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document',
    tag,
    access: open,
    params: {},
    responses: { 200: { description: 'The document', model: openApiModel } },
    handle: async () => rawJson((serialized ??= JSON.stringify(openApiDocument(table(), dialect)))),
  });
  return [getOpenApi, getDocs];
}
