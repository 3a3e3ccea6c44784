/**
 * Loads sql.js once per thread. In Node the wasm file is found next to the package
 * (createRequire works both from source and when esbuild/electron-vite bundle this file with
 * sql.js kept external).
 */
import { createRequire } from 'node:module';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { FROZEN_PAGE_BYTES, FrozenPages, type FrozenImage } from './frozen-pages';
import type { PagedFile } from './paged-file';

let loading: Promise<SqlJsStatic> | null = null;

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const wasmPath = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
    loading = initSqlJs({ locateFile: () => wasmPath });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** The largest typed array Node 20 allocates, rounded down to 64 KiB. */
const MAX_RESERVE_BYTES = 2 ** 32 - 2 ** 16;
/** A file under this size that has left its storage (a rollback truncated it) is not moved back. */
export const RESERVE_FROM_BYTES = 8 * 2 ** 20;
/** IndexStorage grows its memory in steps of this many bytes (and never by less than an eighth). */
const GROW_STEP_BYTES = 2 ** 20;

/**
 * The memory an index database file lives and grows in. sql.js keeps a database as a file of its
 * in-memory file system (MEMFS) whose contents are one typed array: a write past the array's
 * `length` replaces it by one 1.125 times larger, copying the whole file, and every byte of the new
 * array is fresh memory the OS maps on first touch. Growing a file to 64 MiB that way copied ~550 MB
 * and cost ~3.5 s of CPU (page faults, and the full collections V8 runs for each large array it
 * counts as external memory): about a tenth of the store thread's CPU per write until the first
 * snapshot moved the index into reserved storage.
 *
 * An IndexStorage is a typed array over a resizable ArrayBuffer that reserves address space for up
 * to MAX_RESERVE_BYTES (smaller when the OS refuses) and grows in place: once sql.js has adopted it
 * (slice(), the first write of a new file: openInStorage) its `length` reports that capacity, so
 * MEMFS never grows it, and `set` resizes the buffer first when a write goes past its end. MEMFS
 * reads and writes the contents only with subarray() and set() after its capacity check, and
 * adopts slice()'s result as a new file's contents. A write past the capacity, or a truncate
 * (MEMFS then copies into a new plain array), leaves the storage: liveImage tells.
 */
export class IndexStorage extends Uint8Array<ArrayBuffer> {
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  /** Set once sql.js made this the contents of its file. */
  adopted = false;
  /** The frozen view a snapshot is reading (freeze()), if any. */
  private frozen: FrozenPages | null = null;

  private constructor(private readonly memory: ArrayBuffer) {
    // Length-tracking: the view follows the buffer as it grows.
    super(memory);
  }

  /**
   * Storage holding `bytes` zero bytes (the image to open is then written into it with set()), with
   * room to grow to `maxBytes` (less when the OS refuses that much address space).
   */
  static reserve(bytes: number, maxBytes = MAX_RESERVE_BYTES): IndexStorage {
    for (let max = maxBytes; ; max = Math.floor(max / 2 / 65536) * 65536) {
      try {
        const storage = new IndexStorage(new ArrayBuffer(0, { maxByteLength: Math.max(max, bytes) }));
        storage.resizeTo(bytes);
        return storage;
      } catch (error) {
        // RangeError: the allocator refused this much address space; try less.
        if (!(error instanceof RangeError) || max <= bytes) throw error;
      }
    }
  }

  /** The most bytes the file can grow to in this storage. */
  get capacity(): number {
    return this.memory.maxByteLength;
  }

  /** Bytes of memory in use (at least the file's length while the file lives here). */
  get allocated(): number {
    return this.memory.byteLength;
  }

  /** Sets the memory in use to exactly `bytes` (only before sql.js adopts the storage). */
  resizeTo(bytes: number): void {
    if (this.adopted) throw new Error('The index storage is in use by its database');
    this.memory.resize(bytes);
  }

  /** MEMFS adopts what slice() returns as a new file's contents: this object itself, once. */
  override slice(begin = 0, end = this.allocated): Uint8Array<ArrayBuffer> {
    if (!this.adopted && begin === 0 && end === this.allocated) {
      this.adopted = true;
      return this;
    }
    return Uint8Array.prototype.slice.call(this, begin, end) as Uint8Array<ArrayBuffer>;
  }

  /**
   * The image of bytes [0, length) as they are now, for one reader going front to back while sql.js
   * keeps writing (frozen-pages.ts; docs/vault-format.md §6): a write first keeps the old bytes of
   * each page it touches that the reader has yet to read. Instead of a copy of the whole image.
   */
  freeze(length: number): FrozenImage {
    if (this.frozen) throw new Error('The index storage already has a frozen view');
    if (length > this.allocated) throw new RangeError(`Cannot freeze ${length} bytes of ${this.allocated}`);
    const page = (n: number) => Uint8Array.prototype.subarray.call(this, n * FROZEN_PAGE_BYTES, Math.min(this.allocated, (n + 1) * FROZEN_PAGE_BYTES));
    const frozen = new FrozenPages(
      length,
      { current: page, copyOf: (n) => page(n).slice(), check: () => undefined },
      () => {
        if (this.frozen === frozen) this.frozen = null;
      },
    );
    this.frozen = frozen;
    return frozen;
  }

  override set(source: ArrayLike<number>, offset = 0): void {
    const end = offset + source.length;
    this.frozen?.beforeWrite(offset, end);
    const allocated = this.memory.byteLength;
    if (end > allocated) {
      // Within capacity (MEMFS checks `length` first); growing in place copies nothing.
      const step = Math.max(GROW_STEP_BYTES, allocated >>> 3);
      this.memory.resize(Math.min(this.capacity, Math.ceil(end / step) * step));
    }
    super.set(source, offset);
  }
}

// `length` is an accessor on Uint8Array.prototype; TypeScript declares it a property, so the
// override is defined here. MEMFS reads it as the contents' capacity once adopted, and as the number
// of bytes to take when adopting (createDataFile writes data.length bytes).
Object.defineProperty(IndexStorage.prototype, 'length', {
  get(this: IndexStorage): number {
    return this.adopted ? this.capacity : this.allocated;
  },
});

/** Storage for an index database file of `bytes` to grow into without moving (IndexStorage). */
export function reserveIndexStorage(bytes: number): IndexStorage {
  return IndexStorage.reserve(bytes);
}

/** Whether an index file of `bytes` should move to new storage before it grows on. */
export function shouldMove(storage: IndexStorage | null, bytes: number): boolean {
  if (storage === null) return bytes >= RESERVE_FROM_BYTES;
  return bytes > storage.capacity / 2 && storage.capacity < MAX_RESERVE_BYTES;
}

/** The database file's length (page_count * page_size). */
export function fileBytes(db: Database): number {
  const pageCount = Number(db.exec('PRAGMA page_count')[0]?.values[0]?.[0] ?? 0);
  const pageSize = Number(db.exec('PRAGMA page_size')[0]?.values[0]?.[0] ?? 0);
  return pageCount * pageSize;
}

/** An index database and the memory its file lives in (null when sql.js copied it elsewhere). */
export interface IndexDatabase {
  db: Database;
  storage: IndexStorage | null;
  /** The paged file the database lives in, when it is one (paged-file.ts). */
  paged?: PagedFile;
}

/**
 * Opens the database image in `storage[0, length)` (length > 0) in place: `storage` is the file's
 * memory for as long as the file fits in its capacity and is never truncated (SQLite truncates after
 * a rollback that had grown the file); liveImage tells whether that still holds.
 */
export function openInStorage(sql: SqlJsStatic, storage: IndexStorage, length: number): IndexDatabase {
  storage.resizeTo(length);
  const db = new sql.Database(storage);
  return { db, storage: storage.adopted ? storage : null };
}

/** The file change counter of an SQLite database image (fileformat2.html, header offset 24). */
function changeCounter(image: Uint8Array): number {
  return ((image[24]! << 24) | (image[25]! << 16) | (image[26]! << 8) | image[27]!) >>> 0;
}

/** A no-op write transaction (see liveImage): the change counter at offset 24 before and after it. */
function probe(db: Database, counter: () => number, touch: string): { before: number; after: number } {
  const before = counter();
  db.run('BEGIN');
  try {
    db.run(touch);
    db.run('COMMIT');
  } catch (error) {
    db.run('ROLLBACK');
    throw error;
  }
  return { before, after: counter() };
}

/**
 * Opens the database image written into `file` (file.size > 0) with the file as its storage:
 * sql.js adopts it as the contents of the database's MEMFS file (paged-file.ts).
 */
export function openPaged(sql: SqlJsStatic, file: PagedFile): Database {
  const db = new sql.Database(file);
  if (!file.adopted) {
    db.close();
    throw new Error('sql.js did not adopt the paged index file');
  }
  return db;
}

/**
 * liveImage for a paged file: its length and a reader of its bytes if `file` still is `db`'s file
 * (a truncate small enough to be served leaves sql.js with a copy in memory), else null.
 */
export function livePagedImage(db: Database, file: PagedFile, touch: string): { length: number; read: (begin: number, end: number) => Uint8Array } | null {
  const { before, after } = probe(db, () => changeCounter(file.read(0, 28)), touch);
  const length = fileBytes(db);
  if (after !== ((before + 1) >>> 0) || length <= 0 || length > file.size) return null;
  return { length, read: (begin, end) => file.read(begin, end) };
}

/**
 * Whether `storage` still is `db`'s file, and its image if so: a no-op write transaction must bump
 * the change counter in `storage` (SQLite increments it on every commit in rollback-journal mode),
 * which only happens when sql.js writes there. `touch` must change a row (SQLite skips an
 * UPDATE that leaves the row as it was, and then commits nothing).
 * The caller must keep writers out until it is done with the image.
 */
export function liveImage(db: Database, storage: IndexStorage, touch: string): Uint8Array<ArrayBuffer> | null {
  const { before, after } = probe(db, () => changeCounter(storage), touch);
  const length = fileBytes(db);
  if (after !== ((before + 1) >>> 0) || length <= 0 || length > storage.allocated) return null;
  return storage.subarray(0, length);
}
