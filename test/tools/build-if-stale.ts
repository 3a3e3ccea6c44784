/**
 * Builds only when an output is missing or older than the newest source: the e2e global setup
 * (the app and the CLI) and the vitest global setup (the CLI, once per run instead of once per
 * CLI test file) share it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What `npm run build:cli` writes (out/cli) and what it is built from. */
export const CLI_OUTPUTS = ['out/cli/hearth.mjs', 'out/cli/store-worker.mjs', 'out/cli/nlp-worker.mjs', 'out/cli/sample-worker.mjs'];
export const CLI_SOURCES = ['src-main', 'package.json'];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/** True when an output (relative to the repo) is missing or older than the newest source. */
export function isStale(outputs: readonly string[], sources: readonly string[]): boolean {
  const paths = outputs.map((o) => path.join(repoRoot, o));
  const oldestOutput = paths.every((o) => existsSync(o)) ? Math.min(...paths.map((o) => statSync(o).mtimeMs)) : 0;
  const newestSource = Math.max(...sources.map((s) => newestMtime(path.join(repoRoot, s))));
  return oldestOutput <= newestSource;
}

const buildEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });

/** `npm run build:cli` when out/cli is missing or older than src-main; returns whether it built. */
export function buildCliIfStale(stdio: 'inherit' | 'ignore' = 'ignore'): boolean {
  if (!isStale(CLI_OUTPUTS, CLI_SOURCES)) return false;
  execFileSync('npm', ['run', 'build:cli'], { cwd: repoRoot, stdio, env: buildEnv() });
  return true;
}

/** `electron-vite build` then `npm run build:cli`, when any of `outputs` is older than `sources`. */
export function buildAppIfStale(outputs: readonly string[], sources: readonly string[]): boolean {
  if (!isStale(outputs, sources)) return false;
  console.log('[e2e] building the app (electron-vite build, build:cli)...');
  execFileSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'inherit', env: buildEnv() });
  execFileSync('npm', ['run', 'build:cli'], { cwd: repoRoot, stdio: 'inherit', env: buildEnv() });
  return true;
}
