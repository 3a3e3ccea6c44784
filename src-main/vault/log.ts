/**
 * The append-only encrypted log (docs/vault-format.md, "Log segments"). Segment files are
 * `log/NNNNNN.hlog`, numbered from 1 without gaps; each starts with a segment-header frame.
 * A transaction is its blob frames followed by one commit frame, always inside one segment.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FRAME_HEADER_BYTES, FrameKind, frameLength, headerChecksumValid, decodeFrameHeader, LOG_MAGIC, openFrame, openFrameTo, sealFrame, sealFrameInto, type FrameKeyring } from './frame';
import { concatBytes, u32, u64 } from './crypto';
import { readAt } from './fs-util';
import { VaultError, type BlobPointer, type CommittedTransaction, type JsonObject } from './types';

export const LOG_DIR = 'log';
const SEGMENT_NAME = /^(\d{6,})\.hlog$/;

export function segmentFile(segment: number): string {
  return `${LOG_DIR}/${String(segment).padStart(6, '0')}.hlog`;
}

export function logPosition(segment: number, offset: number): Uint8Array {
  return concatBytes([u32(segment), u64(offset)]);
}

/** logPosition written into `out` (12 bytes): u32 segment, u64 offset, big-endian. */
function writeLogPosition(out: Uint8Array, segment: number, offset: number): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, segment >>> 0, false);
  // Offsets stay below 2^53: the high word is the quotient by 2^32 (u64 gives the same bytes).
  view.setUint32(4, Math.floor(offset / 2 ** 32), false);
  view.setUint32(8, offset >>> 0, false);
  return out;
}

/** The position of the frame sealLogFrameInto is sealing (its AAD copies it). */
const positionScratch = new Uint8Array(12);

/** Segment numbers present in log/, checked to run 1..N without a gap. */
export async function listSegments(folder: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(folder, LOG_DIR));
  } catch {
    throw new VaultError('damaged', 'The log folder is missing', LOG_DIR);
  }
  const numbers = names
    .map((name) => SEGMENT_NAME.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (numbers.length === 0) throw new VaultError('damaged', `${segmentFile(1)} is missing`, segmentFile(1));
  numbers.forEach((n, i) => {
    if (n !== i + 1) throw new VaultError('damaged', `${segmentFile(i + 1)} is missing`, segmentFile(i + 1));
  });
  return numbers;
}

interface SegmentHeaderPayload {
  segment: number;
  vaultId: string;
}

export async function sealSegmentHeader(keyring: FrameKeyring, segment: number): Promise<Uint8Array<ArrayBuffer>> {
  const payload: SegmentHeaderPayload = { segment, vaultId: Buffer.from(keyring.vaultId).toString('hex') };
  return sealFrame(keyring, 'log', { magic: LOG_MAGIC, kind: FrameKind.segmentHeader, flags: 0 }, encodeJson(payload), logPosition(segment, 0));
}

export function sealBlobFrame(
  keyring: FrameKeyring,
  bytes: Uint8Array<ArrayBuffer>,
  segment: number,
  offset: number,
  iv?: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return sealFrame(keyring, 'log', { magic: LOG_MAGIC, kind: FrameKind.blob, flags: 0 }, bytes, logPosition(segment, offset), iv);
}

const BLOB_HEADER = { magic: LOG_MAGIC, kind: FrameKind.blob, flags: 0 } as const;
const COMMIT_HEADER = { magic: LOG_MAGIC, kind: FrameKind.commit, flags: 0 } as const;

/**
 * A blob frame, or the commit frame of an encoded commit record, at `offset` of `segment`, sealed on
 * this thread into `out` at `at` (the frame's place in the bytes to append). Returns the offset after it.
 */
export function sealLogFrameInto(
  keyring: FrameKeyring,
  kind: 'blob' | 'commit',
  plaintext: Uint8Array,
  place: { segment: number; offset: number; iv: Uint8Array<ArrayBuffer> },
  out: Uint8Array,
  at: number,
): number {
  const header = kind === 'blob' ? BLOB_HEADER : COMMIT_HEADER;
  return sealFrameInto(keyring, 'log', header, plaintext, writeLogPosition(positionScratch, place.segment, place.offset), place.iv, out, at);
}

/** The commit record: what the projector sees, minus the blob bytes (those are in the blob frames). */
export interface CommitRecord {
  seq: number;
  committedAt: string;
  entries: JsonObject[];
  blobs: BlobPointer[];
}

/** The commit frame's plaintext (encoded once: its length fixes the frame's before it is sealed). */
export function encodeCommitRecord(record: CommitRecord): Uint8Array<ArrayBuffer> {
  return encodeJson(record);
}

const jsonEncoder = new TextEncoder();

/** UTF-8 JSON in an array of its own (TextEncoder: one copy, where Buffer.from and a Uint8Array of it made two). */
function encodeJson(value: unknown): Uint8Array<ArrayBuffer> {
  return jsonEncoder.encode(JSON.stringify(value));
}

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
}

function isPointer(value: unknown): value is BlobPointer {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return Number.isSafeInteger(p.segment) && Number.isSafeInteger(p.offset) && Number.isSafeInteger(p.length);
}

function parseCommitRecord(bytes: Uint8Array, file: string): CommitRecord {
  const value = decodeJson(bytes) as Partial<CommitRecord> | null;
  if (
    !value ||
    !Number.isSafeInteger(value.seq) ||
    typeof value.committedAt !== 'string' ||
    !Array.isArray(value.entries) ||
    !Array.isArray(value.blobs) ||
    !value.blobs.every(isPointer)
  ) {
    throw new VaultError('damaged', `${file} holds a malformed commit record`, file);
  }
  return value as CommitRecord;
}

/** Authenticates the segment-header frame of `segment` and returns its length in bytes. */
export async function checkSegmentHeader(keyring: FrameKeyring, handle: fs.FileHandle, segment: number): Promise<number> {
  const file = segmentFile(segment);
  const head = await readAt(handle, 0, FRAME_HEADER_BYTES);
  const header = decodeFrameHeader(head, LOG_MAGIC);
  if (!header || header.kind !== FrameKind.segmentHeader || header.payloadLength > 4096) {
    throw new VaultError('damaged', `${file} is damaged (bad segment header)`, file);
  }
  const length = frameLength(header.payloadLength);
  const opened = await openFrame(keyring, 'log', await readAt(handle, 0, length), LOG_MAGIC, logPosition(segment, 0));
  if (!opened) throw new VaultError('damaged', `${file} is damaged (segment header does not authenticate)`, file);
  const payload = decodeJson(opened.plaintext) as Partial<SegmentHeaderPayload>;
  if (payload.segment !== segment) throw new VaultError('damaged', `${file} is damaged (names segment ${String(payload.segment)})`, file);
  return length;
}

/** Blob frames up to this size are opened on the reading thread; larger ones on WebCrypto's thread pool (as sealed: vault.ts SYNC_SEAL_MAX_BYTES). */
const SYNC_OPEN_MAX_BYTES = 256 * 1024;

/** Decrypts the blob frame a pointer names, checking the on-disk header against the pointer. */
export async function readBlobFrame(keyring: FrameKeyring, handle: fs.FileHandle, pointer: BlobPointer): Promise<Uint8Array<ArrayBuffer>> {
  const file = segmentFile(pointer.segment);
  const bytes = await readAt(handle, pointer.offset, pointer.length);
  const header = decodeFrameHeader(bytes, LOG_MAGIC);
  if (!header || header.kind !== FrameKind.blob || frameLength(header.payloadLength) !== pointer.length || bytes.length !== pointer.length) {
    throw new VaultError('damaged', `${file} is damaged at offset ${pointer.offset} (blob frame header does not match)`, file);
  }
  if (pointer.length > SYNC_OPEN_MAX_BYTES) {
    const opened = await openFrame(keyring, 'log', bytes, LOG_MAGIC, logPosition(pointer.segment, pointer.offset));
    if (!opened) throw new VaultError('damaged', `${file} is damaged at offset ${pointer.offset} (blob does not authenticate)`, file);
    return opened.plaintext;
  }
  // On this thread (node:crypto): a search reads a page of blobs of about a kilobyte each, where a
  // WebCrypto call costs ~25 µs of dispatch apiece (crypto.ts sealInto).
  const parts: Uint8Array[] = [];
  const opened = openFrameTo(keyring, 'log', bytes, LOG_MAGIC, logPosition(pointer.segment, pointer.offset), (part) => parts.push(part));
  if (!opened) throw new VaultError('damaged', `${file} is damaged at offset ${pointer.offset} (blob does not authenticate)`, file);
  return concatBytes(parts);
}

/** Sequential reads through a file with a large read-ahead window (replay touches every frame). */
class ReadAhead {
  private window = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    private readonly handle: fs.FileHandle,
    private readonly fileLength: number,
    private readonly windowBytes = 8 * 1024 * 1024,
  ) {}

  /** Bytes [offset, offset+length) clipped to the file end. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, this.fileLength);
    if (offset >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(offset - this.windowStart, end - this.windowStart);
    }
    const want = Math.max(end - offset, Math.min(this.windowBytes, this.fileLength - offset));
    this.window = await readAt(this.handle, offset, want);
    this.windowStart = offset;
    return this.window.subarray(0, end - offset);
  }
}

export interface ScanResult {
  /** Offset just past the last complete transaction (or header) kept. */
  end: number;
  /** Bytes dropped as torn tail (only ever non-zero when `tornTailAllowed`). */
  tornBytes: number;
}

export interface ScanOptions {
  keyring: FrameKeyring;
  handle: fs.FileHandle;
  segment: number;
  fileLength: number;
  /** Where to start: just past the segment header, or a snapshot's log position. */
  start: number;
  /** Only the last segment may end in a torn write (docs/vault-format.md, "Torn tail"). */
  tornTailAllowed: boolean;
  /** Called per complete transaction, in order. */
  onTransaction: (tx: CommittedTransaction, endOffset: number) => void | Promise<void>;
}

function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Walks the frames of one segment from `start`, authenticating each. Torn-tail rules apply to the
 * last segment only; anything else that fails is `damaged`, naming the file.
 */
export async function scanSegment(options: ScanOptions): Promise<ScanResult> {
  const { keyring, handle, segment, fileLength, tornTailAllowed } = options;
  const file = segmentFile(segment);
  const reader = new ReadAhead(handle, fileLength);
  let offset = options.start;
  let committedEnd = options.start;
  let pending: Array<{ pointer: BlobPointer; bytes: Uint8Array<ArrayBuffer> }> = [];

  const torn = (): ScanResult | null => {
    if (!tornTailAllowed) return null;
    return { end: committedEnd, tornBytes: fileLength - committedEnd };
  };

  while (offset < fileLength) {
    const head = await reader.read(offset, FRAME_HEADER_BYTES);
    if (head.length < FRAME_HEADER_BYTES) {
      const result = torn();
      if (result) return result;
      throw new VaultError('damaged', `${file} is damaged at offset ${offset} (truncated frame header)`, file);
    }
    if (tornTailAllowed && allZero(head) && allZero(await reader.read(offset, fileLength - offset))) {
      return { end: committedEnd, tornBytes: fileLength - committedEnd };
    }
    if (!headerChecksumValid(head)) {
      throw new VaultError('damaged', `${file} is damaged at offset ${offset} (frame header checksum)`, file);
    }
    const header = decodeFrameHeader(head, LOG_MAGIC);
    if (!header || header.kind === FrameKind.snapshotChunk || header.kind === FrameKind.segmentHeader) {
      throw new VaultError('damaged', `${file} is damaged at offset ${offset} (unexpected frame)`, file);
    }
    const length = frameLength(header.payloadLength);
    if (offset + length > fileLength) {
      const result = torn();
      if (result) return result;
      throw new VaultError('damaged', `${file} is damaged at offset ${offset} (frame runs past the end of the file)`, file);
    }
    const frame = await reader.read(offset, length);
    const opened = await openFrame(keyring, 'log', frame, LOG_MAGIC, logPosition(segment, offset));
    if (!opened) throw new VaultError('damaged', `${file} is damaged at offset ${offset} (frame does not authenticate)`, file);
    if (header.kind === FrameKind.blob) {
      pending.push({ pointer: { segment, offset, length }, bytes: opened.plaintext });
    } else {
      const record = parseCommitRecord(opened.plaintext, file);
      const matches =
        record.blobs.length === pending.length &&
        record.blobs.every((p, i) => {
          const actual = pending[i]!.pointer;
          return p.segment === actual.segment && p.offset === actual.offset && p.length === actual.length;
        });
      if (!matches) throw new VaultError('damaged', `${file} is damaged at offset ${offset} (commit does not match its blobs)`, file);
      await options.onTransaction({ seq: record.seq, committedAt: record.committedAt, entries: record.entries, blobs: pending }, offset + length);
      pending = [];
      committedEnd = offset + length;
    }
    offset += length;
  }
  if (pending.length > 0) {
    // Blob frames with no commit: the writer died between them and the commit frame.
    const result = torn();
    if (result) return result;
    throw new VaultError('damaged', `${file} is damaged (blob frames without a commit at the end)`, file);
  }
  return { end: committedEnd, tornBytes: 0 };
}
