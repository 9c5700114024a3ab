// The API reference's files under a real `wrangler dev`: the Worker serves GET /v1/docs,
// the static assets (wrangler.toml [assets], filled by its [build] command) serve the
// Swagger UI files the page loads, and never answer for the API's paths. The page as
// Chromium renders it (and its CSP) is test/e2e/browser/docs.test.ts's subject.
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from '../../scripts/lib/tools.ts';
import { API_BASE } from '../../src/http/endpoint.ts';

const endpoint = inject('endpoint');

const CONTENT_TYPES: Record<string, RegExp> = { css: /^text\/css/, js: /^(text|application)\/javascript/, png: /^image\/png/ };

it('serves the page and every file it loads', async () => {
  const page = await fetch(`${endpoint}/docs`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, path]) => new URL(path!, page.url));
  expect(files.map((url) => url.pathname).sort()).toEqual([
    '/docs/init.js',
    '/docs/swagger-ui/favicon-32x32.png',
    '/docs/swagger-ui/swagger-ui-bundle.js',
    '/docs/swagger-ui/swagger-ui.css',
  ]);
  for (const url of files) {
    const response = await fetch(url);
    expect(response.status, url.pathname).toBe(200);
    expect(response.headers.get('Content-Type'), url.pathname).toMatch(CONTENT_TYPES[url.pathname.split('.').pop()!]!);
    expect((await response.arrayBuffer()).byteLength, url.pathname).toBeGreaterThan(0);
  }
});

it('leaves the API paths to the Worker, and missing files to its 404', async () => {
  const { assets } = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') });
  expect(assets?.run_worker_first).toContain(`${API_BASE}/*`);
  for (const path of [`${API_BASE}/docs/init.js`, '/docs/missing.js']) {
    const response = await fetch(new URL(path, endpoint));
    expect(response.status, path).toBe(404);
    expect(await response.json(), path).toMatchObject({ message: 'Not Found', code: 404 });
  }
});
