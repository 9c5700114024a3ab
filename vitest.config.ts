import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { unstable_readConfig } from 'wrangler';

// Workers-runtime tests: every test file gets its own isolated D1/KV storage with
// the real migrations applied by test/setup/apply-migrations.ts.

const WORKER = resolve('src/index.ts');
const GUARDED_WORKER = resolve('test/setup/guarded-worker.ts');

/** Test files that import the Worker (to call its handlers with their own env) get it under the deployed limits too. */
const guardedWorker = {
  name: 'guarded-worker',
  enforce: 'pre' as const,
  resolveId(source: string, importer: string | undefined) {
    if (!importer || resolve(importer) === GUARDED_WORKER || !resolve(importer).startsWith(resolve('test'))) return null;
    return source.endsWith('/src/index.ts') && resolve(importer, '..', source) === WORKER ? GUARDED_WORKER : null;
  },
};
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  // The [[ratelimits]] bindings and the RATE_LIMITS var of every environment, as wrangler
  // reads them, for test/hardening/rate-limits.test.ts to check that they agree.
  const environments = ['', ...[...readFileSync('./wrangler.toml', 'utf8').matchAll(/^\[env\.([\w-]+)\]/gm)].map((m) => m[1]!)];
  const rateLimitConfig = Object.fromEntries(
    environments.map((name) => {
      const config = unstable_readConfig({ config: './wrangler.toml', env: name || undefined });
      const bindings: Array<{ name: string; namespace_id: string; simple?: { limit?: number; period?: number } }> = config.ratelimits ?? [];
      return [
        name,
        {
          var: (config.vars as Record<string, unknown>).RATE_LIMITS ?? null,
          bindings: bindings.map((r) => ({ name: r.name, namespace: r.namespace_id, limit: r.simple?.limit, period: r.simple?.period })),
        },
      ];
    }),
  );
  return {
    plugins: [
      guardedWorker,
      cloudflareTest({
        // The Worker under deployed limits (test/setup/deployed-limits.ts), as exports.default.
        main: GUARDED_WORKER,
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // A second database for the stale-replica double (test/replicas/stale-replica.ts), and
          // a second shard (src/db/shards.ts) for the shard tests (test/shards/): the Worker
          // under test has both DB and SHARD_1, as a deployment with one shard added.
          d1Databases: { REPLICA: 'stale-replica', SHARD_1: 'shard-1' },
          bindings: {
            TEST_MIGRATIONS: migrations,
            LOG_REQUESTS: 'false',
            TEST_RATELIMIT_CONFIG: JSON.stringify(rateLimitConfig),
            // Overrides the hostile-input property test's fixed seed (HARDENING_SEED=123 npm test).
            TEST_FUZZ_SEED: process.env.HARDENING_SEED ?? '',
            // A fixed key for the webhook secrets at rest (deployed: a Worker secret; locally: .dev.vars).
            WEBHOOK_SECRET_KEY: 'dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=',
            // A fixed key for the JWTs (deployed: a Worker secret; locally: .dev.vars).
            JWT_SECRET: 'test-jwt-secret-test-jwt-secret-test-jwt-secret',
          },
          // The producer writes to a queue nobody consumes, so tests drive the queue
          // handler themselves (test/webhooks/) instead of racing Miniflare's consumer.
          queueProducers: { WEBHOOK_EVENTS: { queueName: 'edge-users-webhooks-unconsumed' } },
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      exclude: ['test/e2e/**'],
      setupFiles: ['./test/setup/apply-migrations.ts', './test/setup/deployed-limits-check.ts'],
    },
  };
});
