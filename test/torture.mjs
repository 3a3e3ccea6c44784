#!/usr/bin/env node
// `npm run torture`: the vault crash test with 500 SIGKILL trials (the normal suite runs 20).
// HEARTH_TORTURE_TRIALS may be set to another count.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trials = process.env.HEARTH_TORTURE_TRIALS ?? '500';
const result = spawnSync('npx', ['vitest', 'run', 'test/unit/vault/crash.test.ts'], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, HEARTH_TORTURE_TRIALS: trials },
});
process.exit(result.status ?? 1);
