import { describe, expect, it } from 'vitest';
import { importDataKey, IV_BYTES, randomBytes, TAG_BYTES } from '../../../src-main/vault/crypto';
import { FRAME_HEADER_BYTES, LOG_MAGIC, openFrame, sealedFrameLength, sealFrameInto, FrameKind, type FrameKeyring } from '../../../src-main/vault/frame';
import { logPosition } from '../../../src-main/vault/log';

async function keyring(): Promise<{ keyring: FrameKeyring; raw: Uint8Array }> {
  const raw = randomBytes(32);
  const copy = raw.slice();
  return { keyring: { key: await importDataKey(raw), vaultId: randomBytes(16), formatVersion: 1 }, raw: copy };
}

describe('frames sealed on the calling thread (sealFrameInto)', () => {
  it('are read back by the WebCrypto frame reader, at their position only', async () => {
    const { keyring: ring } = await keyring();
    const plaintext = new TextEncoder().encode('{"resourceType":"Patient","id":"p1"}');
    const out = new Uint8Array(7 + sealedFrameLength(plaintext.length) + 5);
    sealFrameInto(ring, 'log', { magic: LOG_MAGIC, kind: FrameKind.blob, flags: 0 }, plaintext, logPosition(1, 4096), randomBytes(IV_BYTES), out, 7);
    const frame = out.subarray(7, 7 + sealedFrameLength(plaintext.length));
    expect(frame.length).toBe(FRAME_HEADER_BYTES + IV_BYTES + plaintext.length + TAG_BYTES);
    expect([...out.subarray(0, 7), ...out.subarray(out.length - 5)].every((b) => b === 0)).toBe(true);
    const opened = await openFrame(ring, 'log', frame, LOG_MAGIC, logPosition(1, 4096));
    expect(opened && new TextDecoder().decode(opened.plaintext)).toBe('{"resourceType":"Patient","id":"p1"}');
    expect(await openFrame(ring, 'log', frame, LOG_MAGIC, logPosition(1, 4097))).toBeNull();
    const altered = frame.slice();
    altered[altered.length - 20]! ^= 1;
    expect(await openFrame(ring, 'log', altered, LOG_MAGIC, logPosition(1, 4096))).toBeNull();
  });

  it('are byte-identical to WebCrypto AES-GCM under the same IV and AAD', async () => {
    const { keyring: ring, raw } = await keyring();
    const plaintext = randomBytes(3000);
    const iv = randomBytes(IV_BYTES);
    const out = new Uint8Array(sealedFrameLength(plaintext.length));
    sealFrameInto(ring, 'log', { magic: LOG_MAGIC, kind: FrameKind.commit, flags: 0 }, plaintext, logPosition(2, 99), iv, out, 0);
    expect(out.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + IV_BYTES)).toEqual(iv);
    // The AAD as docs/vault-format.md §3 defines it, built independently here.
    const header = out.subarray(0, FRAME_HEADER_BYTES);
    const aad = new Uint8Array([...new TextEncoder().encode('HEARTH1'), ...ring.vaultId, 0, 0, 0, 1, 1, ...header, ...logPosition(2, 99)]);
    const key = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, ['encrypt']);
    const expected = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, plaintext));
    expect(out.subarray(FRAME_HEADER_BYTES + IV_BYTES)).toEqual(expected);
  });
});
