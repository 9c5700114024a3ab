// Runs one endpoint for one request, with the checks in the contract's order:
// project (400) → API key and scope (401) → parameters (400) → the action.
import { database } from '../db/client.ts';
import { requireScope, resolveProject, type Project } from './auth.ts';
import { readBody, type Body } from './body.ts';
import type { Endpoint, RequestContext } from './endpoint.ts';
import { badRequest } from './errors.ts';
import { validateParams } from './params.ts';

export async function runEndpoint(
  endpoint: Endpoint,
  request: Request & { params?: Record<string, string> },
  env: Env,
  exec: ExecutionContext,
  requestId: string,
): Promise<Response> {
  const url = new URL(request.url);
  const body = await readBody(request);
  const db = database(env.DB);
  const source = request.method === 'GET' ? lastValues(url.searchParams) : body.kind === 'object' ? body.value : {};

  let project: Project | undefined;
  if (endpoint.access.kind !== 'open') {
    project = await resolveProject(db, projectParam(url, body) ?? request.headers.get('X-Appwrite-Project') ?? undefined);
  }
  if (endpoint.access.kind === 'key') {
    await requireScope(db, project!, request.headers.get('X-Appwrite-Key'), endpoint.access.scope, url.host);
  }

  if (body.kind === 'invalid') throw badRequest('Invalid request body: expected a JSON object');
  const params = validateParams(endpoint.params, source);
  const ctx: RequestContext = {
    request,
    env,
    exec,
    url,
    requestId,
    db,
    path: decodePath(request.params ?? {}),
    // Only 'open' endpoints run without a project, and they never read it.
    project: project as Project,
  };
  return endpoint.handle(ctx, params);
}

/** A `project` query or body parameter overrides the header (upstream). */
function projectParam(url: URL, body: Body): string | undefined {
  const fromBody = body.kind === 'object' ? body.value.project : undefined;
  const value = url.searchParams.get('project') || (typeof fromBody === 'string' ? fromBody : '');
  return value || undefined;
}

/** Like PHP, the last of repeated query keys wins. */
function lastValues(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = Object.create(null);
  for (const [key, value] of params) values[key] = value;
  return values;
}

function decodePath(params: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    try {
      decoded[key] = decodeURIComponent(value);
    } catch {
      decoded[key] = value;
    }
  }
  return decoded;
}
