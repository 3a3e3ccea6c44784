/**
 * Index snapshots sealed on the frame-seal worker (snapshot.ts startSnapshot/finishSnapshot with a
 * SnapshotSealer, frame-sealer.ts): its chunk frames are byte for byte those the store thread seals
 * with the same IV; a snapshot of several chunks it seals reads back with readSnapshot; its re-read
 * vouches only for a sound file; and when the sealer answers null or fails, the calling thread
 * seals and re-reads instead, with the same file as a result.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { importDataKey, IV_BYTES, randomBytes } from '../../../src-main/vault/crypto';
import { sealedFrameLength, type FrameKeyring } from '../../../src-main/vault/frame';
import { FrameSealer } from '../../../src-main/vault/frame-sealer';
import {
  finishSnapshot,
  INDEX_DIR,
  readSnapshot,
  sealSnapshotChunkInto,
  sealSnapshotJob,
  SNAPSHOT_CHUNK_BYTES,
  snapshotFile,
  startSnapshot,
  type SnapshotSealer,
} from '../../../src-main/vault/snapshot';
import { createVault, openVault } from '../../../src-main/vault';
import { allRecords, tempFolder, testOptions, writeRecords } from './helpers';

async function keyring(): Promise<FrameKeyring> {
  return { key: await importDataKey(randomBytes(32)), vaultId: randomBytes(16), formatVersion: 2 };
}

async function readySealer(): Promise<FrameSealer> {
  const sealer = new FrameSealer();
  sealer.start();
  const deadline = Date.now() + 60_000;
  while (!sealer.ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(sealer.ready).toBe(true);
  sealers.push(sealer);
  return sealer;
}

/** An image of two full chunks and a partial third, every byte depending on its offset. */
function image(): Uint8Array {
  const data = new Uint8Array(2 * SNAPSHOT_CHUNK_BYTES + 12345);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >>> 12)) & 0xff;
  return data;
}

async function indexFolder(): Promise<string> {
  const { dir, cleanup } = tempFolder();
  cleanups.push(cleanup);
  await fs.mkdir(path.join(dir, INDEX_DIR));
  return dir;
}

const sealers: FrameSealer[] = [];
const cleanups: Array<() => void> = [];
afterAll(async () => {
  await Promise.all(sealers.map((sealer) => sealer.close()));
  for (const cleanup of cleanups) cleanup();
});

describe('snapshots on the frame-seal worker', () => {
  it('seals a chunk into the bytes the store thread seals with the same IV', async () => {
    const sealer = await readySealer();
    const ring = await keyring();
    const length = 60_000;
    const plaintext = new Uint8Array(new SharedArrayBuffer(length + 50)).fill(7);
    plaintext.set(randomBytes(length));
    const frame = new Uint8Array(new SharedArrayBuffer(sealedFrameLength(length + 50)));
    const iv = randomBytes(IV_BYTES);
    for (const last of [false, true]) {
      const frameBytes = await sealer.sealSnapshotChunk(ring, { seq: 2 ** 33 + 5, index: 3, last, plaintext, length, iv, frame });
      const expected = new Uint8Array(sealedFrameLength(length));
      expect(sealSnapshotChunkInto(ring, 2 ** 33 + 5, 3, last, plaintext.slice(0, length), iv, expected)).toBe(expected.length);
      expect(frameBytes).toBe(expected.length);
      expect(Buffer.from(frame.subarray(0, frameBytes!)).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('writes a snapshot of several chunks that reads back, sealed and re-read on the worker', async () => {
    const sealer = await readySealer();
    const sealChunk = vi.spyOn(sealer, 'sealSnapshotChunk');
    const authenticate = vi.spyOn(sealer, 'authenticateSnapshot');
    const ring = await keyring();
    const folder = await indexFolder();
    const data = image();
    const pending = await startSnapshot(folder, ring, 9, data, sealer);
    expect(await finishSnapshot(folder, ring, pending, sealer)).toBe((await fs.stat(path.join(folder, snapshotFile(9)))).size);
    expect(sealChunk.mock.results.filter((r) => r.value !== null).length).toBe(3);
    expect(authenticate.mock.results.filter((r) => r.value !== null).length).toBe(1);
    const { data: read } = await readSnapshot(folder, ring, 9);
    expect(Buffer.from(read).equals(Buffer.from(data))).toBe(true);
  });

  it('vouches only for a sound file: a damaged one, or one under another key, is rejected', async () => {
    const sealer = await readySealer();
    const ring = await keyring();
    const folder = await indexFolder();
    await finishSnapshot(folder, ring, await startSnapshot(folder, ring, 4, image(), sealer), sealer);
    await expect(sealer.authenticateSnapshot(ring, folder, 4)!).resolves.toBeUndefined();
    await expect(sealer.authenticateSnapshot(await keyring(), folder, 4)!).rejects.toThrow('frame-seal worker');
    const file = path.join(folder, snapshotFile(4));
    const bytes = await fs.readFile(file);
    bytes[SNAPSHOT_CHUNK_BYTES + 200]! ^= 1;
    await fs.writeFile(file, bytes);
    await expect(sealer.authenticateSnapshot(ring, folder, 4)!).rejects.toThrow('frame-seal worker');
  });

  it('seals and re-reads on the calling thread what the sealer cannot take or fails: the same snapshot', async () => {
    const ring = await keyring();
    const data = image();
    let chunkCalls = 0;
    // Answers null, then fails, then succeeds by sealing here (as a worker would), in turn.
    const flaky: SnapshotSealer = {
      sealSnapshotChunk: (keyring, job) => {
        const turn = chunkCalls++ % 3;
        if (turn === 0) return null;
        if (turn === 1) {
          job.frame.fill(0xee);
          return Promise.reject(new Error('worker failed'));
        }
        return Promise.resolve(sealSnapshotJob(keyring, job));
      },
      authenticateSnapshot: () => Promise.reject(new Error('worker failed')),
    };
    const folder = await indexFolder();
    await finishSnapshot(folder, ring, await startSnapshot(folder, ring, 1, data, flaky), flaky);
    expect(chunkCalls).toBe(3);
    expect(Buffer.from((await readSnapshot(folder, ring, 1)).data).equals(Buffer.from(data))).toBe(true);

    // A re-read the sealer cannot vouch for is done here, and names the damage.
    const damaging: SnapshotSealer = {
      sealSnapshotChunk: (keyring, job) => {
        const frameBytes = sealSnapshotJob(keyring, job);
        job.frame[frameBytes - 1]! ^= 1;
        return Promise.resolve(frameBytes);
      },
      authenticateSnapshot: () => Promise.reject(new Error('worker failed')),
    };
    await expect(finishSnapshot(folder, ring, await startSnapshot(folder, ring, 2, data, damaging), damaging)).rejects.toThrow(/damaged/);
  });

  it('seals a vault’s snapshots on the worker: it reopens from them with every record', async () => {
    const sealer = await readySealer();
    const sealChunk = vi.spyOn(sealer, 'sealSnapshotChunk');
    const { dir, cleanup } = tempFolder();
    cleanups.push(cleanup);
    const folder = path.join(dir, 'v');
    const vault = await createVault(folder, 'pass phrase', testOptions({ frameSealer: sealer, snapshotAfterTransactions: 3 }));
    for (let round = 0; round < 8; round++) await writeRecords(vault, `r${round}`, 40, 200);
    await vault.snapshot();
    expect(sealChunk.mock.results.filter((r) => r.value !== null).length).toBeGreaterThan(0);
    await vault.close();
    const reopened = await openVault(folder, 'pass phrase', testOptions({ frameSealer: null }));
    expect((await allRecords(reopened)).length).toBe(8 * 40);
    expect((await reopened.verify()).problems).toEqual([]);
    await reopened.close();
  });
});
