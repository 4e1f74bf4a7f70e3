import { defineConfig } from 'vitest/config';

// One test command for the whole repository: every package's tests, with coverage
// enforced on the code that ships (core, server, client SDK and React bindings).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'core',
          root: 'packages/core',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
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
        test: {
          name: 'client',
          root: 'packages/client',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
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
