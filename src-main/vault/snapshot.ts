/**
 * Encrypted index snapshots (docs/vault-format.md, "Index snapshots"): `index/snapshot-<seq>.hsnap`
 * is the exported sql.js database split into 4 MiB chunks, each one frame bound to the snapshot
 * seq, its chunk index and whether it is the last chunk.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { concatBytes, IV_BYTES, randomBytes, u32, u64 } from './crypto';
import {
  FRAME_HEADER_BYTES,
  FrameKind,
  LAST_CHUNK_FLAG,
  SNAPSHOT_MAGIC,
  decodeFrameHeader,
  frameLength,
  openFrameTo,
  sealFrame,
  sealFrameInto,
  sealedFrameLength,
  type FrameKeyring,
} from './frame';
import { fsyncDir, isErrnoException, readAt, readInto, writeAll } from './fs-util';
import { VaultError } from './types';

export const INDEX_DIR = 'index';
export const SNAPSHOT_CHUNK_BYTES = 4 * 1024 * 1024;
const SNAPSHOT_NAME = /^snapshot-(\d{6,})\.hsnap$/;

export function snapshotFile(seq: number): string {
  return `${INDEX_DIR}/snapshot-${String(seq).padStart(6, '0')}.hsnap`;
}

function chunkPosition(seq: number, index: number, last: boolean): Uint8Array {
  return concatBytes([u64(seq), u32(index), Uint8Array.of(last ? 1 : 0)]);
}

/** Snapshot seqs present in index/, newest first. */
export async function listSnapshots(folder: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(folder, INDEX_DIR));
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => SNAPSHOT_NAME.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
}

/** Encrypts `data` chunk by chunk (WebCrypto aborts on one call of 2 GiB or more). */
export function sealChunks(keyring: FrameKeyring, seq: number, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>[]> {
  return sealChunksAt(keyring, seq, data, 0, true);
}

/**
 * temp file → fsync → rename → fsync folder → re-read and authenticate. Returns the file length.
 * Encrypts and writes one chunk at a time: besides `data` (the index image), at most one chunk of
 * plaintext and ciphertext is held.
 */
export async function writeSnapshot(folder: string, keyring: FrameKeyring, seq: number, data: Uint8Array): Promise<number> {
  return finishSnapshot(folder, keyring, await startSnapshot(folder, keyring, seq, data));
}

/** An index image read a range at a time (a paged index file's frozen view, paged-file.ts, is never one array). */
export interface SnapshotSource {
  length: number;
  /** Copies bytes [begin, end) (end <= length) into `out` at `at`; ranges are asked for front to back. */
  readInto(begin: number, end: number, out: Uint8Array, at: number): void;
}

/** An image already in one array, as a SnapshotSource. */
export function bytesSource(data: Uint8Array): SnapshotSource {
  return { length: data.length, readInto: (begin, end, out, at) => out.set(data.subarray(begin, end), at) };
}

/** A snapshot whose chunks are all written to its temp file, not yet synced nor renamed. */
export interface PendingSnapshot {
  seq: number;
  handle: fs.FileHandle;
  bytes: number;
}

/** A chunk's plaintext is read from the source this many bytes at a time (ReadPacer checks its time between reads). */
export const SNAPSHOT_READ_PIECE_BYTES = 256 * 1024;
/**
 * While commits keep the thread busy, a snapshot reads for this many ms per ms the thread spent
 * elsewhere (0.5: a third of the thread), so that it ends in a bounded time (kept pages, the log
 * replayed after a crash) without holding commits for long.
 */
export const SNAPSHOT_READ_SHARE = 0.5;
/** A read slice lasts at least this long (ms), and at most SNAPSHOT_READ_SLICE_MAX_MS. */
const SNAPSHOT_READ_SLICE_MIN_MS = 4;
const SNAPSHOT_READ_SLICE_MAX_MS = 40;

/** One turn of the event loop (pending I/O callbacks, and the commits they carry on, run first). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Shares the thread between a snapshot's reads and the rest (commits): after each time away it
 * reads for SNAPSHOT_READ_SHARE of that time (within the slice bounds), then gives a turn back.
 */
class ReadPacer {
  private resumedAt = performance.now();
  private budget = SNAPSHOT_READ_SLICE_MIN_MS;

  /** Whether this slice's time is used up. */
  get due(): boolean {
    return performance.now() - this.resumedAt >= this.budget;
  }

  /** Gives the thread a turn. */
  async yieldTurn(): Promise<void> {
    await this.away(nextTurn());
  }

  /** Awaits `waiting` (the thread goes elsewhere meanwhile) and sizes the next slice by the time away. */
  async away<T>(waiting: Promise<T>): Promise<T> {
    const left = performance.now();
    try {
      return await waiting;
    } finally {
      const now = performance.now();
      this.budget = Math.min(SNAPSHOT_READ_SLICE_MAX_MS, Math.max(SNAPSHOT_READ_SLICE_MIN_MS, (now - left) * SNAPSHOT_READ_SHARE));
      this.resumedAt = now;
    }
  }
}

/**
 * Seals chunk `index` of snapshot `seq` (the frame sealChunks makes) into `out` at 0; the frame's
 * length. The store thread and the frame-seal worker (frame-seal-worker.ts) both seal with it.
 */
export function sealSnapshotChunkInto(keyring: FrameKeyring, seq: number, index: number, last: boolean, plaintext: Uint8Array, iv: Uint8Array<ArrayBuffer>, out: Uint8Array): number {
  const header = { magic: SNAPSHOT_MAGIC, kind: FrameKind.snapshotChunk, flags: last ? LAST_CHUNK_FLAG : 0 };
  return sealFrameInto(keyring, 'snapshot', header, plaintext, chunkPosition(seq, index, last), iv, out, 0);
}

/**
 * One chunk of snapshot `seq` to seal: `plaintext[0, length)` as chunk `index` (flagged last when
 * `last`) with IV `iv`, into `frame` at 0. Both buffers are shared memory, so another thread can
 * seal in place while the caller keeps them (and can still seal the chunk itself).
 */
export interface SnapshotChunkJob {
  seq: number;
  index: number;
  last: boolean;
  plaintext: Uint8Array<SharedArrayBuffer>;
  length: number;
  iv: Uint8Array<ArrayBuffer>;
  frame: Uint8Array<SharedArrayBuffer>;
}

/** sealSnapshotChunkInto for a job (store thread and frame-seal worker alike): the frame's length. */
export function sealSnapshotJob(keyring: FrameKeyring, job: SnapshotChunkJob): number {
  return sealSnapshotChunkInto(keyring, job.seq, job.index, job.last, job.plaintext.subarray(0, job.length), job.iv, job.frame);
}

/**
 * Another thread that takes a snapshot's CPU work (frame-sealer.ts, its worker): each call answers
 * null when it cannot take the work now, and a rejection means it did not do it; either way the
 * calling thread does it itself.
 */
export interface SnapshotSealer {
  /** Seals the job's chunk as sealSnapshotJob would; resolves with the frame's length. */
  sealSnapshotChunk(keyring: FrameKeyring, job: SnapshotChunkJob): Promise<number> | null;
  /** Re-reads and authenticates snapshot `seq` of `folder` (readSnapshot without keeping data). */
  authenticateSnapshot(keyring: FrameKeyring, folder: string, seq: number): Promise<void> | null;
}

/**
 * Chunks sealed or written at once: while one is, the next is read. Each holds a plaintext and a
 * frame buffer of 4 MiB (shared memory, which the sealer's thread reads and writes in place).
 */
export const SNAPSHOT_CHUNKS_IN_FLIGHT = 2;

/** A chunk's plaintext and frame buffers, reused from chunk to chunk. */
interface ChunkBuffers {
  plaintext: Uint8Array<SharedArrayBuffer>;
  frame: Uint8Array<SharedArrayBuffer>;
}

/**
 * The part of writeSnapshot that reads `data`: every chunk sealed and written to
 * `index/snapshot-<seq>.hsnap.tmp`. Runs while writers go on (vault.ts gives it an image that does
 * not change: an export, or a frozen view, frozen-pages.ts): each chunk is read in pieces into a
 * reused plaintext buffer, giving the event loop a turn whenever its slice of time is used up
 * (ReadPacer), then sealed into its frame buffer (sealSnapshotChunkInto) and written while the next
 * chunk is read into the other pair of buffers. With a `sealer` (the frame-seal worker) the sealing
 * runs on its thread: this thread only copies plaintext out of the image; when the sealer cannot
 * take a chunk or fails it, this thread seals it (the buffers are shared, not moved, so the
 * plaintext is still here). WebCrypto on the thread pool was tried for the sealing: its fresh input
 * copy and output buffer per 4 MiB chunk tripled the garbage collections (test/tools/snapshot-cost.ts)
 * and saved the calling thread nothing (docs/benchmarks.md, session 15, helper S).
 */
export async function startSnapshot(
  folder: string,
  keyring: FrameKeyring,
  seq: number,
  data: Uint8Array | SnapshotSource,
  sealer: SnapshotSealer | null = null,
): Promise<PendingSnapshot> {
  const handle = await fs.open(path.join(folder, `${snapshotFile(seq)}.tmp`), 'w');
  const source = data instanceof Uint8Array ? bytesSource(data) : data;
  const chunkBytes = Math.min(source.length, SNAPSHOT_CHUNK_BYTES);
  const sharedBytes = (bytes: number) => new Uint8Array(new SharedArrayBuffer(bytes));
  const free: ChunkBuffers[] = [];
  /** Chunks being sealed or written, oldest first; each gives its buffers back once written. */
  const inFlight: Promise<ChunkBuffers>[] = [];
  const sealAndWrite = async (buffers: ChunkBuffers, index: number, last: boolean, length: number, position: number): Promise<ChunkBuffers> => {
    const job: SnapshotChunkJob = { seq, index, last, plaintext: buffers.plaintext, length, iv: randomBytes(IV_BYTES), frame: buffers.frame };
    const offloaded = sealer?.sealSnapshotChunk(keyring, job) ?? null;
    let frameBytes = offloaded ? await offloaded.catch(() => null) : null;
    frameBytes ??= sealSnapshotJob(keyring, job);
    await writeAll(handle, buffers.frame.subarray(0, frameBytes), position);
    return buffers;
  };
  let position = 0;
  const pacer = new ReadPacer();
  try {
    const count = Math.max(1, Math.ceil(source.length / SNAPSHOT_CHUNK_BYTES));
    for (let index = 0; index < count; index++) {
      const buffers = free.pop() ?? { plaintext: sharedBytes(chunkBytes), frame: sharedBytes(sealedFrameLength(chunkBytes)) };
      const start = index * SNAPSHOT_CHUNK_BYTES;
      const end = Math.min(source.length, start + SNAPSHOT_CHUNK_BYTES);
      for (let at = start; at < end; at += SNAPSHOT_READ_PIECE_BYTES) {
        if (pacer.due) await pacer.yieldTurn();
        source.readInto(at, Math.min(end, at + SNAPSHOT_READ_PIECE_BYTES), buffers.plaintext, at - start);
      }
      const chunk = sealAndWrite(buffers, index, index === count - 1, end - start, position);
      // Awaited below or at the end; a failure meanwhile must not go unhandled.
      chunk.catch(() => undefined);
      inFlight.push(chunk);
      // A frame's length is known before it is sealed: the next chunk's place in the file too.
      position += sealedFrameLength(end - start);
      if (inFlight.length >= SNAPSHOT_CHUNKS_IN_FLIGHT) free.push(await pacer.away(inFlight.shift()!));
    }
    await Promise.all(inFlight);
  } catch (error) {
    await Promise.allSettled(inFlight);
    await handle.close();
    throw error;
  }
  return { seq, handle, bytes: position };
}

/**
 * fsync, rename, fsync the folder, re-read and authenticate; the file length. The re-read runs on
 * `sealer`'s thread when it can take it; when it cannot or does not vouch for the file, here.
 */
export async function finishSnapshot(folder: string, keyring: FrameKeyring, pending: PendingSnapshot, sealer: SnapshotSealer | null = null): Promise<number> {
  const finalPath = path.join(folder, snapshotFile(pending.seq));
  try {
    await pending.handle.sync();
  } finally {
    await pending.handle.close();
  }
  await fs.rename(`${finalPath}.tmp`, finalPath);
  await fsyncDir(path.dirname(finalPath));
  const offloaded = sealer?.authenticateSnapshot(keyring, folder, pending.seq) ?? null;
  const vouched = offloaded ? await offloaded.then(() => true, () => false) : false;
  if (!vouched) await readSnapshot(folder, keyring, pending.seq, { keepData: false });
  return pending.bytes;
}

async function sealChunksAt(keyring: FrameKeyring, seq: number, data: Uint8Array, firstIndex: number, containsLast: boolean): Promise<Uint8Array<ArrayBuffer>[]> {
  const frames: Uint8Array<ArrayBuffer>[] = [];
  const count = Math.max(1, Math.ceil(data.length / SNAPSHOT_CHUNK_BYTES));
  for (let i = 0; i < count; i++) {
    const last = containsLast && i === count - 1;
    const chunk = data.slice(i * SNAPSHOT_CHUNK_BYTES, Math.min(data.length, (i + 1) * SNAPSHOT_CHUNK_BYTES));
    frames.push(
      await sealFrame(
        keyring,
        'snapshot',
        { magic: SNAPSHOT_MAGIC, kind: FrameKind.snapshotChunk, flags: last ? LAST_CHUNK_FLAG : 0 },
        chunk,
        chunkPosition(seq, firstIndex + i, last),
      ),
    );
  }
  return frames;
}

/**
 * Reads and authenticates a whole snapshot; any failure is `damaged` naming the file. With
 * `keepData: false` it only authenticates (the re-read after writing keeps no second copy);
 * `allocate` gives the buffer the plaintext goes into (at least the file size; the data is its start).
 * The plaintext goes into one buffer allocated up front (the file size bounds it), chunk by
 * chunk: one plain copy of the index, never a list of chunks plus their concatenation.
 */
export async function readSnapshot(
  folder: string,
  keyring: FrameKeyring,
  seq: number,
  {
    keepData = true,
    allocate = (bytes: number) => new Uint8Array(bytes),
    sink,
  }: {
    keepData?: boolean;
    allocate?: (bytes: number) => Uint8Array<ArrayBuffer>;
    /** Takes each chunk's plaintext at its offset instead of one buffer (the data returned is then empty). */
    sink?: (plaintext: Uint8Array, offset: number) => void;
  } = {},
): Promise<{ data: Uint8Array<ArrayBuffer>; bytes: number }> {
  const file = snapshotFile(seq);
  const bad = (why: string): VaultError => new VaultError('damaged', `${file} is damaged (${why})`, file);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path.join(folder, file), 'r');
  } catch (error) {
    throw new VaultError('io', `Could not open ${file}: ${isErrnoException(error) ? error.code : 'unknown error'}`, file);
  }
  try {
    const { size } = await handle.stat();
    const plain = keepData && !sink ? allocate(size) : new Uint8Array(0);
    let plainLength = 0;
    let offset = 0;
    let sawLast = false;
    let chunkCount = 0;
    // One buffer for every chunk's frame (a chunk is decrypted from it in place, openFrameTo).
    let frame = new Uint8Array(Math.min(size, sealedFrameLength(SNAPSHOT_CHUNK_BYTES)));
    // A chunk's plaintext is valid only during the call (it lives in `frame`): copied out at once.
    const keep = (part: Uint8Array) => {
      if (sink) sink(part, plainLength);
      else plain.set(part, plainLength);
      plainLength += part.length;
    };
    const drop = () => undefined;
    while (offset < size) {
      if (sawLast) throw bad('bytes after the last chunk');
      const header = decodeFrameHeader(await readAt(handle, offset, FRAME_HEADER_BYTES), SNAPSHOT_MAGIC);
      if (!header || header.kind !== FrameKind.snapshotChunk) throw bad(`bad chunk header at offset ${offset}`);
      const length = frameLength(header.payloadLength);
      if (offset + length > size) throw bad('truncated');
      const last = (header.flags & LAST_CHUNK_FLAG) !== 0;
      if (length > frame.length) frame = new Uint8Array(length);
      if ((await readInto(handle, frame, length, offset)) !== length) throw bad('truncated');
      const opened = openFrameTo(keyring, 'snapshot', frame.subarray(0, length), SNAPSHOT_MAGIC, chunkPosition(seq, chunkCount, last), keepData || sink ? keep : drop);
      if (!opened) throw bad(`chunk ${chunkCount} does not authenticate`);
      chunkCount++;
      sawLast = last;
      offset += length;
    }
    if (!sawLast) throw bad('truncated');
    return { data: plain.subarray(0, sink ? 0 : plainLength), bytes: size };
  } finally {
    await handle.close();
  }
}
