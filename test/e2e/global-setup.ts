/**
 * Builds the app when the build is missing or older than the sources, then starts the web mode
 * (`node out/cli/hearth.mjs serve --port 0`) with a throw-away settings folder, and hands the
 * printed URL (with its token) to the tests as process.env.HEARTH_URL.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const SOURCES = ['src-main', 'src-renderer', 'src-preload', 'electron.vite.config.ts', 'package.json'];
const OUTPUTS = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs', 'out/cli/hearth.mjs', 'out/cli/store-worker.mjs'];
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+/;

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

export function buildIfStale(): void {
  const outputs = OUTPUTS.map((o) => path.join(repoRoot, o));
  const oldestOutput = outputs.every((o) => existsSync(o)) ? Math.min(...outputs.map((o) => statSync(o).mtimeMs)) : 0;
  const newestSource = Math.max(...SOURCES.map((s) => newestMtime(path.join(repoRoot, s))));
  if (oldestOutput > newestSource) return;
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  console.log('[e2e] building the app (electron-vite build, build:cli)...');
  execFileSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'inherit', env });
  execFileSync('npm', ['run', 'build:cli'], { cwd: repoRoot, stdio: 'inherit', env });
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

export default async function globalSetup(): Promise<void> {
  buildIfStale();
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-config-'));
  const { url, pid } = await startServer(configDir);
  process.env['HEARTH_URL'] = url;
  process.env['HEARTH_E2E_SERVER_PID'] = String(pid);
  process.env['HEARTH_E2E_CONFIG_DIR'] = configDir;
  // Names this run's sample-vault template (fixtures/sample-vault.ts), built on first use.
  process.env['HEARTH_E2E_RUN'] = `${process.pid}-${Date.now().toString(36)}`;
  console.log(`[e2e] web mode at http://127.0.0.1:${new URL(url).port}/ (token in HEARTH_URL)`);
}
