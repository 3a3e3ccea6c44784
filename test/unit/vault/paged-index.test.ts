/**
 * The paged index file (paged-file.ts): sql.js databases that live in a bounded page cache over an
 * encrypted scratch file, and a vault whose index is paged from the first byte with a tiny cache.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from 'sql.js';
import { createVault, openVault } from '../../../src-main/vault';
import { PagedFile, PAGE_BYTES } from '../../../src-main/vault/paged-file';
import { livePagedImage, loadSqlJs, openPaged } from '../../../src-main/vault/sqljs';
import { allRecords, recordsProjector, tempFolder, testOptions, weakKdf, writeRecords } from './helpers';

const MARKER = 'PAGED-PLAINTEXT-MARKER';
const PROBE = "INSERT INTO meta (key, value) VALUES ('probe', 0) ON CONFLICT (key) DO UPDATE SET value = value + 1";

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function pagedDatabase(cachePages: number): Promise<{ db: Database; file: PagedFile; dir: string }> {
  const sql = await loadSqlJs();
  const seed = new sql.Database();
  seed.run('CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  seed.run('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL)');
  seed.run('CREATE INDEX t_b ON t (b)');
  const image = seed.export();
  seed.close();
  const { dir, cleanup } = tempFolder('hearth-paged-');
  const file = new PagedFile({ path: path.join(dir, 'pages.scratch'), cacheBytes: cachePages * PAGE_BYTES });
  file.set(image, 0);
  const db = openPaged(sql, file);
  cleanups.push(() => {
    db.close();
    file.dispose();
    cleanup();
  });
  // A small SQLite cache too, so that reads really go through the paged file.
  db.run('PRAGMA journal_mode=MEMORY');
  db.run('PRAGMA cache_size=8');
  return { db, file, dir };
}

function insertRows(db: Database, from: number, count: number): void {
  db.run(
    `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) INSERT INTO t SELECT i, '${MARKER} ' || i || printf('%.60c', 'x') FROM n`,
    [from, from + count],
  );
}

function summary(db: Database): unknown[] {
  return db.exec("SELECT count(*), sum(a), sum(length(b)), (SELECT b FROM t WHERE b > 'PAGED-PLAINTEXT-MARKER 7' ORDER BY b LIMIT 1) FROM t")[0]!.values[0]!;
}

/** /proc paths of this process's open (already unlinked) scratch files under `prefix` (Linux). */
function scratchPaths(prefix: string): string[] {
  if (process.platform !== 'linux') return [];
  const found: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(prefix)) found.push(`/proc/self/fd/${fd}`);
    } catch {
      // A descriptor closed while listing.
    }
  }
  return found;
}

/** The bytes of the scratch file, through the process's open descriptor (Linux). */
function scratchBytes(file: PagedFile): Buffer | null {
  const [first] = scratchPaths(file.scratchPath);
  return first === undefined ? null : readFileSync(first);
}

describe('PagedFile', () => {
  it('holds a database larger than its cache: pages go out encrypted and come back intact', async () => {
    const { db, file, dir } = await pagedDatabase(16);
    db.run('PRAGMA cache_spill=OFF');
    for (let i = 0; i < 3; i++) {
      db.run('BEGIN');
      insertRows(db, i * 1000, 1000);
      db.run('COMMIT');
    }
    expect(summary(db)).toEqual([3000, (2999 * 3000) / 2, expect.any(Number), `${MARKER} 700${'x'.repeat(60)}`]);
    expect(db.exec('PRAGMA integrity_check')[0]!.values[0]![0]).toBe('ok');
    const pages = Number(db.exec('PRAGMA page_count')[0]!.values[0]![0]);
    expect(pages).toBeGreaterThan(100);
    expect(file.stats.cachedPages).toBeLessThanOrEqual(16);
    expect(file.stats.pagesOut).toBeGreaterThan(pages);
    expect(file.stats.pagesIn).toBeGreaterThan(0);
    // Unlinked at once where the OS allows it; the bytes on disk never hold the plaintext.
    if (process.platform !== 'win32') expect(readdirSync(dir)).toEqual([]);
    const onDisk = scratchBytes(file);
    if (onDisk) {
      expect(onDisk.length).toBeGreaterThan(100 * PAGE_BYTES);
      expect(onDisk.includes(MARKER)).toBe(false);
      expect(onDisk.includes('SQLite format 3')).toBe(false);
    }
  });

  it('gives a live image that reopens as the same database, read without disturbing the cache', async () => {
    const { db, file } = await pagedDatabase(8);
    db.run('BEGIN');
    insertRows(db, 0, 3000);
    db.run('COMMIT');
    const before = summary(db);
    const source = livePagedImage(db, file, PROBE);
    expect(source).not.toBeNull();
    const cached = file.stats.cachedPages;
    const image = source!.read(0, source!.length);
    expect(file.stats.cachedPages).toBe(cached);
    const sql = await loadSqlJs();
    const copy = new sql.Database(image);
    try {
      expect(summary(copy)).toEqual(before);
    } finally {
      copy.close();
    }
  });

  it('rolls back a transaction that grew the file without truncating it (cache_spill off)', async () => {
    const { db, file } = await pagedDatabase(8);
    db.run('PRAGMA cache_spill=OFF');
    db.run('BEGIN');
    insertRows(db, 0, 2000);
    db.run('COMMIT');
    const before = summary(db);
    db.run('BEGIN');
    insertRows(db, 2000, 20_000);
    db.run('ROLLBACK');
    expect(file.broken).toBeNull();
    expect(summary(db)).toEqual(before);
    expect(db.exec('PRAGMA integrity_check')[0]!.values[0]![0]).toBe('ok');
    db.run('BEGIN');
    insertRows(db, 2000, 10);
    db.run('COMMIT');
    expect(Number(summary(db)[0])).toBe(2010);
  });

  it('refuses a truncate of more than it can serve: the file is marked broken, not copied into memory', async () => {
    const { db, file } = await pagedDatabase(8);
    // Spilling on: SQLite writes pages of the open transaction to the file and truncates on rollback.
    db.run('BEGIN');
    insertRows(db, 0, 12_000);
    db.run('COMMIT');
    db.run('BEGIN');
    insertRows(db, 12_000, 12_000);
    expect(() => db.run('ROLLBACK')).toThrow(/cannot serve/);
    expect(file.broken).toMatch(/truncate/);
    expect(() => file.read(0, 100)).toThrow(/unusable/);
  });
});

/** A PagedFile of `cachePages` pages in a temporary folder, disposed of after the test. */
function smallFile(cachePages: number): PagedFile {
  const { dir, cleanup } = tempFolder('hearth-paged-');
  const file = new PagedFile({ path: path.join(dir, 'pages.scratch'), cacheBytes: cachePages * PAGE_BYTES });
  cleanups.push(() => {
    file.dispose();
    cleanup();
  });
  return file;
}

/** A page whose every byte depends on its number and a version. */
function pageBytes(page: number, version = 0): Uint8Array {
  return new Uint8Array(PAGE_BYTES).map((_, i) => (page * 31 + i * 7 + version * 13) & 0xff);
}

/** Where `actual` first differs from `expected` (-1: equal); toEqual on 4 KiB arrays is slow. */
function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) return -1;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  return i;
}

/** Page-ins caused by reading `page` through the cache (subarray, as MEMFS reads). */
function pageInsFor(file: PagedFile, page: number): number {
  const before = file.stats.pagesIn;
  file.subarray(page * PAGE_BYTES, (page + 1) * PAGE_BYTES);
  return file.stats.pagesIn - before;
}

describe('the page cache (CLOCK)', () => {
  it('writes dirty pages out on eviction and reads them back equal, through subarray and read', () => {
    const file = smallFile(8);
    for (let page = 0; page < 64; page++) file.set(pageBytes(page), page * PAGE_BYTES);
    expect(file.stats.cachedPages).toBe(8);
    expect(file.stats.pagesOut).toBe(56);
    for (let page = 0; page < 64; page++) {
      expect(firstDifference(file.subarray(page * PAGE_BYTES, (page + 1) * PAGE_BYTES), pageBytes(page))).toBe(-1);
    }
    expect(file.stats.pagesIn).toBe(64);
    // The 8 pages still dirty in the cache went out once more; pages read back clean are not written again.
    expect(file.stats.pagesOut).toBe(64);
    for (let page = 0; page < 64; page += 3) file.set(pageBytes(page, 1), page * PAGE_BYTES);
    for (let page = 0; page < 64; page++) {
      expect(firstDifference(file.read(page * PAGE_BYTES, (page + 1) * PAGE_BYTES), pageBytes(page, page % 3 === 0 ? 1 : 0))).toBe(-1);
    }
    expect(file.stats.cachedPages).toBe(8);
  });

  it('serves spans across pages and partial pages like one array (against a plain copy)', () => {
    const file = smallFile(8);
    const model = new Uint8Array(40 * PAGE_BYTES);
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let op = 0; op < 400; op++) {
      const begin = next(model.length - 3 * PAGE_BYTES);
      const end = begin + next(3 * PAGE_BYTES);
      if (op % 2 === 0) {
        const bytes = new Uint8Array(end - begin).map((_, i) => (op + i) & 0xff);
        // MEMFS writes an Int8Array (a view into the wasm heap): bytes above 127 are negative there.
        const heap = new Uint8Array(bytes.length + 3);
        heap.set(bytes, 3);
        file.set(op % 8 === 2 ? new Int8Array(heap.buffer, 3, bytes.length) : op % 8 === 6 ? Array.from(bytes) : bytes, begin);
        model.set(bytes, begin);
      } else {
        expect(firstDifference(op % 4 === 1 ? file.subarray(begin, end) : file.read(begin, end), model.subarray(begin, end))).toBe(-1);
      }
    }
    expect(file.size).toBeLessThanOrEqual(model.length);
    expect(firstDifference(file.read(0, file.size), model.subarray(0, file.size))).toBe(-1);
  });

  it('gives a page used since the hand last passed a second chance; read() does not count as a use', () => {
    const file = smallFile(8);
    for (let page = 0; page < 8; page++) file.set(pageBytes(page), page * PAGE_BYTES);
    // Page 0 is used again: loading page 8 evicts page 1, the next without its reference bit.
    file.subarray(0, 16);
    file.set(pageBytes(8), 8 * PAGE_BYTES);
    expect(pageInsFor(file, 0)).toBe(0);
    expect(pageInsFor(file, 1)).toBe(1);

    const other = smallFile(8);
    for (let page = 0; page < 8; page++) other.set(pageBytes(page), page * PAGE_BYTES);
    // read() leaves the cache as it was: page 0 is not given a second chance.
    expect(firstDifference(other.read(0, PAGE_BYTES), pageBytes(0))).toBe(-1);
    other.set(pageBytes(8), 8 * PAGE_BYTES);
    expect(pageInsFor(other, 1)).toBe(0);
    expect(pageInsFor(other, 0)).toBe(1);
  });

  it('grows its page table for pages far past the first ones', () => {
    const file = smallFile(8);
    const far = [0, 1023, 1024, 5000, 250_000];
    for (const page of far) file.set(pageBytes(page), page * PAGE_BYTES);
    // Push them all out, then read each back from the scratch file.
    for (let page = 1; page <= 16; page++) file.set(pageBytes(page, 2), (2000 + page) * PAGE_BYTES);
    const before = file.stats.pagesIn;
    for (const page of far) expect(firstDifference(file.subarray(page * PAGE_BYTES, (page + 1) * PAGE_BYTES), pageBytes(page))).toBe(-1);
    expect(file.stats.pagesIn - before).toBe(far.length);
    expect(file.size).toBe(250_001 * PAGE_BYTES);
  });

  it.skipIf(process.platform !== 'linux')('authenticates a page read back: a page moved to another page\'s place on disk is refused', () => {
    const file = smallFile(8);
    for (let page = 0; page < 16; page++) file.set(pageBytes(page), page * PAGE_BYTES);
    expect(firstDifference(file.subarray(3 * PAGE_BYTES, 4 * PAGE_BYTES), pageBytes(3))).toBe(-1);
    // Page 0's encrypted slot copied over page 1's: the IV and tag are valid, the page number in the AAD is not.
    const [scratch] = scratchPaths(file.scratchPath);
    expect(scratch).toBeDefined();
    const onDisk = readFileSync(scratch!);
    // A page on disk: IV (12 bytes), ciphertext, tag (16 bytes), at page number x its size.
    const slot = 12 + PAGE_BYTES + 16;
    expect(onDisk.length).toBeGreaterThanOrEqual(2 * slot);
    const fd = openSync(scratch!, 'r+');
    try {
      writeSync(fd, onDisk.subarray(0, slot), 0, slot, slot);
    } finally {
      closeSync(fd);
    }
    expect(() => file.subarray(PAGE_BYTES, 2 * PAGE_BYTES)).toThrow(/does not authenticate/);
    expect(file.broken).toMatch(/does not authenticate/);
    expect(() => file.subarray(3 * PAGE_BYTES, 4 * PAGE_BYTES)).toThrow(/unusable/);
  });
});

describe('a vault with a paged index', () => {
  const paged = { pagedIndexFromBytes: 1, indexCacheBytes: 64 * 1024 };

  it('writes, snapshots, reopens from the snapshot and replays the log, and verifies', async () => {
    const { dir, cleanup } = tempFolder();
    cleanups.push(cleanup);
    const options = testOptions({ ...paged, snapshotAfterTransactions: 1_000_000 });
    const vault = await createVault(dir, 'pw', options);
    for (let i = 0; i < 4; i++) await writeRecords(vault, `a${i}`, 150, 40);
    await vault.snapshot();
    for (let i = 0; i < 2; i++) await writeRecords(vault, `b${i}`, 150, 40);
    const expected = await allRecords(vault);
    expect(expected).toHaveLength(6 * 150);
    // Its page traffic is visible (bench:fhir reports it per resource), within a cache of 16 pages.
    const paging = vault.indexPaging();
    expect(paging).not.toBeNull();
    expect(paging!.cachedPages).toBeGreaterThan(0);
    expect(paging!.cachedPages).toBeLessThanOrEqual(16);
    expect((await vault.verify()).problems).toEqual([]);
    await vault.close();
    expect(readdirSync(path.join(dir, 'index')).filter((n) => n.endsWith('.scratch'))).toEqual([]);

    // The newest snapshot is written at close; reopen loads it into a new paged file.
    const reopened = await openVault(dir, 'pw', { projector: recordsProjector(), ...paged, ...weakKdf });
    try {
      expect(await allRecords(reopened)).toEqual(expected);
      await writeRecords(reopened, 'c', 100, 40);
      const report = await reopened.verify();
      expect(report.ok).toBe(true);
      expect(report.resources).toBe(6 * 150 + 100);
    } finally {
      await reopened.close();
    }
  });

  it('reports no page traffic while the index is below the paging threshold', async () => {
    const { dir, cleanup } = tempFolder();
    cleanups.push(cleanup);
    const vault = await createVault(dir, 'pw', testOptions({ pagedIndexFromBytes: 64 * 1024 * 1024 }));
    try {
      await writeRecords(vault, 'a', 50, 40);
      expect(vault.indexPaging()).toBeNull();
    } finally {
      await vault.close();
    }
  });

  it('stays usable after a commit whose projector fails half way through a large transaction', async () => {
    const { dir, cleanup } = tempFolder();
    cleanups.push(cleanup);
    const vault = await createVault(dir, 'pw', testOptions(paged));
    try {
      await writeRecords(vault, 'a', 500, 40);
      const before = await allRecords(vault);
      // The last entry has no key: the projector throws after upserting the others.
      await expect(
        vault.write((tx) => {
          for (let i = 0; i < 1500; i++) tx.addEntry({ key: `big-${i}`, value: 'v'.repeat(100) });
          tx.addEntry({ value: 'no key' });
        }),
      ).rejects.toThrow(/entry without key/);
      expect(await allRecords(vault)).toEqual(before);
      await writeRecords(vault, 'b', 10, 40);
      expect((await vault.verify()).ok).toBe(true);
    } finally {
      await vault.close();
    }
  });

  it.skipIf(process.platform !== 'linux')('refuses reads, writes and snapshots once a scratch page fails to authenticate; reopening rebuilds it', async () => {
    const { dir, cleanup } = tempFolder();
    cleanups.push(cleanup);
    // The smallest cache (8 pages), well below the index.
    const vault = await createVault(dir, 'pw', testOptions({ ...paged, indexCacheBytes: 1, snapshotAfterTransactions: 1_000_000 }));
    for (let i = 0; i < 8; i++) await writeRecords(vault, `a${i}`, 150, 40);
    const expected = await allRecords(vault);
    const [scratch] = scratchPaths(path.join(dir, 'index'));
    expect(scratch).toBeDefined();
    // Someone with access to the disk overwrites the scratch file during the session.
    const fd = openSync(scratch!, 'r+');
    try {
      const zeros = Buffer.alloc(fstatSync(fd).size);
      writeSync(fd, zeros, 0, zeros.length, 0);
    } finally {
      closeSync(fd);
    }
    // A snapshot reads every page, most of them from the scratch file.
    await expect(vault.snapshot()).rejects.toThrow(/does not authenticate/);
    await expect(allRecords(vault)).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/reopen the vault/) });
    await expect(writeRecords(vault, 'b', 1)).rejects.toMatchObject({ code: 'io' });
    await vault.close();

    const reopened = await openVault(dir, 'pw', { projector: recordsProjector(), ...paged, ...weakKdf });
    try {
      expect(await allRecords(reopened)).toEqual(expected);
      expect((await reopened.verify()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});
