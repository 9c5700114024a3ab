import { defineConfig } from 'drizzle-kit';

// drizzle-kit only generates SQL here; `wrangler d1 migrations apply` applies it,
// so wrangler's d1_migrations table stays the single record of what ran.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
});
