// The Worker entry: every request gets an id (echoed as X-Request-Id) and goes
// through the router; requests outside /v1 are 404 too.
import { errorResponse } from './http/errors.ts';
import { buildRouter } from './http/router.ts';

const router = buildRouter();

export default {
  async fetch(request, env, exec): Promise<Response> {
    const requestId = crypto.randomUUID();
    const response: Response = (await router.fetch(request, env, exec, requestId)) ?? errorResponse(404, 'Not Found');
    response.headers.set('X-Request-Id', requestId);
    return response;
  },
} satisfies ExportedHandler<Env>;
