// Starts Swagger UI on the element naming the OpenAPI document (the page is GET /v1/docs).
// A file of its own, so the page's Content-Security-Policy needs no inline script.
const root = document.getElementById('swagger-ui');
SwaggerUIBundle({ url: root.dataset.openapi, domNode: root, deepLinking: true });
