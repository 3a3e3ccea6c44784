/**
 * Running `hearth` in tests, two ways with the same result shape: the built binary in a child
 * process (what a user runs: argument passing, exit code, the one-line error on stderr), and the
 * same entry point in this process (runMain, what main() calls), which skips a second of process
 * startup and module loading per command. Each command keeps at least one real spawn in the CLI
 * tests; the in-process runs are for the many cases where the spawn itself is not what is tested.
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { runMain } from '../../../src-main/cli/hearth';
import { repoRoot } from '../io/paths';

export const binary = path.join(repoRoot, 'out/cli/hearth.mjs');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of every run: no TTY, test mode, cheap PBKDF2 for `vault create`. */
function environment(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'test', HEARTH_TEST_KDF_ITERATIONS: '1000', ...env };
}

/** The built binary in a child process. */
export function hearthSpawn(args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, [binary, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: environment(env),
    // No TTY: the passphrase must come from the environment.
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same as hearthSpawn, without blocking: independent runs can overlap. */
export function hearthSpawnAsync(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], { cwd: repoRoot, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The program's entry point (runMain) in this process, with the same environment and captured output. */
export async function hearthInProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await runMain(args, { out: (text) => (stdout += text), err: (text) => (stderr += text), env: environment(env) }, path.join(repoRoot, 'out/cli'));
  return { status, stdout, stderr };
}

/** Expected failures print exactly one line `hearth: <reason>` and exit non-zero. */
export function expectOneLineError(run: Run, pattern: RegExp): void {
  expect(run.status).not.toBe(0);
  const lines = run.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hearth: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}
