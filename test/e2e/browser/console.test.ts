// The users console (GET /console) in headless Chromium against the real `wrangler dev`:
// an operator signs in with an API key and manages users through the public API only.
// Writes docs/console-users.png and docs/console-user.png, which the README shows.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/tools.ts';
import { launchChromium } from './chromium.ts';

const endpoint = inject('endpoint');
const projectId = inject('projectId');
const key = inject('key');
const origin = new URL(endpoint).origin;
const CONSOLE = `${origin}/console`;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const PASSWORD = 'correct horse';
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

interface User {
  $id: string;
  email: string;
  name: string;
  status: number;
  emailVerification: boolean;
}

/** The public API with the e2e key, from Node. */
async function callApi(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId, 'x-appwrite-key': key, ...headers },
    body: body && JSON.stringify(body),
  });
  return { status: response.status, json: response.status === 204 ? null : await response.json() };
}

async function createUser(name: string, email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${DOMAIN}`): Promise<User> {
  const { status, json } = await callApi('POST', '/users', { email, password: PASSWORD, name });
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
  // Some activated and blocked users, so the table shows every status badge.
  const statuses: Record<string, number> = {
    'Grace Hopper': 1,
    'Alan Turing': 1,
    'Barbara Liskov': 1,
    'Margaret Hamilton': 2,
    'Radia Perlman': 1,
    'Hedy Lamarr': 2,
  };
  for (const user of seeded.filter((u) => u.name in statuses)) {
    expect((await callApi('PATCH', `/users/${user.$id}/status`, { status: statuses[user.name] })).status).toBe(200);
  }
  const listed = await callApi('GET', `/users?search=${DOMAIN}&limit=100`);
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
    expect(requests.filter((r) => new URL(r.url()).origin !== origin).map((r) => r.url())).toEqual([]);
    expect(requests.map((r) => new URL(r.url()).pathname)).toEqual(
      expect.arrayContaining(['/console', '/console/app.js', '/console/console.css', '/v1/users']),
    );
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('signing in', () => {
  it('refuses a wrong key with the API’s message and keeps nothing', async () => {
    const { page } = await openConsole();
    await signIn(page, 'not-the-key');
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('Guest (role: guest) missing scope (users.read)');
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
    expect(await api.allHeaders()).toMatchObject({ 'x-appwrite-project': projectId, 'x-appwrite-key': key });
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
    const list = requests.find((r) => new URL(r.url()).pathname === '/v1/users')!;
    const bookmark = await (await list.response())!.headerValue('x-d1-bookmark');
    expect(bookmark).toEqual(expect.any(String));
    expect(await list.headerValue('x-d1-bookmark')).toBeNull();
    await search(page, 'lovelace');
    const next = requests.filter((r) => new URL(r.url()).pathname === '/v1/users')[1]!;
    expect(await next.headerValue('x-d1-bookmark')).toBe(bookmark);
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
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('Guest (role: guest) missing scope (users.read)');
    await page.getByLabel('API key', { exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
    await page.context().close();
  });
});

describe('the users table', () => {
  it('searches as you type, debounced, and shows sum and status', async () => {
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
    expect(await page.locator('table.users tbody tr').first().locator('.badge').innerText()).toBe('Unactivated');

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
    await page.screenshot({ path: join(ROOT, 'docs', 'console-users.png'), fullPage: true });

    await page.getByRole('button', { name: 'Next →' }).click();
    await shows(page, page.getByText('26–30 of 30'));
    expect(await tableNames(page)).toEqual(seeded.slice(25).map((u) => u.name));
    const next = usersRequests(requests).at(-1)!;
    expect(Object.fromEntries(next.searchParams)).toMatchObject({ cursor: seeded[24]!.$id, cursorDirection: 'after', search: DOMAIN, orderType: 'ASC' });
    await expect(page.getByRole('button', { name: 'Next →' }).isDisabled()).resolves.toBe(true);

    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('1–25 of 30').waitFor();
    expect(await tableNames(page)).toEqual(seeded.slice(0, 25).map((u) => u.name));
    expect(Object.fromEntries(usersRequests(requests).at(-1)!.searchParams)).toMatchObject({ cursor: seeded[25]!.$id, cursorDirection: 'before' });

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

  it('creates a user and opens it', async () => {
    const { page } = await signedIn();
    await page.getByText('Create a user').click();
    const email = `new.operator.user@${DOMAIN}`;
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Name (optional)', { exact: true }).fill('Created In Console');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'Created In Console', level: 1 }).waitFor();
    await page.getByText(`Created ${email}.`).waitFor();
    const listed = await callApi('GET', `/users?search=${encodeURIComponent(email)}`);
    expect(listed.json.users).toEqual([expect.objectContaining({ email, name: 'Created In Console', status: 0 })]);
    expect(page.url()).toBe(`${CONSOLE}#/users/${listed.json.users[0].$id}`);

    // The API's own words for a failure, e.g. the same email again.
    await page.goto(`${CONSOLE}#/users`);
    await page.getByText('Create a user').click();
    await page.getByLabel('Email', { exact: true }).fill(email.toUpperCase());
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('User already registered');
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

describe('a user', () => {
  it('shows sessions with device, client, OS and country, the activity, and revokes one and all', async () => {
    const user = await createUser('Session Holder');
    const first = await startSession(user.email, CHROME_70_WINDOWS_10);
    await startSession(user.email, FIREFOX_MAC);
    expect((await callApi('PATCH', `/users/${user.$id}/prefs`, { prefs: { theme: 'dark', locale: 'en-GB' } })).status).toBe(200);
    const { page } = await signedIn();
    await openUser(page, user);

    // wrangler dev's stand-in for Cloudflare's request data places every client in the US.
    const US = '🇺🇸 United States';
    const rows = page.locator('section[aria-labelledby="section-sessions"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const cells = await rows.locator('td:nth-child(-n+4)').allInnerTexts();
    expect([cells.slice(0, 4), cells.slice(4)]).toEqual(
      expect.arrayContaining([
        ['Desktop', 'Chrome 70.0', 'Windows 10 (x64)', US],
        ['Desktop', 'Firefox 120.0', 'Mac 10.15', US],
      ]),
    );
    const timeline = page.locator('ol.timeline li');
    await expect
      .poll(() => timeline.locator('.event').allInnerTexts())
      .toEqual(['users.update.prefs', 'account.sessions.create', 'account.sessions.create', 'users.create']);
    expect(await timeline.nth(1).locator('.detail').innerText()).toMatch(
      /^(Firefox 120\.0 · Mac 10\.15|Chrome 70\.0 · Windows 10 \(x64\)) · Desktop · 🇺🇸 United States · \S+$/,
    );
    await page.screenshot({ path: join(ROOT, 'docs', 'console-user.png'), fullPage: true });

    await page.getByRole('button', { name: `Revoke session ${first}` }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect((await callApi('GET', `/users/${user.$id}/sessions`)).json).toEqual([expect.not.objectContaining({ $id: first })]);

    await page.getByRole('button', { name: 'Revoke all 1 sessions' }).click();
    await page.getByText('No active sessions.').waitFor();
    expect((await callApi('GET', `/users/${user.$id}/sessions`)).json).toEqual([]);
    await expect.poll(() => timeline.locator('.event').first().innerText()).toBe('users.sessions.delete');
    await page.context().close();
  });

  it('edits prefs as a JSON object, merged shallowly', async () => {
    const user = await createUser('Prefs Owner');
    expect((await callApi('PATCH', `/users/${user.$id}/prefs`, { prefs: { lang: 'en', nested: { a: 1 } } })).status).toBe(200);
    const { page } = await signedIn();
    await openUser(page, user);
    const editor = page.getByLabel('Edit (JSON object)', { exact: true });
    const save = page.getByRole('button', { name: 'Merge into prefs' });
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
    const merged = { lang: 'en', nested: { b: 2 }, theme: 'dark' };
    expect((await callApi('GET', `/users/${user.$id}/prefs`)).json).toEqual(merged);
    expect(JSON.parse(await page.getByLabel('Stored preferences', { exact: true }).innerText())).toEqual(merged);
    await page.context().close();
  });

  it('blocks and unblocks', async () => {
    const { user, page } = await signedInUserPage('Block Me');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByText(`Blocked ${user.email}; their sessions ended.`).waitFor();
    expect(await page.locator('dl.profile .badge').innerText()).toBe('Blocked');
    expect(await getUser(user.$id)).toMatchObject({ status: 2 });
    expect((await callApi('GET', `/users/${user.$id}/sessions`)).json).toEqual([]);
    await page.getByText('No active sessions.').waitFor();

    await page.getByRole('button', { name: 'Unblock (set Activated)' }).click();
    await page.getByText(`Unblocked ${user.email}.`).waitFor();
    expect(await page.locator('dl.profile .badge').innerText()).toBe('Activated');
    expect(await getUser(user.$id)).toMatchObject({ status: 1 });
    await page.context().close();
  });

  // PATCH /v1/users/{id}/name|email|password|verification (contract §9.1).
  it('edits name, email, password and verification', async () => {
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
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('User not found');
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
    expect((await callApi('GET', `/users?search=${domain}&limit=0`)).json.sum).toBe(1500);
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
    const { sum } = (await callApi('GET', '/users?limit=0')).json as { sum: number };
    expect(lines).toHaveLength(sum);
    expect(lines).toEqual(expect.arrayContaining(seeded.map((u) => expect.objectContaining({ userId: u.$id, email: u.email, name: u.name }))));
    await page.getByText(`Exported ${sum.toLocaleString('en')} users.`, { exact: true }).waitFor();
    await page.context().close();
  });
});
