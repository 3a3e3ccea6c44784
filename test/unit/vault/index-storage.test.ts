import { describe, expect, it } from 'vitest';
import { IndexStorage, liveImage, loadSqlJs, openInStorage, RESERVE_FROM_BYTES, reserveIndexStorage, shouldMove } from '../../../src-main/vault/sqljs';

const PROBE = "INSERT INTO meta (key, value) VALUES ('probe', 0) ON CONFLICT (key) DO UPDATE SET value = value + 1";

/** A small database image with a meta table, opened in reserved storage (of `maxBytes` when given). */
async function opened(maxBytes?: number) {
  const sql = await loadSqlJs();
  const seed = new sql.Database();
  seed.run('CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  seed.run('CREATE TABLE t (a INTEGER, b TEXT)');
  const image = seed.export();
  seed.close();
  const storage = maxBytes === undefined ? reserveIndexStorage(image.length) : IndexStorage.reserve(image.length, maxBytes);
  storage.set(image);
  return { sql, image, ...openInStorage(sql, storage, image.length) };
}

function insertRows(db: { run: (sql: string, params?: number[]) => unknown }, count: number, width = 40): void {
  db.run(
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) INSERT INTO t SELECT i, 'row ' || i || printf('%.*c', ?, 'x') FROM n",
    [count, width],
  );
}

describe('index database storage (sqljs.ts)', () => {
  it('reserves room to grow for every file, and moves a file that left its storage or nears the end of its room', () => {
    const small = reserveIndexStorage(10_000);
    expect(small.length).toBe(10_000);
    expect(small.capacity).toBeGreaterThanOrEqual(2 * RESERVE_FROM_BYTES);
    expect(shouldMove(null, RESERVE_FROM_BYTES - 1)).toBe(false);
    expect(shouldMove(null, RESERVE_FROM_BYTES)).toBe(true);
    expect(shouldMove(small, RESERVE_FROM_BYTES)).toBe(false);
    expect(shouldMove(IndexStorage.reserve(0, 3 * RESERVE_FROM_BYTES), 2 * RESERVE_FROM_BYTES)).toBe(true);
  });

  it('keeps the database file in its storage as it grows: the live image reopens as the same database', async () => {
    const { sql, db, storage, image } = await opened();
    expect(storage).not.toBeNull();
    expect(storage!.allocated).toBe(image.length);
    // Several MiB: MEMFS would have replaced a plain array of the image's size many times.
    for (let i = 0; i < 4; i++) {
      db.run('BEGIN');
      insertRows(db, 2_500, 500);
      db.run('COMMIT');
    }
    const live = liveImage(db, storage!, PROBE);
    expect(live).not.toBeNull();
    expect(live!.length).toBeGreaterThan(4 * 2 ** 20);
    expect(live!.buffer).toBe(storage!.buffer);
    expect(storage!.allocated).toBeGreaterThanOrEqual(live!.length);
    const copy = new sql.Database(live!.slice());
    expect(copy.exec('SELECT count(*), sum(a) FROM t')[0]!.values[0]).toEqual([10_000, 4 * ((2_499 * 2_500) / 2)]);
    expect(copy.exec('PRAGMA integrity_check')[0]!.values[0]![0]).toBe('ok');
    copy.close();
    db.close();
  });

  it('reports the storage as no longer the file once the file outgrew its room, and the database goes on', async () => {
    const { db, storage } = await opened(2 ** 20);
    db.run('BEGIN');
    insertRows(db, 2_500, 500);
    db.run('COMMIT');
    expect(liveImage(db, storage!, PROBE)).toBeNull();
    expect(db.exec('SELECT count(*) FROM t')[0]!.values[0]![0]).toBe(2_500);
    expect(db.exec('PRAGMA integrity_check')[0]!.values[0]![0]).toBe('ok');
    db.close();
  });

  it('reports the storage as no longer the file once a rollback has truncated it', async () => {
    const { db, storage } = await opened();
    // More than SQLite's page cache holds, so the transaction grows the file before it is rolled back.
    db.run('BEGIN');
    insertRows(db, 100_000);
    db.run('ROLLBACK');
    expect(liveImage(db, storage!, PROBE)).toBeNull();
    // The database itself is intact and writable.
    insertRows(db, 5);
    expect(db.exec('SELECT count(*) FROM t')[0]!.values[0]![0]).toBe(5);
    db.close();
  });
});
