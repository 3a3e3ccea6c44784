/**
 * Loads sql.js once per thread. In Node the wasm file is found next to the package
 * (createRequire works both from source and when esbuild/electron-vite bundle this file with
 * sql.js kept external).
 */
import { createRequire } from 'node:module';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
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
/**
 * Smaller databases get no reservation: their copies are cheap, and a large ArrayBuffer costs a
 * full garbage collection when allocated (V8 counts it as external memory), which a test opening
 * a small vault a thousand times would pay each time.
 */
export const RESERVE_FROM_BYTES = 8 * 2 ** 20;

/**
 * Memory for an index database file of `bytes` to grow into without moving. sql.js keeps a database
 * in a file of its in-memory file system, a typed array that it replaces by one 1.125 times larger,
 * copying, each time the file outgrows it: at a 1 GB index each growth briefly holds 2.1 GB, and the
 * old arrays stay until V8 collects them. A large zero-filled array is reserved address space (the
 * OS maps zero pages lazily), so its pages become resident only as the database writes them, as they
 * would anyway. Smaller sizes are tried when the OS refuses; under RESERVE_FROM_BYTES, just `bytes`.
 */
export function reserveIndexStorage(bytes: number): Uint8Array<ArrayBuffer> {
  if (bytes < RESERVE_FROM_BYTES) return new Uint8Array(bytes);
  for (let size = MAX_RESERVE_BYTES; size > bytes; size = Math.floor(size / 2 / 65536) * 65536) {
    try {
      return new Uint8Array(size);
    } catch {
      // RangeError: the allocator refused this much address space; try less.
    }
  }
  return new Uint8Array(bytes);
}

/** Whether an index file of `bytes` should move to a (larger) reservation before it grows on. */
export function shouldMove(storage: Uint8Array | null, bytes: number): boolean {
  if (bytes < RESERVE_FROM_BYTES) return false;
  return storage === null || (bytes > storage.length / 2 && storage.length < MAX_RESERVE_BYTES);
}

/** The database file's length (page_count * page_size). */
export function fileBytes(db: Database): number {
  const pageCount = Number(db.exec('PRAGMA page_count')[0]?.values[0]?.[0] ?? 0);
  const pageSize = Number(db.exec('PRAGMA page_size')[0]?.values[0]?.[0] ?? 0);
  return pageCount * pageSize;
}

/**
 * A view of the first `length` bytes of `storage` whose slice() hands sql.js `storage` itself:
 * sql.js' file system adopts what slice() returns as the new file's contents (MEMFS.write, first
 * write to an empty file), so the database lives in `storage` with no copy.
 */
class Adopted extends Uint8Array<ArrayBuffer> {
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  adopted = false;

  constructor(private readonly storage: Uint8Array<ArrayBuffer>, length: number) {
    super(storage.buffer, storage.byteOffset, length);
  }

  override slice(): Uint8Array<ArrayBuffer> {
    this.adopted = true;
    return this.storage;
  }
}

/** An index database and the memory its file lives in (null when sql.js copied it elsewhere). */
export interface IndexDatabase {
  db: Database;
  storage: Uint8Array<ArrayBuffer> | null;
  /** The paged file the database lives in, when it is one (paged-file.ts). */
  paged?: PagedFile;
}

/**
 * Opens the database image in `storage[0, length)` (length > 0) in place. `storage` is the file's
 * memory for as long as the file fits in it and is never truncated (SQLite truncates after a
 * rollback that had grown the file); isLiveStorage tells whether that still holds.
 */
export function openInStorage(sql: SqlJsStatic, storage: Uint8Array<ArrayBuffer>, length: number): IndexDatabase {
  const image = new Adopted(storage, length);
  const db = new sql.Database(image);
  return { db, storage: image.adopted ? storage : null };
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
export function liveImage(db: Database, storage: Uint8Array<ArrayBuffer>, touch: string): Uint8Array<ArrayBuffer> | null {
  const { before, after } = probe(db, () => changeCounter(storage), touch);
  const length = fileBytes(db);
  if (after !== ((before + 1) >>> 0) || length <= 0 || length > storage.length) return null;
  return storage.subarray(0, length);
}
