/**
 * `<configDir>/settings.json`: user preferences and the recent-vault list. Holds folder paths
 * only (no PHI, no secrets: the FHIR endpoint's switch and port are here, never its token). Written atomically (temp file, fsync, rename) so a crash never
 * leaves a half-written file; a missing or unreadable file falls back to the defaults.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FhirEndpointSettings, Settings } from '../api/contract';

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({ autoLockMinutes: 15, theme: 'auto' });
export const MAX_RECENT_VAULTS = 10;
const SETTINGS_FILE = 'settings.json';

const storedSettings = z.object({
  autoLockMinutes: z.number().int().min(1).max(24 * 60).catch(DEFAULT_SETTINGS.autoLockMinutes),
  theme: z.enum(['light', 'dark', 'auto']).catch(DEFAULT_SETTINGS.theme),
  recentVaults: z.array(z.string().min(1).max(4096)).max(MAX_RECENT_VAULTS).catch([]),
  fhirEndpoint: z.object({ enabled: z.boolean(), port: z.number().int().min(0).max(65535) }).optional().catch(undefined),
  reviewerName: z.string().trim().min(1).max(100).optional().catch(undefined),
});

/** The FHIR endpoint switch as stored, or its default: off, any free port. */
export function fhirEndpointSettings(settings: Settings): FhirEndpointSettings {
  return settings.fhirEndpoint ?? { enabled: false, port: 0 };
}

/** A settings.update input: top-level fields replace, fhirEndpoint fields merge. */
export type SettingsPatch = Partial<Omit<Settings, 'fhirEndpoint'>> & { fhirEndpoint?: Partial<FhirEndpointSettings> };

interface StoredFile {
  settings: Settings;
  recentVaults: string[];
}

export class SettingsStore {
  private state: StoredFile = { settings: { ...DEFAULT_SETTINGS }, recentVaults: [] };
  /** Serializes writes so two quick updates cannot interleave their rename. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async load(configDir: string): Promise<SettingsStore> {
    const store = new SettingsStore(path.join(configDir, SETTINGS_FILE));
    try {
      const text = await fs.readFile(store.file, 'utf8');
      const parsed = storedSettings.safeParse({ ...DEFAULT_SETTINGS, recentVaults: [], ...JSON.parse(text) });
      if (parsed.success) {
        const { recentVaults, fhirEndpoint, reviewerName, ...rest } = parsed.data;
        const settings: Settings = fhirEndpoint ? { ...rest, fhirEndpoint } : rest;
        if (reviewerName) settings.reviewerName = reviewerName;
        store.state = { settings, recentVaults };
      }
    } catch {
      // Missing or corrupt settings are not an error: the defaults apply and the next save repairs it.
    }
    return store;
  }

  get settings(): Settings {
    const { fhirEndpoint, ...rest } = this.state.settings;
    return fhirEndpoint ? { ...rest, fhirEndpoint: { ...fhirEndpoint } } : rest;
  }

  get recentVaults(): string[] {
    return [...this.state.recentVaults];
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const next: Settings = { ...this.state.settings };
    if (patch.autoLockMinutes !== undefined) next.autoLockMinutes = patch.autoLockMinutes;
    if (patch.theme !== undefined) next.theme = patch.theme;
    if (patch.reviewerName !== undefined) next.reviewerName = patch.reviewerName;
    if (patch.fhirEndpoint !== undefined) {
      const current = fhirEndpointSettings(next);
      next.fhirEndpoint = {
        enabled: patch.fhirEndpoint.enabled ?? current.enabled,
        port: patch.fhirEndpoint.port ?? current.port,
      };
    }
    this.state = { ...this.state, settings: next };
    await this.save();
    return this.settings;
  }

  /** Moves `vaultPath` to the front of the recent list. */
  async rememberVault(vaultPath: string): Promise<void> {
    const recent = [vaultPath, ...this.state.recentVaults.filter((p) => p !== vaultPath)].slice(0, MAX_RECENT_VAULTS);
    this.state = { ...this.state, recentVaults: recent };
    await this.save();
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify({ ...this.state.settings, recentVaults: this.state.recentVaults }, null, 2) + '\n';
    const run = this.writing.then(() => writeFileAtomic(this.file, snapshot));
    this.writing = run.catch(() => undefined);
    return run;
  }
}

/** Temp file in the same folder, fsync, rename over the target, fsync the folder. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
  await syncFolder(dir);
}

async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // Windows cannot open a folder for fsync.
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
