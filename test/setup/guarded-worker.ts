// The Worker as the tests run it: src/index.ts with every invocation's bindings guarded
// by Cloudflare's deployed limits (test/setup/deployed-limits.ts). It is the `main` of the
// Workers-runtime tests (exports.default) and, through vitest.config.ts, what test files
// get when they import src/index.ts; the end-to-end suite's wrangler dev serves it too.
import type { EventMessage } from '../../src/domain/events.ts';
import worker from '../../src/index.ts';
import { guardEnv } from './deployed-limits.ts';

export default {
  fetch: (request, env, ctx) => worker.fetch(request, guardEnv(env), ctx),
  queue: (batch, env) => worker.queue(batch, guardEnv(env)),
  scheduled: (controller, env) => worker.scheduled(controller, guardEnv(env)),
} satisfies ExportedHandler<Env, EventMessage>;
