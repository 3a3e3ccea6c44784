/**
 * Vault.readBlobs (an export's scan page): the blobs that lie close together in a segment are read
 * with one file read (blobRuns) and each is checked and decrypted as readBlob does it, in the order
 * asked for; an altered byte in a blob inside a run is still reported as damage of its file.
 */
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVault, openVault, VaultError } from '../../../src-main/vault';
import { blobRuns } from '../../../src-main/vault/vault';
import { allRecords, blobFor, recordsProjector, tempFolder, testOptions, writeRecords } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('blob runs', () => {
  it('groups blobs of one segment in offset order, with small gaps, up to a size', () => {
    const pointers = [
      { segment: 1, offset: 5000, length: 100 }, // 0: after 3 with a gap of 4,800 bytes
      { segment: 2, offset: 100, length: 50 }, // 1: another segment
      { segment: 1, offset: 100, length: 100 }, // 2: first
      { segment: 1, offset: 100, length: 100 }, // 3: the same blob again: it overlaps 2, so a new run
      { segment: 1, offset: 5100 + 16 * 1024 + 1, length: 10 }, // 4: a gap just over 16 KiB
      { segment: 2, offset: 150, length: 2 * 1024 * 1024 }, // 5: larger than a run's bytes
      { segment: 2, offset: 150 + 2 * 1024 * 1024, length: 10 }, // 6: right after 5
    ];
    expect(blobRuns(pointers)).toEqual([[2], [3, 0], [4], [1], [5], [6]]);
    expect(blobRuns([])).toEqual([]);
  });
});

describe('reading blobs together', () => {
  it('gives what readBlob gives, in the order asked, and reports damage inside a run', async () => {
    const { dir, cleanup } = tempFolder();
    cleanups.push(cleanup);
    const folder = path.join(dir, 'vault');
    const vault = await createVault(folder, 'correct horse', testOptions());
    await writeRecords(vault, 'a', 40, 300);
    await writeRecords(vault, 'b', 3, 70_000);
    await writeRecords(vault, 'c', 25, 1000);
    const rows = await allRecords(vault);
    const pointers = rows.map((row) => row.blob!);
    // Shuffled, with a repeat: every answer where it was asked.
    const asked = [...pointers.slice(30), ...pointers.slice(0, 30), pointers[5]!];
    const bytes = await vault.readBlobs(asked);
    const decoder = new TextDecoder();
    expect(bytes.map((b) => decoder.decode(b))).toEqual(await Promise.all(asked.map(async (p) => decoder.decode(await vault.readBlob(p)))));
    expect(decoder.decode(bytes.at(-1))).toBe(decoder.decode(blobFor(rows[5]!.key, 300)));
    expect(await vault.readBlobs([])).toEqual([]);
    await vault.close();

    // One byte of the 11th blob's ciphertext altered: the page fails naming the segment file.
    const victim = pointers[10]!;
    const file = path.join(folder, 'log', `${String(victim.segment).padStart(6, '0')}.hlog`);
    const fd = openSync(file, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, victim.offset + victim.length - 20);
    byte[0] = byte[0]! ^ 0x40;
    writeSync(fd, byte, 0, 1, victim.offset + victim.length - 20);
    closeSync(fd);
    const reopened = await openVault(folder, 'correct horse', { projector: recordsProjector() });
    try {
      await expect(reopened.readBlobs(pointers.slice(0, 20))).rejects.toSatisfy(
        (error: unknown) => error instanceof VaultError && error.code === 'damaged' && error.file === `log/${String(victim.segment).padStart(6, '0')}.hlog`,
      );
      // The blobs before it in the run still read one by one.
      expect(decoder.decode((await reopened.readBlobs([pointers[9]!]))[0])).toBe(decoder.decode(blobFor(rows[9]!.key, 300)));
    } finally {
      await reopened.close();
    }
  });
});
