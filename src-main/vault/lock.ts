/**
 * vault.lock: one process at a time per vault folder (docs/vault-format.md, "Folder lock").
 * Created with O_EXCL holding the owner's pid; a lock whose pid is dead is taken over.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isErrnoException } from './fs-util';
import { VaultError } from './types';

export const LOCK_FILE = 'vault.lock';

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return !(isErrnoException(error) && error.code === 'ESRCH');
  }
}

export interface FolderLock {
  release(): Promise<void>;
}

export async function acquireLock(folder: string): Promise<FolderLock> {
  const lockPath = path.join(folder, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return { release: () => fs.rm(lockPath, { force: true }) };
    } catch (error) {
      if (!(isErrnoException(error) && error.code === 'EEXIST')) {
        throw new VaultError('io', `Could not create ${LOCK_FILE}: ${isErrnoException(error) ? error.code : 'unknown error'}`, LOCK_FILE);
      }
    }
    const owner = Number.parseInt((await fs.readFile(lockPath, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && processIsAlive(owner)) {
      throw new VaultError('locked-by-other-process', `This vault is open in another Hearth process (pid ${owner})`, LOCK_FILE);
    }
    // Stale (owner dead, or it died before writing its pid): move it aside atomically so that
    // two processes racing for the takeover cannot both remove a fresh lock.
    const aside = `${lockPath}.stale-${process.pid}-${attempt}`;
    try {
      await fs.rename(lockPath, aside);
      await fs.rm(aside, { force: true });
    } catch (error) {
      if (!(isErrnoException(error) && error.code === 'ENOENT')) throw error;
    }
  }
  throw new VaultError('locked-by-other-process', 'Could not take the vault lock', LOCK_FILE);
}
