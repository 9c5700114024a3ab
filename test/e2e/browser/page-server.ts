// The web pages the browser tests load: an empty page with the real appwrite@1.2.0
// browser build (it sets window.Appwrite), and one at /28/ with today's appwrite@28.0.0
// (window.Appwrite.Client, .Account, …), served from node_modules on an origin of its own.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT } from '../../../scripts/lib/tools.ts';

const FILES: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: '<!doctype html>\n<title>appwrite@1.2.0</title>\n<script src="/appwrite.js"></script>\n' },
  '/appwrite.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(ROOT, 'node_modules', 'appwrite', 'src', 'sdk.js'), 'utf8') },
  '/28/': { type: 'text/html; charset=utf-8', body: '<!doctype html>\n<title>appwrite@28.0.0</title>\n<script src="/appwrite-28.js"></script>\n' },
  '/appwrite-28.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(join(ROOT, 'node_modules', 'appwrite-28', 'dist', 'iife', 'sdk.js'), 'utf8'),
  },
};

export interface PageServer {
  /** `http://localhost:<port>`: another site than the API at 127.0.0.1. */
  origin: string;
  close(): Promise<void>;
}

export function startPageServer(): Promise<PageServer> {
  const server = createServer((request, response) => {
    const file = FILES[request.url ?? ''];
    response.writeHead(file ? 200 : 404, { 'Content-Type': file?.type ?? 'text/plain' }).end(file?.body ?? 'Not Found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        origin: `http://localhost:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // Chromium keeps idle connections open; close() alone would wait for them.
            server.closeAllConnections();
          }),
      });
    });
  });
}
