/**
 * Frames sealed on this thread into a buffer (sealFrameInto, sealLogFrameInto: the AAD built in a
 * reused buffer from a cached prefix, the header and position written in place) are byte for byte
 * the frames sealFrame gives through WebCrypto, for either domain, alternating keyrings, and log
 * offsets past 2^32; and they open.
 */
import { describe, expect, it } from 'vitest';
import { importDataKey, IV_BYTES, randomBytes } from '../../../src-main/vault/crypto';
import { FrameKind, LOG_MAGIC, openFrame, SNAPSHOT_MAGIC, sealedFrameLength, sealFrame, sealFrameInto, type FrameKeyring } from '../../../src-main/vault/frame';
import { logPosition, sealLogFrameInto } from '../../../src-main/vault/log';

async function keyring(formatVersion: number): Promise<FrameKeyring> {
  return { key: await importDataKey(randomBytes(32)), vaultId: randomBytes(16), formatVersion };
}

describe('sealing frames into a buffer', () => {
  it('gives the frames sealFrame gives', async () => {
    const keyrings = [await keyring(1), await keyring(2)];
    const encoder = new TextEncoder();
    for (let round = 0; round < 4; round++) {
      const ring = keyrings[round % 2]!;
      const plaintext = encoder.encode(`{"resourceType":"Patient","id":"p${round}"}`);
      const iv = randomBytes(IV_BYTES);
      const segment = 1 + round;
      const offset = round * 2 ** 31 + 123;
      const kind = round % 2 === 0 ? 'blob' : 'commit';
      const out = new Uint8Array(8 + sealedFrameLength(plaintext.length));
      expect(sealLogFrameInto(ring, kind, plaintext, { segment, offset, iv }, out, 8)).toBe(out.length);
      const header = { magic: LOG_MAGIC, kind: kind === 'blob' ? FrameKind.blob : FrameKind.commit, flags: 0 };
      const expected = await sealFrame(ring, 'log', header, plaintext, logPosition(segment, offset), iv);
      expect(out.subarray(8)).toEqual(expected);
      expect((await openFrame(ring, 'log', out.slice(8), LOG_MAGIC, logPosition(segment, offset)))?.plaintext).toEqual(plaintext);

      const position = Uint8Array.of(0, 0, 0, round, 1);
      const snapshotHeader = { magic: SNAPSHOT_MAGIC, kind: FrameKind.snapshotChunk, flags: 1 };
      const chunk = new Uint8Array(sealedFrameLength(plaintext.length));
      sealFrameInto(ring, 'snapshot', snapshotHeader, plaintext, position, iv, chunk, 0);
      expect(chunk).toEqual(await sealFrame(ring, 'snapshot', snapshotHeader, plaintext, position, iv));
    }
  });
});
