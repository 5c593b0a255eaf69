import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

// The selftests corpus runs on its own (`.ci/run` after build.sh), never in `npm test`: it needs
// the compiled corpus, which lives outside the clone.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    root: fileURLToPath(new URL('.', import.meta.url)),
    test: {
      name: 'selftests-corpus',
      include: ['*.test.ts'],
      testTimeout: 1_200_000,
      hookTimeout: 1_200_000,
    },
  }),
);
