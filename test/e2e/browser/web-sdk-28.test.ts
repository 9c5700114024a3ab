// Today's browser SDK appwrite@28.0.0 in headless Chromium against the real `wrangler dev`,
// from another site (the page at http://localhost:<port>, the API at 127.0.0.1): it signs in
// with createEmailPasswordSession, reads the account and its sessions, signs out and is
// refused. Chromium keeps no cookie cross-site over http, so the session travels in
// X-Fallback-Cookies, and every header the SDK sends must pass the CORS preflight.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './chromium.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');
const pageOrigin = inject('pageOrigin');

const domain = `${randomBytes(4).toString('hex')}.web-sdk-28.test`;
const PASSWORD = 'correct horse';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function createUser(local: string): Promise<{ $id: string; email: string }> {
  const response = await fetch(`${endpoint}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'x-appwrite-key': key },
    body: JSON.stringify({ email: `${local}@${domain}`, password: PASSWORD, name: local }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { $id: string; email: string };
}

/** What the page sees of the SDK (the tsconfig has no DOM types). */
interface PageGlobals {
  Appwrite: { Client: new () => any; Account: new (client: any) => any };
  client: any;
  account: any;
  localStorage: { getItem(key: string): string | null };
}

async function openPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${pageOrigin}/28/`);
  await page.evaluate(
    ({ endpoint, projectId }) => {
      const window = globalThis as unknown as PageGlobals;
      window.client = new window.Appwrite.Client().setEndpoint(endpoint).setProject(projectId);
      window.account = new window.Appwrite.Account(window.client);
    },
    { endpoint, projectId },
  );
  return page;
}

type Outcome = { resolved: any } | { rejected: { code: number; type: string; message: string } | string };

/** One `account` call in the page; an AppwriteException comes back as its code and type. */
function account(page: Page, method: string, params?: Record<string, unknown>): Promise<Outcome> {
  return page.evaluate(
    async ({ method, params }) => {
      const { account } = globalThis as unknown as PageGlobals;
      try {
        return { resolved: JSON.parse(JSON.stringify(await (params ? account[method](params) : account[method]()))) };
      } catch (err: any) {
        return { rejected: err && typeof err.code === 'number' ? { code: err.code, type: err.type, message: err.message } : String(err) };
      }
    },
    { method, params },
  );
}

const refused = (code: number, type: string) => ({ rejected: { code, type, message: expect.any(String) } });

describe('appwrite@28.0.0 from another site', () => {
  it('signs in, reads the account, lists sessions, signs out, and is then refused', async () => {
    const user = await createUser('signed.in');
    const page = await openPage();
    const signIn = await account(page, 'createEmailPasswordSession', { email: user.email, password: PASSWORD });
    expect(signIn).toEqual({ resolved: expect.objectContaining({ userId: user.$id, provider: 'email', current: true, secret: '' }) });
    const sessionId = (signIn as { resolved: { $id: string } }).resolved.$id;
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('cookieFallback'))).toContain(`a_session_${projectId}`);

    expect(await account(page, 'get')).toEqual({ resolved: expect.objectContaining({ $id: user.$id, email: user.email, status: true }) });
    expect(await account(page, 'listSessions')).toEqual({ resolved: { total: 1, sessions: [expect.objectContaining({ $id: sessionId, current: true })] } });
    // A 204 has no JSON body: the SDK resolves with its text as `message`.
    expect(await account(page, 'deleteSession', { sessionId: 'current' })).toEqual({ resolved: { message: '' } });
    expect(await account(page, 'get')).toEqual(refused(401, 'general_unauthorized_scope'));
  });

  it('a wrong password is AppwriteException user_invalid_credentials', async () => {
    const user = await createUser('wrong.password');
    const page = await openPage();
    expect(await account(page, 'createEmailPasswordSession', { email: user.email, password: 'not the password' })).toEqual(
      refused(401, 'user_invalid_credentials'),
    );
  });

  it('the CORS preflight allows every header the SDK sends', async () => {
    const page = await openPage();
    const sent = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).client.headers));
    expect(sent.map((h) => h.toLowerCase())).toEqual(expect.arrayContaining(['x-sdk-name', 'x-appwrite-response-format']));
    // Beside its defaults: the project (each call adds it), X-Fallback-Cookies (from localStorage), and the headers its setters add.
    const requested = [...sent, 'X-Appwrite-Project', 'X-Fallback-Cookies', 'X-Appwrite-JWT', 'X-Appwrite-Session', 'X-Appwrite-Locale', 'content-type'];
    const preflight = await fetch(`${endpoint}/account`, {
      method: 'OPTIONS',
      headers: { Origin: pageOrigin, 'Access-Control-Request-Method': 'DELETE', 'Access-Control-Request-Headers': requested.join(', ').toLowerCase() },
    });
    expect(preflight.status).toBe(200);
    const allowed = (preflight.headers.get('Access-Control-Allow-Headers') ?? '').toLowerCase().split(/\s*,\s*/);
    for (const header of requested) expect(allowed, header).toContain(header.toLowerCase());
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe(pageOrigin);
  });
});
