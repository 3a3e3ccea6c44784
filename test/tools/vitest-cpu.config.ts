/**
 * The unit-test configuration plus per-file CPU accounting:
 *   HEARTH_TEST_CPU_OUT=/tmp/cpu.jsonl npx vitest run -c test/tools/vitest-cpu.config.ts [files]
 * then `npx tsx test/tools/vitest-cpu-report.ts /tmp/cpu.jsonl` for the table.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config';

export default mergeConfig(
  base,
  defineConfig({
    test: { setupFiles: ['test/tools/vitest-cpu-setup.ts'] },
  }),
);
