/**
 * The one framing used by log segments and index snapshots (docs/vault-format.md, "Frames"):
 *
 *   header (16 bytes): magic u32 | kind u8 | flags u8 | reserved u16 (0) | payload length u32 | CRC-32 of bytes 0..11
 *   IV (12 bytes) | AES-256-GCM ciphertext + 16-byte tag (payload length bytes)
 *
 * The AAD is: "HEARTH1" | vault id | format version | domain byte | the 16 header bytes | the
 * frame's position (segment + offset for log frames; snapshot seq + chunk index + last flag for
 * snapshot chunks). A frame therefore cannot be moved, reordered, or spliced into another vault.
 */
import { type CryptoKey, concatBytes, IV_BYTES, open, openTo, seal, sealInto, TAG_BYTES, u32 } from './crypto';
import { crc32 } from './crc32';

export const FRAME_HEADER_BYTES = 16;
/** Header + IV + tag: what a frame adds to its plaintext. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + IV_BYTES + TAG_BYTES;
/** Ceiling for one frame's plaintext; WebCrypto aborts the process at 2 GiB per call. */
export const MAX_FRAME_PLAINTEXT_BYTES = 1024 * 1024 * 1024;

export const LOG_MAGIC = 0x48_4c_47_31; // "HLG1"
export const SNAPSHOT_MAGIC = 0x48_53_4e_31; // "HSN1"

export const FrameKind = { segmentHeader: 1, blob: 2, commit: 3, snapshotChunk: 4 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];
const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind));

/** Flag bit of a snapshot chunk: this is the last chunk (a truncated snapshot fails to authenticate). */
export const LAST_CHUNK_FLAG = 1;

const AAD_DOMAIN = { log: 1, snapshot: 2 } as const;
export type AadDomain = keyof typeof AAD_DOMAIN;

export interface FrameHeader {
  magic: number;
  kind: FrameKind;
  flags: number;
  /** Bytes of ciphertext + tag after the IV. */
  payloadLength: number;
}

/** The immutable identity every AAD binds: a frame from another vault or format never authenticates. */
export interface FrameKeyring {
  key: CryptoKey;
  vaultId: Uint8Array<ArrayBuffer>;
  formatVersion: number;
}

export function frameLength(payloadLength: number): number {
  return FRAME_HEADER_BYTES + IV_BYTES + payloadLength;
}

/** The length of the frame that seals `plaintextLength` bytes (known before sealing: frames can be sealed in parallel). */
export function sealedFrameLength(plaintextLength: number): number {
  return frameLength(plaintextLength + TAG_BYTES);
}

export function encodeFrameHeader(header: FrameHeader): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(FRAME_HEADER_BYTES);
  writeFrameHeader(bytes, 0, header.magic, header.kind, header.flags, header.payloadLength);
  return bytes;
}

/** A big-endian u32 at `at`. */
function putU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** encodeFrameHeader's 16 bytes written into `out` at `at` (no header object, no array of its own). */
function writeFrameHeader(out: Uint8Array, at: number, magic: number, kind: number, flags: number, payloadLength: number): void {
  putU32(out, at, magic);
  out[at + 4] = kind;
  out[at + 5] = flags;
  out[at + 6] = 0;
  out[at + 7] = 0;
  putU32(out, at + 8, payloadLength);
  putU32(out, at + 12, crc32(out, at, at + 12));
}

/** Parses a header; null when its checksum, magic, kind or reserved bits are wrong. */
export function decodeFrameHeader(bytes: Uint8Array, expectedMagic: number): FrameHeader | null {
  if (bytes.length < FRAME_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  if (view.getUint32(12, false) !== crc32(bytes, 0, 12)) return null;
  const magic = view.getUint32(0, false);
  const kind = view.getUint8(4);
  if (magic !== expectedMagic || !KNOWN_KINDS.has(kind) || view.getUint16(6, false) !== 0) return null;
  const payloadLength = view.getUint32(8, false);
  if (payloadLength < TAG_BYTES) return null;
  return { magic, kind: kind as FrameKind, flags: view.getUint8(5), payloadLength };
}

/** True when the header checksum holds (used to tell a torn tail from damage). */
export function headerChecksumValid(bytes: Uint8Array): boolean {
  if (bytes.length < FRAME_HEADER_BYTES) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  return view.getUint32(12, false) === crc32(bytes, 0, 12);
}

/** The start of every AAD of a keyring and domain: "HEARTH1" | vault id | format version | domain byte. */
function aadPrefix(keyring: FrameKeyring, domain: AadDomain): Uint8Array<ArrayBuffer> {
  return concatBytes([new TextEncoder().encode('HEARTH1'), keyring.vaultId, u32(keyring.formatVersion), Uint8Array.of(AAD_DOMAIN[domain])]);
}

function aad(keyring: FrameKeyring, domain: AadDomain, header: Uint8Array, position: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes([aadPrefix(keyring, domain), header, position]);
}

/**
 * AAD prefixes by keyring (its fields never change) and domain, and the buffer sealFrameInto builds
 * each AAD in (setAAD copies it, so one buffer serves every frame): a commit seals hundreds of
 * small frames under one keyring, and building each AAD from its six parts cost more than the
 * frame's header and position together.
 */
const aadPrefixes = new WeakMap<FrameKeyring, Partial<Record<AadDomain, Uint8Array>>>();
let aadScratch = new Uint8Array(128);

/** aad(keyring, domain, header[headerAt, +16), position) in aadScratch (valid until the next call). */
function scratchAad(keyring: FrameKeyring, domain: AadDomain, header: Uint8Array, headerAt: number, position: Uint8Array): Uint8Array {
  let prefixes = aadPrefixes.get(keyring);
  if (!prefixes) {
    prefixes = {};
    aadPrefixes.set(keyring, prefixes);
  }
  const prefix = (prefixes[domain] ??= aadPrefix(keyring, domain));
  const length = prefix.length + FRAME_HEADER_BYTES + position.length;
  if (aadScratch.length < length) aadScratch = new Uint8Array(length);
  aadScratch.set(prefix, 0);
  for (let i = 0; i < FRAME_HEADER_BYTES; i++) aadScratch[prefix.length + i] = header[headerAt + i]!;
  aadScratch.set(position, prefix.length + FRAME_HEADER_BYTES);
  return aadScratch.subarray(0, length);
}

/** Encrypts `plaintext` into one complete frame bound to `position`. */
export async function sealFrame(
  keyring: FrameKeyring,
  domain: AadDomain,
  header: Omit<FrameHeader, 'payloadLength'>,
  plaintext: Uint8Array<ArrayBuffer>,
  position: Uint8Array,
  iv?: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.length > MAX_FRAME_PLAINTEXT_BYTES) throw new RangeError(`A frame holds at most ${MAX_FRAME_PLAINTEXT_BYTES} bytes`);
  const headerBytes = encodeFrameHeader({ ...header, payloadLength: plaintext.length + TAG_BYTES });
  const sealed = await seal(keyring.key, plaintext, aad(keyring, domain, headerBytes, position), iv);
  return concatBytes([headerBytes, sealed.iv, sealed.ciphertext]);
}

/**
 * sealFrame on this thread, written into `out` at `at` (sealedFrameLength(plaintext.length) bytes):
 * the same frame for the same IV. Returns the offset after it.
 */
export function sealFrameInto(
  keyring: FrameKeyring,
  domain: AadDomain,
  header: Omit<FrameHeader, 'payloadLength'>,
  plaintext: Uint8Array,
  position: Uint8Array,
  iv: Uint8Array<ArrayBuffer>,
  out: Uint8Array,
  at: number,
): number {
  if (plaintext.length > MAX_FRAME_PLAINTEXT_BYTES) throw new RangeError(`A frame holds at most ${MAX_FRAME_PLAINTEXT_BYTES} bytes`);
  writeFrameHeader(out, at, header.magic, header.kind, header.flags, plaintext.length + TAG_BYTES);
  return sealInto(keyring.key, plaintext, scratchAad(keyring, domain, out, at, position), iv, out, at + FRAME_HEADER_BYTES);
}

/**
 * Authenticates and decrypts one complete frame (header included). Returns null on any failure:
 * the caller knows the file and reports it as damaged.
 */
export async function openFrame(
  keyring: FrameKeyring,
  domain: AadDomain,
  frame: Uint8Array,
  expectedMagic: number,
  position: Uint8Array,
): Promise<{ header: FrameHeader; plaintext: Uint8Array<ArrayBuffer> } | null> {
  const header = decodeFrameHeader(frame, expectedMagic);
  if (!header || frame.length !== frameLength(header.payloadLength)) return null;
  const headerBytes = frame.slice(0, FRAME_HEADER_BYTES);
  const iv = frame.slice(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + IV_BYTES);
  const ciphertext = frame.slice(FRAME_HEADER_BYTES + IV_BYTES);
  const plaintext = await open(keyring.key, iv, ciphertext, aad(keyring, domain, headerBytes, position));
  return plaintext ? { header, plaintext } : null;
}

/**
 * openFrame on this thread (node:crypto), for the small frames read one at a time (a resource's
 * blob): the dispatch of a WebCrypto call to the thread pool, and the three copies of the frame it
 * needs, cost more than the decryption. The AAD is built in the reused buffer (scratchAad). The
 * plaintext is returned only once the tag has been checked; null on any failure, as openFrame.
 */
export function openFrameSync(keyring: FrameKeyring, domain: AadDomain, frame: Uint8Array, expectedMagic: number, position: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [];
  if (!openFrameTo(keyring, domain, frame, expectedMagic, position, (part) => parts.push(part))) return null;
  // AES-GCM's final() gives nothing: the plaintext is update()'s one part (a Buffer: viewed as the
  // plain Uint8Array openFrame gives, without a copy).
  const nonEmpty = parts.filter((part) => part.length > 0);
  if (nonEmpty.length !== 1) return concatBytes(nonEmpty);
  const only = nonEmpty[0]!;
  return new Uint8Array(only.buffer, only.byteOffset, only.length);
}

/**
 * openFrame on this thread (node:crypto) without copying the frame: for the large frames of a
 * snapshot, read into one reused buffer. The plaintext goes to `sink` in parts before the tag is
 * checked; on null (any failure) the caller drops what it was given.
 */
export function openFrameTo(
  keyring: FrameKeyring,
  domain: AadDomain,
  frame: Uint8Array,
  expectedMagic: number,
  position: Uint8Array,
  sink: (part: Uint8Array) => void,
): FrameHeader | null {
  const header = decodeFrameHeader(frame, expectedMagic);
  if (!header || frame.length !== frameLength(header.payloadLength)) return null;
  const iv = frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + IV_BYTES);
  // The scratch AAD is safe here: openTo hands it to setAAD (a copy) before anything else runs.
  return openTo(keyring.key, iv, frame.subarray(FRAME_HEADER_BYTES + IV_BYTES), scratchAad(keyring, domain, frame, 0, position), sink) ? header : null;
}
