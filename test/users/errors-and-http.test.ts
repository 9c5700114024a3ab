// The HTTP edge (contract §1, §2, §8): content types, the error format, the /v1
// prefix, health, unknown routes, request bodies (GET bodies, empty bodies, size
// limit, malformed JSON) and the request id.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index.ts';
import { SERVICE_VERSION } from '../../src/http/errors.ts';
import { BASE, JSON_CONTENT_TYPE, call, createProject, databaseSnapshot, expectError, expectJson, insertUsers, storedUserCount } from '../helpers.ts';

const KiB = 1024;
const LIMIT = 128 * KiB;

describe('responses', () => {
  it('JSON successes carry `application/json; charset=UTF-8` and no no-cache headers', async () => {
    const project = await createProject();
    const [id] = await insertUsers(project, [{ email: 'ct@example.com' }]);
    const responses = [
      await call('/health'),
      await call('/users', { project }),
      await call('/users?search=ct', { project }),
      await call(`/users/${id}`, { project }),
      await call(`/users/${id}/prefs`, { project }),
      await call(`/users/${id}/prefs`, { method: 'PATCH', project, body: { prefs: { a: 1 } } }),
      await call(`/users/${id}/status`, { method: 'PATCH', project, body: { status: 1 } }),
      await call('/users', { method: 'POST', project, body: { email: 'ct2@example.com', password: 'password' } }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    for (const response of responses) {
      expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
      expect(response.headers.has('Cache-Control')).toBe(false);
      await response.text();
    }
  });

  it('errors are exactly {message, code, version} with the status as code and no-cache headers', async () => {
    const response = await call('/nope');
    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
    expect(response.headers.get('Cache-Control')).toBe('no-cache, no-store, must-revalidate');
    expect(response.headers.get('Expires')).toBe('0');
    expect(response.headers.get('Pragma')).toBe('no-cache');
    const text = await response.text();
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['code', 'message', 'version']);
    expect(JSON.parse(text)).toEqual({ message: 'Not Found', code: 404, version: SERVICE_VERSION });
    expect(SERVICE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('every response carries a distinct X-Request-Id', async () => {
    const project = await createProject();
    const responses = [
      await call('/health'),
      await call('/users', { project }),
      await call('/users', { project, key: null }),
      await call('/nope'),
      await exports.default.fetch(new Request('http://localhost/elsewhere')),
      await call('/users', { method: 'POST', project, rawBody: 'x'.repeat(LIMIT + 1) }),
    ];
    const ids = responses.map((r) => r.headers.get('X-Request-Id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{16,}$/i);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('routes', () => {
  it('GET /v1/health is 200 {"status":"OK"} without project or key', async () => {
    const response = await exports.default.fetch(new Request('http://localhost/v1/health'));
    expect(await expectJson(response)).toEqual({ status: 'OK' });
  });

  it('HEAD is answered like GET, without a body (health probes, and a key-protected list)', async () => {
    const health = await exports.default.fetch(new Request('http://localhost/v1/health', { method: 'HEAD' }));
    expect(health.status).toBe(200);
    expect(health.headers.get('Content-Type')).toBe('application/json; charset=UTF-8');
    expect(await health.text()).toBe('');
    const project = await createProject();
    const list = await call('/users', { method: 'HEAD', project });
    expect(list.status).toBe(200);
    expect(await list.text()).toBe('');
    expect((await call('/users', { method: 'HEAD', project, key: null })).status).toBe(401);
  });

  it('an unknown route under /v1 is 404 Not Found, even with valid credentials', async () => {
    const project = await createProject();
    for (const path of ['/nope', '/', '', '/user', '/users/a/b/c/d', '/users/x/logs2', '/healthz', '/users/x/prefs/extra']) {
      await expectError(call(path, { project }), 404, 'Not Found');
    }
  });

  it('a wrong method on a known path is 404 Not Found', async () => {
    const project = await createProject();
    const [userId] = await insertUsers(project, [{ email: 'method@example.com' }]);
    const user = { $id: userId! };
    const before = await databaseSnapshot();
    const cases: Array<[string, string]> = [
      ['PUT', '/users'],
      ['DELETE', '/users'],
      ['PATCH', '/users'],
      ['POST', `/users/${user.$id}`],
      ['PUT', `/users/${user.$id}`],
      ['PATCH', `/users/${user.$id}`],
      ['POST', `/users/${user.$id}/prefs`],
      ['PUT', `/users/${user.$id}/prefs`],
      ['DELETE', `/users/${user.$id}/prefs`],
      ['GET', `/users/${user.$id}/status`],
      ['POST', `/users/${user.$id}/status`],
      ['POST', '/health'],
    ];
    for (const [method, path] of cases) {
      await expectError(call(path, { method, project, body: method === 'GET' ? undefined : { status: 1, prefs: { a: 1 } } }), 404, 'Not Found');
    }
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('paths outside /v1 are 404 Not Found', async () => {
    const project = await createProject();
    const headers = { 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    for (const path of ['/', '/users', '/health', '/v2/users', '/v1users', '/V1/users', '/api/v1/users']) {
      await expectError(exports.default.fetch(new Request(`http://localhost${path}`, { headers })), 404, 'Not Found');
    }
  });
});

/**
 * node-appwrite sends GET requests with a `null` body. The Workers `Request`
 * constructor refuses a GET with a body, but the runtime hands one to the Worker
 * when it comes over the wire; this builds such a request (the e2e suite checks the
 * wire itself with the real SDK).
 */
function getWithBody(url: string, headers: Record<string, string>, body: string): Request {
  const carrier = new Request(url, { method: 'POST', headers, body });
  return new Proxy(carrier, {
    get(target, prop) {
      if (prop === 'method') return 'GET';
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('request bodies', () => {
  it('a GET with a `null` JSON body (node-appwrite) works and its body is never read', async () => {
    const project = await createProject();
    await insertUsers(project, [{ email: 'get-body@example.com', name: 'Get Body' }]);
    const headers = { 'content-type': 'application/json', 'content-length': '4', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    const request = getWithBody(`${BASE}/users?search=&limit=25&offset=0&orderType=ASC`, headers, 'null');
    const ctx = createExecutionContext();
    const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
    await waitOnExecutionContext(ctx);
    const body = await expectJson(response);
    expect(body.sum).toBe(1);
    expect(body.users.map((u: any) => u.email)).toEqual(['get-body@example.com']);
    expect(request.bodyUsed).toBe(false);

    // A GET body never supplies parameters, even an over-long or malformed one.
    for (const junk of ['{"limit": 500}', '{not json', 'x'.repeat(LIMIT * 2)]) {
      const ctx2 = createExecutionContext();
      const r = await worker.fetch(getWithBody(`${BASE}/users`, headers, junk) as Request<unknown, IncomingRequestCfProperties>, env, ctx2);
      expect((await expectJson(r)).sum).toBe(1);
    }
  });

  it('GET carrying a content-type header but no body works', async () => {
    const project = await createProject();
    expect(await expectJson(call('/users', { project, headers: { 'content-type': 'application/json' } }))).toEqual({ sum: 0, users: [] });
  });

  it('POST/PATCH with an empty body is a parameter error, not a body error', async () => {
    const project = await createProject();
    const [userId] = await insertUsers(project, [{ email: 'empty@example.com' }]);
    const user = { $id: userId! };
    const before = await databaseSnapshot();
    await expectError(call('/users', { method: 'POST', project }), 400, 'Param "email" is not optional.');
    await expectError(call('/users', { method: 'POST', project, rawBody: '' }), 400, 'Param "email" is not optional.');
    await expectError(call('/users', { method: 'POST', project, rawBody: '  \n ' }), 400, 'Param "email" is not optional.');
    await expectError(call('/users', { method: 'POST', project, rawBody: 'null' }), 400, 'Param "email" is not optional.');
    await expectError(call('/users', { method: 'POST', project, body: {} }), 400, 'Param "email" is not optional.');
    await expectError(call(`/users/${user.$id}/prefs`, { method: 'PATCH', project }), 400, 'Param "prefs" is not optional.');
    await expectError(call(`/users/${user.$id}/status`, { method: 'PATCH', project, rawBody: '' }), 400, 'Param "status" is not optional.');
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('DELETE with an empty, missing or `{}` body reaches routing (404 for an unknown route) and the handler (404 for an unknown user)', async () => {
    const project = await createProject();
    for (const rawBody of [undefined, '', '{}']) {
      await expectError(call('/users/x/unknown', { method: 'DELETE', project, rawBody }), 404, 'Not Found');
      await expectError(call('/users/x', { method: 'DELETE', project, rawBody }), 404, 'User not found');
    }
  });

  it('form-encoded bodies are read as parameters', async () => {
    const project = await createProject();
    const response = call('/users', {
      method: 'POST',
      project,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: 'email=form%40example.com&password=password&name=Form+User',
    });
    const body = await expectJson(response, 201);
    expect(body).toMatchObject({ email: 'form@example.com', name: 'Form User' });
  });

  it.each([
    ['malformed JSON', '{"email": "a@b.com", "password": '],
    ['a JSON array', '[{"email": "array@example.com", "password": "password"}]'],
    ['a JSON string', '"email=a@b.com"'],
    ['a JSON number', '42'],
    ['JSON true', 'true'],
    ['trailing garbage', '{"email": "trail@example.com", "password": "password"} x'],
    ['invalid UTF-8 JSON', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ])('%s as a POST body is 400 and stores nothing', async (_, rawBody) => {
    const project = await createProject();
    const before = await databaseSnapshot();
    const response = await call('/users', { method: 'POST', project, rawBody });
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toBe(JSON_CONTENT_TYPE);
    expect(response.headers.get('Cache-Control')).toBe('no-cache, no-store, must-revalidate');
    const body = await response.json<any>();
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'version']);
    expect(body.code).toBe(400);
    expect(body.version).toBe(SERVICE_VERSION);
    expect(body.message).not.toMatch(/SyntaxError|JSON\.parse|Unexpected token|at position/);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('malformed JSON on PATCH is 400 and changes nothing', async () => {
    const project = await createProject();
    const [userId] = await insertUsers(project, [{ email: 'malformed-patch@example.com' }]);
    const user = { $id: userId! };
    const before = await databaseSnapshot();
    for (const path of [`/users/${user.$id}/prefs`, `/users/${user.$id}/status`]) {
      for (const rawBody of ['{"prefs": {"a": 1}', '[{"status": 2}]', '"2"']) {
        const response = await call(path, { method: 'PATCH', project, rawBody });
        expect(response.status).toBe(400);
        const body = await response.json<any>();
        expect(body).toEqual({ message: expect.any(String), code: 400, version: SERVICE_VERSION });
      }
    }
    expect(await databaseSnapshot()).toEqual(before);
  });
});

describe('body size limit', () => {
  const validUser = (padding: number) => JSON.stringify({ email: 'big@example.com', password: 'password', name: 'x', pad: 'p'.repeat(padding) });

  it('a body just under 128 KiB is accepted', async () => {
    const project = await createProject();
    const body = validUser(0);
    const padded = validUser(LIMIT - body.length);
    expect(new TextEncoder().encode(padded).length).toBe(LIMIT);
    const user = await expectJson(call('/users', { method: 'POST', project, rawBody: padded }), 201);
    expect(user.email).toBe('big@example.com');
  });

  it('a body over 128 KiB (with Content-Length) is 413 and stores nothing', async () => {
    const project = await createProject();
    const before = await databaseSnapshot();
    const over = validUser(LIMIT - validUser(0).length + 1);
    await expectError(call('/users', { method: 'POST', project, rawBody: over }), 413, 'Request body too large');
    await expectError(call('/users', { method: 'POST', project, rawBody: validUser(10 * KiB * KiB) }), 413, 'Request body too large');
    expect(await storedUserCount(project)).toBe(0);
    expect(await databaseSnapshot()).toEqual(before);
  });

  it('a streamed body over 128 KiB without Content-Length (10 MB) is 413 and stores nothing', async () => {
    const project = await createProject();
    const [userId] = await insertUsers(project, [{ email: 'stream@example.com' }]);
    const user = { $id: userId! };
    const before = await databaseSnapshot();
    const stream = (totalBytes: number, prefix: string) => {
      const encoder = new TextEncoder();
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) {
            const head = encoder.encode(prefix);
            sent += head.length;
            controller.enqueue(head);
            return;
          }
          if (sent >= totalBytes) return controller.close();
          const chunk = encoder.encode('a'.repeat(Math.min(64 * KiB, totalBytes - sent)));
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
    };
    const headers = { 'content-type': 'application/json', 'x-appwrite-project': project.id, 'x-appwrite-key': project.key };
    const post = new Request(`${BASE}/users`, {
      method: 'POST',
      headers,
      body: stream(10 * KiB * KiB, '{"email":"s@example.com","password":"password","name":"'),
    });
    expect(post.headers.get('Content-Length')).toBeNull();
    await expectError(exports.default.fetch(post), 413, 'Request body too large');
    const patch = new Request(`${BASE}/users/${user.$id}/prefs`, { method: 'PATCH', headers, body: stream(LIMIT + 1, '{"prefs":{"a":"') });
    await expectError(exports.default.fetch(patch), 413, 'Request body too large');
    expect(await databaseSnapshot()).toEqual(before);
  });
});
