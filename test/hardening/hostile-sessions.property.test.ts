// Hostile credentials of today's SDKs, generated (fast-check, fixed seed): mutated and
// random X-Appwrite-JWT values, X-Appwrite-Session values, and token exchanges with random
// user ids and secrets. Every answer is a clear 4xx in the 1.x error format (401
// user_jwt_invalid, general_unauthorized_scope or user_invalid_token; 400 for a parameter
// breaking its rule), never a 500, and no session, token or log entry is written.
//
// Reproduce a failure with the seed it prints: HARDENING_SEED=<seed> npx vitest run test/hardening/hostile-sessions.property.test.ts
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createProject, type TestProject } from '../helpers.ts';
import { createJwt, emailOf, insertUser, send1x, signIn1x, type Session1x } from '../sessions/support.ts';

const SEED = Number(env.TEST_FUZZ_SEED) || 20_261_202;
const RUNS = 150;
vi.setConfig({ testTimeout: 120_000 });

let project: TestProject;
let userId: string;
let session: Session1x;
let jwt: string;

beforeAll(async () => {
  project = await createProject();
  userId = await insertUser(project);
  session = await signIn1x(project, await emailOf(userId));
  jwt = await createJwt(project, userId, { sessionId: session.id });
  // A live token of the user, which no generated secret should exchange.
  await send1x(`/users/${userId}/tokens`, { method: 'POST', project, key: project.key, body: { length: 128 } });
});

const stored = async () =>
  JSON.stringify(
    await Promise.all(['sessions', 'tokens', 'audit_logs'].map((table) => env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())),
  );

/** A clear 1.x 4xx of one of the expected types. */
function expectRefused(result: { status: number; body: any; text: string }, types: string[]) {
  expect(result.status, result.text).toBeGreaterThanOrEqual(400);
  expect(result.status, result.text).toBeLessThan(500);
  expect(Object.keys(result.body).sort(), result.text).toEqual(['code', 'message', 'type', 'version']);
  expect(types, result.text).toContain(result.body.type);
}

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom('', '.', '..', '...', 'a.b.c', 'null', '{}', '\u0000', 'x'.repeat(5000)),
);

/** The real JWT (made in beforeAll) with one part replaced, a character flipped, or parts shuffled. */
const mutatedJwt = () =>
  fc.oneof(
    fc.tuple(fc.nat(2), text).map(([part, value]) =>
      jwt
        .split('.')
        .map((p, i) => (i === part ? value : p))
        .join('.'),
    ),
    fc.nat().map((at) => {
      const i = at % jwt.length;
      const c = jwt[i] === 'A' ? 'B' : 'A';
      return jwt.slice(0, i) + c + jwt.slice(i + 1);
    }),
    fc.shuffledSubarray(jwt.split('.'), { minLength: 1 }).map((parts) => parts.join('.')),
    fc.jsonValue().map((value) => `${jwt.split('.')[0]}.${btoa(JSON.stringify(value) ?? '').replace(/=+$/, '')}.${jwt.split('.')[2]}`),
  );

const asHeader = (value: string) => value.replace(/[^\t\x20-\x7e]/g, '');

describe('generated hostile session credentials', () => {
  it(`X-Appwrite-JWT: mutated and random tokens are 401 user_jwt_invalid (${RUNS})`, async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedJwt(), text), async (token) => {
        const header = asHeader(token);
        fc.pre(header !== '' && header !== jwt);
        const result = await send1x('/account', { project, headers: { 'x-appwrite-jwt': header } });
        expectRefused(result, ['user_jwt_invalid']);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(await stored()).toBe(before);
  });

  it(`X-Appwrite-Session: random values are 401 (${RUNS})`, async () => {
    const before = await stored();
    const value = (id: unknown, secret: unknown) => btoa(JSON.stringify({ id, secret }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          text.map(asHeader),
          fc.tuple(fc.oneof(fc.constant(userId), fc.jsonValue()), fc.jsonValue()).map(([i, s]) => value(i, s)),
        ),
        async (header) => {
          fc.pre(header !== session.rawValue);
          const result = await send1x('/account', { project, headers: { 'x-appwrite-session': header } });
          expectRefused(result, ['general_unauthorized_scope']);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect(await stored()).toBe(before);
  });

  it(`token exchanges with random user ids and secrets are 401 user_invalid_token or 400 (${RUNS})`, async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(userId), fc.jsonValue()), fc.oneof(text, fc.jsonValue()), async (id, secret) => {
        const result = await send1x('/account/sessions/token', { method: 'POST', project, body: { userId: id, secret } });
        expectRefused(result, ['user_invalid_token', 'general_argument_invalid', 'general_rate_limit_exceeded']);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(await stored()).toBe(before);
  });
});
