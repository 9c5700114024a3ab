// The users console (GET /console) in headless Chromium against the real `wrangler dev`:
// an operator signs in with an API key and manages users through the public API only, in
// the 1.x dialect (contract §12). Writes docs/console-users.png and docs/console-user.png,
// which the README shows.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/tools.ts';
import { launchChromium } from './chromium.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');
const readKey = inject('readKey');
const origin = new URL(endpoint).origin;
const CONSOLE = `${origin}/console`;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const PASSWORD = 'correct horse';
const DIALECT = { 'x-appwrite-response-format': '1.6.0' };
const CHROME_70_WINDOWS_10 = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.77 Safari/537.36';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0';

// 30 users on a domain of this run's own: more than one page (25) of the console's table.
const DOMAIN = `${randomBytes(3).toString('hex')}.console.example`;
const NAMES = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Margaret Hamilton',
  'John Backus',
  'Frances Allen',
  'Dennis Ritchie',
  'Radia Perlman',
  'Ken Thompson',
  'Hedy Lamarr',
  'Niklaus Wirth',
  'Shafi Goldwasser',
  'Tony Hoare',
  'Adele Goldberg',
  'Leslie Lamport',
  'Sophie Wilson',
  'Bjarne Stroustrup',
  'Annie Easley',
  'Guido Rossum',
  'Lynn Conway',
  'Linus Torvalds',
  'Jean Bartik',
  'Tim Berners-Lee',
  'Karen Jones',
  'Vint Cerf',
  'Ida Rhodes',
];

/** The 1.x User (contract §12.2), as far as these tests read it. */
interface User {
  $id: string;
  email: string;
  name: string;
  phone: string;
  labels: string[];
  status: boolean;
  emailVerification: boolean;
  phoneVerification: boolean;
}

/** The public API with the e2e key, from Node, in the 1.x dialect unless `headers` say otherwise. */
async function callApi(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'x-appwrite-key': key, ...DIALECT, ...headers },
    body: body && JSON.stringify(body),
  });
  return { status: response.status, json: response.status === 204 ? null : await response.json() };
}

/** `queries[]` as the SDKs send them. */
const queries = (...list: object[]) => list.map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&');

async function createUser(name: string, email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${DOMAIN}`): Promise<User> {
  const { status, json } = await callApi('POST', '/users', { userId: 'unique()', email, password: PASSWORD, name });
  expect(status, JSON.stringify(json)).toBe(201);
  return json as User;
}

/** A sign-in as the end user would make it (no key), from a given browser. */
async function startSession(email: string, userAgent: string): Promise<string> {
  const response = await fetch(`${endpoint}/account/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'user-agent': userAgent },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const json = (await response.json()) as { $id: string };
  expect(response.status, JSON.stringify(json)).toBe(201);
  return json.$id;
}

/** What the functions run in the page use (the tsconfig has no DOM types). */
interface PageGlobals {
  sessionStorage: Storage;
  localStorage: Storage;
  document: { documentElement: { scrollWidth: number } };
}
interface Storage {
  length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

let browser: Browser;
let seeded: User[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  // Four at a time; the table's order (registration, then creation) is read back from the API.
  for (let i = 0; i < NAMES.length; i += 4) seeded.push(...(await Promise.all(NAMES.slice(i, i + 4).map((name) => createUser(name)))));
  // Blocked, verified and labelled users, for the badges and the filters.
  const edits: Array<[string, string, object, string?]> = [
    ['Margaret Hamilton', 'status', { status: false }],
    ['Hedy Lamarr', 'status', { status: false }],
    ['Barbara Liskov', 'verification', { emailVerification: true }],
    ['Radia Perlman', 'verification', { emailVerification: true }],
    ['Hedy Lamarr', 'verification', { emailVerification: true }],
    ['Grace Hopper', 'labels', { labels: ['vip', 'beta'] }, 'PUT'],
    ['Alan Turing', 'labels', { labels: ['vip'] }, 'PUT'],
    ['Hedy Lamarr', 'labels', { labels: ['vip'] }, 'PUT'],
    ['Ada Lovelace', 'phone', { number: '+442071234567' }],
  ];
  for (const [name, route, body, method = 'PATCH'] of edits) {
    const id = seeded.find((u) => u.name === name)!.$id;
    expect((await callApi(method, `/users/${id}/${route}`, body)).status).toBe(200);
  }
  const listed = await callApi('GET', `/users?search=${DOMAIN}&${queries({ method: 'limit', values: [100] })}`);
  seeded = listed.json.users;
  expect(seeded).toHaveLength(NAMES.length);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

interface Watched {
  page: Page;
  /** Every request the page made. */
  requests: Request[];
  /** Page errors and console errors (a CSP violation is one). */
  errors: string[];
}

async function openConsole(viewport = { width: 1200, height: 900 }): Promise<Watched> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const requests: Request[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(CONSOLE);
  return { page, requests, errors };
}

async function signIn(page: Page, secret = key): Promise<void> {
  await page.getByLabel('Project ID', { exact: true }).fill(projectId);
  await page.getByLabel('API key', { exact: true }).fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signedIn(viewport?: { width: number; height: number }): Promise<Watched> {
  const watched = await openConsole(viewport);
  await signIn(watched.page);
  await watched.page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  return watched;
}

async function search(page: Page, text: string): Promise<void> {
  await page.getByLabel('Search name or email', { exact: true }).fill(text);
  await page.getByText(new RegExp(`matching “${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}”`)).waitFor();
}

const tableNames = (page: Page) => page.locator('table.users tbody tr td:first-child').allInnerTexts();
const usersRequests = (requests: Request[]) => requests.map((r) => new URL(r.url())).filter((url) => url.pathname === '/v1/users');
/** The `queries[]` of a request, parsed. */
const queriesOf = (url: URL) =>
  [...url.searchParams]
    .filter(([name]) => /^queries\[\d+\]$/.test(name))
    .map(([, value]) => JSON.parse(value) as { method: string; attribute?: string; values?: unknown[] });
const names = (users: User[]) => users.map((u) => u.name);

async function openUser(page: Page, user: User): Promise<void> {
  await page.goto(`${CONSOLE}#/users/${user.$id}`);
  await page.getByRole('heading', { name: user.name || user.email, level: 1 }).waitFor();
  await page.locator('dl.profile').getByText(user.$id).waitFor();
}

/** A new user signed in from Chrome, and the console open on their page. */
async function signedInUserPage(name: string): Promise<{ user: User; page: Page }> {
  const user = await createUser(name);
  await startSession(user.email, CHROME_70_WINDOWS_10);
  const { page } = await signedIn();
  await openUser(page, user);
  return { user, page };
}

/** Waits for `what`; fails at once, with the console's error message, if that shows instead. */
async function shows(page: Page, what: Locator): Promise<void> {
  const error = page.locator('#notice.error');
  await what.or(error).first().waitFor();
  if (await error.isVisible()) throw new Error(`the console shows the error “${await error.innerText()}”`);
}

const getUser = async (id: string) => (await callApi('GET', `/users/${id}`)).json as User;

describe('the page', () => {
  it('is served with a strict Content-Security-Policy and loads only from its own origin', async () => {
    const response = await fetch(CONSOLE);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|style=|\bon\w+=/);

    const { page, requests, errors } = await signedIn();
    await page.locator('table.users tbody tr').first().waitFor();
    await page.locator('svg.chart rect').first().waitFor({ state: 'attached' }); // a zero is a bar of no height
    expect(requests.filter((r) => new URL(r.url()).origin !== origin).map((r) => r.url())).toEqual([]);
    expect(requests.map((r) => new URL(r.url()).pathname)).toEqual(
      expect.arrayContaining(['/console', '/console/app.js', '/console/console.css', '/v1/users', '/v1/users/usage']),
    );
    // The chart too is drawn without a style attribute (the CSP would refuse one: a console error).
    expect(await page.locator('[style]').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('weighs at most 100 KiB gzipped: the page and everything it loads', async () => {
    const paths = ['/console', '/console/app.js', '/console/console.css', '/console/icon.svg'];
    const bodies = await Promise.all(paths.map(async (path) => Buffer.from(await (await fetch(`${origin}${path}`)).arrayBuffer())));
    const gzipped = bodies.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
    expect(gzipped).toBeLessThanOrEqual(100 * 1024);
    expect(bodies[1]!.toString()).toContain('X-Appwrite-Response-Format'); // the built script is this one
  });
});

describe('signing in', () => {
  it('refuses a wrong key with the API’s message and keeps nothing', async () => {
    const { page } = await openConsole();
    await signIn(page, 'not-the-key');
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('User (role: guests) missing scope (users.read)');
    await expect(page.getByLabel('API key', { exact: true }).isVisible()).resolves.toBe(true);
    expect(
      await page.evaluate(() => {
        const { sessionStorage, localStorage } = globalThis as unknown as PageGlobals;
        return [sessionStorage.length, localStorage.length];
      }),
    ).toEqual([0, 0]);
    expect(await page.context().cookies()).toEqual([]);
    await page.context().close();
  });

  it('keeps the key in sessionStorage only: never a cookie, never localStorage', async () => {
    const { page, requests } = await signedIn();
    await page.locator('table.users tbody tr').first().waitFor();
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.length)).toBe(0);
    expect(await page.evaluate(() => JSON.stringify((globalThis as unknown as PageGlobals).sessionStorage))).toContain(key);
    const api = requests.find((r) => new URL(r.url()).pathname === '/v1/users')!;
    expect(await api.allHeaders()).toMatchObject({ 'x-appwrite-project': projectId, 'x-appwrite-key': key, ...DIALECT });
    expect(await api.headerValue('cookie')).toBeNull();

    // Signing out forgets it.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key', { exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
    await page.context().close();
  });

  // X-D1-Bookmark (contract §11): the console reads its own writes even from a read replica.
  it('sends the newest X-D1-Bookmark back with its next request', async () => {
    const { page, requests } = await signedIn();
    await page.locator('table.users tbody tr').first().waitFor();
    // The page's first two requests (the list and the usage chart) go out together, before any answer.
    const [list, usage] = ['/v1/users', '/v1/users/usage'].map((path) => requests.find((r) => new URL(r.url()).pathname === path)!);
    await usage!.response();
    const bookmarks = await Promise.all([list!, usage!].map(async (r) => (await r.response())!.headerValue('x-d1-bookmark')));
    expect(bookmarks).toEqual([expect.any(String), expect.any(String)]);
    expect(await list!.headerValue('x-d1-bookmark')).toBeNull();
    await search(page, 'lovelace');
    const next = requests.filter((r) => new URL(r.url()).pathname === '/v1/users')[1]!;
    expect(bookmarks).toContain(await next.headerValue('x-d1-bookmark'));
    await page.context().close();
  });

  it('stays signed in with a key that lacks a scope, and shows the API’s reason for what it may not do', async () => {
    const active = seeded.find((u) => u.status)!;
    const { page } = await openConsole();
    await signIn(page, readKey);
    await openUser(page, active);
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/ \(role: applications\) missing scope \(users\.write\)$/);
    await expect(page.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);
    expect(await getUser(active.$id)).toMatchObject({ status: true });
    await page.context().close();
  });

  it('goes back to the key form when the API answers 401', async () => {
    const { page } = await signedIn();
    await page.evaluate(() => {
      const { sessionStorage } = globalThis as unknown as PageGlobals;
      const saved = JSON.parse(sessionStorage.getItem(sessionStorage.key(0)!)!);
      sessionStorage.setItem(sessionStorage.key(0)!, JSON.stringify({ ...saved, key: 'revoked' }));
    });
    await page.goto(`${CONSOLE}#/users/${seeded[0]!.$id}`);
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('User (role: guests) missing scope (users.read)');
    await page.getByLabel('API key', { exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
    await page.context().close();
  });
});

describe('the users table', () => {
  it('searches as you type, debounced, and shows total, phone, labels and status', async () => {
    const { page, requests } = await signedIn();
    await page.getByLabel('Search name or email', { exact: true }).pressSequentially('lovel', { delay: 40 });
    await page.getByText('1 user matching “lovel”').waitFor();
    expect(await tableNames(page)).toEqual(['Ada Lovelace']);
    // Debounced: fewer requests than key presses (one, unless the machine stalls between keys), the last for the whole word.
    const searches = usersRequests(requests)
      .filter((url) => url.searchParams.has('search'))
      .map((url) => url.searchParams.get('search'));
    expect(searches.length).toBeLessThan('lovel'.length);
    expect(searches.at(-1)).toBe('lovel');
    const row = page.locator('table.users tbody tr').first();
    expect(await row.locator('.badge').innerText()).toBe('Active');
    expect(await row.locator('td.email').innerText()).toBe(`ada.lovelace@${DOMAIN}\n+442071234567`);
    await search(page, 'hopper');
    expect(await row.locator('td.labels .badge').allInnerTexts()).toEqual(['vip', 'beta']);

    await search(page, 'nobody-has-this-name');
    await page.getByText('No user matches this search.').waitFor();
    await page.context().close();
  });

  it('pages with the cursor, both ways, and orders', async () => {
    const { page, requests } = await signedIn();
    await search(page, DOMAIN);
    await page.getByText(`30 users matching “${DOMAIN}”`).waitFor();
    expect(await tableNames(page)).toEqual(seeded.slice(0, 25).map((u) => u.name));
    await page.getByText('1–25 of 30').waitFor();
    await expect(page.getByRole('button', { name: '← Previous' }).isDisabled()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Next →' }).click();
    await shows(page, page.getByText('26–30 of 30'));
    expect(await tableNames(page)).toEqual(seeded.slice(25).map((u) => u.name));
    const next = usersRequests(requests).at(-1)!;
    expect(next.searchParams.get('search')).toBe(DOMAIN);
    expect(queriesOf(next)).toEqual([
      { method: 'orderAsc', attribute: 'registration' },
      { method: 'limit', values: [25] },
      { method: 'cursorAfter', values: [seeded[24]!.$id] },
    ]);
    await expect(page.getByRole('button', { name: 'Next →' }).isDisabled()).resolves.toBe(true);

    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('1–25 of 30').waitFor();
    expect(await tableNames(page)).toEqual(seeded.slice(0, 25).map((u) => u.name));
    expect(queriesOf(usersRequests(requests).at(-1)!)).toContainEqual({ method: 'cursorBefore', values: [seeded[25]!.$id] });

    await page.getByLabel('Order', { exact: true }).selectOption('DESC');
    await expect
      .poll(() => tableNames(page))
      .toEqual(
        seeded
          .slice(5)
          .reverse()
          .map((u) => u.name),
      );
    await page.context().close();
  });

  // queries[] (contract §12.3): equal on status and emailVerification, contains on labels.
  it('filters by status, email verification and label, beside the search, and pages the filtered list', async () => {
    const { page, requests } = await signedIn();
    await search(page, DOMAIN);
    const status = page.getByLabel('Status', { exact: true });
    const verification = page.getByLabel('Email verification', { exact: true });
    const label = page.getByLabel('Label', { exact: true });
    const showing = (users: User[]) => expect.poll(() => tableNames(page)).toEqual(names(users));

    await status.selectOption('Blocked');
    await showing(seeded.filter((u) => !u.status));
    expect(names(seeded.filter((u) => !u.status))).toEqual(['Margaret Hamilton', 'Hedy Lamarr']);
    await page.getByText(`2 users matching “${DOMAIN}”`).waitFor();
    expect(usersRequests(requests).at(-1)!.searchParams.get('search')).toBe(DOMAIN);
    expect(queriesOf(usersRequests(requests).at(-1)!)).toContainEqual({ method: 'equal', attribute: 'status', values: [false] });

    await verification.selectOption('Verified');
    await showing(seeded.filter((u) => !u.status && u.emailVerification));
    await status.selectOption('Any');
    await showing(seeded.filter((u) => u.emailVerification));
    expect(names(seeded.filter((u) => u.emailVerification))).toEqual(['Barbara Liskov', 'Radia Perlman', 'Hedy Lamarr']);

    await label.fill('vip');
    await showing(seeded.filter((u) => u.emailVerification && u.labels.includes('vip')));
    expect(queriesOf(usersRequests(requests).at(-1)!)).toEqual(
      expect.arrayContaining([
        { method: 'equal', attribute: 'emailVerification', values: [true] },
        { method: 'contains', attribute: 'labels', values: ['vip'] },
      ]),
    );
    await verification.selectOption('Any');
    await showing(seeded.filter((u) => u.labels.includes('vip')));
    expect(names(seeded.filter((u) => u.labels.includes('vip')))).toEqual(['Grace Hopper', 'Alan Turing', 'Hedy Lamarr']);
    await label.fill('nobody-has-this-label');
    await page.getByText('No user matches these filters.').waitFor();

    // 28 active users: two pages, and back, with the filter in every request.
    await label.fill('');
    await status.selectOption('Active');
    const active = seeded.filter((u) => u.status);
    await showing(active.slice(0, 25));
    await page.getByText('1–25 of 28').waitFor();
    await page.getByRole('button', { name: 'Next →' }).click();
    await shows(page, page.getByText('26–28 of 28'));
    expect(await tableNames(page)).toEqual(names(active.slice(25)));
    expect(queriesOf(usersRequests(requests).at(-1)!)).toEqual([
      { method: 'equal', attribute: 'status', values: [true] },
      { method: 'orderAsc', attribute: 'registration' },
      { method: 'limit', values: [25] },
      { method: 'cursorAfter', values: [active[24]!.$id] },
    ]);
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('1–25 of 28').waitFor();
    expect(await tableNames(page)).toEqual(names(active.slice(0, 25)));

    // Kept while the tab lives: back from a user, the same filter.
    await openUser(page, active[0]!);
    await page.getByRole('link', { name: '← All users' }).click();
    await page.getByText('1–25 of 28').waitFor();
    await expect(page.getByLabel('Status', { exact: true }).inputValue()).resolves.toBe('active');
    await page.context().close();
  });

  it('creates a user and opens it', async () => {
    const { page } = await signedIn();
    await page.getByText('Create a user').click();
    const email = `new.operator.user@${DOMAIN}`;
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Phone (optional)', { exact: true }).fill('+14155550188');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Name (optional)', { exact: true }).fill('Created In Console');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'Created In Console', level: 1 }).waitFor();
    await page.getByText(`Created ${email}.`).waitFor();
    const listed = await callApi('GET', `/users?search=${encodeURIComponent(email)}`);
    expect(listed.json.users).toEqual([expect.objectContaining({ email, phone: '+14155550188', name: 'Created In Console', status: true })]);
    expect(page.url()).toBe(`${CONSOLE}#/users/${listed.json.users[0].$id}`);

    // The API's own words for a failure, e.g. the same email again.
    await page.goto(`${CONSOLE}#/users`);
    await page.getByText('Create a user').click();
    await page.getByLabel('Email', { exact: true }).fill(email.toUpperCase());
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('A user with the same id, email, or phone already exists in this project.');
    await page.context().close();
  });

  it('is readable in a 400 px wide window', async () => {
    const { page } = await signedIn({ width: 400, height: 800 });
    await search(page, DOMAIN);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.readUInt32BE(16)).toBe(400); // the PNG's width: nothing overflows sideways
    await openUser(page, seeded[1]!);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    await page.context().close();
  });
});

// GET /v1/users/usage (contract §12.3): the chart's bars and numbers are the API's.
describe('the usage chart', () => {
  interface Metric {
    value: number;
    date: string;
  }

  it('draws users and sessions created per day over 30 days, in proportion, as the API counts them', async () => {
    const before = (await callApi('GET', '/users/usage?range=30d')).json as { users: Metric[]; sessions: Metric[] };
    // Today's bars grow by what this test adds.
    const user = await createUser('Usage Counter');
    await startSession(user.email, FIREFOX_MAC);
    await startSession(user.email, CHROME_70_WINDOWS_10);
    const { page, requests } = await signedIn();
    const chart = page.locator('svg.chart');
    await shows(page, chart);
    const usage = (await callApi('GET', '/users/usage?range=30d')).json as { usersTotal: number; users: Metric[]; sessions: Metric[] };
    expect(usage.users).toHaveLength(30);
    expect(usage.users.at(-1)!.value).toBe(before.users.at(-1)!.value + 1);
    expect(usage.sessions.at(-1)!.value).toBe(before.sessions.at(-1)!.value + 2);
    expect(usersRequests(requests).length).toBeGreaterThan(0);
    expect(
      requests
        .map((r) => new URL(r.url()))
        .find((url) => url.pathname === '/v1/users/usage')!
        .searchParams.get('range'),
    ).toBe('30d');

    const bars = async (series: string) =>
      chart.locator(`rect.bar.${series}`).evaluateAll((rects) =>
        rects.map((rect) => ({
          title: rect.textContent,
          height: Number(rect.getAttribute('height')),
          bottom: Number(rect.getAttribute('y')) + Number(rect.getAttribute('height')),
        })),
      );
    const users = await bars('users');
    const sessions = await bars('sessions');
    const day = (m: Metric) => m.date.slice(0, 10);
    const titled = (list: Metric[], noun: string) => list.map((m) => `${day(m)}: ${m.value.toLocaleString('en')} ${noun}${m.value === 1 ? '' : 's'} created`);
    expect(users.map((b) => b.title)).toEqual(titled(usage.users, 'user'));
    expect(sessions.map((b) => b.title)).toEqual(titled(usage.sessions, 'session'));

    // One scale for both: heights in proportion to the values, from one baseline; zero is no bar.
    const all = [...users, ...sessions];
    const values = [...usage.users, ...usage.sessions].map((m) => m.value);
    const tallest = all[values.indexOf(Math.max(...values))]!;
    all.forEach((bar, i) => expect(bar.height).toBeCloseTo((values[i]! / Math.max(...values)) * tallest.height, 0));
    expect(new Set(all.map((b) => Math.round(b.bottom))).size).toBe(1);
    expect(tallest.height).toBeGreaterThan(0);

    const created = (list: Metric[]) => list.reduce((sum, m) => sum + m.value, 0).toLocaleString('en');
    await page.getByText(`${created(usage.users)} users created`, { exact: true }).waitFor();
    await page.getByText(`${created(usage.sessions)} sessions created`, { exact: true }).waitFor();
    await page.getByText(`${usage.usersTotal.toLocaleString('en')} users in the project now`, { exact: true }).waitFor();
    // The same numbers as a table, for screen readers and copying.
    await page.getByText('The numbers per day').click();
    const lastRow = page.locator('table.usage-table tbody tr').last();
    expect(await lastRow.locator('td').allInnerTexts()).toEqual([
      day(usage.users.at(-1)!),
      String(usage.users.at(-1)!.value),
      String(usage.sessions.at(-1)!.value),
    ]);
    await page.getByText('The numbers per day').click();
    await search(page, DOMAIN);
    await page.screenshot({ path: join(ROOT, 'docs', 'console-users.png'), fullPage: true });
    await page.context().close();
  });
});

describe('a user', () => {
  it('shows sessions with device, client, OS and country, the activity, and revokes one and all', async () => {
    const user = await createUser('Session Holder');
    const first = await startSession(user.email, CHROME_70_WINDOWS_10);
    await startSession(user.email, FIREFOX_MAC);
    expect((await callApi('PATCH', `/users/${user.$id}/prefs`, { prefs: { theme: 'dark', locale: 'en-GB' } })).status).toBe(200);
    expect((await callApi('PATCH', `/users/${user.$id}/phone`, { number: '+14155550142' })).status).toBe(200);
    expect((await callApi('PUT', `/users/${user.$id}/labels`, { labels: ['support', 'beta'] })).status).toBe(200);
    const { page } = await signedIn();
    await openUser(page, user);

    // wrangler dev's stand-in for Cloudflare's request data places every client in the US.
    const US = '🇺🇸 United States';
    const rows = page.locator('section[aria-labelledby="section-sessions"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const cells = await rows.locator('td:nth-child(-n+4)').allInnerTexts();
    expect([cells.slice(0, 4), cells.slice(4)]).toEqual(
      expect.arrayContaining([
        ['Desktop', 'Chrome 70.0', 'Windows 10', US],
        ['Desktop', 'Firefox 120.0', 'Mac 10.15', US],
      ]),
    );
    const timeline = page.locator('ol.timeline li');
    await expect
      .poll(() => timeline.locator('.event').allInnerTexts())
      .toEqual(['users.update.labels', 'users.update.phone', 'users.update.prefs', 'account.sessions.create', 'account.sessions.create', 'users.create']);
    expect(await timeline.nth(3).locator('.detail').innerText()).toMatch(
      /^(Firefox 120\.0 · Mac 10\.15|Chrome 70\.0 · Windows 10) · Desktop · 🇺🇸 United States · \S+$/,
    );
    expect(await timeline.nth(3).locator('.mode').innerText()).toBe('by the user');
    expect(await timeline.nth(0).locator('.mode').innerText()).toBe('by an API key');
    expect(await page.locator('dl.profile').innerText()).toMatch(/Phone\s+\+14155550142\s+Name\s+Session Holder\s+Labels\s/);
    expect(await page.locator('dl.profile .badge.label').allInnerTexts()).toEqual(['support', 'beta']);
    await page.screenshot({ path: join(ROOT, 'docs', 'console-user.png'), fullPage: true });

    await page.getByRole('button', { name: `Revoke session ${first}` }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect((await callApi('GET', `/users/${user.$id}/sessions`)).json.sessions).toEqual([expect.not.objectContaining({ $id: first })]);

    await page.getByRole('button', { name: 'Revoke all 1 sessions' }).click();
    await page.getByText('No active sessions.').waitFor();
    expect((await callApi('GET', `/users/${user.$id}/sessions`)).json).toEqual({ total: 0, sessions: [] });
    await expect.poll(() => timeline.locator('.event').first().innerText()).toBe('users.sessions.delete');
    await page.context().close();
  });

  it('edits prefs as a JSON object, replacing them (1.x)', async () => {
    const user = await createUser('Prefs Owner');
    expect((await callApi('PATCH', `/users/${user.$id}/prefs`, { prefs: { lang: 'en', nested: { a: 1 } } })).status).toBe(200);
    const { page } = await signedIn();
    await openUser(page, user);
    const editor = page.getByLabel('Edit (JSON object)', { exact: true });
    const save = page.getByRole('button', { name: 'Save prefs' });
    await expect.poll(() => editor.inputValue()).toBe(JSON.stringify({ lang: 'en', nested: { a: 1 } }, null, 2));

    await editor.fill('{"theme": ');
    await page.getByText(/^Not valid JSON/).waitFor();
    await expect(save.isDisabled()).resolves.toBe(true);
    await editor.fill('["dark"]');
    await page.getByText('Prefs must be a JSON object, like {"theme": "dark"}.').waitFor();
    await expect(save.isDisabled()).resolves.toBe(true);

    await editor.fill('{"theme": "dark", "nested": {"b": 2}}');
    await save.click();
    await page.getByText('Preferences saved.').waitFor();
    const replaced = { theme: 'dark', nested: { b: 2 } };
    expect((await callApi('GET', `/users/${user.$id}/prefs`)).json).toEqual(replaced);
    expect(JSON.parse(await page.getByLabel('Stored preferences', { exact: true }).innerText())).toEqual(replaced);
    await page.context().close();
  });

  it('blocks and unblocks', async () => {
    const { user, page } = await signedInUserPage('Block Me');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByText(`Blocked ${user.email}; their sessions ended.`).waitFor();
    expect(await page.locator('dl.profile .badge').innerText()).toBe('Blocked');
    expect(await getUser(user.$id)).toMatchObject({ status: false });
    expect((await callApi('GET', `/users/${user.$id}/sessions`)).json.sessions).toEqual([]);
    await page.getByText('No active sessions.').waitFor();

    await page.getByRole('button', { name: 'Unblock' }).click();
    await page.getByText(`Unblocked ${user.email}.`).waitFor();
    expect(await page.locator('dl.profile .badge').innerText()).toBe('Active');
    expect(await getUser(user.$id)).toMatchObject({ status: true });
    await page.context().close();
  });

  // PATCH /v1/users/{id}/name|email|password|verification (contract §9.1).
  it('edits name, email, password and email verification', async () => {
    const { user, page } = await signedInUserPage('Edit Me');
    const form = (label: string) => page.locator('form.edit').filter({ has: page.getByLabel(label, { exact: true }) });

    await page.getByLabel('Name', { exact: true }).fill('Edited Name');
    await form('Name').getByRole('button', { name: 'Save' }).click();
    await shows(page, page.getByRole('heading', { name: 'Edited Name', level: 1 }));

    const email = `edited.email@${DOMAIN}`;
    await page.getByLabel('Email', { exact: true }).fill(email);
    await form('Email').getByRole('button', { name: 'Save' }).click();
    await page.locator('dl.profile').getByText(email).waitFor();

    await page.getByLabel('New password', { exact: true }).fill('another secret');
    await form('New password').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved new password.').waitFor();
    await page.getByText('No active sessions.').waitFor();

    await page.getByLabel('Email verified', { exact: true }).check();
    await form('Email verified').getByRole('button', { name: 'Save' }).click();
    await page.locator('dl.profile').getByText('Verified', { exact: true }).waitFor();

    expect(await getUser(user.$id)).toMatchObject({ name: 'Edited Name', email, emailVerification: true });
    const signInWithNew = await fetch(`${endpoint}/account/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId },
      body: JSON.stringify({ email, password: 'another secret' }),
    });
    expect(signInWithNew.status).toBe(201);
    await expect
      .poll(() => page.locator('ol.timeline .event').allInnerTexts())
      .toEqual(expect.arrayContaining(['users.update.name', 'users.update.email', 'users.update.password', 'users.update.verification']));
    await page.context().close();
  });

  // PATCH /v1/users/{id}/phone and …/verification/phone, PUT …/labels (contract §12.3).
  it('edits phone, phone verification and labels, and shows the API’s reason for a bad value', async () => {
    const { user, page } = await signedInUserPage('Phone And Labels');
    const form = (label: string) => page.locator('form.edit').filter({ has: page.getByLabel(label, { exact: true }) });
    const profile = page.locator('dl.profile');
    const phone = page.getByLabel('Phone', { exact: true });
    const labels = page.getByLabel('Labels', { exact: true });

    await phone.fill('+14155550199');
    await form('Phone').getByRole('button', { name: 'Save' }).click();
    await shows(page, profile.getByText('+14155550199'));
    await page.getByLabel('Phone verified', { exact: true }).check();
    await form('Phone verified').getByRole('button', { name: 'Save' }).click();
    await shows(page, page.getByText('Saved phone verified.'));
    await labels.fill('vip, beta  vip');
    await form('Labels').getByRole('button', { name: 'Save' }).click();
    await shows(page, profile.locator('.badge.label').getByText('beta'));
    expect(await profile.locator('.badge.label').allInnerTexts()).toEqual(['vip', 'beta']);
    expect(await getUser(user.$id)).toMatchObject({ phone: '+14155550199', phoneVerification: true, labels: ['vip', 'beta'] });
    await expect(labels.inputValue()).resolves.toBe('vip, beta');

    // The API's words for values it refuses; nothing changes.
    await phone.fill('0155 5501');
    await form('Phone').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/^Invalid `number` param: /);
    await labels.fill('not-a-label!');
    await form('Labels').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/^Invalid `labels` param: /);
    expect(await getUser(user.$id)).toMatchObject({ phone: '+14155550199', labels: ['vip', 'beta'] });

    // An empty phone and no labels remove them (the message line says so, replacing the last error).
    await phone.fill('');
    await form('Phone').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved phone.').waitFor();
    await labels.fill('');
    await form('Labels').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved labels.').waitFor();
    const shown = (term: string) => profile.getByText(term, { exact: true }).locator('xpath=following-sibling::dd[1]').innerText();
    expect([await shown('Phone'), await shown('Labels')]).toEqual(['(none)', '(none)']);
    expect(await getUser(user.$id)).toMatchObject({ phone: '', labels: [] });
    await expect
      .poll(() => page.locator('ol.timeline .event').allInnerTexts())
      .toEqual(expect.arrayContaining(['users.update.phone', 'users.update.phoneVerification', 'users.update.labels']));
    await page.context().close();
  });

  // DELETE /v1/users/{id} (contract §9.1).
  it('deletes only after the email or id is typed', async () => {
    const user = await createUser('Delete Me');
    const { page } = await signedIn();
    await openUser(page, user);
    const confirm = page.getByLabel('Type the user’s email or ID to confirm', { exact: true });
    const remove = page.getByRole('button', { name: 'Delete this user' });
    await expect(remove.isDisabled()).resolves.toBe(true);
    await confirm.fill(user.email.slice(0, -1));
    await expect(remove.isDisabled()).resolves.toBe(true);
    await confirm.fill(user.$id);
    await expect(remove.isDisabled()).resolves.toBe(false);
    await remove.click();
    await shows(page, page.getByText(`Deleted ${user.email}.`));
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    expect((await callApi('GET', `/users/${user.$id}`)).status).toBe(404);

    // An unknown user is a page that says so.
    await page.goto(`${CONSOLE}#/users/${user.$id}`);
    await page.getByRole('heading', { name: 'User not found', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('User with the requested ID could not be found.');
    await page.context().close();
  });
});

// POST /v1/users/{id}/sessions and …/jwts (contract §12.4), for support work: the secret is
// shown once, copied from the page, and kept nowhere by the console.
describe('support access', () => {
  /** GET /v1/account (1.x) as whoever the headers say. */
  const account = (headers: Record<string, string>) =>
    fetch(`${endpoint}/account`, { headers: { 'x-appwrite-project': projectId, ...DIALECT, ...headers } }).then(async (r) => ({
      status: r.status,
      json: await r.json(),
    }));

  /** What the page keeps: storage, the address, and (while shown) the document. */
  const kept = (page: Page) =>
    page.evaluate(() => {
      const { sessionStorage, localStorage, document, location } = globalThis as unknown as PageGlobals & {
        document: { documentElement: { outerHTML: string } };
        location: { href: string };
      };
      return { storage: JSON.stringify([sessionStorage, localStorage]), url: location.href, html: document.documentElement.outerHTML };
    });

  async function supportPage(name: string) {
    const { user, page } = await signedInUserPage(name);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const section = page.locator('section[aria-labelledby="section-support-access"]');
    return { user, page, section };
  }

  /** The secret shown, after checking it copies and that nothing but the field holds it. */
  async function shownSecret(page: Page, section: Locator, label: string): Promise<string> {
    const field = section.getByLabel(label, { exact: true });
    await shows(page, field);
    const secret = await field.inputValue();
    expect(secret.length).toBeGreaterThan(0);
    await section.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()),
    ).toBe(secret);
    const whileShown = await kept(page);
    expect(whileShown.storage).not.toContain(secret);
    expect(whileShown.url).not.toContain(secret);
    await section.getByRole('button', { name: 'Hide' }).click();
    await field.waitFor({ state: 'detached' });
    expect((await kept(page)).html).not.toContain(secret);
    return secret;
  }

  it('creates a session for the user, its secret shown once, and it signs in as the user', async () => {
    const { user, page, section } = await supportPage('Support Session');
    await section.getByRole('button', { name: 'Create a session' }).click();
    const secret = await shownSecret(page, section, 'Session secret (shown once)');
    const sessions = (await callApi('GET', `/users/${user.$id}/sessions`)).json.sessions as Array<{ $id: string; provider: string }>;
    expect(sessions.map((s) => s.provider).sort()).toEqual(['email', 'server']);
    await expect.poll(() => page.locator('section[aria-labelledby="section-sessions"] tbody tr').count()).toBe(2);
    expect(await account({ 'x-appwrite-session': secret })).toMatchObject({ status: 200, json: { $id: user.$id } });
    // Gone from the page: reloading shows no secret, and the API never gives it again.
    await page.reload();
    await openUser(page, user);
    expect((await kept(page)).html).not.toContain(secret);
    expect(JSON.stringify((await callApi('GET', `/users/${user.$id}/sessions`)).json)).not.toContain(secret);
    await page.context().close();
  });

  it('creates a JWT for the most recent or a chosen session, shown once, and it authenticates as the user', async () => {
    const { user, page, section } = await supportPage('Support Jwt');
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    await section.getByLabel('Valid for (seconds)', { exact: true }).fill('600');
    await section.getByRole('button', { name: 'Create a JWT' }).click();
    const jwt = await shownSecret(page, section, 'JWT (shown once)');
    expect(jwt.split('.')).toHaveLength(3);
    const sent = requests.find((r) => new URL(r.url()).pathname === `/v1/users/${user.$id}/jwts`)!;
    expect(JSON.parse(sent.postData()!)).toEqual({ sessionId: 'recent', duration: 600 });
    expect(await account({ 'x-appwrite-jwt': jwt })).toMatchObject({ status: 200, json: { $id: user.$id } });

    const [session] = (await callApi('GET', `/users/${user.$id}/sessions`)).json.sessions as Array<{ $id: string }>;
    await section.getByLabel('For the session', { exact: true }).selectOption(session!.$id);
    await section.getByRole('button', { name: 'Create a JWT' }).click();
    // The user's one session is also the most recent: the JWT may equal the first (same claims, same second).
    const second = await shownSecret(page, section, 'JWT (shown once)');
    expect(
      JSON.parse(
        requests
          .filter((r) => new URL(r.url()).pathname.endsWith('/jwts'))
          .at(-1)!
          .postData()!,
      ),
    ).toEqual({ sessionId: session!.$id, duration: 600 });

    // Revoking the session ends its JWTs on the very next request (contract §12.4).
    await page.getByRole('button', { name: `Revoke session ${session!.$id}` }).click();
    await page.getByText('No active sessions.').waitFor();
    for (const token of [jwt, second]) expect(await account({ 'x-appwrite-jwt': token })).toMatchObject({ status: 401, json: { type: 'user_jwt_invalid' } });
    // With no session left, the API's reason shows.
    await section.getByRole('button', { name: 'Create a JWT' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).not.toBe('');
    await page.context().close();
  });
});

describe('import and export', () => {
  // POST /v1/users/import and GET /v1/users/export (contract §9.2–9.3).
  it('imports a JSON Lines file in chunks of 1000, with progress to 100 % and a summary', async () => {
    const domain = `import.${DOMAIN}`;
    const records = Array.from({ length: 1500 }, (_, i) => ({ email: `imported.${i}@${domain}`, name: `Imported ${i}`, registration: 1_600_000_000 + i }));
    records.push({ email: `imported.7@${domain}`, name: 'Duplicate', registration: 1_600_000_000 });
    const { page, requests } = await signedIn();
    await page.getByRole('link', { name: 'Import / export' }).click();
    await page
      .getByLabel('File', { exact: true })
      .setInputFiles({ name: 'users.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n') });
    await page.getByText('1,501 records in users.jsonl (JSON Lines').waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await shows(page, page.getByText('1,500 created'));
    const progress = page.getByLabel('Import progress', { exact: true });
    expect(await progress.evaluate((bar) => [(bar as unknown as { value: number }).value, (bar as unknown as { max: number }).max])).toEqual([1501, 1501]);
    await page.getByText('1,501 of 1,501 (100 %)').waitFor();
    await page.getByText(`Record 1501 (imported.7@${domain}): User already registered`).waitFor();
    const imports = requests.filter((r) => new URL(r.url()).pathname === '/v1/users/import');
    expect(imports.map((r) => (JSON.parse(r.postData()!) as { users: unknown[] }).users.length)).toEqual([1000, 501]);
    expect((await callApi('GET', `/users?search=${domain}&${queries({ method: 'limit', values: [0] })}`)).json.total).toBe(1500);
    await page.context().close();
  });

  it('exports every user as JSON Lines', async () => {
    const { page } = await signedIn();
    await page.getByRole('link', { name: 'Import / export' }).click();
    const downloading = page.waitForEvent('download');
    downloading.catch(() => {}); // awaited below, unless the console shows an error first
    await page.getByRole('button', { name: 'Download JSON Lines' }).click();
    await shows(page, page.getByText(/^Exported [\d,]+ users\.$/));
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(new RegExp(`^users-${projectId}-\\d{4}-\\d\\d-\\d\\d\\.jsonl$`));
    const lines = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { userId: string; email: string });
    const { total: sum } = (await callApi('GET', `/users?${queries({ method: 'limit', values: [0] })}`)).json as { total: number };
    expect(lines).toHaveLength(sum);
    expect(lines).toEqual(expect.arrayContaining(seeded.map((u) => expect.objectContaining({ userId: u.$id, email: u.email, name: u.name }))));
    await page.getByText(`Exported ${sum.toLocaleString('en')} users.`, { exact: true }).waitFor();
    await page.context().close();
  });
});
