// The API reference page (GET /v1/docs) as a reader sees it: rendered by headless Chromium
// from the Worker alone, listing every operation of the OpenAPI document, with no CDN.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchChromium } from './chromium.ts';

const endpoint = inject('endpoint');

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

interface OpenApi {
  paths: Record<string, Record<string, { summary: string }>>;
}

it('renders every operation, loading everything from the API origin', async () => {
  const document = (await (await fetch(`${endpoint}/openapi.json`)).json()) as OpenApi;
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, { summary }]) => ({ method: method.toUpperCase(), path, summary })),
  );

  const page = await browser.newPage();
  const requested: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => response.status() >= 400 && failed.push(`${response.url()}: ${response.status()}`));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

  const response = await page.goto(`${endpoint}/docs`);
  expect(response?.status()).toBe(200);
  await page.getByText(operations[0]!.summary, { exact: true }).first().waitFor();
  // Swagger UI puts zero-width spaces into paths so that they wrap.
  const text = (await page.locator('body').innerText()).replaceAll('\u200b', '');
  for (const { method, path, summary } of operations) {
    expect(text, `${method} ${path}`).toContain(path);
    expect(text, `${method} ${path}`).toContain(summary);
  }
  expect(operations.map(({ path }) => path)).toEqual(expect.arrayContaining(['/v1/users', '/v1/account/sessions']));

  const api = new URL(endpoint).origin;
  expect(requested.filter((url) => new URL(url).origin !== api && !url.startsWith('data:'))).toEqual([]);
  expect(requested).toContain(`${endpoint}/openapi.json`);
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
