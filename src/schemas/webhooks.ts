// What a webhook delivery carries (contract §10), one declaration per event: the
// OpenAPI document's top-level `webhooks` section is generated from these.
// test/openapi/webhooks.test.ts checks they name exactly the events the service sends.
import { z } from 'zod';
import { userModel } from './users.ts';

const envelope = (events: [string, ...string[]], data: z.ZodType, id: string, description: string) =>
  z
    .object({
      event: z.enum(events),
      projectId: z.string(),
      userId: z.string().meta({ description: 'The user the event is about.' }),
      time: z.int().meta({ description: 'When it happened, unix seconds.' }),
      data,
    })
    .meta({ id, description });

const USER_EVENTS: [string, ...string[]] = [
  'users.create',
  'users.update.name',
  'users.update.email',
  'users.update.password',
  'users.update.verification',
  'users.update.status',
  'users.update.prefs',
  'users.delete',
];
const SESSION_EVENTS: [string, ...string[]] = ['account.sessions.create', 'account.sessions.delete'];

const userEvent = envelope(USER_EVENTS, userModel, 'WebhookUserEvent', 'The user as stored after the change (for `users.delete`: as it was).');
const sessionsDeleteEvent = envelope(
  ['users.sessions.delete'],
  z.object({ sessions: z.array(z.string()).meta({ description: 'The ids of the sessions that ended.' }) }),
  'WebhookSessionsDeleteEvent',
  'Sessions of the user ended through the Users API (sent only when at least one ended).',
);
const sessionEvent = envelope(SESSION_EVENTS, z.object({ $id: z.string().meta({ description: 'The session id.' }) }), 'WebhookSessionEvent', 'A sign-in or sign-out.');

/** Every event a webhook can receive, with its body. */
export const webhookPayloads: Array<{ event: string; model: z.ZodType; summary: string }> = [
  ...USER_EVENTS.map((event) => ({ event, model: userEvent, summary: `${event}: the user model` })),
  { event: 'users.sessions.delete', model: sessionsDeleteEvent, summary: 'users.sessions.delete: the ended sessions' },
  ...SESSION_EVENTS.map((event) => ({ event, model: sessionEvent, summary: `${event}: the session id` })),
];

/** The request headers of every delivery (Standard Webhooks, plus Appwrite's). */
export const webhookHeaders: Array<{ name: string; description: string; schema: z.ZodType }> = [
  { name: 'webhook-id', description: 'The event id: the same on every retry of the event (deduplicate on it).', schema: z.string() },
  { name: 'webhook-timestamp', description: 'When this attempt was signed, unix seconds.', schema: z.string().regex(/^\d+$/) },
  {
    name: 'webhook-signature',
    description: '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the base64-decoded part of the `whsec_` secret after the prefix.',
    schema: z.string().startsWith('v1,'),
  },
  { name: 'X-Appwrite-Webhook-Event', description: 'The event name.', schema: z.string() },
  { name: 'X-Appwrite-Webhook-Project-Id', description: 'The project id.', schema: z.string() },
];
