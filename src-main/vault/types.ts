/**
 * The storage engine's public surface. The vault is generic: it knows encrypted blobs, committed
 * transactions and a sql.js index database; the FHIR layer (src-main/fhir) decides what the blobs
 * and the index mean through an IndexProjector. docs/vault-format.md is the specification.
 */
import type { FrameSealer } from './frame-sealer';
import type { Database } from 'sql.js';
import type { VaultInfo, VerifyReport } from '../api/contract';
import type { CryptoKey } from './crypto';

export type { Database };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where an encrypted blob lives in the log: segment number, byte offset of its frame, frame length. */
export interface BlobPointer {
  segment: number;
  offset: number;
  length: number;
}

/** A transaction being built inside `Vault.write`. Nothing is visible or durable until it commits. */
export interface StagedTransaction {
  /** Adds a blob (plaintext bytes; the vault encrypts it). Returns its index within the transaction. */
  addBlob(bytes: Uint8Array): number;
  /** Adds a blob of `text`'s UTF-8 bytes (encoded once, into memory the vault keeps: no copy). */
  addText(text: string): number;
  /** Adds a blob of these bytes, kept as they are (no copy): the caller must not change them after. */
  adoptBlob(bytes: Uint8Array<ArrayBuffer>): number;
  /**
   * Adds one entry to the commit record: small metadata the projector reads, e.g. `{op:'put', type, id, version, blob: 0}`.
   * `derived`: data the projector could compute from the entry and its blob, computed already
   * (not written to the log; a replay has none, and the projector computes it).
   */
  addEntry(entry: JsonObject, derived?: unknown): void;
  /** How many entries were added so far. */
  readonly size: number;
}

/** A transaction as the projector sees it, live and on replay. */
export interface CommittedTransaction {
  /** 1-based, gap-free transaction number. */
  seq: number;
  /** ISO-8601 instant the transaction committed (the store's clock). */
  committedAt: string;
  entries: JsonObject[];
  /** The transaction's blobs in `addBlob` order, with where they landed and their plaintext. */
  blobs: Array<{ pointer: BlobPointer; bytes: Uint8Array }>;
  /** Live commits only: each entry's `derived` value from addEntry (undefined where none was given). */
  derived?: ReadonlyArray<unknown>;
}

/**
 * Maintains the index database from committed transactions. The index is derived data: the log
 * alone can rebuild it, which is what happens when `schemaVersion` changes.
 */
export interface IndexProjector {
  /** Bump when tables or their meaning change; an older snapshot is then rebuilt from the log. */
  readonly schemaVersion: number;
  /** Creates the projector's tables in a new, empty database. Table names must not start with `_vault`. */
  createSchema(db: Database): void;
  /**
   * Applies one committed transaction. Synchronous and deterministic: called inside a SQL
   * transaction that is rolled back if it throws (then nothing is written to the log), and
   * again on replay after a restart.
   */
  apply(db: Database, tx: CommittedTransaction): void;
  /** Optional: resource and version counts for verify()'s report (the vault cannot know what entries mean). */
  summarize?(db: Database): { resources: number; versions: number };
}

export interface OpenOptions {
  projector: IndexProjector;
  /** Write a new index snapshot once this many log bytes follow the current one (default 64 MiB). */
  snapshotAfterBytes?: number;
  /** ...or once this many transactions follow it (default 20,000). */
  snapshotAfterTransactions?: number;
  /** Called when background snapshotting fails; the vault stays usable (the log holds every commit). */
  onBackgroundError?: (error: Error) => void;
  /** Start a new log segment once the current one reaches this many bytes (default 64 MiB; tests use less). */
  segmentMaxBytes?: number;
  /**
   * An index file of this many bytes or more is paged: kept in a scratch file of encrypted pages
   * with a bounded cache in memory (paged-file.ts; default 256 MiB, or HEARTH_INDEX_PAGED_FROM_MB).
   */
  pagedIndexFromBytes?: number;
  /** The page cache of a paged index file (default 256 MiB, or HEARTH_INDEX_CACHE_MB). */
  indexCacheBytes?: number;
  /**
   * While a snapshot is written, old index pages changed by commits are kept for it up to about
   * this many bytes; past that, a commit waits to start until the snapshot moves on (default
   * 64 MiB; vault.ts DEFAULT_SNAPSHOT_KEEP_BYTES).
   */
  snapshotKeepBytes?: number;
  /**
   * Where a commit's many small blob frames are sealed while its index is applied (frame-sealer.ts):
   * by default this thread's shared sealer; null: on the committing thread. The frames are the same.
   */
  frameSealer?: FrameSealer | null;
}

export interface CreateOptions extends OpenOptions {
  /**
   * PBKDF2 iterations. Production never passes this (600,000 is the floor there); tests pass a
   * small number through `allowWeakKdfForTests` to keep thousands of unlocks fast.
   */
  kdfIterations?: number;
  allowWeakKdfForTests?: boolean;
}

/** Page traffic of a paged index file (paged-file.ts). */
export interface IndexPagingStats {
  /** Pages encrypted and written to the scratch file. */
  pagesOut: number;
  /** Pages read back from it and decrypted. */
  pagesIn: number;
  /** Pages in memory now. */
  cachedPages: number;
  /** Old pages kept now for a snapshot being written while writes go on (copy-on-write, paged-file.ts). */
  keptPages: number;
  /** The most pages kept at once so far. */
  keptPagesPeak: number;
}

export interface Vault {
  readonly path: string;
  readonly info: VaultInfo;
  /**
   * Runs `build` under the single-writer lock, then applies the transaction to the index and
   * appends it to the log; the lock is released then, and the write resolves once the append is
   * durable (fdatasync), after every earlier write's (docs/vault-format.md section 5). A failure
   * before the append rolls everything back; a failed fdatasync rejects this write and every later
   * one not yet resolved and stops the vault until it is reopened. `build` may read the index
   * through `db` (not write it); it may see earlier writes that are not resolved yet.
   */
  write<T>(build: (tx: StagedTransaction, db: Database) => T | Promise<T>): Promise<{ result: T; tx: CommittedTransaction | null }>;
  /** Reads the index when it holds only durable writes (none half-way, none awaiting fdatasync); `fn` must not write. */
  read<T>(fn: (db: Database) => T): Promise<T>;
  /**
   * A non-extractable AES-256-GCM key bound to `purpose`, derived from the data key (HKDF,
   * docs/vault-format.md section 3): for secrets kept inside resources (sync server credentials).
   */
  deriveKey(purpose: string): Promise<CryptoKey>;
  /** Decrypts one blob; a damaged frame throws a VaultError naming the file. */
  readBlob(pointer: BlobPointer): Promise<Uint8Array>;
  /**
   * readBlob for many (a page of an export's scan), in their order: blobs that lie close together
   * in a segment are read with one file read.
   */
  readBlobs(pointers: readonly BlobPointer[]): Promise<Uint8Array[]>;
  /** Writes a new index snapshot now (normally done in the background). */
  snapshot(): Promise<void>;
  /**
   * Counters of the paged index file (docs/vault-format.md §6.2) since it was opened, or null while
   * the index is wholly in memory. For benchmarks and diagnostics; no content.
   */
  indexPaging(): IndexPagingStats | null;
  /** Reads and authenticates every file of the vault; rebuilds the index from the log and compares. */
  verify(): Promise<VerifyReport>;
  /** Re-wraps the data key under a new passphrase; no data is re-encrypted. */
  changePassphrase(current: string, next: string): Promise<void>;
  /** Waits for the pending commit and snapshot, releases the folder lock, drops keys and the index. */
  close(): Promise<void>;
}

export type VaultErrorCode =
  | 'wrong-passphrase'
  | 'not-a-vault'
  | 'unsupported-version'
  | 'damaged'
  | 'locked-by-other-process'
  | 'exists'
  | 'closed'
  | 'io';

/** Every failure of the vault layer. `file` is relative to the vault folder when one is at fault. */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
