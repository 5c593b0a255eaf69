import { defineConfig } from 'vitest/config';

// `npm test`: one run over every package's own vitest config.
export default defineConfig({
  test: { projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'] },
});
