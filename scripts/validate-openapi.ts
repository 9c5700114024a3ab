// CI check of the OpenAPI document the Worker serves: built here from the same route
// table, written to .tmp/openapi.json and linted by Redocly CLI (rules in redocly.yaml).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/openapi/document.ts';
import { endpoints } from '../src/routes/index.ts';
import { ROOT, bin, run } from './lib/tools.ts';

const file = join(ROOT, '.tmp', 'openapi.json');
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
writeFileSync(file, JSON.stringify(openApiDocument(endpoints), null, 2) + '\n');
run(process.execPath, [bin('redocly'), 'lint', file, '--config', join(ROOT, 'redocly.yaml')], { REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' });
