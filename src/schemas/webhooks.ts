// What a webhook delivery carries (contract §10), for each event the service sends
// (src/domain/events.ts names them): the OpenAPI document's top-level `webhooks` section
// is generated from these.
import { z } from 'zod';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../domain/events.ts';
import { userModel } from './users.ts';

const envelope = (events: readonly WebhookEvent[], data: z.ZodType, id: string, description: string) =>
  z
    .object({
      event: z.enum(events),
      projectId: z.string(),
      userId: z.string().meta({ description: 'The user the event is about.' }),
      time: z.int().meta({ description: 'When it happened, unix seconds.' }),
      data,
    })
    .meta({ id, description });

type Kind = 'user' | 'sessionsDelete' | 'session' | 'token';
/** Which body an event carries: sessions begun or ended one by one the session id, ended sessions their ids, a token its id, the rest the user. */
const kindOf = (event: WebhookEvent): Kind =>
  event === 'users.sessions.delete'
    ? 'sessionsDelete'
    : event === 'users.tokens.create'
      ? 'token'
      : event.startsWith('account.sessions.') || event === 'users.sessions.create'
        ? 'session'
        : 'user';
const eventsOf = (kind: Kind) => WEBHOOK_EVENTS.filter((event) => kindOf(event) === kind);

const bodies: Record<Kind, { model: z.ZodType; summary: string }> = {
  user: {
    model: envelope(eventsOf('user'), userModel, 'WebhookUserEvent', 'The user as stored after the change (for `users.delete`: as it was).'),
    summary: 'the user model',
  },
  sessionsDelete: {
    model: envelope(
      eventsOf('sessionsDelete'),
      z.object({ sessions: z.array(z.string()).meta({ description: 'The ids of the sessions that ended.' }) }),
      'WebhookSessionsDeleteEvent',
      'Sessions of the user ended through the Users API (sent only when at least one ended).',
    ),
    summary: 'the ended sessions',
  },
  session: {
    model: envelope(
      eventsOf('session'),
      z.object({ $id: z.string().meta({ description: 'The session id.' }) }),
      'WebhookSessionEvent',
      'A sign-in or sign-out, or a session made by a server.',
    ),
    summary: 'the session id',
  },
  token: {
    model: envelope(
      eventsOf('token'),
      z.object({ $id: z.string().meta({ description: 'The token id (never its secret).' }) }),
      'WebhookTokenEvent',
      'A token made for the user by a server.',
    ),
    summary: 'the token id',
  },
};

/** Every event a webhook can receive, with its body. */
export const webhookPayloads: Array<{ event: string; model: z.ZodType; summary: string }> = WEBHOOK_EVENTS.map((event) => {
  const { model, summary } = bodies[kindOf(event)];
  return { event, model, summary: `${event}: ${summary}` };
});

/** The request headers of every delivery (Standard Webhooks, plus Appwrite's). */
export const webhookHeaders: Array<{ name: string; description: string; schema: z.ZodType }> = [
  { name: 'webhook-id', description: 'The event id: the same on every retry of the event (deduplicate on it).', schema: z.string() },
  { name: 'webhook-timestamp', description: 'When this attempt was signed, unix seconds.', schema: z.string().regex(/^\d+$/) },
  {
    name: 'webhook-signature',
    description:
      '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the base64-decoded part of the `whsec_` secret after the prefix.',
    schema: z.string().startsWith('v1,'),
  },
  { name: 'X-Appwrite-Webhook-Event', description: 'The event name.', schema: z.string() },
  { name: 'X-Appwrite-Webhook-Project-Id', description: 'The project id.', schema: z.string() },
];
