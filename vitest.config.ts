import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
    // Builds out/cli once per run when src-main is newer (the CLI tests spawn it).
    globalSetup: ['test/tools/vitest-global-setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Crypto-heavy suites (PBKDF2, thousands of unlocks) run best without sharing the 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
