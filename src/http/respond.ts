// Response builders. Every JSON body goes out as `application/json; charset=UTF-8`:
// the old browser SDK only parses JSON when the content type contains a `;`.
export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return rawJson(JSON.stringify(body), status, headers);
}

/** A body that is already serialized JSON (e.g. prefs exactly as D1 stored them). */
export function rawJson(body: string, status = 200, headers?: HeadersInit): Response {
  const response = new Response(body, { status, headers });
  response.headers.set('Content-Type', JSON_CONTENT_TYPE);
  return response;
}

export function noContent(headers?: HeadersInit): Response {
  return new Response(null, { status: 204, headers });
}
