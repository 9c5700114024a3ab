// Queries on projects, their allowed origins and their API keys.
import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { apiKeys, projectOrigins, projects } from './schema.ts';

/** A project with its allowed origins as a JSON array. */
export type ProjectRow = typeof projects.$inferSelect & { origins: string };
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function findProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  const origins = sql<string>`(SELECT json_group_array(${projectOrigins.origin}) FROM ${projectOrigins} WHERE ${projectOrigins.projectId} = ${projects.id})`;
  return db
    .select({ ...getTableColumns(projects), origins })
    .from(projects)
    .where(eq(projects.id, id))
    .get();
}

export async function findApiKeyByHash(db: Db, secretHash: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)).get();
}

/** One lookup in the origin index (the table's primary key starts with the origin). */
export async function anyProjectAllowsOrigin(db: Db, origin: string): Promise<boolean> {
  const row = await db
    .select({ found: sql<number>`1` })
    .from(projectOrigins)
    .where(eq(projectOrigins.origin, origin))
    .limit(1)
    .get();
  return row !== undefined;
}
