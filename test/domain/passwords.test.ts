// src/domain/passwords.ts: PHC strings (malformed ones, other parameters), the decoy,
// and admission to the isolate's hash slots (FIFO per project, projects in turn,
// refusal by predicted wait, slots of cancelled requests reclaimed).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { hashEstimateMs, waitingForHash, withHashSlot, type Admission } from '../../src/domain/hash-admission.ts';
import { DEFAULT_PARAMS, decoyHash, hashCount, hashPassword, verifyPassword } from '../../src/domain/passwords.ts';
import { sleep } from '../../src/domain/polling.ts';

vi.setConfig({ testTimeout: 60_000 });

const CHEAP = { m: 64, t: 1, p: 1 };
const TEST: Admission = { queue: 'unit', budgetMs: 60_000 };

/** Counts the hashes `run` computes. */
async function hashesDuring(run: () => Promise<unknown>): Promise<number> {
  const before = hashCount();
  await run();
  return hashCount() - before;
}

describe('PHC strings', () => {
  it('a hash verifies its password and no other', async () => {
    const phc = await hashPassword('correct horse', TEST, CHEAP);
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword('correct horse', phc, TEST)).toBe(true);
    expect(await verifyPassword('correct hors', phc, TEST)).toBe(false);
  });

  it('a hash made with other argon2 parameters still verifies (parameters can be raised later)', async () => {
    const older = await hashPassword('upgrade me', TEST, { m: 256, t: 2, p: 2 });
    expect(older).toMatch(/^\$argon2id\$v=19\$m=256,t=2,p=2\$/);
    expect(DEFAULT_PARAMS).toEqual({ m: 7168, t: 5, p: 1 });
    expect(await verifyPassword('upgrade me', older, TEST)).toBe(true);
    expect(await verifyPassword('upgrade mE', older, TEST)).toBe(false);
  });

  it('a malformed or unusable PHC string verifies as false, never throws, and costs one hash like a real check', async () => {
    const good = await hashPassword('password', TEST, CHEAP);
    const [, , , , salt, hash] = good.split('$') as [string, string, string, string, string, string];
    const malformed = [
      '',
      'password',
      '$argon2i$v=19$m=64,t=1,p=1$' + salt + '$' + hash, // another algorithm
      '$argon2id$v=16$m=64,t=1,p=1$' + salt + '$' + hash, // another version
      '$argon2id$v=19$m=64,t=1,p=1$' + salt, // no hash
      '$argon2id$v=19$m=0,t=1,p=1$' + salt + '$' + hash, // memory below 8 × lanes
      '$argon2id$v=19$m=64,t=0,p=1$' + salt + '$' + hash, // no passes
      '$argon2id$v=19$m=64,t=1,p=0$' + salt + '$' + hash, // no lanes
      '$argon2id$v=19$m=9999999,t=1,p=1$' + salt + '$' + hash, // ~10 GB: would not fit the isolate
      '$argon2id$v=19$m=64,t=1,p=1$' + salt + 'A$' + hash, // base64 of an impossible length
      '$argon2id$v=19$m=64,t=1,p=1$c2FsdA$' + hash, // a 4-byte salt (argon2 needs 8)
      '$argon2id$v=19$m=64,t=1,p=1$' + salt + '$' + hash + '$', // trailing field
      '$argon2id$v=19$m=64,t=1,p=1$' + salt + '$' + hash.replace(/.$/, '!'), // not base64
    ];
    for (const phc of malformed) {
      let result: boolean | undefined;
      expect(await hashesDuring(async () => (result = await verifyPassword('password', phc, TEST))), phc).toBe(1);
      expect(result, phc).toBe(false);
    }
  });
});

describe('the decoy', () => {
  it('records the default parameters, matches no password, costs nothing to make and one hash to check', async () => {
    let decoy = '';
    expect(await hashesDuring(async () => (decoy = decoyHash()))).toBe(0);
    expect(decoy).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]{22}\$A{43}$/);
    expect(decoyHash()).toBe(decoy);
    let result: boolean | undefined;
    expect(await hashesDuring(async () => (result = await verifyPassword('password', decoy, TEST)))).toBe(1);
    expect(result).toBe(false);
  });
});

/** Takes a hash slot just to note when it was admitted. */
const record = (queue: string, order: string[], name: string, budgetMs = 60_000) => withHashSlot({ queue, budgetMs }, async () => void order.push(name));

/** A hash slot held until `release()`; `running` resolves once it runs. */
function hold(queue: string, order: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let admitted!: () => void;
  const running = new Promise<void>((resolve) => (admitted = resolve));
  const done = withHashSlot({ queue, budgetMs: 60_000 }, async () => {
    order.push(name);
    admitted();
    await released;
  });
  return { release, running, done };
}

describe('admission to the hash slots', () => {
  it('serves waiters first come, first served within a project, and projects in turn', async () => {
    const order: string[] = [];
    const slots = [hold('x', order, 'x1'), hold('x', order, 'x2')];
    await Promise.all(slots.map((s) => s.running));
    const waiters = ['a1', 'a2', 'a3', 'b1', 'b2', 'a4'].map((name) => record(name[0]!, order, name));
    for (const s of slots) s.release();
    await Promise.all(waiters);
    // a's queue came first; after each hash the turn passes to the next project with waiters.
    expect(order).toEqual(['x1', 'x2', 'a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
  });

  it('a new arrival never takes a slot freed for a waiter', async () => {
    const order: string[] = [];
    const slots = [hold('p', order, 'held1'), hold('p', order, 'held2')];
    await Promise.all(slots.map((s) => s.running));
    const waiter = record('p', order, 'waiter');
    slots[0]!.release();
    await slots[0]!.done; // a slot is free now, and the waiter has not polled yet
    const late = record('q', order, 'late');
    slots[1]!.release();
    await Promise.all([waiter, late, slots[1]!.done]);
    expect(order).toEqual(['held1', 'held2', 'waiter', 'late']);
  });

  it('refuses exactly when the predicted wait exceeds the budget, with the wait as Retry-After; another project is still admitted', async () => {
    const order: string[] = [];
    const slots = [hold('bulk', order, 's1'), hold('bulk', order, 's2')];
    await Promise.all(slots.map((s) => s.running));
    const estimate = hashEstimateMs();
    expect(estimate).toBeGreaterThanOrEqual(150);
    const budgetMs = 10 * estimate;
    // The n-th waiter (from 0) of one queue waits for the 2 running hashes, the n before it and its own, over 2 slots:
    // (n + 3) × estimate / 2 ≤ 10 × estimate for n ≤ 17.
    const admitted = Array.from({ length: 18 }, (_, n) => record('bulk', order, `bulk${n}`, budgetMs));
    const refused = withHashSlot({ queue: 'bulk', budgetMs }, async () => order.push('refused'));
    await expect(refused).rejects.toThrow(DomainError);
    const error = (await refused.catch((err: unknown) => err)) as DomainError;
    expect({ kind: error.kind, message: error.message, retryAfter: error.retryAfterSeconds }).toEqual({
      kind: 'busy',
      message: 'Too many requests',
      retryAfter: Math.ceil((21 * estimate) / 2 / 1000),
    });
    // Another project waits for the 2 running hashes, one of bulk's and its own: (2 + 1 + 1) × estimate / 2.
    const other = record('interactive', order, 'interactive', 2 * estimate);
    for (const s of slots) s.release();
    await Promise.all([...admitted, other]);
    expect(order.slice(0, 4)).toEqual(['s1', 's2', 'bulk0', 'interactive']);
    expect(order).toHaveLength(2 + 18 + 1);
  });
});

describe('a slot held by a cancelled request', () => {
  afterEach(() => void vi.restoreAllMocks());

  it('is reclaimed once its lease is over, so a later hash proceeds; the holder finishing after all frees nothing twice', async () => {
    const order: string[] = [];
    // Two hashes whose requests were cancelled mid-verification: one never resumes (nor
    // runs its finally), the other resumes only much later.
    void withHashSlot(TEST, () => new Promise<never>(() => {}));
    const late = hold('unit', order, 'late');
    await late.running;
    const later = record('unit', order, 'later');
    expect(waitingForHash()).toBe(1);

    // Minutes later (the clock is all that moves: neither holder resumes).
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 5 * 60_000);
    await Promise.race([later, sleep(10_000).then(() => Promise.reject(new Error('the later hash is still waiting')))]);

    // Both slots are free again: two new holders run at once.
    const fresh = [hold('unit', order, 'a'), hold('unit', order, 'b')];
    await Promise.all(fresh.map((s) => s.running));
    // The late holder's end gives back no slot (a new arrival still waits for a fresh one)
    // and teaches admission no hash time.
    const estimate = hashEstimateMs();
    late.release();
    await late.done;
    expect(hashEstimateMs()).toBe(estimate);
    const next = record('unit', order, 'next');
    expect(waitingForHash()).toBe(1);
    for (const s of fresh) s.release();
    await Promise.all([next, ...fresh.map((s) => s.done)]);
    expect(order).toEqual(['late', 'later', 'a', 'b', 'next']);
  });
});
