// A minimal static file server for the browser test and the load benchmark: serves one folder on
// a free localhost port, with Content-Length (the page's progress shows bytes of the total), and
// with `isolated` the COOP/COEP headers that make the page cross-origin isolated (the threaded
// engine), as npm start and vite preview send them. `node tests/browser/static-server.mjs FOLDER
// [--isolated]` serves it from a process of its own (the load benchmark's server, apart from the
// busy process that drives the browser) and prints the port.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream', '.png': 'image/png', '.svg': 'image/svg+xml',
};

const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

export function serveStatic(folder, { isolated = false } = {}) {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(folder, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(folder) || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream',
      'content-length': statSync(file).size, ...(isolated && ISOLATION_HEADERS) });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(done); }),
    }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await serveStatic(resolve(process.argv[2] ?? '.'), { isolated: process.argv.includes('--isolated') });
  console.log(port);
}
