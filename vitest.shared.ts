import { defineConfig } from 'vitest/config';

// The base every package's vitest config merges. Sibling packages resolve to their TypeScript
// sources through the "source" export condition, so tests never need a build.
export const sharedConfig = defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
