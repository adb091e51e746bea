import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Fastify server (npm start / npm run dev) listens here; the dev server forwards
// everything that is not the web app to it so cookies and CSRF work same-origin.
const apiOrigin = 'http://localhost:3000';
const proxied = ['/api', '/healthz', '/readyz', '/webhooks', '/docs'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Lets a deployment serve the hashed assets from a CDN; HTML stays on the app origin.
  base: process.env.ASSET_BASE_URL ?? '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    // outDir lies outside the Vite root, so emptying it must be explicit.
    emptyOutDir: true,
    assetsDir: 'assets',
  },
  server: {
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: apiOrigin }])),
  },
});
