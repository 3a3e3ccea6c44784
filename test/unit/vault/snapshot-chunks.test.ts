import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, u32, u64 } from '../../../src-main/vault/crypto';
import { decodeFrameHeader, frameLength, openFrame, SNAPSHOT_MAGIC, type FrameKeyring } from '../../../src-main/vault/frame';
import { INDEX_DIR, readSnapshot, sealChunks, SNAPSHOT_CHUNK_BYTES, snapshotFile, writeSnapshot } from '../../../src-main/vault/snapshot';
import { VaultError } from '../../../src-main/vault/types';
import { tempFolder } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function setup(): Promise<{ dir: string; keyring: FrameKeyring; data: Uint8Array }> {
  const { dir, cleanup } = tempFolder();
  cleanups.push(cleanup);
  mkdirSync(path.join(dir, INDEX_DIR));
  const key = await webcrypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const keyring: FrameKeyring = { key, vaultId: new Uint8Array(16).fill(7), formatVersion: 1 };
  // A full chunk and a partial one, not all zeros.
  const data = new Uint8Array(SNAPSHOT_CHUNK_BYTES + 12345);
  for (let i = 0; i < data.length; i += 97) data[i] = (i * 31) & 255;
  return { dir, keyring, data };
}

describe('snapshot chunks (sealed and re-read on the store thread with node:crypto)', () => {
  it('writes frames that WebCrypto opens at their chunk positions', async () => {
    const { dir, keyring, data } = await setup();
    const bytes = await writeSnapshot(dir, keyring, 5, data);
    const file = readFileSync(path.join(dir, snapshotFile(5)));
    expect(file.length).toBe(bytes);
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (let index = 0; offset < file.length; index++) {
      const header = decodeFrameHeader(file.subarray(offset, offset + 16), SNAPSHOT_MAGIC)!;
      const length = frameLength(header.payloadLength);
      const last = offset + length === file.length;
      expect(header.flags & 1).toBe(last ? 1 : 0);
      const opened = await openFrame(keyring, 'snapshot', new Uint8Array(file.subarray(offset, offset + length)), SNAPSHOT_MAGIC, concatBytes([u64(5), u32(index), Uint8Array.of(last ? 1 : 0)]));
      expect(opened).not.toBeNull();
      parts.push(opened!.plaintext);
      offset += length;
    }
    expect(parts.length).toBe(2);
    expect(Buffer.from(concatBytes(parts)).equals(Buffer.from(data))).toBe(true);
  });

  it('reads back what WebCrypto sealed (older snapshots), and refuses a flipped byte', async () => {
    const { dir, keyring, data } = await setup();
    const frames = await sealChunks(keyring, 9, data);
    const target = path.join(dir, snapshotFile(9));
    writeFileSync(target, concatBytes(frames));
    const { data: read } = await readSnapshot(dir, keyring, 9);
    expect(Buffer.from(read).equals(Buffer.from(data))).toBe(true);
    expect((await readSnapshot(dir, keyring, 9, { keepData: false })).data.length).toBe(0);

    const damaged = readFileSync(target);
    damaged[frames[0]!.length + 100]! ^= 1;
    writeFileSync(target, damaged);
    await expect(readSnapshot(dir, keyring, 9)).rejects.toThrow(VaultError);
    await expect(readSnapshot(dir, keyring, 9)).rejects.toThrow('chunk 1 does not authenticate');
  });
});
