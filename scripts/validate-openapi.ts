// CI check of the OpenAPI documents the Worker serves (the 0.6 dialect's and the 1.x
// dialect's): built here from the same route tables, written to .tmp/ and linted by
// Redocly CLI (rules in redocly.yaml).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/openapi/document.ts';
import { endpoints, endpoints1x } from '../src/routes/index.ts';
import { ROOT, bin, run } from './lib/tools.ts';

mkdirSync(join(ROOT, '.tmp'), { recursive: true });
for (const [name, document] of [
  ['openapi.json', openApiDocument(endpoints)],
  ['openapi-1.x.json', openApiDocument(endpoints1x, '1.x')],
] as const) {
  const file = join(ROOT, '.tmp', name);
  writeFileSync(file, JSON.stringify(document, null, 2) + '\n');
  run(process.execPath, [bin('redocly'), 'lint', file, '--config', join(ROOT, 'redocly.yaml')], { REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' });
}
