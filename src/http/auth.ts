// Who is calling: the project (X-Appwrite-Project or a `project` parameter) and, for
// server routes, an API key with the route's scope (contract §2's messages).
import { findApiKey, findProjectById, type ApiKey } from '../domain/access.ts';
import type { Scope } from '../domain/scopes.ts';
import type { Project, Stores } from '../domain/context.ts';
import { badRequest, unauthorized } from './errors.ts';

export async function resolveProject(stores: Stores, projectId: string | undefined): Promise<Project> {
  const project = projectId ? await findProjectById(stores, projectId) : undefined;
  if (!project) throw badRequest('Missing or unknown project ID');
  return project;
}

/** The request's key when it is valid for the project, else undefined (a wrong key lifts nothing). */
export async function keyOfProject(stores: Stores, project: Project, secret: string | null): Promise<ApiKey | undefined> {
  const key = secret ? await findApiKey(stores, secret) : undefined;
  return key?.projectId === project.id ? key : undefined;
}

/** The key, once it is known to hold the scope. */
export function requireScope(project: Project, key: ApiKey | undefined, scope: Scope, host: string): ApiKey {
  if (!key) throw unauthorized(`Guest (role: guest) missing scope (${scope})`);
  if (!key.scopes.includes(scope)) {
    throw unauthorized(`app.${project.id}@service.${host} (role: application) missing scope (${scope})`);
  }
  return key;
}
