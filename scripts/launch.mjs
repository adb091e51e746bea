// Runs one compiled entry point in this process: `node scripts/launch.mjs scripts/start` is
// `npm start`. It builds first only when the build is missing or older than a source file, then
// imports dist/server/<entry>.js (after the tracing preload), so the process npm started is the
// server itself and receives SIGTERM/SIGINT directly (no tsx, no Vite, no shell in between).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', 'BUILD');

/** What the build is made from; a change to any of these makes it stale. */
const SOURCES = [
  'src',
  'simulator',
  'web',
  'shared',
  'scripts',
  '.env', // ASSET_BASE_URL is built into the web app
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
const SKIP = new Set(['node_modules', 'dist', '.data']);

function newestChange(entry) {
  const stats = statSync(entry, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const child of readdirSync(entry)) {
    if (!SKIP.has(child)) newest = Math.max(newest, newestChange(path.join(entry, child)));
  }
  return newest;
}

function buildIsCurrent() {
  const built = statSync(stamp, { throwIfNoEntry: false });
  if (!built) return false;
  return SOURCES.every((source) => newestChange(path.join(root, source)) <= built.mtimeMs);
}

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/launch.mjs <entry, e.g. scripts/start>');
  process.exit(2);
}
// A deployment that ships only the build (dist/, package.json, production dependencies) has no
// sources to compare with or to build from: it runs what it has.
const hasSources =
  existsSync(path.join(root, 'src')) && existsSync(path.join(root, 'scripts', 'build.mjs'));
if (process.env.PAYDECK_SKIP_BUILD !== 'true' && hasSources && !buildIsCurrent()) {
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const compiled = path.join(root, 'dist', 'server', `${entry}.js`);
if (!existsSync(compiled)) {
  console.error(`No compiled ${entry}: run \`npm run build\` (looked for ${compiled}).`);
  process.exit(1);
}
// Tracing (ADR 021) hooks into module loading, so it starts before the entry point is imported;
// with no OTLP endpoint set it does nothing.
await import(
  pathToFileURL(path.join(root, 'dist', 'server', 'src', 'observability', 'preload.js')).href
);
await import(pathToFileURL(compiled).href);
