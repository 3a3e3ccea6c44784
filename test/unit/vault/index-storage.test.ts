import { describe, expect, it } from 'vitest';
import { liveImage, loadSqlJs, openInStorage, RESERVE_FROM_BYTES, reserveIndexStorage, shouldMove } from '../../../src-main/vault/sqljs';

const PROBE = "INSERT INTO meta (key, value) VALUES ('probe', 0) ON CONFLICT (key) DO UPDATE SET value = value + 1";

/** A small database image with a meta table, opened in reserved storage. */
async function opened() {
  const sql = await loadSqlJs();
  const seed = new sql.Database();
  seed.run('CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
  seed.run('CREATE TABLE t (a INTEGER, b TEXT)');
  const image = seed.export();
  seed.close();
  // Larger than the image, as reserveIndexStorage gives from RESERVE_FROM_BYTES on.
  const storage = new Uint8Array(4 * 2 ** 20);
  storage.set(image);
  return { sql, ...openInStorage(sql, storage, image.length) };
}

function insertRows(db: { run: (sql: string, params?: number[]) => unknown }, count: number): void {
  db.run(
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) INSERT INTO t SELECT i, 'row ' || i || printf('%.40c', 'x') FROM n",
    [count],
  );
}

describe('index database storage (sqljs.ts)', () => {
  it('reserves room to grow for large files only, and moves a file that nears the end of its room', () => {
    expect(reserveIndexStorage(10_000).length).toBe(10_000);
    const large = reserveIndexStorage(RESERVE_FROM_BYTES);
    expect(large.length).toBeGreaterThanOrEqual(2 * RESERVE_FROM_BYTES);
    expect(shouldMove(null, RESERVE_FROM_BYTES - 1)).toBe(false);
    expect(shouldMove(null, RESERVE_FROM_BYTES)).toBe(true);
    expect(shouldMove(large, RESERVE_FROM_BYTES)).toBe(false);
    expect(shouldMove(new Uint8Array(3 * RESERVE_FROM_BYTES), 2 * RESERVE_FROM_BYTES)).toBe(true);
  });

  it('keeps the database file in the reserved storage: the live image reopens as the same database', async () => {
    const { sql, db, storage } = await opened();
    expect(storage).not.toBeNull();
    db.run('BEGIN');
    insertRows(db, 3000);
    db.run('COMMIT');
    const image = liveImage(db, storage!, PROBE);
    expect(image).not.toBeNull();
    expect(image!.buffer).toBe(storage!.buffer);
    const copy = new sql.Database(image!.slice());
    expect(copy.exec('SELECT count(*), sum(a) FROM t')[0]!.values[0]).toEqual([3000, (2999 * 3000) / 2]);
    expect(copy.exec('PRAGMA integrity_check')[0]!.values[0]![0]).toBe('ok');
    copy.close();
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
