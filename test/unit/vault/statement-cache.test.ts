import { describe, expect, it } from 'vitest';
import { cachedStatement, cachedStatementCount } from '../../../src-main/vault/statement-cache';
import { loadSqlJs } from '../../../src-main/vault/sqljs';

describe('statement cache (statement-cache.ts)', () => {
  it('prepares a text once per database, keeps it across export(), and gives another database its own', async () => {
    const sql = await loadSqlJs();
    const db = new sql.Database();
    db.run('CREATE TABLE t (a INTEGER)');
    const insert = cachedStatement(db, 'INSERT INTO t VALUES (?)');
    insert.run([1]);
    expect(cachedStatement(db, 'INSERT INTO t VALUES (?)')).toBe(insert);
    expect(cachedStatementCount(db)).toBe(1);
    // A snapshot export leaves sql.js' statements usable.
    db.export();
    cachedStatement(db, 'INSERT INTO t VALUES (?)').run([2]);
    expect(db.exec('SELECT sum(a) FROM t')[0]!.values[0]![0]).toBe(3);

    const other = new sql.Database();
    other.run('CREATE TABLE t (a INTEGER)');
    const otherInsert = cachedStatement(other, 'INSERT INTO t VALUES (?)');
    expect(otherInsert).not.toBe(insert);
    otherInsert.run([5]);
    expect(other.exec('SELECT sum(a) FROM t')[0]!.values[0]![0]).toBe(5);
    expect(db.exec('SELECT sum(a) FROM t')[0]!.values[0]![0]).toBe(3);
    db.close();
    other.close();
  });
});
