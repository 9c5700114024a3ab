// Builds the static assets (wrangler.toml [assets]); wrangler.toml's [build] command runs
// it before every `wrangler dev` and deploy. Both outputs are gitignored:
// - Swagger UI's browser files from node_modules, for the API reference page (GET /v1/docs),
//   into public/docs/swagger-ui/;
// - the console (GET /console): console/*.ts bundled and minified by esbuild into
//   public/console/app.js (console/tsconfig.json type-checks it; npm test runs that).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { ROOT } from './lib/tools.ts';

const SWAGGER_FILES = ['swagger-ui-bundle.js', 'swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui.css', 'favicon-32x32.png'];

const from = join(ROOT, 'node_modules', 'swagger-ui-dist');
const to = join(ROOT, 'public', 'docs', 'swagger-ui');
mkdirSync(to, { recursive: true });
for (const file of SWAGGER_FILES) copyFileSync(join(from, file), join(to, file));

buildSync({
  entryPoints: [join(ROOT, 'console', 'main.ts')],
  outfile: join(ROOT, 'public', 'console', 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
