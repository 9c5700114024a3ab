// The HTTP edge: itty-router v5 matches a route table (src/routes/) under /v1; our own error
// mapper replaces itty's default, which would serialize every field of an error
// (for a drizzle error: the SQL and its bound values) into the response. Each dialect
// (contract §12.1) has its own table; the request's X-Appwrite-Response-Format picks it.
import { Router } from 'itty-router';
import { database } from '../db/client.ts';
import type { Dialect } from '../schemas/dialect.ts';
import { preflight } from './cors.ts';
import { chooseDialect } from './dialect.ts';
import { API_BASE, type Endpoint } from './endpoint.ts';
import { routeNotFound, toErrorResponse } from './errors.ts';
import { runEndpoint } from './pipeline.ts';

type Args = [Env, ExecutionContext, string];
type Routed = Request & { params?: Record<string, string> };

function tableRouter(endpoints: Endpoint<any>[], dialect: Dialect) {
  const router = Router<Routed, Args>({
    base: API_BASE,
    catch: (err, _request, _env, _exec, requestId) => toErrorResponse(err, requestId, dialect),
  });
  for (const endpoint of endpoints) {
    router[endpoint.method.toLowerCase() as 'get'](endpoint.path, (request, env, exec, requestId) =>
      runEndpoint(endpoint, request, env, exec, requestId, dialect),
    );
  }
  // Origins are configuration: the control database (DB) holds them for every shard's projects.
  router.options('*', (request, env) => preflight(request, database(env.DB)));
  // Unknown routes, and known paths with another method (upstream), are 404.
  router.all('*', (_request, _env, _exec, requestId) => toErrorResponse(routeNotFound(), requestId, dialect));
  return router;
}

export function buildRouter(tables: Record<Dialect, Endpoint<any>[]>) {
  const routers = { '0.6': tableRouter(tables['0.6'], '0.6'), '1.x': tableRouter(tables['1.x'], '1.x') };
  return {
    fetch(request: Routed, env: Env, exec: ExecutionContext, requestId: string): Promise<Response> | Response {
      const chosen = chooseDialect(request);
      // A preflight is answered whatever the header says: browsers send none in it.
      if (chosen.error && request.method !== 'OPTIONS') return toErrorResponse(chosen.error, requestId, chosen.dialect);
      return routers[chosen.dialect].fetch(request, env, exec, requestId);
    },
  };
}
