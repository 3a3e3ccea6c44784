import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVault } from '../../../src-main/vault';
import { FRAME_OVERHEAD_BYTES } from '../../../src-main/vault/frame';
import { listSnapshots, snapshotFile } from '../../../src-main/vault/snapshot';
import { SNAPSHOT_LOG_PER_IMAGE, snapshotThresholdScale } from '../../../src-main/vault/vault';
import { tempFolder, testOptions, writeRecords } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const MiB = 1024 * 1024;

describe('background snapshot policy', () => {
  it('keeps the configured thresholds until the image reaches afterBytes / SNAPSHOT_LOG_PER_IMAGE, then scales them with it', () => {
    expect(snapshotThresholdScale(0, 64 * MiB)).toBe(1);
    expect(snapshotThresholdScale(64 * MiB, 64 * MiB)).toBe(1);
    expect(snapshotThresholdScale(64 * MiB / SNAPSHOT_LOG_PER_IMAGE, 64 * MiB)).toBe(1);
    expect(snapshotThresholdScale(1024 * MiB, 64 * MiB)).toBeCloseTo((1024 * SNAPSHOT_LOG_PER_IMAGE) / 64);
    expect(snapshotThresholdScale(1024 * MiB, 0)).toBe(1);
  });

  it('waits for log bytes of SNAPSHOT_LOG_PER_IMAGE of the last image before the next background snapshot', async () => {
    const { dir: parent, cleanup } = tempFolder();
    cleanups.push(cleanup);
    const dir = path.join(parent, 'vault');
    const errors: Error[] = [];
    // 256 bytes of log would call for a snapshot after every write; the image (several KiB) asks for more.
    const vault = await createVault(dir, 'pw', testOptions({ snapshotAfterBytes: 256, snapshotAfterTransactions: 1_000_000, onBackgroundError: (e) => errors.push(e) }));
    const logBytes = () => statSync(path.join(dir, 'log', '000001.hlog')).size;
    // Each step: one write, then verify() (queued behind any background snapshot) so the folder has settled.
    const taken: Array<{ seq: number; log: number; image: number }> = [];
    for (let i = 0; i < 60 && taken.length < 3; i++) {
      await writeRecords(vault, `w${i}`, 1, 1500);
      await vault.verify();
      const newest = (await listSnapshots(dir))[0];
      if (newest !== undefined && newest !== taken.at(-1)?.seq) {
        // One chunk: the file is the image plus one frame's overhead.
        taken.push({ seq: newest, log: logBytes(), image: statSync(path.join(dir, snapshotFile(newest))).size - FRAME_OVERHEAD_BYTES });
      }
    }
    await vault.close();
    expect(errors).toEqual([]);
    expect(taken.length).toBe(3);
    // The first write is past 256 bytes with no snapshot before it.
    expect(taken[0]!.seq).toBe(1);
    for (let k = 1; k < taken.length; k++) {
      const previous = taken[k - 1]!;
      const needed = Math.max(256, previous.image * SNAPSHOT_LOG_PER_IMAGE);
      const grown = taken[k]!.log - previous.log;
      expect(grown).toBeGreaterThanOrEqual(needed);
      // ...and no later than the write that crossed it (each write appends well under `needed`).
      const perWrite = grown / (taken[k]!.seq - previous.seq);
      expect(grown - perWrite).toBeLessThan(needed);
      expect(taken[k]!.seq - previous.seq).toBeGreaterThan(1);
    }
  });
});
