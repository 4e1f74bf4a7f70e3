import { defineConfig } from 'vitest/config';

/**
 * The workspace's packages (`@cart/core`, …) resolve to their TypeScript sources by their
 * `@cart/source` export condition, never to a build in dist/ (made only to publish them):
 * tests run the code in the tree, with nothing to build first. Vite keeps the conditions
 * of its client and server (ssr) environments apart, so both get it; Vitest adds its own
 * defaults to each list and passes the server's on to its workers as `--conditions`.
 */
const workspaceSources = {
  resolve: { conditions: ['@cart/source'] },
  ssr: { resolve: { conditions: ['@cart/source'] } },
};

// One test command for the whole repository: every package's tests, with coverage
// enforced on the code that ships (core, server, client SDK and React bindings).
export default defineConfig({
  test: {
    projects: [
      {
        ...workspaceSources,
        test: {
          name: 'core',
          root: 'packages/core',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        ...workspaceSources,
        test: {
          name: 'server',
          root: 'packages/server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // The process tests run the compiled bundle, as production does: built once here
          // when its sources changed.
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        ...workspaceSources,
        test: {
          name: 'client',
          root: 'packages/client',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...workspaceSources,
        test: {
          name: 'react',
          root: 'packages/react',
          include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: [
        'packages/core/src/**/*.ts',
        'packages/server/src/**/*.ts',
        'packages/client/src/**/*.ts',
        'packages/react/src/**/*.{ts,tsx}',
      ],
      exclude: [
        '**/*.test.{ts,tsx}',
        'packages/server/src/server.ts',
        'packages/server/src/cli/**',
        // Runs inside Chromium (packages/client/test/indexeddb.test.ts), out of v8's sight.
        'packages/client/src/indexeddb-adapter.ts',
      ],
      reporter: ['text-summary', 'json-summary', 'html'],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
