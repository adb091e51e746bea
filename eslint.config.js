// One lint config for the server, the web app, the simulator and the tests.
// Import boundaries are enforced here, not in review (STYLE.md §11).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const noSimulator = {
  group: ['**/simulator/**', '../simulator/*', '../../simulator/*'],
  message: 'The app reaches the Stripe simulator only through configuration, never by import.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      '.data',
      '.tmp',
      '.stryker-tmp',
      'reports',
      'test-results',
      'playwright-report',
      'coverage',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  security.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Object injection is how every typed record lookup looks; too noisy to be useful.
      'security/detect-object-injection': 'off',
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noSimulator,
            { group: ['**/web/**'], message: 'The server does not import the web app.' },
          ],
        },
      ],
    },
  },
  {
    // Only the Stripe provider may import the Stripe SDK (STYLE.md §6).
    files: ['src/**/*.ts'],
    ignores: ['src/stripe/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'stripe', message: 'Only src/stripe/ talks to the Stripe SDK.' }],
          patterns: [
            noSimulator,
            { group: ['**/web/**'], message: 'The server does not import the web app.' },
          ],
        },
      ],
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noSimulator,
            { group: ['**/src/**'], message: 'The web app talks to the server over HTTP only.' },
          ],
        },
      ],
    },
  },
  {
    // The Stripe.js stand-in runs in browsers, served as plain files.
    files: ['simulator/stripejs/**/*.js', 'test/e2e/fixtures/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Build and launch scripts read and write the project's own folders, named in the code.
    files: ['scripts/**'],
    rules: { 'security/detect-non-literal-fs-filename': 'off' },
  },
  {
    // Entry points and scripts print to the console on purpose.
    files: [
      '**/*-main.ts',
      'src/server/main.ts',
      'src/cli/server-infrastructure.ts', // the maintenance commands' shared exit
      'src/observability/preload.ts',
      'simulator/main.ts',
      'bench/**',
      'scripts/**',
      'test/**',
    ],
    rules: { 'no-console': 'off' },
  },
);
