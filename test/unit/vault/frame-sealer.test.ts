/**
 * Blob frames sealed on the frame sealer's thread (frame-sealer.ts, frame-seal-worker.ts) are byte
 * for byte the frames WebCrypto's sealFrame gives for the same IVs and positions, written at their
 * places in shared memory, under alternating keyrings; a vault's large commits sealed there read
 * back and verify; and a commit whose batch the worker fails is sealed on the committing thread,
 * with nothing lost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CIPHER_PIECE_BYTES, importDataKey, IV_BYTES, randomBytes } from '../../../src-main/vault/crypto';
import { FrameKind, LOG_MAGIC, openFrame, sealedFrameLength, sealFrame, type FrameKeyring } from '../../../src-main/vault/frame';
import { FrameSealer, MIN_WORKER_SEAL_FRAMES, type BlobFrameToSeal } from '../../../src-main/vault/frame-sealer';
import { logPosition } from '../../../src-main/vault/log';
import { createVault, openVault } from '../../../src-main/vault';
import { allRecords, blobFor, tempFolder, testOptions, writeRecords } from './helpers';

async function keyring(formatVersion: number): Promise<FrameKeyring> {
  return { key: await importDataKey(randomBytes(32)), vaultId: randomBytes(16), formatVersion };
}

async function readySealer(sealer: FrameSealer): Promise<FrameSealer> {
  sealer.start();
  const deadline = Date.now() + 60_000;
  while (!sealer.ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(sealer.ready).toBe(true);
  return sealer;
}

const sealers: FrameSealer[] = [];
const folders: Array<() => void> = [];
afterAll(async () => {
  await Promise.all(sealers.map((sealer) => sealer.close()));
  for (const cleanup of folders) cleanup();
});

describe('the frame sealer', () => {
  it('writes the frames sealFrame gives, at their places, under alternating keyrings', async () => {
    const sealer = await readySealer(new FrameSealer());
    sealers.push(sealer);
    const keyrings = [await keyring(1), await keyring(2)];
    const header = { magic: LOG_MAGIC, kind: FrameKind.blob, flags: 0 };
    for (let round = 0; round < 4; round++) {
      const ring = keyrings[round % 2]!;
      const segment = 3 + round;
      // Offsets past 2^32 (the position's high word), a gap before the first frame.
      const outStart = round * 2 ** 31 + 1000;
      const lengths = [0, 1, 700, CIPHER_PIECE_BYTES + 5, 33, 2048];
      const frames: BlobFrameToSeal[] = [];
      let offset = outStart + 40;
      for (const [i, length] of lengths.entries()) {
        frames.push({ plaintext: Uint8Array.from({ length }, (_, j) => (j * 7 + i + round) & 0xff), offset, iv: randomBytes(IV_BYTES) });
        offset += sealedFrameLength(length);
      }
      const out = new Uint8Array(new SharedArrayBuffer(offset - outStart + 16));
      await sealer.seal(ring, segment, frames, out, outStart);
      // The gap before and after the frames is left as it was.
      expect(out.subarray(0, 40).every((b) => b === 0)).toBe(true);
      expect(out.subarray(out.length - 16).every((b) => b === 0)).toBe(true);
      for (const frame of frames) {
        const at = frame.offset - outStart;
        const written = out.slice(at, at + sealedFrameLength(frame.plaintext.length));
        const expected = await sealFrame(ring, 'log', header, new Uint8Array(frame.plaintext), logPosition(segment, frame.offset), frame.iv);
        expect(Buffer.from(written).equals(Buffer.from(expected))).toBe(true);
        expect((await openFrame(ring, 'log', written, LOG_MAGIC, logPosition(segment, frame.offset)))?.plaintext).toEqual(frame.plaintext);
      }
    }
  });

  it('answers null before it is ready and after it is closed; a batch waiting when it stops is rejected', async () => {
    const sealer = new FrameSealer();
    const ring = await keyring(1);
    const frames = [{ plaintext: new Uint8Array(10), offset: 0, iv: randomBytes(IV_BYTES) }];
    const out = () => new Uint8Array(new SharedArrayBuffer(sealedFrameLength(10)));
    expect(sealer.seal(ring, 1, frames, out(), 0)).toBeNull();
    await readySealer(sealer);
    const waiting = sealer.seal(ring, 1, Array.from({ length: 2000 }, () => ({ plaintext: new Uint8Array(4096), offset: 0, iv: randomBytes(IV_BYTES) })), new Uint8Array(new SharedArrayBuffer(sealedFrameLength(4096))), 0);
    expect(waiting).not.toBeNull();
    const rejected = expect(waiting!).rejects.toThrow('frame-seal worker stopped');
    await sealer.close();
    await rejected;
    expect(sealer.seal(ring, 1, frames, out(), 0)).toBeNull();
  });

  it('seals a vault’s large commits: they read back, verify and reopen, as when sealed on the committing thread', async () => {
    const sealer = await readySealer(new FrameSealer());
    sealers.push(sealer);
    const seal = vi.spyOn(sealer, 'seal');
    for (const frameSealer of [sealer, null]) {
      const { dir, cleanup } = tempFolder();
      folders.push(cleanup);
      const folder = path.join(dir, 'v');
      const vault = await createVault(folder, 'pass phrase', testOptions({ frameSealer }));
      // Large commits (on the worker when it is given), a small one, and a blob too large for either.
      await writeRecords(vault, 'a', MIN_WORKER_SEAL_FRAMES * 3, 900);
      await writeRecords(vault, 'b', 3, 100);
      await writeRecords(vault, 'c', MIN_WORKER_SEAL_FRAMES, 1);
      await vault.write((tx) => {
        tx.addEntry({ key: 'big', value: 'big', blob: tx.addBlob(blobFor('big', 300 * 1024)) });
        for (let i = 0; i < MIN_WORKER_SEAL_FRAMES; i++) tx.addEntry({ key: `d-${i}`, value: `d:${i}`, blob: tx.addBlob(blobFor(`d-${i}`, 50)) });
      });
      const check = async (open: typeof vault) => {
        const records = await allRecords(open);
        expect(records.length).toBe(MIN_WORKER_SEAL_FRAMES * 5 + 3 + 1);
        for (const record of records) {
          const size = record.key === 'big' ? 300 * 1024 : record.key.startsWith('a-') ? 900 : record.key.startsWith('b-') ? 100 : record.key.startsWith('c-') ? 1 : 50;
          expect(await open.readBlob(record.blob!)).toEqual(blobFor(record.key, size));
        }
        expect((await open.verify()).problems).toEqual([]);
      };
      await check(vault);
      // The three commits of MIN_WORKER_SEAL_FRAMES small blobs or more went to the worker.
      if (frameSealer) expect(seal.mock.results.filter((r) => r.value !== null).length).toBe(3);
      await vault.close();
      const reopened = await openVault(folder, 'pass phrase', testOptions({ frameSealer: null }));
      await check(reopened);
      await reopened.close();
    }
  });

  it('is started by a vault’s first large commit, and seals the ones after it is ready', async () => {
    const sealer = new FrameSealer();
    sealers.push(sealer);
    const seal = vi.spyOn(sealer, 'seal');
    const { dir, cleanup } = tempFolder();
    folders.push(cleanup);
    const vault = await createVault(path.join(dir, 'v'), 'pass phrase', testOptions({ frameSealer: sealer }));
    await writeRecords(vault, 'small', MIN_WORKER_SEAL_FRAMES - 1, 10);
    expect(sealer.ready).toBe(false);
    await writeRecords(vault, 'first', MIN_WORKER_SEAL_FRAMES, 10);
    await readySealer(sealer);
    await writeRecords(vault, 'second', MIN_WORKER_SEAL_FRAMES, 10);
    expect(seal.mock.results.filter((r) => r.value !== null).length).toBe(1);
    expect((await allRecords(vault)).length).toBe(MIN_WORKER_SEAL_FRAMES * 3 - 1);
    await vault.close();
  });

  it('lets the committing thread seal a batch the worker fails, and write and re-read the snapshots it fails', async () => {
    // A worker that says it is ready and then fails every request (blob batches, snapshot chunks, re-reads).
    const scriptDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-sealer-'));
    folders.push(() => rmSync(scriptDir, { recursive: true, force: true }));
    const file = path.join(scriptDir, 'failing-seal-worker.mjs');
    writeFileSync(
      file,
      `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => { if (m.id !== undefined) parentPort.postMessage({ kind: 'error', id: m.id, message: 'Error' }); });
parentPort.postMessage({ kind: 'ready' });
`,
    );
    const sealer = await readySealer(new FrameSealer({ file, viaTsx: false }));
    sealers.push(sealer);
    const { dir, cleanup } = tempFolder();
    folders.push(cleanup);
    const folder = path.join(dir, 'v');
    const vault = await createVault(folder, 'pass phrase', testOptions({ frameSealer: sealer }));
    await writeRecords(vault, 'a', MIN_WORKER_SEAL_FRAMES * 2, 300);
    await vault.close();
    const reopened = await openVault(folder, 'pass phrase', testOptions({ frameSealer: null }));
    const records = await allRecords(reopened);
    expect(records.length).toBe(MIN_WORKER_SEAL_FRAMES * 2);
    for (const record of records) expect(await reopened.readBlob(record.blob!)).toEqual(blobFor(record.key, 300));
    expect((await reopened.verify()).problems).toEqual([]);
    await reopened.close();
  });
});
