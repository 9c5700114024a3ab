// The Worker entry: every request gets an id (echoed as X-Request-Id), goes through
// the router, and leaves one structured log line (never secrets: no keys, cookies
// or bodies). Requests outside /v1 are 404 too. The same Worker consumes the webhook
// queue, and the Cron Triggers (wrangler.toml) run the scheduled jobs.
import { database, type Db } from './db/client.ts';
import { shardDatabase, shardDatabases } from './db/shards.ts';
import { SWEEP_ROUNDS, sweepOutbox, type EventMessage } from './domain/events.ts';
import { SWEEP_BOUNDS, logRetentionDays, sweepExpired } from './domain/retention.ts';
import { deliverBatch } from './domain/webhook-delivery.ts';
import { routeNotFound, toErrorResponse } from './http/errors.ts';
import { buildRouter } from './http/router.ts';
import { PROJECT_ID } from './domain/ids.ts';
import { endpoints, endpoints1x } from './routes/index.ts';

const router = buildRouter({ '0.6': endpoints, '1.x': endpoints1x });

/**
 * What each Cron Trigger run does: independent jobs, each a line here; `now` is the run's time
 * in unix seconds. Each job walks every shard in turn (one D1 connection at a time per job),
 * each shard with an equal part of the job's rounds and time, so one run stays within one
 * invocation's 1,000 queries however many shards there are (README, Shards).
 */
const scheduledJobs: Record<string, (env: Env, now: number) => Promise<unknown>> = {
  retention: async (env, now) => {
    const days = logRetentionDays(env.LOG_RETENTION_DAYS);
    return eachShard(env, (db, _shard, share) =>
      sweepExpired(db, now, days, { ...SWEEP_BOUNDS, rounds: share(SWEEP_BOUNDS.rounds), budgetMs: share(SWEEP_BOUNDS.budgetMs) }),
    );
  },
  // Events committed but never handed to the queue (at-least-once delivery).
  outbox: async (env) => eachShard(env, (db, shard, share) => sweepOutbox(db, env.WEBHOOK_EVENTS, undefined, { shard, rounds: share(SWEEP_ROUNDS) })),
};

/**
 * Runs `job` on every shard, one after the other, each to the end even when another fails
 * (then the job fails, naming them); its result per shard name. `share(n)` is a shard's part of n (at least 1).
 */
async function eachShard<T>(env: Env, job: (db: Db, shard: string, share: (n: number) => number) => Promise<T>): Promise<Record<string, T>> {
  const shards = shardDatabases(env);
  const share = (n: number) => Math.max(1, Math.floor(n / shards.size));
  const results: Record<string, T> = {};
  const failed: string[] = [];
  for (const [name, d1] of shards) {
    try {
      results[name] = await job(database(d1), name, share);
    } catch (err) {
      failed.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failed.length > 0) throw new Error(`failed on ${failed.join('; ')} (done: ${JSON.stringify(results)})`);
  return results;
}

export default {
  async fetch(request, env, exec): Promise<Response> {
    const started = Date.now();
    const requestId = crypto.randomUUID();
    // HEAD is answered as GET without the body (load balancers probe /v1/health that way).
    const head = request.method === 'HEAD';
    const routed = (head ? new Request(request, { method: 'GET' }) : request) as Request & { route?: string };
    const answered: Response = (await router.fetch(routed, env, exec, requestId)) ?? toErrorResponse(routeNotFound(), requestId);
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

  /** Webhook deliveries (domain/webhook-delivery.ts): one message per event, retried while an endpoint fails. */
  async queue(batch: MessageBatch<EventMessage>, env): Promise<void> {
    await deliverBatch(batch, {
      db: (shard) => database(shard === undefined ? env.DB : shardDatabase(env, shard)),
      secretKey: env.WEBHOOK_SECRET_KEY,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
      fetch: (input, init) => fetch(input, init),
    });
  },

  /** Runs every job, each to the end even when another fails; one log line each; a failure fails the run. */
  async scheduled(controller, env): Promise<void> {
    const now = Math.floor(controller.scheduledTime / 1000);
    const names = Object.keys(scheduledJobs);
    const outcomes = await Promise.allSettled(names.map((name) => scheduledJobs[name]!(env, now)));
    outcomes.forEach((outcome, i) => {
      const line = { job: names[i], cron: controller.cron, scheduledTime: now };
      if (outcome.status === 'fulfilled') console.log(JSON.stringify({ ...line, result: outcome.value }));
      else console.error(JSON.stringify({ ...line, level: 'error', error: String(outcome.reason) }));
    });
    if (outcomes.some((o) => o.status === 'rejected'))
      throw new Error(`scheduled jobs failed: ${names.filter((_, i) => outcomes[i]!.status === 'rejected').join(', ')}`);
  },
} satisfies ExportedHandler<Env, EventMessage>;

/** Only a well-formed project id is logged: a client may put a secret in the wrong header. */
function loggableProject(header: string | null): string | null {
  const id = header?.trim().toLowerCase();
  return id && PROJECT_ID.test(id) ? id : null;
}
