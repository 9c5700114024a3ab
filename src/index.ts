// The Worker entry: every request gets an id (echoed as X-Request-Id), goes through
// the router, and leaves one structured log line (never secrets: no keys, cookies
// or bodies). Requests outside /v1 are 404 too. The same Worker consumes the webhook
// queue and runs the scheduled jobs.
import { database } from './db/client.ts';
import { sweepOutbox, type EventMessage } from './domain/events.ts';
import { deliverBatch } from './domain/webhooks.ts';
import { errorResponse } from './http/errors.ts';
import { buildRouter } from './http/router.ts';
import { PROJECT_ID } from './domain/ids.ts';
import { endpoints } from './routes/index.ts';

const router = buildRouter(endpoints);

export default {
  async fetch(request, env, exec): Promise<Response> {
    const started = Date.now();
    const requestId = crypto.randomUUID();
    // HEAD is answered as GET without the body (load balancers probe /v1/health that way).
    const head = request.method === 'HEAD';
    const routed = (head ? new Request(request, { method: 'GET' }) : request) as Request & { route?: string };
    const answered: Response = (await router.fetch(routed, env, exec, requestId)) ?? errorResponse(404, 'Not Found');
    const response = head ? new Response(null, answered) : answered;
    response.headers.set('X-Request-Id', requestId);
    if (env.LOG_REQUESTS !== 'false') {
      console.log(
        JSON.stringify({
          requestId,
          method: request.method,
          route: routed.route ?? null,
          status: response.status,
          durationMs: Date.now() - started,
          project: loggableProject(request.headers.get('X-Appwrite-Project')),
        }),
      );
    }
    return response;
  },

  /** Webhook deliveries (domain/webhooks.ts): one message per event, retried while an endpoint fails. */
  async queue(batch: MessageBatch<EventMessage>, env): Promise<void> {
    await deliverBatch(batch, {
      db: database(env.DB),
      secretKey: env.WEBHOOK_SECRET_KEY,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
      fetch: (input, init) => fetch(input, init),
    });
  },

  /** The cron triggers of wrangler.toml run every job; each is bounded and safe to repeat. */
  async scheduled(_controller, env): Promise<void> {
    for (const job of scheduledJobs) await job(env);
  },
} satisfies ExportedHandler<Env, EventMessage>;

const scheduledJobs: Array<(env: Env) => Promise<unknown>> = [
  // Events committed but never handed to the queue (at-least-once delivery).
  (env) => sweepOutbox(database(env.DB), env.WEBHOOK_EVENTS),
];

/** Only a well-formed project id is logged: a client may put a secret in the wrong header. */
function loggableProject(header: string | null): string | null {
  const id = header?.trim().toLowerCase();
  return id && PROJECT_ID.test(id) ? id : null;
}
