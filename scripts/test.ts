// `npm test`: the whole suite (scripts/install.ts has installed dependencies). Checks the
// formatting (Prettier; `npm run format` fixes it) and that the generated binding types
// are current, type-checks (the Worker and tests, then the console's browser code with the
// DOM types), checks that imports in src/ run one way (scripts/check-layers.ts), lints the
// OpenAPI documents, bundles the Worker as a production deploy would (catching bundling and
// config mistakes), runs the Workers-runtime tests, then the end-to-end tests against a
// real `wrangler dev` driven by the old and today's Appwrite SDKs and headless Chromium.
import { ROOT, bin, run } from './lib/tools.ts';

run(bin('prettier'), ['--check', '**/*.ts']);
run(bin('wrangler'), ['types', '--strict-vars=false', '--include-runtime=false', '--check']);
run(bin('tsc'), ['--noEmit', '-p', ROOT]);
run(bin('tsc'), ['--noEmit', '-p', 'console']);
run(process.execPath, ['scripts/check-layers.ts']);
run(process.execPath, ['scripts/validate-openapi.ts']);
run(bin('wrangler'), ['deploy', '--dry-run', '--env', 'production', '--outdir', '.tmp/dry-run']);
run(bin('vitest'), ['run']);
run(bin('vitest'), ['run', '--config', 'test/e2e/vitest.config.ts']);
