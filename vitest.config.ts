import { defineConfig } from 'vitest/config';

/**
 * NLP test files that measure time (wall or CPU ratios on 100 kB vs 1 MB): they keep a fresh
 * worker of their own, so the heap and garbage collection of earlier files do not enter their figures.
 */
const NLP_TIMED = ['test/unit/nlp/phi/linear-time.test.ts', 'test/unit/nlp/match/matcher.test.ts', 'test/unit/nlp/text/real-notes.test.ts'];

export default defineConfig({
  test: {
    // Builds out/cli once per run when src-main is newer (the CLI tests spawn it).
    globalSetup: ['test/tools/vitest-global-setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Crypto-heavy suites (PBKDF2, thousands of unlocks) run best without sharing the 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          exclude: ['test/unit/nlp/**'],
        },
      },
      { extends: true, test: { name: 'nlp-timed', include: NLP_TIMED } },
      {
        // The NLP files share one module graph per worker (definitions, lexicons and packs load
        // once per worker, not once per file): they hold no mocks, fake timers, environment
        // changes or globals, and the modules' caches are built once and only read.
        extends: true,
        test: {
          name: 'nlp',
          include: ['test/unit/nlp/**/*.test.ts'],
          exclude: NLP_TIMED,
          isolate: false,
        },
      },
    ],
  },
});
