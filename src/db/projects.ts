// Queries on projects and their API keys.
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { apiKeys, projects } from './schema.ts';

export type ProjectRow = typeof projects.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function findProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  return db.select().from(projects).where(eq(projects.id, id)).get();
}

export async function findApiKeyByHash(db: Db, secretHash: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)).get();
}

export async function anyProjectAllowsOrigin(db: Db, origin: string): Promise<boolean> {
  const row = await db
    .select({ found: sql<number>`1` })
    .from(projects)
    .where(sql`EXISTS (SELECT 1 FROM json_each(${projects.origins}) WHERE value = ${origin})`)
    .limit(1)
    .get();
  return row !== undefined;
}
