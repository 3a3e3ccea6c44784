/**
 * Frames sealed on this thread into a buffer (sealFrameInto, sealLogFrameInto: the AAD built in a
 * reused buffer from a cached prefix, the header and position written in place) are byte for byte
 * the frames sealFrame gives through WebCrypto, for either domain, alternating keyrings, and log
 * offsets past 2^32; and they open, through WebCrypto (openFrame) and on this thread (openFrameSync,
 * which refuses a frame with any byte altered, read at another position or under another keyring).
 */
import { describe, expect, it } from 'vitest';
import { CIPHER_PIECE_BYTES, importDataKey, IV_BYTES, randomBytes } from '../../../src-main/vault/crypto';
import { FrameKind, LOG_MAGIC, openFrame, openFrameSync, SNAPSHOT_MAGIC, sealedFrameLength, sealFrame, sealFrameInto, type FrameKeyring } from '../../../src-main/vault/frame';
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
      expect(openFrameSync(ring, 'log', out.subarray(8), LOG_MAGIC, logPosition(segment, offset))).toEqual(plaintext);

      const position = Uint8Array.of(0, 0, 0, round, 1);
      const snapshotHeader = { magic: SNAPSHOT_MAGIC, kind: FrameKind.snapshotChunk, flags: 1 };
      const chunk = new Uint8Array(sealedFrameLength(plaintext.length));
      sealFrameInto(ring, 'snapshot', snapshotHeader, plaintext, position, iv, chunk, 0);
      expect(chunk).toEqual(await sealFrame(ring, 'snapshot', snapshotHeader, plaintext, position, iv));
    }
  });

  it('gives the same bytes for plaintexts sealed and opened in several pieces (CIPHER_PIECE_BYTES)', async () => {
    const ring = await keyring(2);
    const header = { magic: SNAPSHOT_MAGIC, kind: FrameKind.snapshotChunk, flags: 0 };
    for (const length of [0, 1, CIPHER_PIECE_BYTES - 1, CIPHER_PIECE_BYTES, CIPHER_PIECE_BYTES + 1, 3 * CIPHER_PIECE_BYTES + 17]) {
      const plaintext = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const position = Uint8Array.of(0, 0, 1, 2, 0);
      const iv = randomBytes(IV_BYTES);
      const sealed = new Uint8Array(sealedFrameLength(length));
      sealFrameInto(ring, 'snapshot', header, plaintext, position, iv, sealed, 0);
      expect(sealed).toEqual(await sealFrame(ring, 'snapshot', header, plaintext, position, iv));
      expect(openFrameSync(ring, 'snapshot', sealed, SNAPSHOT_MAGIC, position)).toEqual(plaintext);
      const altered = sealed.slice();
      altered[altered.length - 20]! ^= 1;
      expect(openFrameSync(ring, 'snapshot', altered, SNAPSHOT_MAGIC, position)).toBeNull();
    }
  });

  it('opens on this thread only what authenticates', async () => {
    const ring = await keyring(1);
    const other = await keyring(1);
    const plaintext = new TextEncoder().encode(`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"${'x'.repeat(3000)}"}}`);
    const out = new Uint8Array(sealedFrameLength(plaintext.length));
    sealLogFrameInto(ring, 'blob', plaintext, { segment: 3, offset: 4096, iv: randomBytes(IV_BYTES) }, out, 0);
    const position = logPosition(3, 4096);
    expect(openFrameSync(ring, 'log', out, LOG_MAGIC, position)).toEqual(plaintext);
    // Every region of the frame: header, IV, ciphertext, tag.
    for (const at of [5, 20, 40, out.length - 40, out.length - 1]) {
      const altered = out.slice();
      altered[at] = altered[at]! ^ 1;
      expect(openFrameSync(ring, 'log', altered, LOG_MAGIC, position)).toBeNull();
    }
    expect(openFrameSync(ring, 'log', out, LOG_MAGIC, logPosition(3, 4097))).toBeNull();
    expect(openFrameSync(other, 'log', out, LOG_MAGIC, position)).toBeNull();
    expect(openFrameSync(ring, 'snapshot', out, LOG_MAGIC, position)).toBeNull();
    expect(openFrameSync(ring, 'log', out, SNAPSHOT_MAGIC, position)).toBeNull();
    expect(openFrameSync(ring, 'log', out.subarray(0, out.length - 1), LOG_MAGIC, position)).toBeNull();
  });
});
