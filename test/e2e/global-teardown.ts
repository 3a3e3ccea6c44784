/** Stops the web servers started by global-setup and removes their settings folders and the sample-vault template. */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { removeSampleVaultTemplate } from './fixtures/sample-vault';

export default async function globalTeardown(): Promise<void> {
  const pids = (process.env['HEARTH_E2E_SERVER_PIDS'] ?? '').split(',').map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
  await Promise.all(pids.map(stopServer));
  for (const configDir of (process.env['HEARTH_E2E_CONFIG_DIRS'] ?? '').split(path.delimiter)) {
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  }
  removeSampleVaultTemplate();
}

async function stopServer(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  // Give it a moment to lock the vault and end its worker, then make sure it is gone.
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
