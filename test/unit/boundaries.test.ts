// The import boundaries in .dependency-cruiser.cjs, each proven by a deliberate violation: a small
// tree is written to a temporary folder, cruised with the project's own rules, and every rule must
// name the file that breaks it — and stay quiet about the files that follow it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IConfiguration } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;

/** Files of the throw-away tree: path → source. Imports use explicit extensions, as ours do. */
const TREE: Record<string, string> = {
  'node_modules/drizzle-orm/package.json': '{"name":"drizzle-orm","main":"index.js"}',
  'node_modules/drizzle-orm/index.js': 'export const eq = 1;',
  'src/db/schema.ts': "import { eq } from 'drizzle-orm'; export const payments = eq;",
  'src/lib/money.ts': 'export const cents = 1;',
  // Allowed: a repository reads its table; its own service and routes use it.
  'src/modules/payments/repository.ts':
    "import { eq } from 'drizzle-orm'; import { payments } from '../../db/schema.ts'; export const find = () => [eq, payments];",
  'src/modules/payments/service/pay.ts':
    "import { find } from '../repository.ts'; import { cents } from '../../../lib/money.ts'; export const pay = () => [find, cents];",
  // Violations, one per rule.
  'src/modules/orders/service.ts':
    "import { eq } from 'drizzle-orm'; import { find } from '../payments/repository.ts'; export const list = () => [eq, find];",
  'src/modules/refunds/service.ts':
    "import { payments } from '../../db/schema.ts'; import { services } from '../../server/services.ts'; export const r = [payments, services];",
  'src/server/services.ts':
    "import { find } from '../modules/payments/repository.ts'; export const services = find;",
  'src/modules/disputes/a.ts': "import { b } from './b.ts'; export const a = () => b;",
  'src/modules/disputes/b.ts': "import { a } from './a.ts'; export const b = () => a;",
  'web/src/features/wallet/index.ts': "export { WalletPage } from './components/wallet-page.tsx';",
  'web/src/features/wallet/components/wallet-page.tsx': 'export const WalletPage = 1;',
  'web/src/features/orders/components/orders-page.tsx':
    "import { WalletPage } from '../../wallet/components/wallet-page.tsx'; import * as wallet from '../../wallet/index.ts'; export const O = [WalletPage, wallet];",
  'web/src/app/router.tsx':
    "import { WalletPage } from '../features/wallet/components/wallet-page.tsx'; import * as wallet from '../features/wallet/index.ts'; export const R = [WalletPage, wallet];",
};

let root: string;
let violations: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'paydeck-boundaries-'));
  for (const [path, source] of Object.entries(TREE)) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our temporary folder
    await mkdir(dirname(join(root, path)), { recursive: true });
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our temporary folder
    await writeFile(join(root, path), source);
  }
  const { tsConfig: _ts, ...options } = config.options ?? {};
  const result = await cruise(['src', 'web/src'], {
    ...options,
    baseDir: root,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  });
  if (typeof result.output === 'string') throw new Error('expected the cruise result object');
  violations = result.output.summary.violations.map(
    (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ' (cycle)' : ''}`,
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function broken(rule: string): string[] {
  return violations.filter((v) => v.startsWith(`${rule}:`));
}

describe('import boundaries (.dependency-cruiser.cjs)', () => {
  it('when code outside a repository imports Drizzle or the tables, then data-only-in-a-repository names it', () => {
    expect(broken('data-only-in-a-repository')).toEqual(
      expect.arrayContaining([
        'data-only-in-a-repository: src/modules/orders/service.ts → node_modules/drizzle-orm/index.js',
        'data-only-in-a-repository: src/modules/refunds/service.ts → src/db/schema.ts',
      ]),
    );
    expect(broken('data-only-in-a-repository').join('\n')).not.toContain(
      'payments/repository.ts →',
    );
  });

  it("when a component imports another component's repository, then repository-private-to-its-component names it", () => {
    expect(broken('repository-private-to-its-component')).toEqual([
      'repository-private-to-its-component: src/modules/orders/service.ts → src/modules/payments/repository.ts',
    ]);
  });

  it('when server wiring imports a repository, then repository-only-from-modules names it', () => {
    expect(broken('repository-only-from-modules')).toEqual([
      'repository-only-from-modules: src/server/services.ts → src/modules/payments/repository.ts',
    ]);
  });

  it('when a module imports src/server, then modules-do-not-import-server names it', () => {
    expect(broken('modules-do-not-import-server')).toEqual([
      'modules-do-not-import-server: src/modules/refunds/service.ts → src/server/services.ts',
    ]);
  });

  it('when two files import each other, then no-cycles names the cycle', () => {
    expect(broken('no-cycles').length).toBeGreaterThan(0);
    expect(broken('no-cycles').join('\n')).toContain('src/modules/disputes/');
  });

  it("when a web file reaches into a feature's internals, then the feature rules name it, and its public entry is fine", () => {
    expect(broken('web-features-not-into-each-other')).toEqual([
      'web-features-not-into-each-other: web/src/features/orders/components/orders-page.tsx → web/src/features/wallet/components/wallet-page.tsx',
    ]);
    expect(broken('web-features-through-their-entry')).toEqual([
      'web-features-through-their-entry: web/src/app/router.tsx → web/src/features/wallet/components/wallet-page.tsx',
    ]);
  });

  it('when imports follow the rules (a service using its own repository, the web using an entry), then nothing else is reported', () => {
    const named = [
      'data-only-in-a-repository',
      'repository-private-to-its-component',
      'repository-only-from-modules',
      'modules-do-not-import-server',
      'no-cycles',
      'web-features-not-into-each-other',
      'web-features-through-their-entry',
    ].flatMap(broken);
    expect(violations.filter((v) => !named.includes(v))).toEqual([]);
    expect(violations.filter((v) => /service\/pay\.ts|index\.ts$/.test(v))).toEqual([]);
  });
});
