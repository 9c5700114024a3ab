// Hostile input, generated (fast-check, fixed seed): thousands of requests with random
// methods, paths (the real route patterns with odd ids, random segments, `..`, `%00`,
// `%2F`, unicode, very long), query strings, credentials and bodies (invalid JSON,
// wrong types, deep nesting, ~100 KB strings, NUL bytes, lone surrogates, `__proto__`
// keys, 1e309 / -0 / huge integers). For every response:
//   - the status is below 500;
//   - a 4xx is the contract's error JSON {message, code: <status>, version} with
//     `Content-Type: application/json; charset=UTF-8` (HEAD: headers only);
//   - stored data (every row of users, sessions, audit_logs, projects, api_keys, the
//     search index's size, the KV token keys) is unchanged after a 4xx, and after any
//     GET, HEAD or OPTIONS; the one 4xx that may write is a refused sign-in of an
//     existing user (401), which appends exactly one `account.sessions.failed`;
//   - projects.user_count always equals the project's number of users;
//   - no response carries a password hash or a D1/SQLite error.
// Requests use real fixtures (a project, its keys, users, a live session cookie) about
// 70 % of the time, so that they get past authentication into parameter validation and
// the handlers (prefs merges, status changes, sign-ins, session deletions).
//
// Reproduce a failure with the seed it prints: HARDENING_SEED=<seed> npx vitest run test/hardening/hostile-input.property.test.ts
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { endpoints } from '../../src/routes/index.ts';
import { createProject, type TestProject } from '../helpers.ts';
import {
  CHEAP,
  JSON_CONTENT_TYPE,
  SERVICE_VERSION,
  fastUsers,
  fingerprint,
  randomIp,
  send,
  sendRequest,
  sessionOf,
  setHashCost,
  type FastUser,
  type Session,
} from './support.ts';

const SEED = Number(env.TEST_FUZZ_SEED) || 20_260_601;
const RUNS = { routes: 1400, anything: 700, bodies: 900 };

vi.setConfig({ testTimeout: 120_000 });

// ---------------------------------------------------------------------------
// Fixtures, referred to by placeholders in generated requests ({{user}}, {{cookie}}, …)
// and substituted when a request is sent, so that a fixture can be replaced when a
// generated request legitimately ends it (a block, a sign-out).

interface Fixtures {
  project: TestProject;
  other: TestProject;
  pool: FastUser[];
  /** Index of {{user}} in the pool. */
  current: number;
  /** Each fixture user's password hash as made: a different one means a write changed the password. */
  hashes: Map<string, string>;
  user: FastUser;
  session: Session;
  blocked: FastUser;
  otherUser: FastUser;
  otherSession: Session;
}
let fx: Fixtures;
let restoreHashCost: (() => void) | undefined;

async function signInApi(project: TestProject, user: FastUser): Promise<Session> {
  const response = await send('/account/sessions', { method: 'POST', project, ip: randomIp(), body: { email: user.email, password: user.password } });
  if (response.status !== 201) throw new Error(`fixture sign-in: ${response.status} ${await response.text()}`);
  return sessionOf(project.id, response);
}

beforeAll(async () => {
  // Hashing is not the subject here: the Worker hashes at CHEAP cost, so that the
  // generated creates and sign-ins that are valid do not dominate the run.
  restoreHashCost = setHashCost(CHEAP);

  const project = await createProject();
  const other = await createProject();
  const pool = await fastUsers(
    project,
    Array.from({ length: 60 }, (_, i) => ({ email: `fuzz.user.${i}@example.com`, name: `Fuzz User ${i}`, prefs: JSON.stringify({ theme: 'dark', n: i }) })),
  );
  const [blocked] = await fastUsers(project, [{ email: 'fuzz.blocked@example.com', status: 2 }]);
  const [otherUser] = await fastUsers(other, [{ email: 'fuzz.other@example.com', name: 'Other Person', prefs: '{"secret":"other-project"}' }]);
  fx = {
    project,
    other,
    pool,
    current: 0,
    hashes: new Map(await Promise.all(pool.map(async (u) => [u.id, await hashOf(u.id)] as const))),
    user: pool[0]!,
    session: await signInApi(project, pool[0]!),
    blocked: blocked!,
    otherUser: otherUser!,
    otherSession: await signInApi(other, otherUser!),
  };
});

afterAll(() => {
  restoreHashCost?.();
});

function substitute(text: string): string {
  if (!text.includes('{{')) return text;
  const values: Record<string, string> = {
    project: fx.project.id,
    otherProject: fx.other.id,
    key: fx.project.key,
    readKey: fx.project.readKey,
    writeKey: fx.project.writeKey,
    otherKey: fx.other.key,
    user: fx.user.id,
    email: fx.user.email,
    password: fx.user.password,
    blocked: fx.blocked.id,
    blockedEmail: fx.blocked.email,
    otherUser: fx.otherUser.id,
    otherEmail: fx.otherUser.email,
    session: fx.session.id,
    cookieValue: fx.session.value,
    otherSession: fx.otherSession.id,
    otherCookieValue: fx.otherSession.value,
  };
  return text.replace(/\{\{(\w+)\}\}/g, (match, name: string) => values[name] ?? match);
}

/**
 * After a successful write, makes sure {{user}} exists, is active, still has the email
 * and password it signs in with, and {{cookie}} still signs in. Otherwise the next
 * pool user takes over (unblocked; one that a write renamed, re-passworded or deleted
 * is skipped), or a fresh user once none is left. Rotating keeps each email's
 * sign-ins under the rate limit.
 */
async function repairFixtures(state: State): Promise<boolean> {
  const intact = (u: FastUser) => {
    const row = state.users.find((r) => r[1] === u.id);
    return row !== undefined && row[4] === u.email.toLowerCase() && row[6] === fx.hashes.get(u.id);
  };
  const active = state.users.find((r) => r[1] === fx.user.id)?.[7] !== 2;
  if (intact(fx.user) && active && state.sessions.some((s) => s[0] === fx.session.id)) return false;
  const next = Array.from({ length: fx.pool.length }, (_, i) => (fx.current + 1 + i) % fx.pool.length).find((i) => intact(fx.pool[i]!));
  if (next !== undefined) {
    fx.current = next;
    fx.user = fx.pool[next]!;
  } else {
    fx.user = (await fastUsers(fx.project, [{ email: `fuzz.fresh.${freshUsers++}@example.com` }]))[0]!;
    fx.hashes.set(fx.user.id, await hashOf(fx.user.id));
  }
  await env.DB.prepare('UPDATE users SET status = 0 WHERE id = ?').bind(fx.user.id).run();
  fx.session = await signInApi(fx.project, fx.user);
  return true;
}
let freshUsers = 0;

async function hashOf(userId: string): Promise<string> {
  return (await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?').bind(userId).first<string>('password_hash'))!;
}

// ---------------------------------------------------------------------------
// Generators

const printable = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
const long = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.constantFrom('x', 'é', '😀', '%', '0')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

/** A path segment standing for an id. */
const idSegment = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('{{user}}', '{{user}}', '{{blocked}}') },
  { weight: 2, arbitrary: fc.constant('{{otherUser}}') },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{20}$/) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2E%2E',
      '%00',
      'a%00b',
      '%2F',
      'a%2Fb',
      '%2f..%2f',
      '%',
      '%ZZ',
      '%E0%A4%A',
      '%ED%A0%80',
      '%F0%9F%98%80',
      '😀',
      'ä',
      '%u0000',
      'current',
      '%20',
      '+',
      "'",
      '"',
      '%27%20OR%201=1--',
      '<script>',
      'null',
      'undefined',
      '__proto__',
      'constructor',
      'prototype',
      '{{user}}%00',
      '{{user}}/',
      '{{USER}}',
      '*',
      '%2A',
      ';',
      'users',
      'sessions',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }).map(encodeURIComponentLoose) },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: long(500, 9000) },
);
const sessionSegment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('{{session}}', 'current') },
  { weight: 2, arbitrary: fc.constant('{{otherSession}}') },
  { weight: 4, arbitrary: idSegment },
);

/** encodeURIComponent that never throws (lone surrogates are kept as raw text). */
function encodeURIComponentLoose(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The route pattern with its :params filled in. */
const filled = (pattern: string) => {
  const names = [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  return fc.tuple(...names.map((n) => (n === 'sessionId' ? sessionSegment : idSegment))).map((values) => {
    let path = pattern;
    names.forEach((name, i) => (path = path.replace(`:${name}`, values[i]!)));
    return path;
  });
};

/** A real route of the table with its :params filled in. */
const routePath = fc.constantFrom(...endpoints.map((e) => e.path)).chain(filled);

const randomPath = fc.oneof(
  fc
    .array(fc.oneof(idSegment, fc.constantFrom('users', 'account', 'sessions', 'prefs', 'status', 'logs', 'health', 'v1', '', '..')), { maxLength: 6 })
    .map((s) => '/' + s.join('/')),
  fc.constantFrom(
    '',
    '/',
    '//',
    '/users/',
    '/users//prefs',
    '/USERS',
    '/users/../users',
    '/users/%2e%2e/users',
    '/account/sessions/',
    '/health/x',
    '/../v1/users',
    '/users?',
    '/users#x',
    '/openapi.json',
    '/docs',
  ),
  routePath.map((p) => p + '/extra'),
  routePath.map((p) => p.toUpperCase()),
);

const queryKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('limit', 'offset', 'search', 'orderType', 'project') },
  { weight: 1, arbitrary: fc.constantFrom('email', 'password', 'prefs', 'status', '__proto__', 'constructor', 'limit[]', 'LIMIT', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const queryValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('0', '1', '25', '100', '101', '-1', '2000', '2001', '1e3', '0x10', '1.5', ' 5', '5 ', '', '999999999999', 'NaN', 'Infinity'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'ASC',
      'DESC',
      'asc',
      'Desc',
      'RANDOM()',
      '{{project}}',
      '{{otherProject}}',
      '{{email}}',
      'fuzz',
      'user',
      'example.com',
      '"',
      '*',
      'a OR b',
      'NEAR(a b)',
      '-x',
      '^x',
      'x*',
    ),
  },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: long(250, 3000) },
);
const query = fc
  .tuple(fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }), fc.boolean())
  .map(([pairs, raw]) =>
    raw ? pairs.map(([k, v]) => `${k}=${v}`).join('&') : pairs.map(([k, v]) => `${encodeURIComponentLoose(k)}=${encodeURIComponentLoose(v)}`).join('&'),
  );

// Printable ASCII: what an SDK can send (workerd accepts Latin-1 too, with a warning per request).
const garbage = fc.oneof(
  printable(40),
  long(2000, 20000).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
);

/** Header values (ByteStrings without CR, LF or NUL, as fetch allows). */
const projectHeader = fc.oneof(
  { weight: 14, arbitrary: fc.constantFrom('{{project}}') },
  { weight: 2, arbitrary: fc.constantFrom('{{otherProject}}', 'nope', ' {{project}} ', '{{project}}x') },
  { weight: 2, arbitrary: garbage },
  { weight: 2, arbitrary: fc.constant(undefined) },
);
const keyHeader = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('{{key}}', '{{key}}', '{{readKey}}', '{{writeKey}}') },
  { weight: 2, arbitrary: fc.constantFrom('{{otherKey}}', ' {{key}}', '{{key}}0') },
  { weight: 2, arbitrary: garbage },
  { weight: 4, arbitrary: fc.constant(undefined) },
);
const cookieJson = fc
  .record(
    {
      id: fc.oneof(fc.constantFrom('{{user}}', '{{otherUser}}'), fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)),
      secret: fc.oneof(fc.stringMatching(/^[0-9a-f]{0,64}$/), fc.integer(), fc.constant(null)),
    },
    { requiredKeys: [] },
  )
  .map((o) => btoa(JSON.stringify(o)));
const cookieHeader = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'a_session_{{project}}={{cookieValue}}',
      'a_session_{{project}}_legacy={{cookieValue}}',
      'x=1; a_session_{{project}}={{cookieValue}}; y=2',
    ),
  },
  { weight: 2, arbitrary: cookieJson.map((v) => `a_session_{{project}}=${v}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'a_session_{{project}}={{otherCookieValue}}',
      'a_session_{{otherProject}}={{otherCookieValue}}',
      'a_session_{{project}}=',
      'a_session_{{project}}=%',
      'a_session_{{project}}=%ZZ',
      '=;=;;a_session_',
    ),
  },
  { weight: 2, arbitrary: garbage.map((g) => `a_session_{{project}}=${g.replace(/;/g, '')}`) },
  { weight: 6, arbitrary: fc.constant(undefined) },
);
const fallbackHeader = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"a_session_{{project}}":"{{cookieValue}}"}',
      '{"a_session_{{project}}":"{{otherCookieValue}}"}',
      '{"a_session_{{project}}":12}',
      '[]',
      '[1]',
      'null',
      '{',
      '{"__proto__":{"a_session_{{project}}":"{{cookieValue}}"}}',
    ),
  },
  { weight: 1, arbitrary: cookieJson.map((v) => `{"a_session_{{project}}":"${v}"}`) },
  { weight: 1, arbitrary: garbage },
  { weight: 8, arbitrary: fc.constant(undefined) },
);
const localeHeader = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('en', 'de', 'fr-CA', 'zh-Hant-TW', 'xx', '', '-', 'en-', 'a'.repeat(100), 'de;q=0.5', '*', '123') },
  { weight: 1, arbitrary: garbage },
  { weight: 5, arbitrary: fc.constant(undefined) },
);
const originHeader = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('http://localhost', 'https://evil.example', 'null', '://', 'http://', 'https://localhost:443', 'file://') },
  { weight: 1, arbitrary: garbage },
  { weight: 7, arbitrary: fc.constant(undefined) },
);
const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
      'APPLICATION/JSON',
    ),
  },
  { weight: 1, arbitrary: garbage },
  { weight: 2, arbitrary: fc.constant(undefined) },
);
const ipHeader = fc.oneof(
  { weight: 9, arbitrary: fc.constant('{{randomIp}}') },
  { weight: 1, arbitrary: fc.constantFrom('', '::1', '256.1.1.1', 'x'.repeat(200)) },
);

const headers = fc
  .record({
    'x-appwrite-project': projectHeader,
    'x-appwrite-key': keyHeader,
    cookie: cookieHeader,
    'x-fallback-cookies': fallbackHeader,
    'x-appwrite-locale': localeHeader,
    origin: originHeader,
    'content-type': contentType,
    'cf-connecting-ip': ipHeader,
  })
  .map((h) => Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));

/** Credentials that get a request past authentication to its parameters. */
const goodHeaders = fc
  .record({
    cookie: fc.constantFrom('a_session_{{project}}={{cookieValue}}', 'a_session_{{project}}_legacy={{cookieValue}}'),
    'content-type': fc.constantFrom('application/json', 'application/json', 'application/json', 'application/x-www-form-urlencoded', 'text/plain'),
    key: fc.constantFrom('{{key}}', '{{key}}', '{{writeKey}}'),
  })
  .map(({ cookie, 'content-type': type, key }): Array<[string, string]> => [
    ['x-appwrite-project', '{{project}}'],
    ['x-appwrite-key', key],
    ['cookie', cookie],
    ['content-type', type],
    ['cf-connecting-ip', '{{randomIp}}'],
  ]);

// Bodies, as raw text.
const email = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('{{email}}', '{{blockedEmail}}', '{{otherEmail}}') },
  { weight: 2, arbitrary: fc.nat(1_000_000).map((n) => `fuzz.new.${n}@example.com`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'FUZZ.USER.1@EXAMPLE.COM',
      'a@b',
      '@example.com',
      'a@@b.com',
      'a b@c.com',
      'ä@b.com',
      'a@b.com\u0000',
      `${'a'.repeat(64)}@b.com`,
      `a@${'b'.repeat(250)}.com`,
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.constant({ $ne: null })),
  },
);
const password = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('{{password}}', 'password') },
  { weight: 2, arbitrary: fc.string({ minLength: 0, maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '12345',
      '123456',
      'x'.repeat(32),
      'x'.repeat(33),
      'ééééééééééééééééé',
      '\u0000\u0000\u0000\u0000\u0000\u0000',
      '😀😀😀😀😀😀😀😀😀',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.constant(['password']), fc.constant({})) },
);
const name = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), long(90, 130), fc.integer(), fc.constant(null));
const prefKey = fc.oneof(
  fc.constantFrom('theme', 'n', 'lang', '__proto__', 'constructor', 'prototype', 'toString', '', ' ', '\u0000', 'a.b', '$where'),
  fc.string({ maxLength: 12 }),
);
const prefs = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(prefKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], [1, 2], 'str', 12, true, null, { a: null }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const status = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(0, 1, '0', '1', 2, '2') },
  { weight: 2, arbitrary: fc.constantFrom(3, -1, 1.5, '01', ' 1', '1 ', 'one', true, false, null, [], {}, [1], '', 1e309, -0) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
const params = fc
  .record(
    { email, password, name, prefs, status, project: fc.constantFrom('{{project}}', '{{otherProject}}', 'nope', ''), extra: fc.jsonValue({ maxDepth: 2 }) },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

/** Hand-made hostile JSON texts, with a placeholder or two so that they get past authentication. */
const hostileText = fc.oneof(
  // Deep nesting, in prefs and elsewhere.
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((d) => `{"prefs":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((d) => `{"prefs":{"a":${'['.repeat(d)}${']'.repeat(d)}}}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => `{"email":${'['.repeat(d)}"{{email}}"${']'.repeat(d)},"password":"password"}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => `{"status":${'{"s":'.repeat(d)}2${'}'.repeat(d)}}`) },
  // Huge strings (just under and over the 64 KiB prefs and 128 KiB body limits).
  { weight: 5, arbitrary: fc.integer({ min: 30_000, max: 100_000 }).map((n) => `{"prefs":{"big":"${'x'.repeat(n)}"}}`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 20_000, max: 100_000 })
      .map((n) => `{"email":"${'a'.repeat(n)}@example.com","password":"password","name":"${'n'.repeat(100)}"}`),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => `{"name":"${'😀'.repeat(n / 4)}","email":"fuzz.big.${n}@example.com","password":"password"}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 130_000, max: 140_000 }).map((n) => `{"prefs":{"big":"${'x'.repeat(n)}"}}`) },
  // NUL bytes and lone surrogates, escaped and raw.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"email":"a\\u0000@b.com","password":"password"}',
      '{"email":"{{email}}","password":"pass\\u0000word"}',
      '{"email":"fuzz.nul@example.com","password":"password","name":"\\u0000"}',
      '{"prefs":{"\\u0000":"\\u0000"}}',
      '{"prefs":{"k":"\\ud800"}}',
      '{"prefs":{"\\udc00":1}}',
      '{"prefs":{"k":"\\ud800\\ud800\\udfff"}}',
      '{"email":"fuzz.sur@example.com","password":"pass\\ud800word","name":"x"}',
      '{"email":"fuzz.sur2@example.com","password":"password","name":"\\udfff"}',
      '{"email":"{{email}}\\ud800","password":"password"}',
      '{"status":"\\u0000"}',
      '{"status":"2\\u0000"}',
      '{"prefs":{"raw":"\u0000"}}',
    ),
  },
  // Prototype keys.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"prefs":{"__proto__":{"polluted":true}}}',
      '{"prefs":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"prefs":{"__proto__":null,"toString":"x","valueOf":1,"hasOwnProperty":false}}',
      '{"__proto__":{"prefs":{"a":1}}}',
      '{"__proto__":{"email":"fuzz.proto@example.com","password":"password"}}',
      '{"constructor":{"prototype":{"status":2}},"status":1}',
      '{"__proto__":{"status":2}}',
      '{"prefs":{"__proto__":{"__proto__":{"x":1}}},"__proto__":[]}',
    ),
  },
  // Numbers.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"status":1e309}',
      '{"status":-1e309}',
      '{"status":-0}',
      '{"status":2.0}',
      '{"status":2e0}',
      '{"status":0.2e1}',
      '{"status":123456789012345678901234567890}',
      '{"prefs":{"n":1e309,"m":-0,"big":123456789012345678901234567890,"small":5e-324,"neg":-1e-400}}',
      '{"prefs":{"n":NaN}}',
      '{"prefs":{"n":Infinity}}',
      '{"limit":1e309}',
    ),
  },
  // Not JSON, or not an object.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{',
      '}',
      '{"a":}',
      "{'a':1}",
      '{"a":1,}',
      '\ufeff{"prefs":{}}',
      'null',
      '[]',
      '[{"prefs":{}}]',
      '"prefs"',
      '1',
      'true',
      ' ',
      '\n',
      '{"prefs":{}} {"prefs":{}}',
      '{"prefs":{}}\u0000',
      'prefs[a]=1',
      'email=a%40b.com&password=password',
      '%7B%7D',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  // Duplicate keys: the last one wins in JSON.parse.
  { weight: 1, arbitrary: fc.constantFrom('{"status":1,"status":"x"}', '{"prefs":{},"prefs":[]}', '{"email":"{{email}}","email":"x","password":"password"}') },
);

const body = fc.oneof(
  { weight: 6, arbitrary: params },
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Array<[string, string]>;
  body: string | undefined;
}

const methods = fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD');

/** A real route with any method. */
const routeRequest = fc
  .record({
    method: methods,
    path: routePath,
    query: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: query }),
    headers,
    body,
  })
  .map((r) => r as FuzzRequest);

/** A real route, its own method, parameters shaped like its own. */
const shapedRequest = fc
  .constantFrom(...endpoints)
  .chain((endpoint) =>
    fc.record({
      method: fc.constant(endpoint.method as string),
      path: filled(endpoint.path),
      query:
        endpoint.method === 'GET' ? fc.oneof(query, fc.constant('')) : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: query }),
      headers: fc.oneof({ weight: 1, arbitrary: goodHeaders }, { weight: 2, arbitrary: headers }),
      body: endpoint.method === 'GET' ? fc.constant(undefined) : body,
    }),
  )
  .map((r) => r as FuzzRequest);

const anyRequest = fc
  .record({ method: methods, path: fc.oneof(routePath, randomPath), query: fc.oneof(query, fc.constant('')), headers, body })
  .map((r) => r as FuzzRequest);

const writeRoutes = endpoints.filter((e) => e.method !== 'GET');

const bodyRequest = fc
  .record({
    route: fc.constantFrom(...writeRoutes),
    path: fc.constant(''),
    otherMethod: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'POST', 'PATCH', 'DELETE') }),
    query: fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: query }),
    headers: fc.oneof({ weight: 5, arbitrary: goodHeaders }, { weight: 1, arbitrary: headers }),
    body: hostileText,
  })
  .chain((r) =>
    filled(r.route.path).map((path) => ({ method: r.otherMethod ?? r.route.method, path, query: r.query, headers: r.headers, body: r.body }) as FuzzRequest),
  );

// ---------------------------------------------------------------------------
// The property

type Row = unknown[];
interface State {
  users: Row[];
  sessions: Row[];
  audit_logs: Row[];
  projects: Row[];
  api_keys: Row[];
  fts: string;
  kv: string[];
}
const parseState = (text: string): State => {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as Row[]) : (v as Row[]));
  return {
    users: parse(raw.users),
    sessions: parse(raw.sessions),
    audit_logs: parse(raw.audit_logs),
    projects: parse(raw.projects),
    api_keys: parse(raw.api_keys),
    fts: raw.fts as string,
    kv: raw.kv as string[],
  };
};

let before = '';
const timing = { request: 0, fingerprint: 0 };
let stats = { requests: 0, byStatus: {} as Record<number, number> };

function describeRequest(r: FuzzRequest): string {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  return JSON.stringify({
    method: r.method,
    path: clip(r.path),
    query: clip(r.query),
    headers: r.headers.map(([k, v]) => [k, clip(v)]),
    body: r.body === undefined ? undefined : clip(r.body),
  });
}

async function check(r: FuzzRequest): Promise<void> {
  const url = `http://localhost/v1${substitute(r.path)}${r.query ? `?${substitute(r.query)}` : ''}`;
  const headerList: Array<[string, string]> = r.headers.map(([k, v]) => [k, v === '{{randomIp}}' ? randomIp() : substitute(v)]);
  const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
  let request: Request;
  try {
    request = new Request(url, { method: r.method, headers: headerList, body: withBody ? substitute(r.body!) : undefined });
  } catch {
    return; // not a request a client could send (e.g. a URL the parser refuses)
  }
  const previous = before || (await fingerprint());
  const t0 = Date.now();
  const response = await sendRequest(request);
  const text = await response.text();
  const t1 = Date.now();
  const after = await fingerprint();
  timing.request += t1 - t0;
  timing.fingerprint += Date.now() - t1;
  before = after; // the next request starts from here, whether or not this one passes
  stats.requests++;
  stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
  const context = () => `${response.status} ${text.slice(0, 300)}\nrequest: ${describeRequest(r)}`;

  expect(response.status, context()).toBeLessThan(500);
  expect(text, context()).not.toMatch(/\$argon2|SQLITE|D1_ERROR|password_hash|secret_hash|token_hash/);
  if (response.status >= 400) {
    expect(response.headers.get('Content-Type'), context()).toBe(JSON_CONTENT_TYPE);
    if (r.method !== 'HEAD') {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(parsed).sort(), context()).toEqual(['code', 'message', 'version']);
      expect(parsed.code, context()).toBe(response.status);
      expect(typeof parsed.message, context()).toBe('string');
      expect(parsed.version, context()).toBe(SERVICE_VERSION);
    }
  } else if (response.headers.get('Content-Type')?.includes('json')) {
    // Every JSON success says so with the charset (the docs page is HTML).
    expect(response.headers.get('Content-Type'), context()).toBe(JSON_CONTENT_TYPE);
    if (r.method !== 'HEAD') JSON.parse(text);
  }

  const readOnly = r.method === 'GET' || r.method === 'HEAD' || r.method === 'OPTIONS';
  if (after !== previous && (response.status >= 400 || readOnly)) {
    const [b, a] = [parseState(previous), parseState(after)];
    const failedSignIn =
      response.status === 401 &&
      r.method === 'POST' &&
      ['Invalid credentials', 'Invalid credentials. User is blocked'].includes(JSON.parse(text).message) &&
      a.audit_logs.length === b.audit_logs.length + 1 &&
      a.audit_logs.at(-1)![3] === 'account.sessions.failed' &&
      JSON.stringify({ ...a, audit_logs: a.audit_logs.slice(0, -1) }) === JSON.stringify(b);
    expect(failedSignIn, `stored data changed on ${readOnly ? r.method : response.status}: ${context()}`).toBe(true);
  }
  const state = parseState(after);
  for (const project of state.projects) {
    const users = state.users.filter((u) => u[2] === project[1]).length;
    expect(project[4], `user_count of ${project[1]} after ${context()}`).toBe(users);
  }
  if (response.status < 300 && !readOnly && (await repairFixtures(state))) before = await fingerprint();
}

async function run(name: string, arbitrary: fc.Arbitrary<FuzzRequest>, numRuns: number, seedOffset: number) {
  const seed = SEED + seedOffset;
  const started = Date.now();
  stats = { requests: 0, byStatus: {} };
  timing.request = timing.fingerprint = 0;
  try {
    await fc.assert(fc.asyncProperty(arbitrary, check), { seed, numRuns, endOnFailure: false, verbose: 1 });
  } catch (err) {
    throw new Error(`hostile input (${name}) failed with seed ${seed} (base seed ${SEED}, rerun with HARDENING_SEED=${SEED}):\n${(err as Error).message}`, {
      cause: err,
    });
  }
  console.info(
    `hostile input (${name}, seed ${seed}): ${stats.requests} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(stats.byStatus)}; ms in requests ${timing.request}, in fingerprints ${timing.fingerprint}`,
  );
  expect(stats.requests).toBeGreaterThanOrEqual(numRuns * 0.95);
}

describe('generated hostile requests', () => {
  it(`route-shaped requests (${RUNS.routes})`, async () => {
    await run('route-shaped', fc.oneof({ weight: 3, arbitrary: shapedRequest }, { weight: 1, arbitrary: routeRequest }), RUNS.routes, 0);
  });

  it(`any method, path and headers (${RUNS.anything})`, async () => {
    await run('anything', anyRequest, RUNS.anything, 1);
  });

  it(`hostile bodies on the write routes (${RUNS.bodies})`, async () => {
    await run('bodies', bodyRequest, RUNS.bodies, 2);
  });

  it('no request polluted Object.prototype (the Worker runs in this isolate)', () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
