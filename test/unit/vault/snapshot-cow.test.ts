/**
 * Snapshots written while writers go on (docs/vault-format.md §6): a paged index file's frozen
 * view and an in-memory index's reservation (copy-on-write, frozen-pages.ts), and vaults whose snapshot is
 * held half way while commits keep coming, reopened after a simulated crash.
 */
import { copyFileSync, mkdirSync, promises as fsPromises, readdirSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from 'sql.js';
import { createVault, openVault, type Vault } from '../../../src-main/vault';
import { PagedFile, PAGE_BYTES, type FrozenImage } from '../../../src-main/vault/paged-file';
import { fileBytes, loadSqlJs, openPaged } from '../../../src-main/vault/sqljs';
import { allRecords, recordsProjector, tempFolder, testOptions, weakKdf, type RecordRow } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  vi.restoreAllMocks();
  while (cleanups.length > 0) cleanups.pop()!();
});

/** A database in a PagedFile with a cache of `cachePages` pages, holding `rows` rows of ~100 bytes. */
async function pagedDatabase(cachePages: number, rows: number): Promise<{ db: Database; file: PagedFile }> {
  const sql = await loadSqlJs();
  const seed = new sql.Database();
  seed.run('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL)');
  seed.run('CREATE INDEX t_b ON t (b)');
  const image = seed.export();
  seed.close();
  const { dir, cleanup } = tempFolder('hearth-cow-');
  const file = new PagedFile({ path: path.join(dir, 'pages.scratch'), cacheBytes: cachePages * PAGE_BYTES });
  file.set(image, 0);
  const db = openPaged(sql, file);
  cleanups.push(() => {
    try {
      db.close();
    } catch {
      // A disposed file fails SQLite's close; the test is over anyway.
    }
    file.dispose();
    cleanup();
  });
  db.run('PRAGMA journal_mode=MEMORY');
  db.run('PRAGMA cache_spill=OFF');
  db.run('PRAGMA cache_size=8');
  db.run('BEGIN');
  db.run(
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) INSERT INTO t SELECT i, 'row ' || i || printf('%.90c', 'x') FROM n",
    [rows],
  );
  db.run('COMMIT');
  return { db, file };
}

/** Commits that rewrite pages all over the file (updates spread by `step`, and new rows that grow it). */
function churn(db: Database, round: number): void {
  db.run('BEGIN');
  db.run("UPDATE t SET b = 'r' || ? || ' ' || b WHERE a % 17 = ?", [round, round % 17]);
  db.run("INSERT INTO t (b) SELECT 'new ' || ? || ' ' || a FROM t WHERE a % 97 = ?", [round, round % 97]);
  db.run('COMMIT');
}

describe('a frozen view of a paged file', () => {
  it('reads the image as of freeze() byte for byte while pages are rewritten, evicted and paged back in under it', async () => {
    const { db, file } = await pagedDatabase(8, 4000);
    const length = fileBytes(db);
    const expected = file.read(0, length);
    const pagesInBefore = file.stats.pagesIn;
    const pagesOutBefore = file.stats.pagesOut;
    const frozen = file.freeze(length);
    const got = new Uint8Array(length);
    // Uneven reads (not page aligned), each followed by a commit that changes pages ahead of them.
    let at = 0;
    for (let round = 0; at < length; round++) {
      const end = Math.min(length, at + 3 * PAGE_BYTES + 1000);
      frozen.readInto(at, end, got, at);
      at = end;
      churn(db, round);
      // Never more kept than the pages the reader has yet to read whole.
      expect(frozen.keptBytes).toBeLessThanOrEqual(Math.ceil(length / PAGE_BYTES) * PAGE_BYTES - Math.floor(at / PAGE_BYTES) * PAGE_BYTES);
    }
    expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true);
    // The cache of 8 pages really moved under the view.
    expect(file.stats.pagesIn - pagesInBefore).toBeGreaterThan(100);
    expect(file.stats.pagesOut - pagesOutBefore).toBeGreaterThan(100);
    expect(file.keptBytesPeak).toBeGreaterThan(0);
    // Once read to the end nothing is kept; after release writes keep nothing either.
    expect(frozen.keptBytes).toBe(0);
    frozen.release();
    churn(db, 1000);
    expect(file.stats.keptPages).toBe(0);
    // The live file is the churned database, intact.
    expect(db.exec('PRAGMA integrity_check')[0]!.values[0]![0]).toBe('ok');
    expect(Buffer.from(file.read(0, length)).equals(Buffer.from(expected))).toBe(false);
  });

  it('reads the pages only on disk in runs, one read per run, and still gives the image as of freeze()', async () => {
    const { db, file } = await pagedDatabase(8, 6000);
    churn(db, 1);
    const length = fileBytes(db);
    const pages = length / PAGE_BYTES;
    expect(pages).toBeGreaterThan(200);
    const expected = file.read(0, length);
    const frozen = file.freeze(length);
    const got = new Uint8Array(length);
    // The reader's own reads and pages in (not those of the writes between its reads).
    let reads = 0;
    let pagesIn = 0;
    // Page-aligned pieces of 64 pages, as a snapshot reads.
    for (let at = 0, round = 0; at < length; round++) {
      const end = Math.min(length, at + 64 * PAGE_BYTES);
      const readsBefore = file.scratchReads;
      const pagesInBefore = file.stats.pagesIn;
      frozen.readInto(at, end, got, at);
      reads += file.scratchReads - readsBefore;
      pagesIn += file.stats.pagesIn - pagesInBefore;
      at = end;
      // Ahead of the reader: a page rewritten in the middle of the next piece (kept: it splits a
      // run) and another page brought into the cache (copied from its slot: it splits a run too).
      // The database is not used again: these pages are not SQLite's.
      const ahead = Math.floor(at / PAGE_BYTES) + 30;
      if (ahead + 5 < pages) {
        file.set(new Uint8Array(PAGE_BYTES).fill(round + 1), ahead * PAGE_BYTES);
        file.subarray((ahead + 5) * PAGE_BYTES, (ahead + 6) * PAGE_BYTES);
      }
    }
    frozen.release();
    expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true);
    // Most of the file is read from disk (8 cached pages), in far fewer reads than pages.
    expect(pagesIn).toBeGreaterThan(pages / 2);
    expect(reads).toBeLessThan(pagesIn / 4);
  });

  it('keeps a page once, only ahead of the reader; room for writers comes as the reader passes kept pages', async () => {
    const { db, file } = await pagedDatabase(8, 2000);
    const length = fileBytes(db);
    const pages = length / PAGE_BYTES;
    expect(pages).toBeGreaterThan(40);
    const frozen = file.freeze(length);
    const page = (n: number, fill: number) => new Uint8Array(PAGE_BYTES).fill(fill);
    // Pages 10 and 30 rewritten twice each: kept once each.
    file.set(page(10, 1), 10 * PAGE_BYTES);
    file.set(page(30, 1), 30 * PAGE_BYTES);
    file.set(page(10, 2), 10 * PAGE_BYTES);
    file.set(page(30, 2).subarray(0, 100), 30 * PAGE_BYTES + 7);
    expect(frozen.keptBytes).toBe(2 * PAGE_BYTES);
    expect(frozen.untilKeptAtMost(2 * PAGE_BYTES)).toBeNull();
    const waiting = frozen.untilKeptAtMost(PAGE_BYTES);
    expect(waiting).not.toBeNull();
    let resolved = false;
    void waiting!.then(() => (resolved = true));
    const out = new Uint8Array(length);
    frozen.readInto(0, 11 * PAGE_BYTES - 1, out, 0);
    await Promise.resolve();
    // Page 10 is not read whole yet: still kept.
    expect(resolved).toBe(false);
    frozen.readInto(11 * PAGE_BYTES - 1, 20 * PAGE_BYTES, out, 11 * PAGE_BYTES - 1);
    await Promise.resolve();
    expect(resolved).toBe(true);
    expect(frozen.keptBytes).toBe(PAGE_BYTES);
    // A page the reader has passed is not kept; reading behind the reader is refused.
    file.set(page(5, 3), 5 * PAGE_BYTES);
    expect(frozen.keptBytes).toBe(PAGE_BYTES);
    expect(() => frozen.readInto(0, PAGE_BYTES, out, 0)).toThrow(RangeError);
    frozen.readInto(20 * PAGE_BYTES, length, out, 20 * PAGE_BYTES);
    expect(out.subarray(10 * PAGE_BYTES, 11 * PAGE_BYTES).some((b) => b !== 2)).toBe(true);
    expect(out.subarray(30 * PAGE_BYTES + 7, 30 * PAGE_BYTES + 107).some((b) => b !== 2)).toBe(true);
    frozen.release();
    expect(() => file.freeze(length + PAGE_BYTES)).toThrow(RangeError);
    // One view at a time.
    const second = file.freeze(length);
    expect(() => file.freeze(length)).toThrow(/already/);
    second.release();
    db.close();
  });

  it('ends when the file is disposed of or breaks: the reader fails, waiters are let go', async () => {
    const { file } = await pagedDatabase(8, 2000);
    const length = file.size;
    const out = new Uint8Array(length);
    const disposedView = file.freeze(length);
    file.set(new Uint8Array(PAGE_BYTES), 3 * PAGE_BYTES);
    const waiting = disposedView.untilKeptAtMost(0);
    expect(waiting).not.toBeNull();
    file.dispose();
    await waiting;
    expect(disposedView.keptBytes).toBe(0);
    expect(() => disposedView.readInto(0, PAGE_BYTES, out, 0)).toThrow(/disposed of/);

    const { file: other } = await pagedDatabase(8, 2000);
    const brokenView: FrozenImage = other.freeze(other.size);
    // A truncate-sized span marks the file broken (paged-file.ts).
    expect(() => other.subarray(0, 2 * 1024 * 1024)).toThrow();
    expect(() => brokenView.readInto(0, PAGE_BYTES, out, 0)).toThrow(/unusable/);
    brokenView.release();
  });
});

/** Copies a vault folder as a crash would leave it (the lock file is process state, not data). */
function copyVault(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === 'vault.lock') continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true });
      copyVault(source, target);
    } else {
      copyFileSync(source, target);
    }
  }
}

/** A transaction updating `keys` existing records and adding one new record; resolves when acknowledged. */
function touch(vault: Vault, round: number, keys: number, total: number): Promise<unknown> {
  return vault.write((tx) => {
    for (let i = 0; i < keys; i++) tx.addEntry({ key: `base-${String(((round * 7919 + i * 104729) % total)).padStart(6, '0')}`, value: `round ${round}` });
    tx.addEntry({ key: `new-${round}`, value: `new ${round}` });
  });
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

/**
 * Holds every write to a snapshot's temp file (`index/snapshot-*.hsnap.tmp`) until open() is
 * called; `calls` counts them. The snapshot has then read at most two chunks (one written, one
 * waiting for that write) of its image.
 */
function holdSnapshotWrites(): { calls: () => number; open: () => void } {
  const original = fsPromises.open.bind(fsPromises);
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  let calls = 0;
  vi.spyOn(fsPromises, 'open').mockImplementation(async (...args: Parameters<typeof fsPromises.open>) => {
    const handle = await original(...args);
    if (String(args[0]).endsWith('.hsnap.tmp')) {
      const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>;
      Object.defineProperty(handle, 'write', {
        value: async (...a: unknown[]) => {
          calls++;
          await gate;
          return write(...a);
        },
      });
    }
    return handle;
  });
  return { calls: () => calls, open: () => opened() };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

/**
 * Writes `total` base records (values of `valueBytes`), then snapshots while commits keep coming, the snapshot held at its
 * first chunk's write. Returns what a test compares: the records at the snapshot's seq, the final
 * records, and two crashed copies: one whole, one whose log is cut back to the snapshot's seq.
 */
async function snapshotUnderWrites(
  options: Parameters<typeof testOptions>[0],
  total: number,
  valueBytes: number,
  /** Commits while the snapshot is held; resolves to a commit still waiting, if any (awaited once the snapshot is let go). */
  whileHeld: (vault: Vault, round: () => number) => Promise<{ waiting: Promise<unknown> | null }>,
): Promise<{ atSeq: RecordRow[]; final: RecordRow[]; crashed: string; cut: string; vault: Vault }> {
  const { dir: root, cleanup } = tempFolder('hearth-cow-vault-');
  cleanups.push(cleanup);
  const dir = path.join(root, 'vault');
  const vault = await createVault(dir, 'pw', testOptions({ snapshotAfterTransactions: 1_000_000, snapshotAfterBytes: 2 ** 40, ...options }));
  for (let start = 0; start < total; start += 400) {
    await vault.write((tx) => {
      for (let i = start; i < Math.min(total, start + 400); i++) tx.addEntry({ key: `base-${String(i).padStart(6, '0')}`, value: `base ${i} ${'v'.repeat(valueBytes)}` });
    });
  }
  const atSeq = await allRecords(vault);
  const segment = path.join(dir, 'log', readdirSync(path.join(dir, 'log')).sort().at(-1)!);
  const logAtSeq = statSync(segment).size;
  const hold = holdSnapshotWrites();
  const snapshot = vault.snapshot();
  await until(() => hold.calls() > 0);
  let round = 0;
  const { waiting } = await whileHeld(vault, () => round++);
  hold.open();
  await snapshot;
  await waiting;
  const final = await allRecords(vault);
  expect(readdirSync(path.join(dir, 'index'))).toEqual([`snapshot-${String(Math.ceil(total / 400)).padStart(6, '0')}.hsnap`]);
  // Crashes: the folder as it is, and as it was at the snapshot's seq (the log cut back to it).
  const crashed = path.join(root, 'crashed');
  const cut = path.join(root, 'cut');
  copyVault(dir, crashed);
  copyVault(dir, cut);
  truncateSync(path.join(cut, 'log', path.basename(segment)), logAtSeq);
  return { atSeq, final, crashed, cut, vault };
}

async function expectReopens(folder: string, options: Parameters<typeof testOptions>[0], expected: RecordRow[]): Promise<void> {
  const vault = await openVault(folder, 'pw', { projector: recordsProjector(), ...weakKdf, ...options });
  try {
    expect(await allRecords(vault)).toEqual(expected);
    expect(await vault.read((db) => db.exec('PRAGMA integrity_check')[0]!.values[0]![0])).toBe('ok');
    const report = await vault.verify();
    expect(report.problems).toEqual([]);
  } finally {
    await vault.close();
  }
}

describe('a snapshot written while transactions keep committing', () => {
  it('paged index: images exactly its seq; commits wait once the kept pages reach snapshotKeepBytes; a crashed copy reopens', async () => {
    const keepPages = 16;
    const options = { pagedIndexFromBytes: 1, indexCacheBytes: 64 * 1024, snapshotKeepBytes: keepPages * PAGE_BYTES };
    let blocked: Promise<unknown> | null = null;
    let acknowledged = 0;
    const { atSeq, final, crashed, cut, vault } = await snapshotUnderWrites(options, 7200, 1500, async (v, round) => {
      // The image is over 8 MiB, so the reader is held after its second chunk: commits change pages ahead of it.
      while (!blocked) {
        const writing = touch(v, round(), 3, 7200);
        if (await settlesWithin(writing, 1000)) acknowledged++;
        else blocked = writing;
        expect(acknowledged).toBeLessThan(500);
      }
      const paging = v.indexPaging()!;
      // Held: past the cap by at most one transaction's pages (3 updates, a new row, the meta row and header).
      expect(paging.keptPages).toBeGreaterThanOrEqual(keepPages);
      expect(paging.keptPagesPeak).toBeLessThanOrEqual(keepPages + 40);
      return { waiting: blocked };
    });
    expect(acknowledged).toBeGreaterThan(0);
    // The held commit went through once the snapshot moved on.
    expect(final.filter((row) => row.key.startsWith('new-'))).toHaveLength(acknowledged + 1);
    expect(vault.indexPaging()!.keptPages).toBe(0);
    await vault.close();
    // The snapshot alone (log cut at its seq) holds exactly the records of its seq.
    await expectReopens(cut, options, atSeq);
    // The snapshot plus the replayed log holds every acknowledged commit.
    await expectReopens(crashed, options, final);
  }, 60_000);

  it('in-memory index: sealed from a frozen view of its reservation while commits go on, none waiting; a crashed copy reopens', async () => {
    let acknowledged = 0;
    // Over 8 MiB too: the view's third chunk is read after the commits.
    const { atSeq, final, crashed, cut, vault } = await snapshotUnderWrites({}, 7200, 1500, async (v, round) => {
      for (let i = 0; i < 30; i++) {
        expect(await settlesWithin(touch(v, round(), 3, 7200), 2000)).toBe(true);
        acknowledged++;
      }
      expect(v.indexPaging()).toBeNull();
      return { waiting: null };
    });
    expect(acknowledged).toBe(30);
    expect(final.filter((row) => row.key.startsWith('new-'))).toHaveLength(30);
    await vault.close();
    await expectReopens(cut, {}, atSeq);
    await expectReopens(crashed, {}, final);
  }, 60_000);
});
