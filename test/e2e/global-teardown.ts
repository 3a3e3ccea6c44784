/** Stops the web server started by global-setup and removes its settings folder and the sample-vault template. */
import { rmSync } from 'node:fs';
import { removeSampleVaultTemplate } from './fixtures/sample-vault';

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env['HEARTH_E2E_SERVER_PID']);
  if (Number.isInteger(pid) && pid > 0) {
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
  const configDir = process.env['HEARTH_E2E_CONFIG_DIR'];
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  removeSampleVaultTemplate();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
