// The checkout page's own JavaScript, gzip-compressed, against SPEC.md §4's budget (≤ 100 KB;
// Stripe.js excluded — it comes from Stripe or the simulator, not from our bundle).
//
// Run: npx tsx bench/checkout-bundle.ts [--no-build]
// Builds the web app (unless --no-build), reads dist/web/checkout.html, and measures exactly the
// scripts the browser loads for it: the module entry, every modulepreload link, and — to catch a
// chunk Vite forgot to preload — every static import reachable from the entry. Dynamic imports
// are not loaded by the page up front and are not counted. Exits 1 when over budget.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 100 * 1024;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distDir = path.join(root, 'dist', 'web');

if (!process.argv.includes('--no-build')) {
  execFileSync('npm', ['run', 'build:web', '--silent'], { cwd: root, stdio: 'inherit' });
}

/** A URL from the HTML or an import (`/assets/x.js`, `https://cdn/…/assets/x.js`, `./x.js`) → a file in dist/web. */
function toFile(url: string, from: string): string {
  if (url.startsWith('./') || url.startsWith('../')) return path.resolve(path.dirname(from), url);
  const at = url.indexOf('/assets/');
  if (at === -1) throw new Error(`Unexpected script URL in checkout.html: ${url}`);
  return path.join(distDir, url.slice(at + 1));
}

function read(file: string): Buffer {
  // The path comes from our own build output, resolved inside dist/web.
  // eslint-disable-next-line security/detect-non-literal-fs-filename
  return readFileSync(file);
}

const htmlFile = path.join(distDir, 'checkout.html');
const html = read(htmlFile).toString('utf8');

const SRC = /\bsrc="([^"]+)"/;
const HREF = /\bhref="([^"]+)"/;
const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
const entries = tags
  .filter((tag) => tag.startsWith('<script') && /type="module"/.test(tag))
  .map((tag) => SRC.exec(tag)?.[1]);
const preloads = tags
  .filter((tag) => /rel="modulepreload"/.test(tag))
  .map((tag) => HREF.exec(tag)?.[1]);
const stylesheets = tags
  .filter((tag) => /rel="stylesheet"/.test(tag))
  .map((tag) => HREF.exec(tag)?.[1]);
if (entries.length === 0 || entries.some((src) => !src))
  throw new Error('checkout.html has no module script');

// Static imports and re-exports in the minified output: `…from"./x.js"` or `import"./x.js"`.
// `import("./x.js")` (dynamic) does not match: a quote must follow `import`/`from` directly.
const STATIC_IMPORT = /\b(?:from|import)\s*["'](\.{1,2}\/[^"']+\.js)["']/g;

const loaded = new Set<string>();
function visit(file: string): void {
  if (loaded.has(file)) return;
  loaded.add(file);
  const source = read(file).toString('utf8');
  for (const match of source.matchAll(STATIC_IMPORT)) visit(toFile(match[1]!, file));
}
for (const src of entries) visit(toFile(src!, htmlFile));
const preloaded = new Set(preloads.map((href) => toFile(href!, htmlFile)));
for (const file of preloaded) loaded.add(file); // the browser fetches these whether used or not

const rows = [...loaded]
  .map((file) => {
    const bytes = read(file);
    return { file: path.relative(distDir, file), raw: bytes.length, gzip: gzipSync(bytes).length };
  })
  .sort((a, b) => b.gzip - a.gzip);
const total = rows.reduce((sum, row) => sum + row.gzip, 0);
const rawTotal = rows.reduce((sum, row) => sum + row.raw, 0);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

console.log('Checkout page JavaScript (dist/web/checkout.html), gzip at the default level:');
for (const row of rows)
  console.log(
    `  ${row.file.padEnd(44)} ${kb(row.raw).padStart(9)} raw  ${kb(row.gzip).padStart(9)} gzip`,
  );
console.log(
  `  ${'total'.padEnd(44)} ${kb(rawTotal).padStart(9)} raw  ${kb(total).padStart(9)} gzip`,
);
const notPreloaded = [...loaded].filter(
  (file) => !preloaded.has(file) && !entries.some((src) => toFile(src!, htmlFile) === file),
);
if (notPreloaded.length > 0) {
  console.log(
    `  note: imported but not preloaded: ${notPreloaded.map((file) => path.relative(distDir, file)).join(', ')}`,
  );
}
for (const href of stylesheets) {
  const css = read(toFile(href!, htmlFile));
  console.log(`  (CSS, not counted: ${path.basename(href!)} ${kb(gzipSync(css).length)} gzip)`);
}
console.log('  (Stripe.js excluded: loaded from Stripe, or the simulator in simulated mode)');

const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
console.log(
  `\n${verdict} budget: ${kb(total)} of ${kb(BUDGET_BYTES)} (${((total / BUDGET_BYTES) * 100).toFixed(0)}%)`,
);
process.exitCode = total <= BUDGET_BYTES ? 0 : 1;
