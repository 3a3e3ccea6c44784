/**
 * Where Hearth keeps its settings (never vault data, never secrets): `HEARTH_CONFIG_DIR` when
 * set, else the platform's per-user application data folder.
 */
import os from 'node:os';
import path from 'node:path';

export function defaultConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env['HEARTH_CONFIG_DIR'];
  if (override && override.trim()) return path.resolve(override);
  switch (platform) {
    case 'win32':
      return path.join(env['APPDATA'] || path.join(home, 'AppData', 'Roaming'), 'Hearth');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Hearth');
    default:
      return path.join(env['XDG_CONFIG_HOME'] || path.join(home, '.config'), 'hearth');
  }
}
