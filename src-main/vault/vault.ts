/**
 * The open vault: single-writer commits to the encrypted log with the sql.js index kept in step,
 * background snapshots, unlock-time replay with torn-tail recovery, verify and re-wrap.
 * docs/vault-format.md is the specification this implements.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { VaultInfo, VerifiedFile, VerifyReport } from '../api/contract';
import { deriveSubkey, IV_BYTES, randomBytes, type CryptoKey } from './crypto';
import { MAX_FRAME_PLAINTEXT_BYTES, sealedFrameLength, type FrameKeyring } from './frame';
import { MIN_WORKER_SEAL_FRAMES, sharedFrameSealer, type BlobFrameToSeal, type FrameSealer } from './frame-sealer';
import { fsyncDir, ioError, isErrnoException, readAt, writeAll } from './fs-util';
import { buildHeader, HEADER_FILE, readHeader, unwrapDataKeyBytes, vaultIdBytes, writeHeader, type VaultHeader } from './header';
import { compareIndexes, createMetaTable, META_TABLE, readMeta, writeMeta, type IndexPosition } from './index-db';
import type { FolderLock } from './lock';
import {
  checkSegmentHeader,
  encodeCommitRecord,
  LOG_DIR,
  listSegments,
  openBlobFrame,
  readBlobFrame,
  scanSegment,
  sealBlobFrame,
  sealLogFrameInto,
  sealSegmentHeader,
  segmentFile,
} from './log';
import { Mutex } from './mutex';
import { PagedFile, type FrozenImage } from './paged-file';
import { bytesSource, finishSnapshot, INDEX_DIR, listSnapshots, readSnapshot, snapshotFile, startSnapshot, type PendingSnapshot, type SnapshotSource } from './snapshot';
import { fileBytes, liveImage, livePagedImage, loadSqlJs, openInStorage, openPaged, reserveIndexStorage, shouldMove, type IndexDatabase, type IndexStorage } from './sqljs';
import {
  VaultError,
  type BlobPointer,
  type CommittedTransaction,
  type IndexPagingStats,
  type Database,
  type JsonObject,
  type OpenOptions,
  type StagedTransaction,
  type Vault,
} from './types';

export const DEFAULT_SEGMENT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SNAPSHOT_AFTER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SNAPSHOT_AFTER_TRANSACTIONS = 20_000;
/**
 * Once the index image outgrows snapshotAfterBytes / SNAPSHOT_LOG_PER_IMAGE (256 MiB by default),
 * both thresholds grow with it: a background snapshot then waits for log bytes of at least this
 * share of the last snapshot's image (and as many more transactions). A snapshot seals the whole
 * image, so with fixed thresholds its cost per write grew with the store; this keeps it constant,
 * and bounds the log replayed at unlock after a crash to a quarter of the image instead of 64 MiB
 * (docs/vault-format.md, section 6).
 */
export const SNAPSHOT_LOG_PER_IMAGE = 0.25;
/** Blobs up to this size are sealed on the committing thread; larger ones on WebCrypto's thread pool. */
export const SYNC_SEAL_MAX_BYTES = 256 * 1024;
/** An index file this large or larger is paged (paged-file.ts); HEARTH_INDEX_PAGED_FROM_MB overrides it. */
export const DEFAULT_PAGED_INDEX_FROM_BYTES = 256 * 2 ** 20;
/** The page cache of a paged index file; HEARTH_INDEX_CACHE_MB overrides it. */
export const DEFAULT_INDEX_CACHE_BYTES = 256 * 2 ** 20;
/**
 * While a snapshot reads a paged index's frozen view, at most about this many bytes of old pages
 * are kept for it (paged-file.ts): a commit that finds more waits before it starts until the
 * snapshot has read past some (a commit may add its own pages past the cap). OpenOptions.snapshotKeepBytes.
 */
export const DEFAULT_SNAPSHOT_KEEP_BYTES = 64 * 2 ** 20;
/** Scratch files of paged index files (index/pages-<random>.scratch; docs/vault-format.md §6.2). */
const SCRATCH_NAME = /^pages-[0-9a-f]+\.scratch$/;

/** When the index is paged and with how much cache (OpenOptions, else the environment, else the defaults). */
interface Paging {
  fromBytes: number;
  cacheBytes: number;
}

function mebibytesFromEnv(name: string): number | undefined {
  const text = process.env[name];
  const value = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(value) && value >= 0 ? Math.round(value * 2 ** 20) : undefined;
}

function pagingOf(options: OpenOptions): Paging {
  return {
    fromBytes: options.pagedIndexFromBytes ?? mebibytesFromEnv('HEARTH_INDEX_PAGED_FROM_MB') ?? DEFAULT_PAGED_INDEX_FROM_BYTES,
    cacheBytes: options.indexCacheBytes ?? mebibytesFromEnv('HEARTH_INDEX_CACHE_MB') ?? DEFAULT_INDEX_CACHE_BYTES,
  };
}

function newPagedFile(folder: string, paging: Paging): PagedFile {
  const name = `pages-${Buffer.from(randomBytes(8)).toString('hex')}.scratch`;
  return new PagedFile({ path: path.join(folder, INDEX_DIR, name), cacheBytes: paging.cacheBytes });
}

/** Scratch files a crash left (only where the OS could not unlink them while open). */
async function removeScratchFiles(folder: string): Promise<void> {
  const names = await fs.readdir(path.join(folder, INDEX_DIR)).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => SCRATCH_NAME.test(name)).map((name) => fs.rm(path.join(folder, INDEX_DIR, name), { force: true })));
}

/** A paged index database holding `image` (copied in 4 MiB at a time). */
function openPagedCopy(sql: SqlJsStatic, folder: string, paging: Paging, image: Uint8Array): IndexDatabase {
  const paged = newPagedFile(folder, paging);
  try {
    for (let start = 0; start < image.length; start += 4 * 2 ** 20) paged.set(image.subarray(start, Math.min(image.length, start + 4 * 2 ** 20)), start);
    return { db: openPaged(sql, paged), storage: null, paged };
  } catch (error) {
    paged.dispose();
    throw error;
  }
}

/** An index image fixed at one commit seq, sealed while writers go on (writeSnapshotNow). */
interface SnapshotImage {
  seq: number;
  source: SnapshotSource;
  /** Ends a frozen view (nothing for an export). */
  release(): void;
}

interface Segment {
  number: number;
  handle: fs.FileHandle;
  /** Bytes of complete, committed frames handed to the file (the file is never longer once a write settles). */
  length: number;
  /** The first `durableLength` bytes were fdatasync'ed (docs/vault-format.md section 5); <= length. */
  durableLength: number;
  headerLength: number;
}

/** A commit applied and appended whose write() waits for the fdatasync that makes it durable. */
interface Unacknowledged {
  seq: number;
  resolve: () => void;
  reject: (error: VaultError) => void;
}

class Staging implements StagedTransaction {
  readonly blobs: Uint8Array<ArrayBuffer>[] = [];
  readonly entries: JsonObject[] = [];
  readonly derived: unknown[] = [];

  addBlob(bytes: Uint8Array): number {
    // A private copy: the caller may reuse its buffer before the commit is durable.
    return this.keep(new Uint8Array(bytes));
  }

  addText(text: string): number {
    return this.keep(utf8.encode(text));
  }

  adoptBlob(bytes: Uint8Array<ArrayBuffer>): number {
    return this.keep(bytes);
  }

  private keep(bytes: Uint8Array<ArrayBuffer>): number {
    if (bytes.length > MAX_FRAME_PLAINTEXT_BYTES) throw new RangeError(`A blob holds at most ${MAX_FRAME_PLAINTEXT_BYTES} bytes`);
    this.blobs.push(bytes);
    return this.blobs.length - 1;
  }

  addEntry(entry: JsonObject, derived?: unknown): void {
    // The projector sees exactly what replay will read back.
    this.entries.push(replayedForm(entry));
    this.derived.push(derived);
  }

  get size(): number {
    return this.entries.length;
  }
}

/** Blobs given as text are encoded with this (Staging.addText). */
const utf8 = new TextEncoder();

/**
 * An entry as replay reads it back from the log: its JSON round trip. A flat entry of strings,
 * booleans, nulls and finite numbers other than -0 (every entry the FHIR projector writes) comes
 * back as the same keys and values in the same order, so a shallow copy is that round trip
 * without the text in between (it ran for every resource written).
 */
export function replayedForm(entry: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(entry)) {
    const value = entry[key];
    const plain =
      typeof value === 'string' || typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0));
    if (!plain || key === '__proto__') return JSON.parse(JSON.stringify(entry)) as JsonObject;
    copy[key] = value;
  }
  return copy;
}

export interface LoadContext {
  folder: string;
  header: VaultHeader;
  key: CryptoKey;
  /** HKDF key material of the data key, for deriveKey (crypto.ts importDataKeys). */
  derivation: CryptoKey;
  lock: FolderLock;
  options: OpenOptions;
}


/**
 * How many times the configured snapshot thresholds a vault waits, given its last snapshot's image:
 * 1 until the image reaches afterBytes / SNAPSHOT_LOG_PER_IMAGE, then in proportion to it.
 */
export function snapshotThresholdScale(imageBytes: number, afterBytes: number): number {
  return afterBytes > 0 ? Math.max(1, (imageBytes * SNAPSHOT_LOG_PER_IMAGE) / afterBytes) : 1;
}

/**
 * The index is derived data held in memory: its rollback journal can live in memory too (writing
 * it into sql.js' in-memory file system and deleting it on every commit cost ~10% of a bulk write).
 * ROLLBACK still works, which journal_mode=OFF would not guarantee. export() resets pragmas, so
 * this runs again after each snapshot export.
 */
function tuneIndexDatabase(db: Database): void {
  db.run('PRAGMA journal_mode=MEMORY');
  // Dirty pages reach the file only at COMMIT: a ROLLBACK then never truncates it (a paged index
  // file cannot be truncated, paged-file.ts).
  db.run('PRAGMA cache_spill=OFF');
}

/**
 * The database of snapshot `seq`. A function of its own so that the decrypted bytes (one plain
 * copy, snapshot.ts) are unreachable as soon as sql.js has copied them into its file system.
 */
async function loadSnapshotDatabase(sql: SqlJsStatic, folder: string, keyring: FrameKeyring, seq: number, paging: Paging): Promise<IndexDatabase> {
  const file = snapshotFile(seq);
  const size = (await fs.stat(path.join(folder, file)).catch(() => null))?.size ?? 0;
  if (size >= paging.fromBytes) {
    // Decrypted chunk by chunk into a paged file: the image is never whole in memory.
    const paged = newPagedFile(folder, paging);
    try {
      await readSnapshot(folder, keyring, seq, { sink: (plaintext, offset) => paged.set(plaintext, offset) });
      if (paged.size === 0) throw new VaultError('damaged', `${file} is damaged (not an index database)`, file);
      try {
        return { db: openPaged(sql, paged), storage: null, paged };
      } catch {
        throw new VaultError('damaged', `${file} is damaged (not an index database)`, file);
      }
    } catch (error) {
      paged.dispose();
      throw error;
    }
  }
  // Decrypted straight into the memory the index file then lives and grows in (sqljs.ts).
  let storage: IndexStorage | null = null;
  const { data } = await readSnapshot(folder, keyring, seq, { allocate: (bytes) => (storage = reserveIndexStorage(bytes)) });
  try {
    return storage && data.length > 0 ? openInStorage(sql, storage, data.length) : { db: new sql.Database(data), storage: null };
  } catch {
    throw new VaultError('damaged', `${file} is damaged (not an index database)`, file);
  }
}

/** A new index database (schema and position written) in reserved memory (sqljs.ts). */
function freshIndexDatabase(sql: SqlJsStatic, build: (db: Database) => void): IndexDatabase {
  const created = new sql.Database();
  let image: Uint8Array;
  try {
    build(created);
    image = created.export();
  } finally {
    created.close();
  }
  const storage = reserveIndexStorage(image.length);
  storage.set(image);
  return openInStorage(sql, storage, image.length);
}

/** A write that changes one row of the meta table, so that SQLite commits (liveImage in sqljs.ts). */
const STORAGE_PROBE_SQL = `INSERT INTO ${META_TABLE} (key, value) VALUES ('storageProbe', 0) ON CONFLICT (key) DO UPDATE SET value = value + 1`;

/** A gap between two blobs up to this many bytes is read rather than split into two reads. */
const BLOB_RUN_GAP_BYTES = 16 * 1024;
/** One read of a run of blobs covers at most this many bytes. */
const BLOB_RUN_MAX_BYTES = 1024 * 1024;

/**
 * The pointers' indices grouped into runs, each read with one file read: blobs of one segment in
 * offset order, none overlapping the one before, with gaps of at most BLOB_RUN_GAP_BYTES, and a run
 * of at most BLOB_RUN_MAX_BYTES (a blob larger than that is a run of its own).
 */
export function blobRuns(pointers: readonly BlobPointer[]): number[][] {
  const order = pointers.map((_, i) => i).sort((a, b) => pointers[a]!.segment - pointers[b]!.segment || pointers[a]!.offset - pointers[b]!.offset);
  const runs: number[][] = [];
  let run: number[] = [];
  let start = 0;
  let end = 0;
  for (const index of order) {
    const { segment, offset, length } = pointers[index]!;
    const previous = run.length > 0 ? pointers[run[0]!]! : undefined;
    if (previous && previous.segment === segment && offset >= end && offset - end <= BLOB_RUN_GAP_BYTES && offset + length - start <= BLOB_RUN_MAX_BYTES) {
      run.push(index);
      end = offset + length;
      continue;
    }
    if (run.length > 0) runs.push(run);
    run = [index];
    start = offset;
    end = offset + length;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

export class OpenVault implements Vault {
  readonly path: string;
  readonly info: VaultInfo;
  private keyring: FrameKeyring | null;
  /** HKDF key material of the data key (deriveKey); dropped with the keyring at close. */
  private derivation: CryptoKey | null = null;
  private readonly writer = new Mutex();
  /**
   * The pipelined commit (docs/vault-format.md section 5): `lastSeq` is the last commit applied to
   * the index and appended to the log, `durableSeq` the last whose append was fdatasync'ed. Between
   * them are commits whose write() has not resolved yet, waiting in `unacknowledged` (seq order)
   * for the flusher, one fdatasync for all that are appended when it starts (group commit).
   */
  private durableSeq = 0;
  private unacknowledged: Unacknowledged[] = [];
  /** True while the flusher (flush()) runs; it clears this in the same turn as it sees no commit waiting. */
  private flushing = false;
  /** Set when an fdatasync failed: commits past durableSeq may not be in the log, so none is acknowledged again. */
  private lostDurability: VaultError | null = null;
  /** The best-effort cut of the log back to its durable end after lostDurability (under the writer lock). */
  private cutting: Promise<void> | null = null;
  /** True while a commit is between its BEGIN and COMMIT (or ROLLBACK) on the index. */
  private applying = false;
  /** Readers waiting for the index to hold only durable commits; while any wait, no new commit applies. */
  private readersWaiting = 0;
  private wakeups: Array<() => void> = [];
  private readonly readsInFlight = new Set<Promise<unknown>>();
  private backgroundSnapshot: Promise<void> | null = null;
  /** The index file's frozen view while a snapshot reads it (commits wait while it keeps too much). */
  private frozenImage: FrozenImage | null = null;
  /** The memory the index file lives in while it is still that (sqljs.ts), else null. */
  private storage: IndexStorage | null = null;
  /** The paged file the index lives in once it is large (paged-file.ts), else null. */
  private paged: PagedFile | null = null;
  private readonly paging: Paging;
  private snapshotQueue: Promise<void> = Promise.resolve();
  private closing = false;
  private closed = false;
  /** Set when a failed append could not be undone: the log end is unknown, so writes stop. */
  private failure: VaultError | null = null;
  private bytesSinceSnapshot = 0;
  private transactionsSinceSnapshot = 0;
  /** Bytes of the newest snapshot's image (0 when there is none): scales the snapshot thresholds. */
  private snapshotImageBytes = 0;
  /** Where a large commit's small blob frames are sealed (frame-sealer.ts); null: on this thread. */
  private readonly sealer: FrameSealer | null;

  private constructor(
    private readonly header: VaultHeader,
    keyring: FrameKeyring,
    private readonly lock: FolderLock,
    private readonly options: OpenOptions,
    private readonly sql: SqlJsStatic,
    private db: Database,
    private readonly segments: Segment[],
    private lastSeq: number,
    /** Seq of the newest snapshot on disk, and whether it must be rewritten (projector schema changed). */
    private snapshotSeq: number | null,
    private snapshotStale: boolean,
    folder: string,
  ) {
    this.path = folder;
    this.keyring = keyring;
    this.info = { path: folder, formatVersion: header.formatVersion, createdAt: header.createdAt };
    this.paging = pagingOf(options);
    this.sealer = options.frameSealer === undefined ? sharedFrameSealer() : options.frameSealer;
  }

  /** Unlock after the key is known and the lock held: segments → snapshot → replay → ready. */
  static async load(context: LoadContext): Promise<OpenVault> {
    const { folder, header, key, derivation, lock, options } = context;
    const keyring: FrameKeyring = { key, vaultId: vaultIdBytes(header), formatVersion: header.formatVersion };
    const segments: Segment[] = [];
    let db: Database | null = null;
    let paged: PagedFile | null = null;
    try {
      await removeScratchFiles(folder);
      const numbers = await listSegments(folder);
      for (const number of numbers) {
        const file = segmentFile(number);
        const handle = await fs.open(path.join(folder, file), number === numbers.length ? 'r+' : 'r');
        segments.push({ number, handle, length: 0, durableLength: 0, headerLength: 0 });
        const { size } = await handle.stat();
        const headerLength = await checkSegmentHeader(keyring, handle, number);
        segments[segments.length - 1] = { number, handle, length: size, durableLength: size, headerLength };
      }
      const sql = await loadSqlJs();
      const first = segments[0]!;
      const origin: IndexPosition = { lastSeq: 0, segment: first.number, offset: first.headerLength, schemaVersion: options.projector.schemaVersion };
      // A fresh index records its position too: a snapshot of an empty vault must say where it stands.
      const fresh = (): IndexDatabase =>
        freshIndexDatabase(sql, (created) => {
          createMetaTable(created);
          options.projector.createSchema(created);
          writeMeta(created, origin);
        });
      let storage: IndexStorage | null = null;
      let position = origin;
      let snapshotSeq: number | null = null;
      let snapshotStale = false;
      const snapshots = await listSnapshots(folder);
      const newest = snapshots[0];
      if (newest !== undefined) {
        const file = snapshotFile(newest);
        const loaded = await loadSnapshotDatabase(sql, folder, keyring, newest, pagingOf(options));
        const meta = readMeta(loaded.db);
        if (!meta || meta.lastSeq !== newest) {
          loaded.db.close();
          loaded.paged?.dispose();
          throw new VaultError('damaged', `${file} is damaged (index position missing)`, file);
        }
        snapshotSeq = newest;
        if (meta.schemaVersion === options.projector.schemaVersion) {
          ({ db, storage } = loaded);
          paged = loaded.paged ?? null;
          position = meta;
        } else {
          // The projector changed its tables: the log alone rebuilds them.
          loaded.db.close();
          loaded.paged?.dispose();
          snapshotStale = true;
        }
      }
      if (!db) ({ db, storage } = fresh());
      tuneIndexDatabase(db);
      const vault = new OpenVault(header, keyring, lock, options, sql, db, segments, position.lastSeq, snapshotSeq, snapshotStale, folder);
      vault.storage = storage;
      vault.paged = paged;
      vault.derivation = derivation;
      if (snapshotSeq !== null && !snapshotStale) vault.snapshotImageBytes = fileBytes(db);
      await vault.replayFrom(position);
      // The replayed tail may hold commits a killed session appended but never acknowledged, still
      // only in the OS's cache: made durable before anything reads them. Earlier segments were made
      // durable before the next one was started (rollSegmentIfFull).
      await vault.active.handle.datasync();
      for (const segment of segments) segment.durableLength = segment.length;
      vault.durableSeq = vault.lastSeq;
      // The fresh index (or an in-memory snapshot plus the replay) may already be large.
      db = vault.db;
      if (!vault.paged && fileBytes(vault.db) >= vault.paging.fromBytes) vault.moveIndex(vault.currentImage());
      db = vault.db;
      paged = vault.paged;
      await vault.removeLeftovers();
      return vault;
    } catch (error) {
      db?.close();
      paged?.dispose();
      await Promise.all(segments.map((s) => s.handle.close().catch(() => undefined)));
      throw error instanceof VaultError ? error : ioError(error, 'open the vault in', folder);
    }
  }

  /** Replays the log after `position` into the index, cutting a torn tail off the last segment. */
  private async replayFrom(position: IndexPosition): Promise<void> {
    const startIndex = this.segments.findIndex((s) => s.number === position.segment);
    if (startIndex < 0) {
      const file = segmentFile(position.segment);
      throw new VaultError('damaged', `${file} is missing (the index snapshot refers to it)`, file);
    }
    for (let i = startIndex; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const file = segmentFile(segment.number);
      const isLast = i === this.segments.length - 1;
      const start = i === startIndex ? position.offset : segment.headerLength;
      let previousEnd = start;
      if (start > segment.length || start < segment.headerLength) {
        throw new VaultError('damaged', `${file} is shorter than the index snapshot expects`, file);
      }
      const result = await scanSegment({
        keyring: this.requireKeyring(),
        handle: segment.handle,
        segment: segment.number,
        fileLength: segment.length,
        start,
        tornTailAllowed: isLast,
        onTransaction: (tx, end) => {
          if (tx.seq !== this.lastSeq + 1) {
            throw new VaultError('damaged', `${file} is damaged (transaction ${tx.seq} follows ${this.lastSeq})`, file);
          }
          this.applyToIndex(this.db, tx, { lastSeq: tx.seq, segment: segment.number, offset: end, schemaVersion: this.options.projector.schemaVersion });
          this.lastSeq = tx.seq;
          this.transactionsSinceSnapshot++;
          this.bytesSinceSnapshot += end - previousEnd;
          previousEnd = end;
        },
      });
      if (result.tornBytes > 0) {
        // A write that never completed (crash): it was never acknowledged, so it is dropped.
        await segment.handle.truncate(result.end);
        await segment.handle.datasync();
        segment.length = result.end;
      }
    }
  }

  private applyToIndex(db: Database, tx: CommittedTransaction, position: IndexPosition): void {
    db.run('BEGIN');
    try {
      this.options.projector.apply(db, tx);
      writeMeta(db, position);
      db.run('COMMIT');
    } catch (error) {
      db.run('ROLLBACK');
      throw error;
    }
  }

  /** Temp files of interrupted renames, and snapshots older than the newest (already authenticated). */
  private async removeLeftovers(): Promise<void> {
    for (const dir of [LOG_DIR, INDEX_DIR]) {
      const names = await fs.readdir(path.join(this.path, dir)).catch(() => [] as string[]);
      const stale = names.filter((name) => name.endsWith('.tmp'));
      await Promise.all(stale.map((name) => fs.rm(path.join(this.path, dir, name), { force: true })));
      if (stale.length > 0) await fsyncDir(path.join(this.path, dir));
    }
    await fs.rm(path.join(this.path, `${HEADER_FILE}.tmp`), { force: true });
    if (this.snapshotSeq !== null) await this.removeSnapshotsOlderThan(this.snapshotSeq);
  }

  private async removeSnapshotsOlderThan(seq: number): Promise<void> {
    const older = (await listSnapshots(this.path)).filter((s) => s < seq);
    if (older.length === 0) return;
    await Promise.all(older.map((s) => fs.rm(path.join(this.path, snapshotFile(s)), { force: true })));
    await fsyncDir(path.join(this.path, INDEX_DIR));
  }

  indexPaging(): IndexPagingStats | null {
    return this.paged ? this.paged.stats : null;
  }

  /**
   * A paged index file that failed (a truncate or an mmap it cannot serve, a scratch file I/O error)
   * leaves the index unusable; the log and the snapshots are intact, so reopening rebuilds it.
   */
  private checkPaged(): void {
    const broken = this.paged?.broken;
    if (broken) throw new VaultError('io', `The index cannot be used (${broken}); close and reopen the vault to rebuild it`);
  }

  /** The index file's bytes: the live image of its reservation, else an export (a copy). */
  private currentImage(): Uint8Array {
    const image = this.storage ? liveImage(this.db, this.storage, STORAGE_PROBE_SQL) : null;
    if (!image) this.storage = null;
    return image ?? this.db.export();
  }

  private requireKeyring(): FrameKeyring {
    if (!this.keyring) throw new VaultError('closed', 'The vault is closed');
    return this.keyring;
  }

  private ensureOpen(): void {
    if (this.closing || this.closed) throw new VaultError('closed', 'The vault is closed');
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  async write<T>(build: (tx: StagedTransaction, db: Database) => T | Promise<T>): Promise<{ result: T; tx: CommittedTransaction | null }> {
    this.ensureOpen();
    const outcome = await this.writer.run(async () => {
      if (this.closed) throw new VaultError('closed', 'The vault is closed');
      if (this.failure) throw this.failure;
      this.checkPaged();
      const staging = new Staging();
      // The builder's lookups (a write planner's hundreds) in one read transaction: outside one, every
      // statement is its own, and each costs sql.js' file system a lock cycle and a hot-journal check
      // (~100 us, several times an index probe). Nothing is written in it; commit() opens its own.
      this.db.run('BEGIN');
      let result: T;
      try {
        result = await build(staging, this.db);
      } finally {
        this.db.run('COMMIT');
      }
      if (staging.entries.length === 0 && staging.blobs.length === 0) return { result, tx: null, durable: null };
      const tx = await this.commit(staging);
      const durable = this.untilDurable(tx.seq);
      // Awaited below, after the writer lock is released; a failure before then is not unhandled.
      durable.catch(() => undefined);
      return { result, tx, durable };
    });
    // The next commit may be built and applied while this one's fdatasync runs (section 5, step 7).
    if (outcome.durable) await outcome.durable;
    if (outcome.tx) this.maybeSnapshotInBackground();
    return { result: outcome.result, tx: outcome.tx };
  }

  /**
   * Seals the frames, applies the index inside BEGIN, appends, then COMMIT; the caller waits for
   * the fdatasync (untilDurable) after releasing the writer lock. A frame's
   * length follows from its plaintext, so every position is known up front and the IVs are drawn
   * in one call. Frames up to SYNC_SEAL_MAX_BYTES are sealed on this thread straight into the bytes
   * to append (sealInto: a WebCrypto call costs ~25 us of dispatch per frame, more than sealing a
   * resource); larger blobs are sealed on WebCrypto's thread pool while this thread applies the
   * index. The frames are the same either way.
   */
  private async commit(staging: Staging): Promise<CommittedTransaction> {
    const keyring = this.requireKeyring();
    await this.rollSegmentIfFull();
    // A snapshot reading the paged index's frozen view is given room before this commit changes pages.
    const room = this.frozenImage?.untilKeptAtMost(this.options.snapshotKeepBytes ?? DEFAULT_SNAPSHOT_KEEP_BYTES);
    if (room) await room;
    // Readers waiting for a durable index go first: otherwise a steady stream of commits could keep
    // the index ahead of the log, and them waiting, for as long as it lasts.
    while (this.readersWaiting > 0 && !this.failure) await this.nextChange();
    if (this.failure) throw this.failure;
    const segment = this.active;
    const start = segment.length;
    let offset = start;
    const blobs: CommittedTransaction['blobs'] = [];
    for (const bytes of staging.blobs) {
      const length = sealedFrameLength(bytes.length);
      blobs.push({ pointer: { segment: segment.number, offset, length }, bytes });
      offset += length;
    }
    const ivs = randomBytes(IV_BYTES * (blobs.length + 1));
    const ivAt = (i: number) => ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES);
    const tx: CommittedTransaction = { seq: this.lastSeq + 1, committedAt: new Date().toISOString(), entries: staging.entries, blobs, derived: staging.derived };
    const commitOffset = offset;
    const commitRecord = encodeCommitRecord({ seq: tx.seq, committedAt: tx.committedAt, entries: tx.entries, blobs: blobs.map((b) => b.pointer) });
    const commitLength = sealedFrameLength(commitRecord.length);
    const end = commitOffset + commitLength;
    // Many small blob frames go to the frame sealer's thread (frame-sealer.ts), which writes them
    // into these bytes (shared memory, then) while this thread applies the index.
    const small = blobs.filter(({ bytes }) => bytes.length <= SYNC_SEAL_MAX_BYTES).length;
    const sealer = small >= MIN_WORKER_SEAL_FRAMES ? this.sealer : null;
    // Started by the first such commit (sealed here while the thread loads).
    sealer?.start();
    const shared = sealer?.ready ? new Uint8Array(new SharedArrayBuffer(end - start)) : null;
    const appended: Uint8Array = shared ?? new Uint8Array(end - start);
    const mispredicted = () => new Error('A sealed frame is not the length its plaintext predicts');
    const large: Array<Promise<void>> = [];
    const toSeal: BlobFrameToSeal[] = [];
    blobs.forEach(({ pointer }, i) => {
      const bytes = staging.blobs[i]!;
      if (bytes.length > SYNC_SEAL_MAX_BYTES) {
        large.push(
          sealBlobFrame(keyring, bytes, segment.number, pointer.offset, ivs.slice(i * IV_BYTES, (i + 1) * IV_BYTES)).then((frame) => {
            if (frame.length !== pointer.length) throw mispredicted();
            appended.set(frame, pointer.offset - start);
          }),
        );
      } else toSeal.push({ plaintext: bytes, offset: pointer.offset, iv: ivAt(i) });
    });
    const sealHere = () => {
      for (const frame of toSeal) {
        const at = frame.offset - start;
        if (sealLogFrameInto(keyring, 'blob', frame.plaintext, { segment: segment.number, offset: frame.offset, iv: frame.iv }, appended, at) !== at + sealedFrameLength(frame.plaintext.length)) {
          throw mispredicted();
        }
      }
    };
    const onWorker = shared && sealer ? sealer.seal(keyring, segment.number, toSeal, shared, start) : null;
    // A batch the worker fails (or loses) is sealed here: the same frames, written over whatever it left.
    if (onWorker) large.push(onWorker.catch(sealHere));
    else sealHere();
    if (sealLogFrameInto(keyring, 'commit', commitRecord, { segment: segment.number, offset: commitOffset, iv: ivAt(blobs.length) }, appended, commitOffset - start) !== appended.length) {
      throw mispredicted();
    }
    const sealing = Promise.all(large);
    // Awaited below unless the apply throws first; a seal failure then must not go unhandled.
    sealing.catch(() => undefined);

    this.applying = true;
    try {
      this.db.run('BEGIN');
      try {
        this.options.projector.apply(this.db, tx);
        writeMeta(this.db, { lastSeq: tx.seq, segment: segment.number, offset: end, schemaVersion: this.options.projector.schemaVersion });
        await sealing;
        await writeAll(segment.handle, appended, start);
        this.db.run('COMMIT');
      } catch (error) {
        try {
          this.db.run('ROLLBACK');
        } catch {
          // Nothing to roll back when BEGIN itself failed.
        }
        await this.undoAppend(segment, start);
        throw error instanceof VaultError || !isErrnoException(error) ? error : ioError(error, 'append to', segmentFile(segment.number));
      }
      segment.length = end;
      this.lastSeq = tx.seq;
      this.bytesSinceSnapshot += end - start;
      this.transactionsSinceSnapshot++;
      return tx;
    } finally {
      this.applying = false;
      this.wake();
    }
  }

  /**
   * Resolves once commit `seq` (and every one before it) is durable; rejects, for every commit not
   * acknowledged yet, once an fdatasync has failed. Only for seq <= lastSeq (appended already).
   */
  private untilDurable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    if (this.lostDurability) return Promise.reject(this.lostDurability);
    const waiting = new Promise<void>((resolve, reject) => this.unacknowledged.push({ seq, resolve, reject }));
    if (!this.flushing) {
      this.flushing = true;
      // flush() catches what fdatasync throws; anything else is a bug, reported as a failed fdatasync would be.
      this.flush().catch((error: unknown) => this.loseDurability(error, this.active));
    }
    return waiting;
  }

  /**
   * The flusher: one fdatasync per round covers every commit appended when the round starts (those
   * that queue meanwhile wait for the next round); rounds run one at a time, so commits are
   * acknowledged in seq order and only after every earlier commit's fdatasync succeeded.
   */
  private async flush(): Promise<void> {
    // One function, no await between the loop's last check and the finally: a commit that queues
    // after that check finds `flushing` false and starts the next flusher.
    try {
      while (this.unacknowledged.length > 0 && !this.lostDurability) {
        const upTo = this.lastSeq;
        const targets = this.segments.filter((s) => s.length > s.durableLength).map((segment) => ({ segment, length: segment.length }));
        for (const { segment } of targets) {
          try {
            await segment.handle.datasync();
          } catch (error) {
            this.loseDurability(error, segment);
            return;
          }
        }
        for (const { segment, length } of targets) segment.durableLength = Math.max(segment.durableLength, length);
        this.durableSeq = Math.max(this.durableSeq, upTo);
        const done = this.unacknowledged.filter((w) => w.seq <= upTo);
        this.unacknowledged = this.unacknowledged.filter((w) => w.seq > upTo);
        for (const waiter of done) waiter.resolve();
        this.wake();
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * An fdatasync failed: which of the pages written since the last good one reached the disk is
   * unknown (and Linux reports such an error once, then forgets it), so no commit past durableSeq
   * may ever be acknowledged. Writes stop, reads stop if the index holds such commits, and the log
   * is cut back to its durable end, best effort, once no append is running. The next unlock
   * replays whatever the log then holds.
   */
  private loseDurability(error: unknown, segment: Segment): void {
    const lost = ioError(error, 'make durable', segmentFile(segment.number));
    this.lostDurability ??= lost;
    this.failure ??= lost;
    const waiting = this.unacknowledged;
    this.unacknowledged = [];
    for (const waiter of waiting) waiter.reject(this.lostDurability);
    this.wake();
    this.cutting ??= this.writer.run(() => this.cutToDurableEnd()).catch(() => undefined);
  }

  private async cutToDurableEnd(): Promise<void> {
    for (const segment of this.segments) {
      if (segment.length === segment.durableLength) continue;
      await segment.handle.truncate(segment.durableLength);
      await segment.handle.datasync();
      segment.length = segment.durableLength;
    }
  }

  private async undoAppend(segment: Segment, length: number): Promise<void> {
    try {
      await segment.handle.truncate(length);
    } catch (error) {
      this.failure = ioError(error, 'undo a failed append to', segmentFile(segment.number));
      return;
    }
    try {
      await segment.handle.datasync();
    } catch (error) {
      // As in flush(): this error may be the only report of a failed write of an earlier commit's pages.
      this.loseDurability(error, segment);
    }
  }

  /** Resolves at the next change of what read() and commit() wait for (see wake()). */
  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  /** After a commit's apply ends, durableSeq advances, durability is lost, or the last waiting reader runs. */
  private wake(): void {
    const wakeups = this.wakeups;
    this.wakeups = [];
    for (const resolve of wakeups) resolve();
  }

  /**
   * Rolls to a new segment at a transaction boundary; the file appears complete or not at all. The
   * full segment is made durable first, so that only the last segment can ever end in commits that
   * are not (the torn-tail rules apply to it alone).
   */
  private async rollSegmentIfFull(): Promise<void> {
    const limit = this.options.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES;
    if (this.active.length < limit) return;
    await this.untilDurable(this.lastSeq);
    const number = this.active.number + 1;
    const file = segmentFile(number);
    const finalPath = path.join(this.path, file);
    const frame = await sealSegmentHeader(this.requireKeyring(), number);
    try {
      const temp = await fs.open(`${finalPath}.tmp`, 'w');
      try {
        await writeAll(temp, frame, 0);
        await temp.sync();
      } finally {
        await temp.close();
      }
      await fs.rename(`${finalPath}.tmp`, finalPath);
      await fsyncDir(path.join(this.path, LOG_DIR));
      const handle = await fs.open(finalPath, 'r+');
      this.segments.push({ number, handle, length: frame.length, durableLength: frame.length, headerLength: frame.length });
    } catch (error) {
      throw ioError(error, 'start', file);
    }
  }

  /**
   * Runs `fn` on an index that holds only durable commits: it waits while a commit is between
   * BEGIN and COMMIT or appended but not yet fdatasync'ed, and commits that come meanwhile wait for it.
   */
  async read<T>(fn: (db: Database) => T): Promise<T> {
    this.ensureOpen();
    if (!this.durableForReaders()) {
      this.readersWaiting++;
      try {
        while (!this.durableForReaders()) await this.nextChange();
      } finally {
        if (--this.readersWaiting === 0) this.wake();
      }
    }
    this.ensureOpen();
    if (this.lostDurability && this.lastSeq > this.durableSeq) throw this.lostDurability;
    this.checkPaged();
    return fn(this.db);
  }

  private durableForReaders(): boolean {
    return !this.applying && (this.durableSeq >= this.lastSeq || this.lostDurability !== null);
  }

  async deriveKey(purpose: string): Promise<CryptoKey> {
    if (this.closed || !this.derivation || !this.keyring) throw new VaultError('closed', 'The vault is closed');
    return deriveSubkey(this.derivation, this.keyring.vaultId, purpose);
  }

  async readBlob(pointer: BlobPointer): Promise<Uint8Array> {
    this.ensureOpen();
    const segment = this.blobSegment(pointer);
    // A blob of a commit not yet durable (a builder reading what the commit before it wrote) waits for it.
    if (pointer.offset + pointer.length > segment.durableLength) await this.untilDurable(this.lastSeq);
    return this.tracked(readBlobFrame(this.requireKeyring(), segment.handle, pointer));
  }

  async readBlobs(pointers: readonly BlobPointer[]): Promise<Uint8Array[]> {
    this.ensureOpen();
    const segments = pointers.map((pointer) => this.blobSegment(pointer));
    if (pointers.some((pointer, i) => pointer.offset + pointer.length > segments[i]!.durableLength)) await this.untilDurable(this.lastSeq);
    const keyring = this.requireKeyring();
    const results = new Array<Uint8Array>(pointers.length);
    const reads: Array<Promise<void>> = [];
    for (const run of blobRuns(pointers)) {
      const first = pointers[run[0]!]!;
      const handle = segments[run[0]!]!.handle;
      if (run.length === 1) {
        reads.push(readBlobFrame(keyring, handle, first).then((plaintext) => void (results[run[0]!] = plaintext)));
        continue;
      }
      const last = pointers[run.at(-1)!]!;
      reads.push(
        (async () => {
          const bytes = await readAt(handle, first.offset, last.offset + last.length - first.offset);
          for (const index of run) {
            const pointer = pointers[index]!;
            const at = pointer.offset - first.offset;
            results[index] = await openBlobFrame(keyring, bytes.subarray(at, at + pointer.length), pointer);
          }
        })(),
      );
    }
    await this.tracked(Promise.all(reads));
    return results;
  }

  /** The segment a blob pointer names, checked as far as the index knows it. */
  private blobSegment(pointer: BlobPointer): Segment {
    const segment = this.segments.find((s) => s.number === pointer.segment);
    if (!segment || !Number.isSafeInteger(pointer.offset) || !Number.isSafeInteger(pointer.length) || pointer.offset < segment.headerLength || pointer.length <= 0) {
      const file = segmentFile(Number.isSafeInteger(pointer.segment) && pointer.segment > 0 ? pointer.segment : 0);
      throw new VaultError('damaged', `No blob at ${file} offset ${pointer.offset}`, file);
    }
    if (pointer.offset + pointer.length > segment.length) {
      const file = segmentFile(segment.number);
      throw new VaultError('damaged', `${file} is shorter than a blob pointer expects`, file);
    }
    return segment;
  }

  /** A read close() waits for. */
  private async tracked<T>(reading: Promise<T>): Promise<T> {
    this.readsInFlight.add(reading);
    try {
      return await reading;
    } finally {
      this.readsInFlight.delete(reading);
    }
  }

  private maybeSnapshotInBackground(): void {
    const afterBytes = this.options.snapshotAfterBytes ?? DEFAULT_SNAPSHOT_AFTER_BYTES;
    const afterTransactions = this.options.snapshotAfterTransactions ?? DEFAULT_SNAPSHOT_AFTER_TRANSACTIONS;
    if (this.backgroundSnapshot || this.closing) return;
    const scale = snapshotThresholdScale(this.snapshotImageBytes, afterBytes);
    if (this.bytesSinceSnapshot < afterBytes * scale && this.transactionsSinceSnapshot < afterTransactions * scale) return;
    this.backgroundSnapshot = this.queueSnapshot()
      .catch((error: unknown) => {
        const reported = error instanceof Error ? error : new Error(String(error));
        this.options.onBackgroundError?.(reported);
      })
      .finally(() => {
        this.backgroundSnapshot = null;
      });
  }

  async snapshot(): Promise<void> {
    this.ensureOpen();
    await this.queueSnapshot();
  }

  /** Snapshots run one at a time; each fixes its image under the writer lock, then seals it outside. */
  private queueSnapshot(): Promise<void> {
    const run = this.snapshotQueue.then(() => this.writeSnapshotNow());
    this.snapshotQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Under the writer lock only what must be (docs/vault-format.md §6): wait until every applied
   * commit is durable, move the index if it should move (moveIndex: out of a reservation it left or
   * half fills, or into a paged file from pagedIndexFromBytes on), and fix the image at lastSeq: a
   * frozen view (copy-on-write, frozen-pages.ts) of the paged file or of the reservation, else (a
   * small file that left its reservation) an export(). Then, with
   * writers going on, seal and write it (startSnapshot), end the view, and fsync, rename and
   * re-read the file (finishSnapshot); the sealing and the re-read run on the frame-seal worker
   * when it is ready (this.sealer), else here.
   */
  private async writeSnapshotNow(): Promise<void> {
    const keyring = this.requireKeyring();
    const image = await this.writer.run(async (): Promise<SnapshotImage | null> => {
      if (this.closed) return null;
      if (this.snapshotSeq === this.lastSeq && !this.snapshotStale) return null;
      // A snapshot images only commits whose log is durable: a crash must not leave an index ahead of the log.
      await this.untilDurable(this.lastSeq);
      this.checkPaged();
      if (this.paged) {
        const live = livePagedImage(this.db, this.paged, STORAGE_PROBE_SQL);
        if (live) return this.fixImage(this.paged.freeze(live.length));
        // A truncate small enough to serve left sql.js with the file in memory: move it back below.
        this.paged.dispose();
        this.paged = null;
      }
      let image = this.storage ? liveImage(this.db, this.storage, STORAGE_PROBE_SQL) : null;
      if (!image) this.storage = null;
      const bytes = image?.length ?? fileBytes(this.db);
      if (bytes >= this.paging.fromBytes || shouldMove(this.storage, bytes)) {
        const paged = this.moveIndex(image ?? this.db.export());
        if (paged) {
          const live = livePagedImage(this.db, paged, STORAGE_PROBE_SQL);
          if (!live) throw new Error('The index did not stay in its paged file');
          return this.fixImage(paged.freeze(live.length));
        }
        image = this.storage ? liveImage(this.db, this.storage, STORAGE_PROBE_SQL) : null;
      }
      // A reservation is frozen like a paged file (copy-on-write) rather than copied whole.
      return this.fixImage(image && this.storage ? this.storage.freeze(image.length) : this.db.export());
    });
    if (!image) return;
    let pending: PendingSnapshot;
    try {
      pending = await startSnapshot(this.path, keyring, image.seq, image.source, this.sealer);
    } finally {
      image.release();
    }
    await finishSnapshot(this.path, keyring, pending, this.sealer);
    this.snapshotSeq = pending.seq;
    this.snapshotStale = false;
    await this.removeSnapshotsOlderThan(pending.seq);
  }

  /** The snapshot of lastSeq from `image`, which no commit changes (an export, or a frozen view). */
  private fixImage(image: Uint8Array | FrozenImage): SnapshotImage {
    this.bytesSinceSnapshot = 0;
    this.transactionsSinceSnapshot = 0;
    this.snapshotImageBytes = image.length;
    if (image instanceof Uint8Array) return { seq: this.lastSeq, source: bytesSource(image), release: () => undefined };
    this.frozenImage = image;
    return {
      seq: this.lastSeq,
      source: image,
      release: () => {
        image.release();
        if (this.frozenImage === image) this.frozenImage = null;
      },
    };
  }

  /**
   * Reopens the index from `image` (its current bytes) in a new reservation (sqljs.ts), or in a
   * paged file from pagedIndexFromBytes on (paged-file.ts). The old database is closed: projectors
   * keep no statement across calls (as after an export in older sql.js). Runs under the writer lock.
   * The paged file it moved into, if it is one.
   */
  private moveIndex(image: Uint8Array): PagedFile | null {
    let moved: IndexDatabase;
    if (image.length >= this.paging.fromBytes) {
      moved = openPagedCopy(this.sql, this.path, this.paging, image);
    } else {
      const storage = reserveIndexStorage(image.length);
      storage.set(image);
      moved = openInStorage(this.sql, storage, image.length);
    }
    this.db.close();
    this.paged?.dispose();
    this.db = moved.db;
    this.storage = moved.storage;
    this.paged = moved.paged ?? null;
    tuneIndexDatabase(this.db);
    return this.paged;
  }

  async verify(): Promise<VerifyReport> {
    this.ensureOpen();
    // Queued with the snapshots (whose file writes run outside the writer lock) so that no snapshot
    // file appears or disappears while verify reads index/.
    const run = this.snapshotQueue.then(() => this.writer.run(() => this.verifyLocked()));
    this.snapshotQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async verifyLocked(): Promise<VerifyReport> {
    const keyring = this.requireKeyring();
    // The log as it stands once every commit applied is durable (or a failed fdatasync's error).
    await this.untilDurable(this.lastSeq);
    const files: VerifiedFile[] = [];
    const problems: string[] = [];
    const fail = (file: string, bytes: number, problem: string): void => {
      files.push({ file, bytes, ok: false, problem });
      problems.push(problem);
    };

    const headerBytes = (await fs.stat(path.join(this.path, HEADER_FILE)).catch(() => null))?.size ?? 0;
    try {
      const onDisk = await readHeader(this.path);
      if (onDisk.vaultId !== this.header.vaultId) throw new VaultError('damaged', 'vault.json names another vault', HEADER_FILE);
      files.push({ file: HEADER_FILE, bytes: headerBytes, ok: true });
    } catch (error) {
      fail(HEADER_FILE, headerBytes, describe(error));
    }

    // A large index is rebuilt into a paged file of its own (as large as the live one).
    let rebuiltPaged: PagedFile | null = null;
    let rebuilt: Database;
    if (this.paged) {
      const fresh = new this.sql.Database();
      let image: Uint8Array;
      try {
        createMetaTable(fresh);
        this.options.projector.createSchema(fresh);
        image = fresh.export();
      } finally {
        fresh.close();
      }
      ({ db: rebuilt, paged: rebuiltPaged = null } = openPagedCopy(this.sql, this.path, this.paging, image));
    } else {
      rebuilt = new this.sql.Database();
      createMetaTable(rebuilt);
      this.options.projector.createSchema(rebuilt);
    }
    tuneIndexDatabase(rebuilt);
    try {
      let expectedSeq: number | null = 1;
      let rebuildComplete = true;
      let entries = 0;
      for (const segment of this.segments) {
        const file = segmentFile(segment.number);
        try {
          const { size } = await segment.handle.stat();
          if (size !== segment.length) throw new VaultError('damaged', `${file} is ${size} bytes; ${segment.length} were written`, file);
          const headerLength = await checkSegmentHeader(keyring, segment.handle, segment.number);
          await scanSegment({
            keyring,
            handle: segment.handle,
            segment: segment.number,
            fileLength: segment.length,
            start: headerLength,
            tornTailAllowed: false,
            onTransaction: (tx, end) => {
              if (expectedSeq !== null && tx.seq !== expectedSeq) {
                throw new VaultError('damaged', `${file} is damaged (transaction ${tx.seq} where ${expectedSeq} was expected)`, file);
              }
              expectedSeq = tx.seq + 1;
              entries += tx.entries.length;
              if (rebuildComplete) {
                this.applyToIndex(rebuilt, tx, { lastSeq: tx.seq, segment: segment.number, offset: end, schemaVersion: this.options.projector.schemaVersion });
              }
            },
          });
          files.push({ file, bytes: size, ok: true });
        } catch (error) {
          fail(file, segment.length, describe(error));
          rebuildComplete = false;
          expectedSeq = null;
        }
      }
      if (rebuildComplete && expectedSeq !== this.lastSeq + 1) {
        problems.push(`The log ends at transaction ${String((expectedSeq ?? 1) - 1)} but the index holds ${this.lastSeq}`);
      }

      for (const seq of await listSnapshots(this.path)) {
        const file = snapshotFile(seq);
        try {
          const size = (await fs.stat(path.join(this.path, file)).catch(() => null))?.size ?? 0;
          let meta: IndexPosition | null;
          let bytes = size;
          if (size >= this.paging.fromBytes) {
            const loaded = await loadSnapshotDatabase(this.sql, this.path, keyring, seq, this.paging);
            meta = readMeta(loaded.db);
            loaded.db.close();
            loaded.paged?.dispose();
          } else {
            const read = await readSnapshot(this.path, keyring, seq);
            bytes = read.bytes;
            const snapshotDb = new this.sql.Database(read.data);
            meta = readMeta(snapshotDb);
            snapshotDb.close();
          }
          if (!meta || meta.lastSeq !== seq || seq > this.lastSeq) throw new VaultError('damaged', `${file} is damaged (index position)`, file);
          files.push({ file, bytes, ok: true });
        } catch (error) {
          const size = (await fs.stat(path.join(this.path, file)).catch(() => null))?.size ?? 0;
          fail(file, size, describe(error));
        }
      }

      if (rebuildComplete) problems.push(...compareIndexes(this.db, rebuilt));
      const counts = this.options.projector.summarize?.(this.db);
      return {
        ok: problems.length === 0,
        files,
        transactions: this.lastSeq,
        resources: counts?.resources ?? 0,
        versions: counts?.versions ?? entries,
        problems,
      };
    } finally {
      rebuilt.close();
      rebuiltPaged?.dispose();
    }
  }

  async changePassphrase(current: string, next: string): Promise<void> {
    this.ensureOpen();
    if (next.length === 0) throw new RangeError('The new passphrase is empty');
    await this.writer.run(async () => {
      const onDisk = await readHeader(this.path);
      if (onDisk.vaultId !== this.header.vaultId) throw new VaultError('damaged', 'vault.json names another vault', HEADER_FILE);
      const raw = await unwrapDataKeyBytes(onDisk, current);
      try {
        const rewrapped = await buildHeader(onDisk, next, raw, onDisk.kdf.iterations);
        await writeHeader(this.path, rewrapped);
      } finally {
        raw.fill(0);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closing || this.closed) return;
    this.closing = true;
    try {
      await this.writer.run(async () => undefined);
      // Every commit applied is appended by now: its fdatasync (or the failure that stops writes).
      await this.untilDurable(this.lastSeq).catch(() => undefined);
      await this.cutting;
      await this.backgroundSnapshot;
      await Promise.allSettled([...this.readsInFlight]);
      if (!this.failure && (this.snapshotSeq !== this.lastSeq || this.snapshotStale)) {
        try {
          await this.queueSnapshot();
        } catch (error) {
          // The log holds every commit; the next unlock replays it instead.
          this.options.onBackgroundError?.(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.closed = true;
      await Promise.all(this.segments.map((s) => s.handle.close().catch(() => undefined)));
      try {
        this.db.close();
      } catch (error) {
        // A broken paged file (checkPaged) may fail SQLite's close; the index is discarded anyway.
        if (!this.paged?.broken) throw error;
      } finally {
        this.paged?.dispose();
        this.paged = null;
      }
      // The sealer's thread drops its copy of the key too.
      if (this.keyring) this.sealer?.forget(this.keyring);
      this.keyring = null;
      this.derivation = null;
      await this.lock.release();
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
