// Serves the Stripe.js stand-in written under simulator/stripejs/ (by its own author). Files
// are read on each request so edits show up without a restart; a missing file is a 404.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORS_HEADERS } from './http-util.ts';

const STRIPEJS_DIR = fileURLToPath(new URL('./stripejs/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Only plain file names: nothing outside the folder can be reached. */
const SAFE_NAME = /^[\w][\w.-]*$/;

export async function serveStripeJsFile(
  res: ServerResponse,
  name: string,
  method = 'GET',
): Promise<void> {
  if (!SAFE_NAME.test(name) || name.includes('..')) return notFound(res);
  let content: Buffer;
  try {
    // `name` passed SAFE_NAME: a plain file name inside the stripejs folder.
    // eslint-disable-next-line security/detect-non-literal-fs-filename
    content = await readFile(STRIPEJS_DIR + name);
  } catch {
    return notFound(res);
  }
  res.writeHead(200, {
    ...CORS_HEADERS,
    'Content-Type': TYPES[extname(name)] ?? 'application/octet-stream',
    'Content-Length': content.length,
    'Cache-Control': 'no-store',
  });
  res.end(method === 'HEAD' ? undefined : content);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { ...CORS_HEADERS, 'Content-Type': 'text/plain' });
  res.end('Not found');
}

/** `/stripe.js` or `/<release train>/stripe.js`. */
function isStripeJsPath(path: string): boolean {
  const parts = path.split('/');
  return (
    parts[parts.length - 1] === 'stripe.js' &&
    (parts.length === 2 || (parts.length === 3 && /^[\w-]+$/.test(parts[1]!)))
  );
}

export async function handleStatic(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
  // js.stripe.com/v3/, /stripe.js and /<release train>/stripe.js (e.g. /endive/stripe.js).
  if (path === '/v3' || path === '/v3/' || isStripeJsPath(path)) {
    return serveStripeJsFile(res, 'stripe.js', req.method);
  }
  const element = /^\/elements\/([^/]+)$/.exec(path);
  if (element) return serveStripeJsFile(res, decodeURIComponent(element[1]!), req.method);
  return notFound(res);
}
