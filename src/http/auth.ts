// Who is calling: the project (X-Appwrite-Project or a `project` parameter) and, for
// server routes, an API key with the route's scope (contract §2's messages).
import { findApiKey, findProjectById, type ApiKey } from '../domain/access.ts';
import type { Scope } from '../domain/scopes.ts';
import type { Project, Stores } from '../domain/context.ts';
import { badRequest, unauthorized } from './errors.ts';

export async function resolveProject(stores: Stores, projectId: string | undefined): Promise<Project> {
  const project = projectId ? await findProjectById(stores, projectId) : undefined;
  if (!project) {
    throw badRequest('Missing or unknown project ID', {
      type: 'project_not_found',
      message:
        'Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used.',
    });
  }
  return project;
}

/** The request's key when it is valid for the project, else undefined (a wrong key lifts nothing). */
export async function keyOfProject(stores: Stores, project: Project, secret: string | null): Promise<ApiKey | undefined> {
  const key = secret ? await findApiKey(stores, secret) : undefined;
  return key?.projectId === project.id ? key : undefined;
}

/** The key, once it is known to hold the scope. */
export function requireScope(project: Project, key: ApiKey | undefined, scope: Scope, host: string): ApiKey {
  // 1.x: Appwrite 1.6's words for the same roles.
  if (!key)
    throw unauthorized(`Guest (role: guest) missing scope (${scope})`, {
      type: 'general_unauthorized_scope',
      message: `User (role: guests) missing scope (${scope})`,
    });
  if (!key.scopes.includes(scope)) {
    const app = `app.${project.id}@service.${host}`;
    throw unauthorized(`${app} (role: application) missing scope (${scope})`, {
      type: 'general_unauthorized_scope',
      message: `${app} (role: applications) missing scope (${scope})`,
    });
  }
  return key;
}

/**
 * On a sign-in that takes a key (SSR): no key is a browser's sign-in; a key must be valid
 * for the project, else 401 user_unauthorized as upstream answers any unknown key, rather
 * than a silent browser sign-in that would count the server's users against one IP.
 */
export function requireValidKey(key: ApiKey | undefined, secret: string | null): ApiKey | undefined {
  if (secret && !key) {
    throw unauthorized('Invalid API key', { type: 'user_unauthorized', message: 'The current user is not authorized to perform the requested action.' });
  }
  return key;
}
