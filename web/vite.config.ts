import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv } from 'vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The Fastify server (npm start / npm run dev) listens here; the dev server forwards
// everything that is not the web app to it so cookies and CSRF work same-origin.
const apiOrigin = 'http://localhost:3000';
const proxied = ['/api', '/healthz', '/readyz', '/webhooks', '/docs'];

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * /checkout/:orderId is a separate, lighter page (checkout.html). The Paydeck server routes it in
 * production (src/server/plugins/web-app.ts); this does the same for the dev server.
 */
function checkoutPage(): Plugin {
  return {
    name: 'paydeck-checkout-page',
    configureServer(server) {
      server.middlewares.use((request, _response, next) => {
        const path = request.url?.split('?')[0] ?? '';
        if (/^\/checkout\/[^/.]+\/?$/.test(path)) request.url = '/checkout.html';
        next();
      });
    },
  };
}

export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Lets a deployment serve the hashed assets from a CDN; HTML stays on the app origin. Read from
  // the environment or the project's .env, as the server reads it (src/config.ts).
  base:
    loadEnv(mode, fileURLToPath(new URL('..', import.meta.url)), 'ASSET_BASE_URL').ASSET_BASE_URL ||
    '/',
  plugins: [react(), checkoutPage()],
  build: {
    outDir: '../dist/web',
    // outDir lies outside the Vite root, so emptying it must be explicit.
    emptyOutDir: true,
    assetsDir: 'assets',
    rolldownOptions: {
      // Two pages: the app (index.html) and the checkout (checkout.html), sharing chunks.
      input: { main: page('index.html'), checkout: page('checkout.html') },
    },
  },
  server: {
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: apiOrigin }])),
  },
}));
