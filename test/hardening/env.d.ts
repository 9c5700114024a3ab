// Bindings that vitest.config.ts adds for the hardening suites.
declare global {
  namespace Cloudflare {
    interface Env {
      /** JSON {<environment, "" for the top level>: {var: RATE_LIMITS, bindings: [{name, namespace, limit, period}]}}, read by wrangler in node. */
      TEST_RATELIMIT_CONFIG: string;
      /** Overrides the hostile-input property test's seed when not empty (HARDENING_SEED). */
      TEST_FUZZ_SEED: string;
    }
  }
}

export {};
