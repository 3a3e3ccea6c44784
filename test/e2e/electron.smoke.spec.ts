/**
 * Electron smoke test: launch the built app, see the unlock screen. Skips with a clear message
 * where the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD environments).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/**
 * The Electron executable, or why there is none. `require('electron')` tries to download a
 * missing binary, so look for it first (path.txt + dist/) and only then ask the package.
 */
function findElectron(): { path: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!process.env['ELECTRON_OVERRIDE_DIST_PATH']) {
    if (!existsSync(pathFile)) return { missing: `${pathFile} is absent (ELECTRON_SKIP_BINARY_DOWNLOAD install)` };
    const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    if (!existsSync(binary)) return { missing: `${binary} does not exist` };
  }
  try {
    const executable = require('electron') as unknown;
    if (typeof executable !== 'string') return { missing: 'require("electron") did not return a path' };
    if (!existsSync(executable)) return { missing: `${executable} does not exist` };
    return { path: executable };
  } catch (e) {
    return { missing: e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e) };
  }
}

test('the desktop app opens on the unlock screen', async () => {
  const found = findElectron();
  test.skip('missing' in found, `Electron binary not installed: ${'missing' in found ? found.missing : ''}`);
  if (!('path' in found)) return;

  const configDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-electron-config-'));
  const app = await electron.launch({
    executablePath: found.path,
    args: [repoRoot, '--no-sandbox', '--disable-gpu'],
    cwd: repoRoot,
    env: { ...process.env, HEARTH_CONFIG_DIR: configDir, ELECTRON_ENABLE_LOGGING: '1' },
  });
  try {
    const window = await app.firstWindow();
    expect(window.url()).toMatch(/^app:\/\/hearth\//);
    await expect(window.getByText(/unlock|create a new vault|vault folder/i).first()).toBeVisible();
    const bridge = await window.evaluate(() => {
      const hearth = (window as unknown as { hearth?: Record<string, unknown>; require?: unknown; process?: unknown }).hearth;
      return {
        platform: hearth?.['platform'],
        hasVault: typeof hearth?.['vault'] === 'object',
        noRequire: typeof (window as unknown as { require?: unknown }).require === 'undefined',
        noProcess: typeof (window as unknown as { process?: unknown }).process === 'undefined',
      };
    });
    expect(bridge).toEqual({ platform: 'electron', hasVault: true, noRequire: true, noProcess: true });
  } finally {
    await app.close();
    rmSync(configDir, { recursive: true, force: true });
  }
});
