/**
 * The encrypted vault storage engine: createVault / openVault / probeVault (docs/vault-format.md).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { VaultProbe } from '../api/contract';
import { importDataKeys, MIN_PRODUCTION_KDF_ITERATIONS, MIN_ANY_KDF_ITERATIONS, randomBytes } from './crypto';
import { fsyncDir, ioError, isErrnoException, writeAll } from './fs-util';
import { buildHeader, HEADER_FILE, newDataKeyBytes, readHeader, unwrapDataKeys, vaultIdBytes, writeHeader } from './header';
import { acquireLock } from './lock';
import { LOG_DIR, sealSegmentHeader, segmentFile } from './log';
import { INDEX_DIR } from './snapshot';
import { OpenVault } from './vault';
import { VaultError, type CreateOptions, type OpenOptions, type Vault } from './types';

export { loadSqlJs } from './sqljs';
export { VaultError } from './types';
export type * from './types';
export { MIN_PRODUCTION_KDF_ITERATIONS } from './crypto';

/** Lists a folder; null when it does not exist. */
async function listFolder(folder: string): Promise<string[] | null> {
  try {
    return await fs.readdir(folder);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return null;
    if (isErrnoException(error) && error.code === 'ENOTDIR') throw new VaultError('exists', 'A file (not a folder) exists at this path');
    throw ioError(error, 'read the folder');
  }
}

/** What `createVault` leaves before vault.json exists: a crash part-way leaves only these. */
const CREATION_LEFTOVERS: ReadonlySet<string> = new Set([LOG_DIR, INDEX_DIR, 'vault.lock', `${HEADER_FILE}.tmp`]);

/**
 * True when the folder holds nothing but what an interrupted `createVault` writes (no vault.json,
 * at most the first, empty segment): no data can be in it, so creating again may clear it.
 */
async function isInterruptedCreation(folder: string, names: string[]): Promise<boolean> {
  if (names.includes(HEADER_FILE) || !names.every((name) => CREATION_LEFTOVERS.has(name))) return false;
  const inLog = (await listFolder(path.join(folder, LOG_DIR))) ?? [];
  const inIndex = (await listFolder(path.join(folder, INDEX_DIR))) ?? [];
  return inIndex.length === 0 && inLog.every((name) => name === path.basename(segmentFile(1)));
}

async function clearInterruptedCreation(folder: string, names: string[]): Promise<void> {
  for (const name of names) await fs.rm(path.join(folder, name), { recursive: true, force: true });
  await fsyncDir(folder);
}

/**
 * Creates a vault in a missing or empty folder. The segment is written first and vault.json last,
 * so a crash part-way leaves a folder that is not (yet) a vault rather than a broken one.
 */
export async function createVault(folder: string, passphrase: string, options: CreateOptions): Promise<Vault> {
  const iterations = options.kdfIterations ?? MIN_PRODUCTION_KDF_ITERATIONS;
  if (iterations < MIN_PRODUCTION_KDF_ITERATIONS && !options.allowWeakKdfForTests) {
    throw new RangeError(`PBKDF2 needs at least ${MIN_PRODUCTION_KDF_ITERATIONS} iterations`);
  }
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ANY_KDF_ITERATIONS) throw new RangeError(`PBKDF2 needs at least ${MIN_ANY_KDF_ITERATIONS} iterations`);
  if (passphrase.length === 0) throw new RangeError('The passphrase is empty');
  const absolute = path.resolve(folder);
  const existing = await listFolder(absolute);
  if (existing && existing.length > 0 && !(await isInterruptedCreation(absolute, existing))) {
    throw new VaultError('exists', 'The folder is not empty; a vault needs an empty or new folder');
  }
  await fs.mkdir(absolute, { recursive: true });
  const lock = await acquireLock(absolute);
  if (existing && existing.length > 0) await clearInterruptedCreation(absolute, existing.filter((name) => name !== 'vault.lock'));
  try {
    const rawKey = newDataKeyBytes();
    const identity = { vaultId: Buffer.from(randomBytes(16)).toString('hex'), createdAt: new Date().toISOString() };
    const header = await buildHeader(identity, passphrase, rawKey, iterations);
    const { key, derivation } = await importDataKeys(rawKey);
    await fs.mkdir(path.join(absolute, LOG_DIR));
    await fs.mkdir(path.join(absolute, INDEX_DIR));
    const firstSegment = path.join(absolute, segmentFile(1));
    const handle = await fs.open(firstSegment, 'wx');
    try {
      await writeAll(handle, await sealSegmentHeader({ key, vaultId: vaultIdBytes(header), formatVersion: header.formatVersion }, 1), 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDir(path.join(absolute, LOG_DIR));
    await fsyncDir(absolute);
    await writeHeader(absolute, header);
    return await OpenVault.load({ folder: absolute, header, key, derivation, lock, options });
  } catch (error) {
    await lock.release();
    throw error instanceof VaultError || error instanceof RangeError ? error : ioError(error, 'create the vault in', absolute);
  }
}

/**
 * Unlocks a vault: header → unwrap the data key → folder lock → newest snapshot → replay the log.
 * A wrong passphrase changes no file (the lock is only taken once the key unwraps).
 */
export async function openVault(folder: string, passphrase: string, options: OpenOptions): Promise<Vault> {
  const absolute = path.resolve(folder);
  const header = await readHeader(absolute);
  const { key, derivation } = await unwrapDataKeys(header, passphrase);
  const lock = await acquireLock(absolute);
  try {
    return await OpenVault.load({ folder: absolute, header, key, derivation, lock, options });
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** What is at `folder`: a vault (and its version), a place for a new one, or neither and why. */
export async function probeVault(folder: string): Promise<VaultProbe> {
  const absolute = path.resolve(folder);
  let names: string[] | null;
  try {
    names = await listFolder(absolute);
  } catch (error) {
    return { path: absolute, exists: true, isVault: false, canCreate: false, problem: error instanceof Error ? error.message : 'Unreadable' };
  }
  if (names === null) return { path: absolute, exists: false, isVault: false, canCreate: true };
  if (names.length === 0) return { path: absolute, exists: true, isVault: false, canCreate: true };
  if (await isInterruptedCreation(absolute, names)) {
    return { path: absolute, exists: true, isVault: false, canCreate: true, problem: 'A vault creation was interrupted here; creating again starts afresh' };
  }
  if (!names.includes(HEADER_FILE)) {
    return { path: absolute, exists: true, isVault: false, canCreate: false, problem: 'The folder is not empty and holds no Hearth vault' };
  }
  try {
    const header = await readHeader(absolute);
    return { path: absolute, exists: true, isVault: true, canCreate: false, formatVersion: header.formatVersion };
  } catch (error) {
    if (error instanceof VaultError && error.code === 'not-a-vault') {
      return { path: absolute, exists: true, isVault: false, canCreate: false, problem: error.message };
    }
    const version = await readClaimedVersion(absolute);
    return {
      path: absolute,
      exists: true,
      isVault: true,
      canCreate: false,
      ...(version !== undefined ? { formatVersion: version } : {}),
      problem: error instanceof Error ? error.message : 'Unreadable vault.json',
    };
  }
}

/** The format version vault.json claims, for a header that failed its checks (shown to the user). */
async function readClaimedVersion(folder: string): Promise<number | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path.join(folder, HEADER_FILE), 'utf8')) as { formatVersion?: unknown };
    return typeof value.formatVersion === 'number' ? value.formatVersion : undefined;
  } catch {
    return undefined;
  }
}
