// One linter for the whole repository: type-aware typescript-eslint rules, plus the
// dependency arrows of STYLE.md enforced as import restrictions. The restrictions below go
// by import name (Node built-ins, npm packages, @cart/…); which package may import which,
// by name or by any relative path, tests included, is checked on resolved paths by
// dependency-cruiser (.dependency-cruiser.mjs, `npm run lint:deps`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Code a browser loads (core, the SDK and its React bindings) builds schemas with
 * `zod/mini`: a classic zod schema carries every method (toJSONSchema among them), so one
 * classic import brings most of classic zod back into the storefront's first load.
 */
const browserZod = {
  name: 'zod',
  message: "import * as z from 'zod/mini': classic zod keeps most of zod in a browser bundle",
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'coverage/**',
      'data/**',
      'bench/results/**',
      '**/dist/**',
      // StrykerJS's sandbox (a copy of the repository) and its reports
      '.stryker-tmp/**',
      'reports/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      // The `z` object of `import { z } from 'zod'` (or 'zod/mini') holds all of that zod,
      // so a bundler keeps it whole: the SDK's bundle doubles (bench/results/sdk-size-*.json).
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value=/^zod/] > ImportSpecifier[imported.name='z']",
          message:
            "import * as z from 'zod/mini' (or 'zod'): the named z keeps all of zod in a bundle",
        },
      ],
    },
  },
  {
    // core is pure: no I/O, no Node built-ins, no server or client code.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto', 'http'], message: 'core does no I/O' },
            {
              group: [
                '@cart/server',
                '@cart/client',
                '@cart/react',
                'fastify*',
                'better-sqlite3',
                'pg',
              ],
              message: 'core depends on zod alone',
            },
          ],
          paths: [browserZod],
        },
      ],
    },
  },
  {
    files: ['packages/server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@cart/client', '@cart/react', '@cart/core/src/*', '../../core/*'],
              message: 'server depends on @cart/core by its public API only',
            },
          ],
        },
      ],
    },
  },
  ...[
    { files: ['packages/react/src/**/*.{ts,tsx}'], extra: [] },
    {
      files: ['packages/client/src/**/*.ts'],
      extra: [
        { group: ['@cart/react', 'react', 'react-dom'], message: 'the SDK is framework-agnostic' },
      ],
    },
  ].map(({ files, extra }) => ({
    // The SDK and its bindings run in browsers: no Node built-ins; arrows point one way.
    files,
    ignores: ['**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'net', 'stream'],
              message: 'the SDK runs in browsers',
            },
            {
              group: ['@cart/server', '@cart/server/*', '../../server/*', '@cart/core/src/*'],
              message: 'client and react use @cart/core and @cart/client by their public APIs',
            },
            ...extra,
          ],
          paths: [browserZod],
        },
      ],
    },
  })),
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts', '**/cli/**/*.ts', '**/server.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
