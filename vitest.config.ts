import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Crypto-heavy suites (PBKDF2, thousands of unlocks) run best without sharing the 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
