import { defineConfig } from 'vitest/config';

// One test command for the whole repository: every package's tests, with coverage
// enforced on the code that ships (core and server).
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
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts', 'packages/server/src/**/*.ts'],
      exclude: [
        '**/*.test.ts',
        '**/test/**',
        'packages/server/src/server.ts',
        'packages/server/src/cli/**',
      ],
      reporter: ['text-summary', 'json-summary', 'html'],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
