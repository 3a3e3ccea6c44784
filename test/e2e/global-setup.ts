/**
 * Builds the app when the build is missing or older than the sources, then starts the web mode
 * (`node out/cli/hearth.mjs serve --port 0`) once per worker, each with a throw-away settings
 * folder, and hands the printed URLs (with their tokens) to the tests (process.env.HEARTH_URL).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { buildAppIfStale } from '../tools/build-if-stale';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const SOURCES = ['src-main', 'src-renderer', 'src-preload', 'electron.vite.config.ts', 'package.json'];
const OUTPUTS = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs', 'out/cli/hearth.mjs', 'out/cli/store-worker.mjs'];
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+/;

export function buildIfStale(): void {
  buildAppIfStale(OUTPUTS, SOURCES);
}

function startServer(configDir: string): Promise<{ url: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'out/cli/hearth.mjs'), 'serve', '--port', '0'], {
      cwd: repoRoot,
      env: { ...process.env, HEARTH_CONFIG_DIR: configDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`hearth serve printed no URL within 60 s.\nstdout: ${output}\nstderr: ${errors}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = URL_PATTERN.exec(output);
      if (match && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[0], pid: child.pid });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hearth serve exited (code ${code}).\nstdout: ${output}\nstderr: ${errors}`));
    });
    // The server outlives this function: do not let its pipes hold the runner open.
    child.unref();
  });
}

/**
 * One server per Playwright worker (each holds one open vault at a time): worker N reads
 * HEARTH_URL_N, which playwright.config.ts copies into HEARTH_URL in that worker. HEARTH_URL in
 * the runner is the first server's.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  buildIfStale();
  const servers = await Promise.all(
    Array.from({ length: Math.max(1, config.workers) }, async () => {
      const configDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-config-'));
      return { configDir, ...(await startServer(configDir)) };
    }),
  );
  servers.forEach(({ url }, index) => (process.env[`HEARTH_URL_${index}`] = url));
  process.env['HEARTH_URL'] = servers[0]!.url;
  process.env['HEARTH_E2E_SERVER_PIDS'] = servers.map((server) => server.pid).join(',');
  process.env['HEARTH_E2E_CONFIG_DIRS'] = servers.map((server) => server.configDir).join(path.delimiter);
  // Names this run's sample-vault template (fixtures/sample-vault.ts), built on first use.
  process.env['HEARTH_E2E_RUN'] = `${process.pid}-${Date.now().toString(36)}`;
  const ports = servers.map(({ url }) => new URL(url).port).join(', ');
  console.log(`[e2e] web mode at http://127.0.0.1 port ${ports}, one per worker (tokens in HEARTH_URL_<n>)`);
}
