// Runs one endpoint for one request, with the checks in the contract's order:
// project (400) → origin (403) → API key and scope, or session (401; blocked user 401) →
// rate limits (429) → parameters, the bookmark among them (400) → the action. The body is
// read first (413 past the endpoint's limit: the project may be named in it), except a
// large one (bulk import), which is read only once the credentials in the headers or query
// pass. The handler's context holds what its access kind established (endpoint.ts): the
// project, the key's scopes or the session, and the hash admission budget of its callers.
// Errors get the CORS headers too, so a browser can read them.
import { newMeter, roundTripsHeader } from '../db/metering.ts';
import type { Actor } from '../domain/context.ts';
import { SERVER_BUDGET_MS, SIGN_IN_BUDGET_MS } from '../domain/hash-admission.ts';
import { authenticateJwt } from '../domain/session-jwts.ts';
import { authenticate } from '../domain/sessions.ts';
import { actorOf, localeOf } from './actor.ts';
import { keyOfProject, requireScope, requireValidKey, resolveProject } from './auth.ts';
import { MAX_BODY_BYTES, readBody, type Body } from './body.ts';
import { checkOrigin, corsHeaders } from './cors.ts';
import { BOOKMARK_HEADER, openRequestDb, sessionPlan, type RequestDb } from './d1-session.ts';
import type { Dialect } from '../schemas/dialect.ts';
import type { Access, AccessContext, Endpoint } from './endpoint.ts';
import { badRequest, toErrorResponse } from './errors.ts';
import { validateParams } from './params.ts';
import { enforceRateLimits } from './rate-limit.ts';
import { readCredentials } from './session-cookie.ts';

export async function runEndpoint(
  endpoint: Endpoint,
  request: Request & { params?: Record<string, string> },
  env: Env,
  exec: ExecutionContext,
  requestId: string,
  dialect: Dialect,
): Promise<Response> {
  const url = new URL(request.url);
  const meter = env.METER_ROWS_READ === 'true' ? newMeter() : undefined;
  let requestDb: RequestDb | undefined;
  let corsOrigin: string | null = null;
  let response: Response;
  try {
    const plan = sessionPlan(endpoint, request);
    const opened = (requestDb = openRequestDb(env, plan, meter, exec, requestId));
    // Who is calling is read on the control database; the request's work runs on the project's shard.
    const control = opened.control;
    // A body larger than the default (bulk import) is read only once the caller is known:
    // its project comes from the query or the header, and a `project` in the body, which
    // overrides them, is checked in turn once read.
    const lateBody = (endpoint.maxBodyBytes ?? MAX_BODY_BYTES) > MAX_BODY_BYTES;
    let body: Body = lateBody ? { kind: 'none' } : await readBody(request, endpoint.maxBodyBytes);
    const projectId = () => projectParam(url, body) ?? request.headers.get('X-Appwrite-Project') ?? undefined;

    const access = endpoint.access;
    const checksKey = access.kind === 'key' || (access.kind === 'public' && access.appKey === true);
    // The handler's context for its access kind (endpoint.ts AccessContext).
    const identify = async (id: string | undefined): Promise<AccessContext<Access>> => {
      const project = await resolveProject(control, id);
      // Only a route that checks keys lets a valid one lift the origin rule (contract §7).
      const secret = request.headers.get('X-Appwrite-Key');
      const key = checksKey ? await keyOfProject(control, project, secret) : undefined;
      corsOrigin = checkOrigin(request, url, project, key !== undefined);
      if (access.kind === 'key') return { project, scopes: requireScope(project, key, access.scope, url.host).scopes, hashBudgetMs: SERVER_BUDGET_MS };
      if (access.kind === 'session') {
        const jwt = request.headers.get('X-Appwrite-JWT');
        const shard = opened.shard(project);
        const session = jwt
          ? await authenticateJwt(shard, project, env.JWT_SECRET, jwt)
          : await authenticate(shard, project, readCredentials(request, project.id));
        return { project, session };
      }
      const app = checksKey && requireValidKey(key, secret) !== undefined;
      return { project, hashBudgetMs: SIGN_IN_BUDGET_MS, app };
    };
    const identified = projectId();
    let who = access.kind === 'open' ? {} : await identify(identified);
    if (lateBody) {
      body = await readBody(request, endpoint.maxBodyBytes);
      if (access.kind !== 'open' && projectId() !== identified) who = await identify(projectId());
    }
    const source = request.method === 'GET' ? lastValues(url.searchParams, dialect === '1.x') : body.kind === 'object' ? body.value : {};

    // A server calling for its user (SSR sign-in): the device is the one it forwards.
    const app = 'app' in who && who.app;
    let actor: Actor | undefined;
    const actorOnce = () => (actor ??= actorOf(request, app));
    if (endpoint.rateLimits) {
      await enforceRateLimits(env, endpoint.rateLimits, { projectId: 'project' in who ? who.project.id : '', ip: actorOnce().ip, params: source, app });
    }

    if (plan.invalidBookmark) throw badRequest('Invalid bookmark');
    if (body.kind === 'invalid') throw badRequest('Invalid request body: expected a JSON object');
    const params = validateParams(endpoint.params, source);
    // Open endpoints (health, docs) name no project: theirs is the control database.
    const stores = 'project' in who ? opened.shard(who.project) : control;
    const base = { request, env, exec, url, requestId, stores, path: decodePath(request.params ?? {}), actor: actorOnce, locale: localeOf(request), dialect };
    response = await endpoint.handle({ ...base, ...who }, params);
  } catch (err) {
    response = toErrorResponse(err, requestId, dialect);
  }
  if (corsOrigin) for (const [name, value] of Object.entries(corsHeaders(corsOrigin))) response.headers.set(name, value);
  const bookmark = requestDb?.bookmark();
  if (bookmark) response.headers.set(BOOKMARK_HEADER, bookmark);
  if (meter) {
    response.headers.set('X-D1-Rows-Read', String(meter.rowsRead));
    response.headers.set('X-D1-Round-Trips', roundTripsHeader(meter));
  }
  return response;
}

/** A `project` query or body parameter overrides the header (upstream). */
function projectParam(url: URL, body: Body): string | undefined {
  const fromBody = body.kind === 'object' ? body.value.project : undefined;
  const value = url.searchParams.get('project') || (typeof fromBody === 'string' ? fromBody : '');
  return value || undefined;
}

/**
 * Like PHP, the last of repeated query keys wins; in the 1.x dialect `name[]=…` or `name[0]=…`
 * keys make the array `name` (the SDKs send `queries[0]=…&queries[1]=…`), in key order.
 */
function lastValues(params: URLSearchParams, arraysToo: boolean): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = Object.create(null);
  const arrays: Record<string, Array<[number, string]>> = Object.create(null);
  for (const [key, value] of params) {
    const item = /^([^[\]]+)\[(\d{0,4})\]$/.exec(key);
    if (item && arraysToo) (arrays[item[1]!] ??= []).push([item[2] === '' ? Infinity : Number(item[2]), value]);
    else values[key] = value;
  }
  // A stable sort: `name[]` items keep their order after the numbered ones.
  for (const [name, items] of Object.entries(arrays)) if (!(name in values)) values[name] = items.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
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
