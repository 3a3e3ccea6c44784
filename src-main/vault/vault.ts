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
import { fsyncDir, ioError, isErrnoException, writeAll } from './fs-util';
import { buildHeader, HEADER_FILE, readHeader, unwrapDataKeyBytes, vaultIdBytes, writeHeader, type VaultHeader } from './header';
import { compareIndexes, createMetaTable, META_TABLE, readMeta, writeMeta, type IndexPosition } from './index-db';
import type { FolderLock } from './lock';
import {
  checkSegmentHeader,
  encodeCommitRecord,
  LOG_DIR,
  listSegments,
  readBlobFrame,
  scanSegment,
  sealBlobFrame,
  sealLogFrameInto,
  sealSegmentHeader,
  segmentFile,
} from './log';
import { Mutex } from './mutex';
import { finishSnapshot, INDEX_DIR, listSnapshots, readSnapshot, snapshotFile, startSnapshot, type PendingSnapshot } from './snapshot';
import { fileBytes, liveImage, loadSqlJs, openInStorage, reserveIndexStorage, shouldMove, type IndexDatabase } from './sqljs';
import {
  VaultError,
  type BlobPointer,
  type CommittedTransaction,
  type Database,
  type JsonObject,
  type OpenOptions,
  type StagedTransaction,
  type Vault,
} from './types';

export const DEFAULT_SEGMENT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SNAPSHOT_AFTER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SNAPSHOT_AFTER_TRANSACTIONS = 20_000;
/** Blobs up to this size are sealed on the committing thread; larger ones on WebCrypto's thread pool. */
export const SYNC_SEAL_MAX_BYTES = 256 * 1024;

interface Segment {
  number: number;
  handle: fs.FileHandle;
  /** Bytes of complete, committed frames (the file is never longer once a write settles). */
  length: number;
  headerLength: number;
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
 * The database of snapshot `seq`. A function of its own so that the decrypted bytes (one plain
 * copy, snapshot.ts) are unreachable as soon as sql.js has copied them into its file system.
 */
/**
 * The index is derived data held in memory: its rollback journal can live in memory too (writing
 * it into sql.js' in-memory file system and deleting it on every commit cost ~10% of a bulk write).
 * ROLLBACK still works, which journal_mode=OFF would not guarantee. export() resets pragmas, so
 * this runs again after each snapshot export.
 */
function tuneIndexDatabase(db: Database): void {
  db.run('PRAGMA journal_mode=MEMORY');
}

async function loadSnapshotDatabase(sql: SqlJsStatic, folder: string, keyring: FrameKeyring, seq: number): Promise<IndexDatabase> {
  const file = snapshotFile(seq);
  // Decrypted straight into the memory the index file then lives and grows in (sqljs.ts).
  const { data } = await readSnapshot(folder, keyring, seq, { allocate: reserveIndexStorage });
  try {
    return data.length > 0 ? openInStorage(sql, new Uint8Array(data.buffer), data.length) : { db: new sql.Database(data), storage: null };
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

export class OpenVault implements Vault {
  readonly path: string;
  readonly info: VaultInfo;
  private keyring: FrameKeyring | null;
  /** HKDF key material of the data key (deriveKey); dropped with the keyring at close. */
  private derivation: CryptoKey | null = null;
  private readonly writer = new Mutex();
  private commitInFlight: Promise<void> | null = null;
  private readonly readsInFlight = new Set<Promise<unknown>>();
  private backgroundSnapshot: Promise<void> | null = null;
  /** The memory the index file lives in while it is still that (sqljs.ts), else null. */
  private storage: Uint8Array<ArrayBuffer> | null = null;
  private snapshotQueue: Promise<void> = Promise.resolve();
  private closing = false;
  private closed = false;
  /** Set when a failed append could not be undone: the log end is unknown, so writes stop. */
  private failure: VaultError | null = null;
  private bytesSinceSnapshot = 0;
  private transactionsSinceSnapshot = 0;

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
  }

  /** Unlock after the key is known and the lock held: segments → snapshot → replay → ready. */
  static async load(context: LoadContext): Promise<OpenVault> {
    const { folder, header, key, derivation, lock, options } = context;
    const keyring: FrameKeyring = { key, vaultId: vaultIdBytes(header), formatVersion: header.formatVersion };
    const segments: Segment[] = [];
    let db: Database | null = null;
    try {
      const numbers = await listSegments(folder);
      for (const number of numbers) {
        const file = segmentFile(number);
        const handle = await fs.open(path.join(folder, file), number === numbers.length ? 'r+' : 'r');
        segments.push({ number, handle, length: 0, headerLength: 0 });
        const { size } = await handle.stat();
        const headerLength = await checkSegmentHeader(keyring, handle, number);
        segments[segments.length - 1] = { number, handle, length: size, headerLength };
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
      let storage: Uint8Array<ArrayBuffer> | null = null;
      let position = origin;
      let snapshotSeq: number | null = null;
      let snapshotStale = false;
      const snapshots = await listSnapshots(folder);
      const newest = snapshots[0];
      if (newest !== undefined) {
        const file = snapshotFile(newest);
        const loaded = await loadSnapshotDatabase(sql, folder, keyring, newest);
        const meta = readMeta(loaded.db);
        if (!meta || meta.lastSeq !== newest) {
          loaded.db.close();
          throw new VaultError('damaged', `${file} is damaged (index position missing)`, file);
        }
        snapshotSeq = newest;
        if (meta.schemaVersion === options.projector.schemaVersion) {
          ({ db, storage } = loaded);
          position = meta;
        } else {
          // The projector changed its tables: the log alone rebuilds them.
          loaded.db.close();
          snapshotStale = true;
        }
      }
      if (!db) ({ db, storage } = fresh());
      tuneIndexDatabase(db);
      const vault = new OpenVault(header, keyring, lock, options, sql, db, segments, position.lastSeq, snapshotSeq, snapshotStale, folder);
      vault.storage = storage;
      vault.derivation = derivation;
      await vault.replayFrom(position);
      await vault.removeLeftovers();
      return vault;
    } catch (error) {
      db?.close();
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
      if (staging.entries.length === 0 && staging.blobs.length === 0) return { result, tx: null };
      return { result, tx: await this.commit(staging) };
    });
    if (outcome.tx) this.maybeSnapshotInBackground();
    return outcome;
  }

  /**
   * Seals the frames, applies the index inside BEGIN, appends + fdatasync, then COMMIT. A frame's
   * length follows from its plaintext, so every position is known up front and the IVs are drawn
   * in one call. Frames up to SYNC_SEAL_MAX_BYTES are sealed on this thread straight into the bytes
   * to append (sealInto: a WebCrypto call costs ~25 us of dispatch per frame, more than sealing a
   * resource); larger blobs are sealed on WebCrypto's thread pool while this thread applies the
   * index. The frames are the same either way.
   */
  private async commit(staging: Staging): Promise<CommittedTransaction> {
    const keyring = this.requireKeyring();
    await this.rollSegmentIfFull();
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
    const appended = new Uint8Array(end - start);
    const mispredicted = () => new Error('A sealed frame is not the length its plaintext predicts');
    const large: Array<Promise<void>> = [];
    blobs.forEach(({ pointer }, i) => {
      const bytes = staging.blobs[i]!;
      const at = pointer.offset - start;
      if (bytes.length > SYNC_SEAL_MAX_BYTES) {
        large.push(
          sealBlobFrame(keyring, bytes, segment.number, pointer.offset, ivs.slice(i * IV_BYTES, (i + 1) * IV_BYTES)).then((frame) => {
            if (frame.length !== pointer.length) throw mispredicted();
            appended.set(frame, at);
          }),
        );
      } else if (sealLogFrameInto(keyring, 'blob', bytes, { segment: segment.number, offset: pointer.offset, iv: ivAt(i) }, appended, at) !== at + pointer.length) {
        throw mispredicted();
      }
    });
    if (sealLogFrameInto(keyring, 'commit', commitRecord, { segment: segment.number, offset: commitOffset, iv: ivAt(blobs.length) }, appended, commitOffset - start) !== appended.length) {
      throw mispredicted();
    }
    const sealing = Promise.all(large);
    // Awaited below unless the apply throws first; a seal failure then must not go unhandled.
    sealing.catch(() => undefined);

    let settle = (): void => undefined;
    this.commitInFlight = new Promise<void>((resolve) => (settle = resolve));
    try {
      this.db.run('BEGIN');
      try {
        this.options.projector.apply(this.db, tx);
        writeMeta(this.db, { lastSeq: tx.seq, segment: segment.number, offset: end, schemaVersion: this.options.projector.schemaVersion });
        await sealing;
        await writeAll(segment.handle, appended, start);
        await segment.handle.datasync();
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
      this.commitInFlight = null;
      settle();
    }
  }

  private async undoAppend(segment: Segment, length: number): Promise<void> {
    try {
      await segment.handle.truncate(length);
      await segment.handle.datasync();
    } catch (error) {
      this.failure = ioError(error, 'undo a failed append to', segmentFile(segment.number));
    }
  }

  /** Rolls to a new segment at a transaction boundary; the file appears complete or not at all. */
  private async rollSegmentIfFull(): Promise<void> {
    const limit = this.options.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES;
    if (this.active.length < limit) return;
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
      this.segments.push({ number, handle, length: frame.length, headerLength: frame.length });
    } catch (error) {
      throw ioError(error, 'start', file);
    }
  }

  async read<T>(fn: (db: Database) => T): Promise<T> {
    this.ensureOpen();
    while (this.commitInFlight) await this.commitInFlight;
    this.ensureOpen();
    return fn(this.db);
  }

  async deriveKey(purpose: string): Promise<CryptoKey> {
    if (this.closed || !this.derivation || !this.keyring) throw new VaultError('closed', 'The vault is closed');
    return deriveSubkey(this.derivation, this.keyring.vaultId, purpose);
  }

  async readBlob(pointer: BlobPointer): Promise<Uint8Array> {
    this.ensureOpen();
    const segment = this.segments.find((s) => s.number === pointer.segment);
    if (!segment || !Number.isSafeInteger(pointer.offset) || !Number.isSafeInteger(pointer.length) || pointer.offset < segment.headerLength || pointer.length <= 0) {
      const file = segmentFile(Number.isSafeInteger(pointer.segment) && pointer.segment > 0 ? pointer.segment : 0);
      throw new VaultError('damaged', `No blob at ${file} offset ${pointer.offset}`, file);
    }
    if (pointer.offset + pointer.length > segment.length) {
      const file = segmentFile(segment.number);
      throw new VaultError('damaged', `${file} is shorter than a blob pointer expects`, file);
    }
    const reading = readBlobFrame(this.requireKeyring(), segment.handle, pointer);
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
    if (this.bytesSinceSnapshot < afterBytes && this.transactionsSinceSnapshot < afterTransactions) return;
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

  /** Snapshots run one at a time; each exports under the writer lock, then encrypts outside it. */
  private queueSnapshot(): Promise<void> {
    const run = this.snapshotQueue.then(() => this.writeSnapshotNow());
    this.snapshotQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * The index file's bytes are sealed straight from the memory it lives in (sqljs.ts) while the
   * writer lock keeps them still; only the fsync, rename and re-read run after writers resume. A
   * file of RESERVE_FROM_BYTES or more that has no reservation, has left it (a rollback truncated
   * it, or it outgrew it: then export() makes the copy) or fills half of it first moves to a new one
   * (moveIndex). A smaller file is exported (a copy) and sealed outside the lock, as before.
   */
  private async writeSnapshotNow(): Promise<void> {
    const keyring = this.requireKeyring();
    const pending = await this.writer.run(async (): Promise<PendingSnapshot | null> => {
      if (this.closed) return null;
      if (this.snapshotSeq === this.lastSeq && !this.snapshotStale) return null;
      let image = this.storage ? liveImage(this.db, this.storage, STORAGE_PROBE_SQL) : null;
      if (!image) this.storage = null;
      if (shouldMove(this.storage, image?.length ?? fileBytes(this.db))) {
        this.moveIndex(image ?? this.db.export());
        image = this.storage ? liveImage(this.db, this.storage, STORAGE_PROBE_SQL) : null;
      }
      this.bytesSinceSnapshot = 0;
      this.transactionsSinceSnapshot = 0;
      return startSnapshot(this.path, keyring, this.lastSeq, image ?? this.db.export());
    });
    if (!pending) return;
    await finishSnapshot(this.path, keyring, pending);
    this.snapshotSeq = pending.seq;
    this.snapshotStale = false;
    await this.removeSnapshotsOlderThan(pending.seq);
  }

  /**
   * Reopens the index from `image` (its current bytes) in a new reservation (sqljs.ts). The old database is closed: projectors keep no statement across calls (as after
   * an export in older sql.js). Runs under the writer lock.
   */
  private moveIndex(image: Uint8Array): void {
    const storage = reserveIndexStorage(image.length);
    storage.set(image);
    const moved = openInStorage(this.sql, storage, image.length);
    this.db.close();
    this.db = moved.db;
    this.storage = moved.storage;
    tuneIndexDatabase(this.db);
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

    const rebuilt = new this.sql.Database();
    tuneIndexDatabase(rebuilt);
    try {
      createMetaTable(rebuilt);
      this.options.projector.createSchema(rebuilt);
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
          const { data, bytes } = await readSnapshot(this.path, keyring, seq);
          const snapshotDb = new this.sql.Database(data);
          const meta = readMeta(snapshotDb);
          snapshotDb.close();
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
      this.db.close();
      this.keyring = null;
      this.derivation = null;
      await this.lock.release();
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
