// The unmodified browser SDK appwrite@1.2.0 in headless Chromium against the real `wrangler dev`.
// The page (http://localhost:<port>) and the API (http://127.0.0.1:<port>) are different sites,
// so Chromium keeps no session cookie (SameSite=None needs Secure, and http has none): the
// session lives in localStorage.cookieFallback and goes back in the X-Fallback-Cookies header.
import { randomBytes } from 'node:crypto';
import type Appwrite from 'appwrite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { startPageServer, type PageServer } from './page-server.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');
const pageOrigin = inject('pageOrigin');

const domain = `${randomBytes(4).toString('hex')}.web-sdk.test`;
const PASSWORD = 'correct horse';

let browser: Browser;
/** The same page on an origin that no project allows. */
let stranger: PageServer;

beforeAll(async () => {
  [browser, stranger] = await Promise.all([launchChromium(), startPageServer()]);
});

afterAll(async () => {
  await browser?.close();
  await stranger?.close();
});

interface User {
  $id: string;
  email: string;
}

/** The Users API with the e2e key (server side, no browser). */
async function usersApi<T>(method: string, path: string, body?: object): Promise<T> {
  const response = await fetch(`${endpoint}/users${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'x-appwrite-key': key },
    body: body && JSON.stringify(body),
  });
  const json = await response.json();
  expect(response.ok, JSON.stringify(json)).toBe(true);
  return json as T;
}

const createUser = (local: string) => usersApi<User>('POST', '', { email: `${local}@${domain}`, password: PASSWORD, name: local });
const sessionsOf = (userId: string) => usersApi<{ $id: string }[]>('GET', `/${userId}/sessions`);

/** The page's globals, for the functions that run in it (the tsconfig has no DOM types). */
interface PageGlobals {
  Appwrite: new () => Appwrite;
  sdk: Appwrite;
  localStorage: { getItem(key: string): string | null };
}

/** A new browser profile (empty localStorage and cookies) on the test page, with a configured client. */
async function openPage(origin: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/`);
  await page.evaluate(
    ({ endpoint, projectId }) => {
      const window = globalThis as unknown as PageGlobals;
      window.sdk = new window.Appwrite().setEndpoint(endpoint).setProject(projectId);
    },
    { endpoint, projectId },
  );
  return page;
}

type Outcome = { resolved: unknown } | { rejected: unknown };
type AccountCall = 'createSession' | 'get' | 'getSessions' | 'deleteSession';

/** One `sdk.account` call in the page; a rejection comes back as data (an Error as its message). */
function account(page: Page, method: AccountCall, ...args: string[]): Promise<Outcome> {
  return page.evaluate(
    async ({ method, args }) => {
      const { account } = (globalThis as unknown as PageGlobals).sdk;
      try {
        return { resolved: await (account[method] as (...args: string[]) => Promise<unknown>).apply(account, args) };
      } catch (err) {
        return { rejected: err instanceof Error ? `Error: ${err.message}` : err };
      }
    },
    { method, args },
  );
}

const cookieFallback = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('cookieFallback'));
const error = (code: number, message: string) => ({ rejected: { message, code, version: expect.stringMatching(/^\d+\.\d+\.\d+/) } });

describe('from an origin the project allows', () => {
  it('signs in, reads the account and its sessions, and signs out', async () => {
    const user = await createUser('Signed.In');
    const page = await openPage(pageOrigin);

    const signIn = await account(page, 'createSession', user.email, PASSWORD);
    expect(signIn).toEqual({ resolved: { $id: expect.any(String), type: 1, expire: expect.any(Number) } });
    const sessionId = (signIn as { resolved: { $id: string } }).resolved.$id;
    expect(JSON.parse((await cookieFallback(page))!)).toEqual({ [`a_session_${projectId}`]: expect.any(String) });
    // Chromium refused both cookies, so every call below is authenticated by the header alone.
    expect(await page.context().cookies()).toEqual([]);

    expect(await account(page, 'get')).toEqual({ resolved: user });
    expect(await account(page, 'getSessions')).toEqual({ resolved: [expect.objectContaining({ $id: sessionId, current: true })] });
    expect(await sessionsOf(user.$id)).toEqual([expect.objectContaining({ $id: sessionId })]);

    expect(await account(page, 'deleteSession', 'current')).toEqual({ resolved: '' });
    expect(await cookieFallback(page)).toBe('[]');
    expect(await account(page, 'get')).toEqual(error(401, 'Guest (role: guest) missing scope (account)'));
    expect(await sessionsOf(user.$id)).toEqual([]);
  });

  it('rejects a wrong password with the error body, and starts no session', async () => {
    const user = await createUser('wrong.password');
    const page = await openPage(pageOrigin);
    expect(await account(page, 'createSession', user.email, 'not the password')).toEqual(error(401, 'Invalid credentials'));
    expect(await cookieFallback(page)).toBeNull();
    expect(await sessionsOf(user.$id)).toEqual([]);
  });
});

describe('from an origin the project does not allow', () => {
  it("fails the SDK's sign-in at the preflight, and starts no session", async () => {
    const user = await createUser('stranger.sdk');
    const page = await openPage(stranger.origin);
    expect(await account(page, 'createSession', user.email, PASSWORD)).toEqual({ rejected: 'Error: Network Error' });
    expect(await sessionsOf(user.$id)).toEqual([]);
  });

  it('answers a sign-in form posted from there with 403, and starts no session', async () => {
    const user = await createUser('stranger.form');
    const page = await openPage(stranger.origin);
    const url = `${endpoint}/account/sessions`;
    // A form post needs no preflight, and its `project` field names the project: only the
    // origin check stands between another site and a session (login CSRF).
    await page.setContent(`<form method="post" action="${url}">
      <input name="project" value="${projectId}"><input name="email" value="${user.email}"><input name="password" value="${PASSWORD}">
      <button>Sign in</button>
    </form>`);
    const [response] = await Promise.all([page.waitForResponse(url), page.click('button')]);
    expect(await response.request().headerValue('origin')).toBe(stranger.origin);
    expect(response.status()).toBe(403);
    expect(await sessionsOf(user.$id)).toEqual([]);
  });
});
