// `npm run build`: compiles the server, the worker, the CLI entry points and the Stripe simulator
// to JavaScript (dist/server, through tsconfig.build.json), copies the files they read at run time
// beside them, and builds the web app once (dist/web). Plain JavaScript, so that it runs with
// nothing but Node.js and the dev dependencies; `npm start` calls it when the build is stale.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'server');
const require = createRequire(import.meta.url);

/** Runs a package's CLI with this Node.js; stops the build on the first failure. */
function run(label, bin, args) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`Build failed at: ${label}`);
    process.exit(result.status ?? 1);
  }
  console.log(`  ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

console.log('Building Paydeck…');
rmSync(out, { recursive: true, force: true });
run('server, worker, scripts and simulator → dist/server', require.resolve('typescript/bin/tsc'), [
  '-p',
  'tsconfig.build.json',
]);
// Files read at run time from beside the code that reads them.
for (const dir of ['src/db/migrations', 'simulator/stripejs']) {
  mkdirSync(path.join(out, dir), { recursive: true });
  cpSync(path.join(root, dir), path.join(out, dir), { recursive: true });
}
run(
  'web app → dist/web',
  path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js'),
  ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
);
// What the build ships: a CycloneDX SBOM of the production dependencies (works offline).
const sbom = spawnSync(
  process.env.npm_execpath ? process.execPath : 'npm',
  [
    ...(process.env.npm_execpath ? [process.env.npm_execpath] : []),
    'sbom',
    '--sbom-format',
    'cyclonedx',
    '--omit',
    'dev',
  ],
  { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
if (sbom.status !== 0) {
  console.error(`Build failed at: SBOM (npm sbom)\n${sbom.stderr}`);
  process.exit(1);
}
writeFileSync(path.join(root, 'dist', 'sbom.cdx.json'), sbom.stdout);
console.log('  SBOM of production dependencies → dist/sbom.cdx.json');
// The stamp `npm start` compares source files against (scripts/launch.mjs).
writeFileSync(path.join(root, 'dist', 'BUILD'), `${new Date().toISOString()}\n`);
console.log('Build complete: dist/server, dist/web.');
