import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Safe to run before every file: applied migrations are recorded in d1_migrations.
// Every shard gets them, as scripts/lib/tools.ts applyMigrations does.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.SHARD_1, env.TEST_MIGRATIONS);
