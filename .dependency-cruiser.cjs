// Import boundaries between business components (issue 9, ADR 015). `npm run lint` runs this
// after ESLint; a violation names the rule and both files. ESLint keeps the rules that are about
// one import at a time (no Stripe SDK outside src/stripe, no simulator, no server code in the web).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'Import cycles make start-up order and ownership unclear; break them with a type or a parameter.',
      from: { path: '^(src|web/src|shared)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'data-only-in-a-repository',
      severity: 'error',
      comment:
        "Only a component's repository (src/modules/<component>/repository.ts or repository/) and src/db/ " +
        'touch Drizzle or the table definitions; everything else asks the owning service.',
      from: {
        path: '^src/',
        pathNot: ['^src/db/', '^src/modules/[^/]+/repository(\\.ts$|/)'],
      },
      to: { path: ['^node_modules/drizzle-orm/', '^src/db/schema\\.ts$'] },
    },
    {
      name: 'repository-private-to-its-component',
      severity: 'error',
      comment:
        "A component's repository is imported only from its own folder; other components call its service.",
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/repository(\\.ts$|/)',
        pathNot: '^src/modules/$1/',
      },
    },
    {
      name: 'repository-only-from-modules',
      severity: 'error',
      comment: 'Server wiring, jobs and scripts reach data through services, never a repository.',
      from: { path: '^src/', pathNot: '^src/modules/' },
      to: { path: '^src/modules/[^/]+/repository(\\.ts$|/)' },
    },
    {
      name: 'modules-do-not-import-server',
      severity: 'error',
      comment:
        'src/server/ composes the modules; a module depending on it points the arrow upwards.',
      from: { path: '^src/modules/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'web-features-through-their-entry',
      severity: 'error',
      comment:
        'A web feature is used from outside only through its public entry (web/src/features/<feature>/index.ts).',
      from: { path: '^web/src/', pathNot: '^web/src/features/([^/]+)/' },
      to: { path: '^web/src/features/[^/]+/', pathNot: '^web/src/features/[^/]+/index\\.tsx?$' },
    },
    {
      name: 'web-features-not-into-each-other',
      severity: 'error',
      comment: 'One web feature uses another only through its public entry.',
      from: { path: '^web/src/features/([^/]+)/' },
      to: {
        path: '^web/src/features/[^/]+/',
        pathNot: ['^web/src/features/$1/', '^web/src/features/[^/]+/index\\.tsx?$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^(src|web)/.*\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
