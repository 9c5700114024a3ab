// Starts Swagger UI on the element naming the OpenAPI document (the page is GET /v1/docs),
// with a switch between the two dialects: the 1.x one is the same document path asked
// with X-Appwrite-Response-Format, as are the "Try it out" requests made from it.
// A file of its own, so the page's Content-Security-Policy needs no inline script.
const root = document.getElementById('swagger-ui');
const dialects = { '0.6': null, '1.x': '1.6.0' };
const chosen = new URLSearchParams(location.search).get('dialect') === '1.x' ? '1.x' : '0.6';

const bar = document.createElement('p');
bar.style.cssText = 'font-family: sans-serif; margin: 1em 2em';
bar.append('Dialect: ');
for (const name of Object.keys(dialects)) {
  const link = document.createElement(name === chosen ? 'strong' : 'a');
  link.textContent = name === '0.6' ? '0.6 (old SDKs)' : '1.x (today’s SDKs)';
  if (name !== chosen) link.href = `?dialect=${name}`;
  bar.append(link, ' ');
}
root.before(bar);

const format = dialects[chosen];
SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  requestInterceptor: (request) => {
    if (format) request.headers['X-Appwrite-Response-Format'] = format;
    return request;
  },
});
