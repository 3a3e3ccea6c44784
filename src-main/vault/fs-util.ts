/** Durable file-system steps the format relies on (fsync of files and folders, atomic replace). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { VaultError } from './types';

/** Makes a rename or unlink inside `dir` durable. Windows cannot fsync a folder; NTFS journals it. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** temp file → fsync → rename → fsync folder: readers see the old or the new content, never a mix. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
  await fsyncDir(path.dirname(file));
}

export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/** Wraps an unexpected file-system failure (the message names the file, not any content). */
export function ioError(error: unknown, action: string, file?: string): VaultError {
  if (error instanceof VaultError) return error;
  const reason = isErrnoException(error) ? error.code : error instanceof Error ? error.message : String(error);
  return new VaultError('io', `Could not ${action}${file ? ` ${file}` : ''}: ${reason}`, file);
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
export async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const buffer = new Uint8Array(length);
  const filled = await readInto(handle, buffer, length, position);
  return filled === length ? buffer : buffer.slice(0, filled);
}

/** Reads `length` bytes at `position` into the start of `buffer`; the count read (less at the end of the file). */
export async function readInto(handle: fs.FileHandle, buffer: Uint8Array, length: number, position: number): Promise<number> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

export async function writeAll(handle: fs.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}
