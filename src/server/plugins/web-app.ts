// Serves the built web app (dist/web). Content-hashed files under /assets are cached forever;
// every other GET that is not an API route gets index.html (client-side routing), never cached.
import path from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';
import { AppError } from '../../lib/errors.ts';

/** The folder holding package.json: the same from src/ (tsx) and from dist/server/src/ (built). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- folders above this module
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return dir;
}

export const webRoot = path.resolve(projectRoot(), 'dist', 'web');

const CHECKOUT_PAGE = /^\/checkout\/[^/]+\/?$/;
const NOT_SPA = /^\/(api|webhooks|metrics|healthz|readyz|docs|assets)(\/|$)/;

async function webAppPlugin(app: FastifyInstance) {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the build folder (webRoot)
  const built = existsSync(path.join(webRoot, 'index.html'));
  if (!built) app.log.warn({ webRoot }, 'web app not built: run `npm run build:web`');
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    const isPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !NOT_SPA.test(url) &&
      !path.extname(url);
    if (built && isPage) {
      // The checkout is its own, lighter page (web/checkout.html); a payment page is never stored.
      if (CHECKOUT_PAGE.test(url))
        return reply
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .sendFile('checkout.html');
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendError(
      reply,
      request,
      new AppError(404, 'route_not_found', `No route for ${request.method} ${url}.`),
    );
  });
  if (!built) return;
  // Only the sendFile decorator: files are served by the routes below, each declared public
  // like every other route (server/plugins/access.ts), not by routes the plugin makes itself.
  await app.register(fastifyStatic, {
    root: webRoot,
    serve: false,
    index: false,
    // Cache headers are set by the security plugin's onSend hook, one place for all of them.
    cacheControl: false,
    etag: true,
    lastModified: false,
  });
  const page = { config: { auth: 'public' as const }, schema: { hide: true } as object };
  const asset = { ...page, config: { ...page.config, immutable: true } };
  // Hashed assets: a registered wildcard so unknown files 404 instead of falling into the SPA.
  app.get('/assets/*', asset, (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    return reply.sendFile(path.posix.join('assets', file));
  });
  // The few files at the top of the build (favicon, the HTML entry points).
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the build folder (webRoot)
  for (const entry of readdirSync(webRoot, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    app.get(`/${entry.name}`, page, (_request, reply) => reply.sendFile(entry.name));
  }
}

export default fp(webAppPlugin, { name: 'web-app' });
