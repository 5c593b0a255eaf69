import { defineConfig } from 'vitest/config';

// The base every package's vitest config merges. Sibling packages resolve to their TypeScript
// sources through the "source" export condition (for both client and SSR resolution, and inlined
// rather than handed to Node), so tests never need a build and never see a stale dist.
export const sharedConfig = defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    server: { deps: { inline: [/@bpfkit\//] } },
  },
});
