import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      REPLICA: D1Database;
      /** The second shard (vitest.config.ts). */
      SHARD_1: D1Database;
    }
  }
}
