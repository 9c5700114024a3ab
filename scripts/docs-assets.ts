// Copies Swagger UI's browser files from node_modules into the static assets, where
// the page at GET /v1/docs loads them (public/docs/swagger-ui/, gitignored). Run by
// wrangler.toml's [build] command before every `wrangler dev` and deploy.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/tools.ts';

const FILES = ['swagger-ui-bundle.js', 'swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui.css', 'favicon-32x32.png'];

const from = join(ROOT, 'node_modules', 'swagger-ui-dist');
const to = join(ROOT, 'public', 'docs', 'swagger-ui');
mkdirSync(to, { recursive: true });
for (const file of FILES) copyFileSync(join(from, file), join(to, file));
