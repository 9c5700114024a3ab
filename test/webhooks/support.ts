// Helpers for the webhook suites: webhooks registered with the CLI's own code, the
// outbox and deliveries as stored, the queue handler driven with a MessageBatch, and
// a receiver standing in for the endpoints (the Worker's global fetch, recorded).
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import type { EventMessage } from '../../src/domain/events.ts';
import { createWebhookSql } from '../../src/domain/webhooks.ts';
import worker from '../../src/index.ts';
import type { TestProject } from '../helpers.ts';

export async function createWebhook(project: TestProject, events: string[], url = 'http://127.0.0.1:9/hook') {
  const { sql, id, secret } = await createWebhookSql({ projectId: project.id, url, events, name: 'test' }, env.WEBHOOK_SECRET_KEY, true);
  await env.DB.prepare(sql).run();
  return { id, secret, url };
}

export interface StoredEvent {
  id: string;
  event: string;
  userId: string;
  projectId: string;
  time: number;
  data: unknown;
  queued: number | null;
  settled: number | null;
}

export async function storedEvents(project: TestProject): Promise<StoredEvent[]> {
  const { results } = await env.DB.prepare('SELECT * FROM webhook_events WHERE project_id = ? ORDER BY rowid').bind(project.id).all<Record<string, any>>();
  return results.map((r) => ({
    id: r.id,
    event: r.event,
    userId: r.user_id,
    projectId: r.project_id,
    time: r.time,
    data: JSON.parse(r.data),
    queued: r.queued,
    settled: r.settled,
  }));
}

export async function storedDeliveries(eventId: string) {
  const { results } = await env.DB.prepare(
    'SELECT webhook_id AS webhookId, status, attempts, last_status AS lastStatus, last_error AS lastError FROM webhook_deliveries WHERE event_id = ? ORDER BY webhook_id',
  )
    .bind(eventId)
    .all();
  return results;
}

export interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Answers the Worker's outgoing requests with `answer(url)` (a status, or an error to
 * throw) and records them. The delivery code calls the global fetch at call time.
 */
export function receiver(answer: (url: string) => number | Error = () => 200) {
  const received: Received[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    received.push({ url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
    const outcome = answer(request.url);
    if (outcome instanceof Error) throw outcome;
    return new Response('ok', { status: outcome });
  });
  return { received, restore: () => spy.mockRestore() };
}

/**
 * Runs the Worker's queue handler on messages for these events, as the queue would after
 * `attempts - 1` retries. getQueueResult (vitest-plugin 1.5.0) leaves out the delay a
 * retry asked for, so `retryMessages` here has it from the message's retry() call.
 */
export async function deliver(eventIds: string[], options: { attempts?: number; env?: Partial<Env> } = {}): Promise<QueueResult> {
  const batch = createMessageBatch<EventMessage>(
    'edge-users-webhooks',
    eventIds.map((eventId, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: options.attempts ?? 1, body: { eventId } })),
  );
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (retryOptions) => {
      delays.set(message.id, retryOptions?.delaySeconds);
      retry(retryOptions);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...options.env });
  const result = await getQueueResult(batch, ctx);
  return { ...result, retryMessages: result.retryMessages.map((m) => ({ ...m, delaySeconds: delays.get(m.msgId) })) };
}

/** A queue binding that records what it was given, or fails every send. */
export function recordingQueue(options: { fail?: boolean } = {}) {
  const sent: EventMessage[] = [];
  const queue = {
    async send(body: EventMessage) {
      if (options.fail) throw new Error('queue unavailable');
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<EventMessage>>) {
      if (options.fail) throw new Error('queue unavailable');
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, queue: queue as unknown as Queue<EventMessage> };
}
