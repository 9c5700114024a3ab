// The HTTP edge: itty-router v5 matches a route table (src/routes/) under /v1; our own error
// mapper replaces itty's default, which would serialize every field of an error
// (for a drizzle error: the SQL and its bound values) into the response.
import { Router } from 'itty-router';
import { database } from '../db/client.ts';
import { preflight } from './cors.ts';
import { API_BASE, type Endpoint } from './endpoint.ts';
import { errorResponse, toErrorResponse } from './errors.ts';
import { runEndpoint } from './pipeline.ts';

type Args = [Env, ExecutionContext, string];

export function buildRouter(endpoints: Endpoint<any>[]) {
  const router = Router<Request & { params?: Record<string, string> }, Args>({
    base: API_BASE,
    catch: (err, _request, _env, _exec, requestId) => toErrorResponse(err, requestId),
  });
  for (const endpoint of endpoints) {
    router[endpoint.method.toLowerCase() as 'get'](endpoint.path, (request, env, exec, requestId) =>
      runEndpoint(endpoint, request, env, exec, requestId),
    );
  }
  router.options('*', (request, env) => preflight(request, database(env.DB)));
  // Unknown routes, and known paths with another method (upstream), are 404.
  router.all('*', () => errorResponse(404, 'Not Found'));
  return router;
}
