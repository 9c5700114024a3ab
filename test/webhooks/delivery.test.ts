// Delivery from the queue (contract §10): the body and Standard Webhooks headers (checked
// with the official `standardwebhooks` library), retries with growing delays and the same
// webhook-id, giving up after a bounded number of attempts (kept as failed and listed by
// the CLI's query), and private destinations refused in production.
import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listDeliveriesSql } from '../../src/db/admin-sql.ts';
import { STALL_SECONDS } from '../../src/domain/events.ts';
import { MAX_ATTEMPTS, RETRY_DELAYS, UNDECRYPTABLE_ERROR } from '../../src/domain/webhook-delivery.ts';
import { destinationRefusal } from '../../src/domain/webhook-destinations.ts';
import { newSecretKey } from '../../src/domain/webhook-secrets.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import worker from '../../src/index.ts';
import { createProject, createUser } from '../helpers.ts';
import { createWebhook, deliver, receiver, recordingQueue, storedDeliveries, storedEvents, type Received } from './support.ts';

let restore = () => {};
afterEach(() => restore());

function listen(answer?: Parameters<typeof receiver>[0]) {
  const r = receiver(answer);
  restore = r.restore;
  return r.received;
}

async function userCreated(events = ['users.*'], url?: string) {
  const project = await createProject();
  const hook = await createWebhook(project, events, url);
  const user = await createUser(project, { name: 'Grace' });
  const [event] = await storedEvents(project);
  return { project, hook, user, event: event! };
}

function verified(secret: string, received: Received) {
  return new Webhook(secret).verify(received.body, received.headers);
}

describe('a delivery', () => {
  it('POSTs the §10 body with Standard Webhooks headers that the official library verifies', async () => {
    const { project, hook, user, event } = await userCreated();
    const received = listen();
    const result = await deliver([event.id]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect(result.retryMessages).toEqual([]);
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.url).toBe(hook.url);
    expect(JSON.parse(got!.body)).toEqual({ event: 'users.create', projectId: project.id, userId: user.$id, time: user.registration, data: user });
    expect(got!.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': event.id,
      'x-appwrite-webhook-event': 'users.create',
      'x-appwrite-webhook-project-id': project.id,
    });
    expect(Number(got!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(event.time);
    expect(verified(hook.secret, got!)).toEqual(JSON.parse(got!.body));
    // Another secret does not verify it.
    const other = await createWebhook(project, ['users.*']);
    expect(() => verified(other.secret, got!)).toThrow();
    expect(await storedDeliveries(event.id)).toEqual([{ webhookId: hook.id, status: 'delivered', attempts: 1, lastStatus: 200, lastError: null }]);
  });

  it('is not repeated when the same event comes again (a sweep re-send)', async () => {
    const { event } = await userCreated();
    const received = listen();
    await deliver([event.id]);
    const again = await deliver([event.id]);
    expect(again.explicitAcks).toEqual(['m0']);
    expect(received).toHaveLength(1);
  });

  it('goes only to webhooks that existed when the event happened', async () => {
    const { project, event } = await userCreated();
    const late = await createWebhook(project, ['users.*'], 'http://127.0.0.1:9/late');
    await env.DB.prepare('UPDATE webhooks SET created = created + 10 WHERE id = ?').bind(late.id).run();
    const received = listen();
    await deliver([event.id]);
    expect(received.map((r) => r.url)).not.toContain(late.url);
    expect(received).toHaveLength(1);
  });
});

describe('retries', () => {
  it('a 500 is retried after a growing delay with the same webhook-id; only the failing webhook is tried again', async () => {
    const { project, hook, event } = await userCreated(['users.*'], 'http://127.0.0.1:9/failing');
    const healthy = await createWebhook(project, ['users.create'], 'http://127.0.0.1:9/healthy');
    await env.DB.prepare('UPDATE webhooks SET created = created - 10 WHERE id = ?').bind(healthy.id).run();
    let failing = true;
    const received = listen((url) => (url.endsWith('/failing') && failing ? 500 : 200));

    const first = await deliver([event.id], { attempts: 1 });
    expect(first.retryMessages).toEqual([{ msgId: 'm0', delaySeconds: RETRY_DELAYS[0] }]);
    expect(first.explicitAcks).toEqual([]);
    const second = await deliver([event.id], { attempts: 2 });
    expect(second.retryMessages).toEqual([{ msgId: 'm0', delaySeconds: RETRY_DELAYS[1] }]);
    failing = false;
    const third = await deliver([event.id], { attempts: 3 });
    expect(third.explicitAcks).toEqual(['m0']);

    const toFailing = received.filter((r) => r.url.endsWith('/failing'));
    expect(toFailing).toHaveLength(3);
    expect(new Set(toFailing.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    for (const r of toFailing) expect(verified(hook.secret, r)).toMatchObject({ event: 'users.create' });
    expect(received.filter((r) => r.url.endsWith('/healthy'))).toHaveLength(1);
    expect(await storedDeliveries(event.id)).toEqual(
      [
        { webhookId: hook.id, status: 'delivered', attempts: 3, lastStatus: 200, lastError: null },
        { webhookId: healthy.id, status: 'delivered', attempts: 1, lastStatus: 200, lastError: null },
      ].sort((a, b) => a.webhookId.localeCompare(b.webhookId)),
    );
  });

  it('delays grow, and the schedule spans hours within the queue limit of 12 h per delay', () => {
    expect(RETRY_DELAYS).toHaveLength(MAX_ATTEMPTS - 1);
    for (let i = 1; i < RETRY_DELAYS.length; i++) expect(RETRY_DELAYS[i]).toBeGreaterThan(RETRY_DELAYS[i - 1]!);
    expect(Math.max(...RETRY_DELAYS)).toBeLessThanOrEqual(12 * 3600);
  });

  it('no answer (timeout) or a network error counts as a failure', async () => {
    const { hook, event } = await userCreated();
    listen(() => new DOMException('The operation timed out.', 'TimeoutError'));
    const result = await deliver([event.id]);
    expect(result.retryMessages).toEqual([{ msgId: 'm0', delaySeconds: RETRY_DELAYS[0] }]);
    expect(await storedDeliveries(event.id)).toEqual([
      { webhookId: hook.id, status: 'pending', attempts: 1, lastStatus: null, lastError: 'no answer in 10 s' },
    ]);
  });

  it(`after ${MAX_ATTEMPTS} failed attempts the delivery is kept as failed, acknowledged, and listed as failed`, async () => {
    const { project, hook, user, event } = await userCreated();
    const received = listen(() => 503);
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect((await deliver([event.id], { attempts: attempt })).retryMessages).toEqual([{ msgId: 'm0', delaySeconds: RETRY_DELAYS[attempt - 1] }]);
    }
    const last = await deliver([event.id], { attempts: MAX_ATTEMPTS });
    expect(last.explicitAcks).toEqual(['m0']);
    expect(last.retryMessages).toEqual([]);
    expect(received).toHaveLength(MAX_ATTEMPTS);
    // A later re-send (the sweep, or the queue's own retry) does not try it again.
    await deliver([event.id], { attempts: 1 });
    expect(received).toHaveLength(MAX_ATTEMPTS);

    const { results: failed } = await env.DB.prepare(listDeliveriesSql(project.id, true, 100)).all();
    expect(failed).toEqual([
      expect.objectContaining({
        eventId: event.id,
        webhookId: hook.id,
        event: 'users.create',
        userId: user.$id,
        status: 'failed',
        attempts: MAX_ATTEMPTS,
        lastStatus: 503,
        lastError: 'HTTP 503',
      }),
    ]);
  });
});

describe('an event the queue gave up on', () => {
  const settledOf = async (project: Parameters<typeof storedEvents>[0]) => (await storedEvents(project))[0]!.settled;
  const handedOverAgo = (id: string, seconds: number) =>
    env.DB.prepare('UPDATE webhook_events SET queued = ? WHERE id = ?')
      .bind(Math.floor(Date.now() / 1000) - seconds, id)
      .run();
  async function sweep() {
    const sweeper = recordingQueue();
    await worker.scheduled(createScheduledController(), { ...env, WEBHOOK_EVENTS: sweeper.queue });
    return sweeper.sent;
  }

  it('is settled when nothing is left to deliver, and not before', async () => {
    const { project, event } = await userCreated();
    let failing = true;
    listen(() => (failing ? 500 : 200));
    await deliver([event.id], { attempts: 1 });
    expect(await settledOf(project)).toBeNull();
    failing = false;
    await deliver([event.id], { attempts: 2 });
    expect(await settledOf(project)).toEqual(expect.any(Number));
  });

  it(`is re-sent by the sweep ${STALL_SECONDS / 3600} h after its last hand-over (longer than a message can live), once, and then delivered`, async () => {
    const { project, hook, event } = await userCreated();
    let failing = true;
    const received = listen(() => (failing ? 500 : 200));
    // One failed attempt, then the queue dropped the message (its consumer failed past max_retries).
    await deliver([event.id], { attempts: 1 });
    // The longest a message can live: 10 retries (max_retries) after the schedule's delays.
    const longestLife = Array.from({ length: 10 }, (_, i) => RETRY_DELAYS[Math.min(i, RETRY_DELAYS.length - 1)]!).reduce((a, b) => a + b, 0);
    expect(STALL_SECONDS).toBeGreaterThan(longestLife);
    await handedOverAgo(event.id, longestLife);
    expect(await sweep()).not.toContainEqual({ eventId: event.id });

    await handedOverAgo(event.id, STALL_SECONDS + 1);
    expect(await sweep()).toContainEqual({ eventId: event.id });
    // Handed over again just now: the next runs leave it to that message.
    expect(await sweep()).not.toContainEqual({ eventId: event.id });

    failing = false;
    expect((await deliver([event.id], { attempts: 1 })).explicitAcks).toEqual(['m0']);
    expect(received).toHaveLength(2);
    expect(await storedDeliveries(event.id)).toEqual([{ webhookId: hook.id, status: 'delivered', attempts: 2, lastStatus: 200, lastError: null }]);
    expect(await settledOf(project)).toEqual(expect.any(Number));
  });

  it('a settled event is never re-sent, however old its hand-over', async () => {
    const { project, event } = await userCreated();
    const stalled = (await userCreated()).event;
    listen(() => 200);
    await deliver([event.id], { attempts: 1 });
    await handedOverAgo(event.id, STALL_SECONDS * 10);
    // An unsettled one handed over as long ago shows the sweep looked.
    await handedOverAgo(stalled.id, STALL_SECONDS * 10);
    const sent = await sweep();
    expect(sent).toContainEqual({ eventId: stalled.id });
    expect(sent).not.toContainEqual({ eventId: event.id });
    expect(await settledOf(project)).toEqual(expect.any(Number));
  });
});

describe('destinations', () => {
  const refused = [
    'http://127.0.0.1/hook',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://017700000001/',
    'http://0.0.0.0/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://localhost:8787/',
    'http://LOCALHOST./',
    'http://api.localhost/',
    'http://metadata.google.internal/',
    'http://[::1]/',
    'http://[::]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://[2002:c0a8:101::]/',
    'http://[fc00::1]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
  ];
  const allowed = ['https://hooks.example.com/users', 'http://93.184.215.14:8080/x', 'https://[2606:4700::1111]/', 'http://172.32.0.1/', 'http://100.128.0.1/'];

  it('production refuses loopback, private, link-local, CGNAT and metadata addresses in every spelling', () => {
    expect(refused.filter((url) => destinationRefusal(url, false) === null)).toEqual([]);
    expect(allowed.filter((url) => destinationRefusal(url, false) !== null)).toEqual([]);
  });

  it('only http(s), also where private addresses are allowed (development)', () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url']) expect(destinationRefusal(url, true)).not.toBeNull();
    for (const url of refused) expect(destinationRefusal(url, true)).toBeNull();
  });

  it('registration refuses a private URL in production mode', async () => {
    const project = await createProject();
    await expect(
      createWebhookSql({ projectId: project.id, url: 'http://10.0.0.1/hook', events: ['users.*'], name: '' }, env.WEBHOOK_SECRET_KEY, false),
    ).rejects.toThrow('--url: a loopback, private, link-local or metadata address is not allowed');
    await expect(
      createWebhookSql({ projectId: project.id, url: 'https://hooks.example.com/', events: ['users.nope'], name: '' }, env.WEBHOOK_SECRET_KEY, false),
    ).rejects.toThrow('--events must be a non-empty list of');
  });

  it('delivery in production mode refuses a private destination without contacting it, and gives up at once', async () => {
    const { hook, event } = await userCreated(['users.*'], 'http://127.0.0.1:9/hook');
    const received = listen();
    const result = await deliver([event.id], { env: { WEBHOOK_ALLOW_PRIVATE: 'false' } });
    expect(received).toEqual([]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect(await storedDeliveries(event.id)).toEqual([
      {
        webhookId: hook.id,
        status: 'failed',
        attempts: 1,
        lastStatus: null,
        lastError: 'destination refused: a loopback, private, link-local or metadata address is not allowed',
      },
    ]);
  });
});

describe('secrets at rest', () => {
  it('the signing secret is stored only encrypted', async () => {
    const { hook } = await userCreated();
    const stored = await env.DB.prepare('SELECT secret FROM webhooks WHERE id = ?').bind(hook.id).first<string>('secret');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(hook.secret.slice(6, 20));
  });

  it('a secret moved to another webhook row does not decrypt (bound to its id): the delivery fails for good, not signed wrongly', async () => {
    const { project, hook, event } = await userCreated();
    const other = await createWebhook(project, ['account.sessions.create']);
    await env.DB.prepare('UPDATE webhooks SET secret = (SELECT secret FROM webhooks WHERE id = ?) WHERE id = ?').bind(other.id, hook.id).run();
    const received = listen();
    const result = await deliver([event.id]);
    expect(received).toEqual([]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect(await storedDeliveries(event.id)).toEqual([{ webhookId: hook.id, status: 'failed', attempts: 1, lastStatus: null, lastError: UNDECRYPTABLE_ERROR }]);
  });

  it('a secret the current WEBHOOK_SECRET_KEY cannot open (the key was changed) fails that delivery for good, listed with the reason; the sibling webhook and the other messages are delivered, and the events settle', async () => {
    const project = await createProject();
    const healthy = await createWebhook(project, ['users.*'], 'http://127.0.0.1:9/healthy');
    // Registered under a WEBHOOK_SECRET_KEY since replaced.
    const stale = await createWebhookSql({ projectId: project.id, url: 'http://127.0.0.1:9/stale', events: ['users.*'], name: 'stale' }, newSecretKey(), true);
    await env.DB.prepare(stale.sql).run();
    const users = [await createUser(project, { name: 'One' }), await createUser(project, { name: 'Two' })];
    const events = await storedEvents(project);
    const received = listen();

    const result = await deliver(events.map((e) => e.id));

    expect(result.explicitAcks.sort()).toEqual(['m0', 'm1']);
    expect(result.retryMessages).toEqual([]);
    expect(received.map((r) => r.url)).toEqual([healthy.url, healthy.url]);
    expect(received.map((r) => verified(healthy.secret, r))).toEqual(
      expect.arrayContaining(users.map((user) => expect.objectContaining({ userId: user.$id, data: user }))),
    );
    for (const event of events) {
      expect(await storedDeliveries(event.id)).toEqual(
        [
          { webhookId: healthy.id, status: 'delivered', attempts: 1, lastStatus: 200, lastError: null },
          { webhookId: stale.id, status: 'failed', attempts: 1, lastStatus: null, lastError: UNDECRYPTABLE_ERROR },
        ].sort((a, b) => a.webhookId.localeCompare(b.webhookId)),
      );
    }
    // Settled: the stalled-event sweep leaves them alone, and retention takes them in time.
    expect((await storedEvents(project)).map((e) => e.settled)).toEqual([expect.any(Number), expect.any(Number)]);
    const { results: failed } = await env.DB.prepare(listDeliveriesSql(project.id, true, 100)).all();
    expect(failed).toHaveLength(2);
    expect(failed).toEqual(
      expect.arrayContaining(
        users.map((user) => expect.objectContaining({ webhookId: stale.id, userId: user.$id, status: 'failed', lastError: UNDECRYPTABLE_ERROR })),
      ),
    );
  });

  it('a malformed WEBHOOK_SECRET_KEY (the deployment is wrong, not the webhook) is retried, and fails no delivery', async () => {
    const { hook, event } = await userCreated();
    const received = listen();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const result = await deliver([event.id], { env: { WEBHOOK_SECRET_KEY: 'c2hvcnQ=' } });
    errors.mockRestore();
    expect(received).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: 'm0', delaySeconds: RETRY_DELAYS[0] }]);
    expect(await storedDeliveries(event.id)).toEqual([{ webhookId: hook.id, status: 'pending', attempts: 0, lastStatus: null, lastError: null }]);
  });
});
