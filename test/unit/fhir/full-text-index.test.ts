/**
 * The full-text table's write side (search/index-tables.ts TEXT_TABLE): docids keep the rid in
 * their low bits and the version above it, and one apply's documents, updates included, reach
 * FTS4 in docid order so that they make one segment.
 */
import { describe, expect, it } from 'vitest';
import type { IndexRows } from '../../../src-main/fhir/search/extract';
import { indexSchema, IndexWriter, KeyRegistry, TEXT_TABLE, textDocId, textDocRid } from '../../../src-main/fhir/search/index-tables';
import { selectRows } from '../../../src-main/fhir/search/sql-query';
import { loadSqlJs } from '../../../src-main/vault/sqljs';

function rowsWithText(content: string, narrative = ''): IndexRows {
  return { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [], text: { content, narrative } };
}

describe('full-text documents', () => {
  it('docids: the rid in the low 33 bits, the version above; SQL reads the rid back', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      expect(textDocId(5, 1)).toBe(2 ** 33 + 5);
      expect(textDocId(2 ** 33 - 1, 2 ** 20 - 1)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
      // Versions wrap at 2^20, as the sp_* rowids' row numbers do.
      expect(textDocId(7, 2 ** 20 + 3)).toBe(textDocId(7, 3));
      const big = textDocId(2 ** 33 - 1, 2 ** 20 - 1);
      expect(selectRows(db, `SELECT ${textDocRid('CAST(? AS INTEGER)')}`, [big])[0]![0]).toBe(2 ** 33 - 1);
    } finally {
      db.close();
    }
  });

  it('writes one apply’s documents as one FTS4 segment, in docid order, even across removals', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    try {
      for (const statement of indexSchema()) db.run(statement);
      const segments = () => Number(selectRows(db, `SELECT count(*) FROM ${TEXT_TABLE}_segdir`, [])[0]![0]);
      const apply = (write: (writer: IndexWriter) => void) => {
        db.run('BEGIN');
        const writer = new IndexWriter(db, new KeyRegistry(db));
        try {
          write(writer);
          writer.flush();
        } finally {
          writer.free();
        }
        db.run('COMMIT');
      };
      apply((w) => {
        for (let rid = 1; rid <= 20; rid++) w.insert(rid, 1, 1, rowsWithText(`alpha word${rid}`));
      });
      expect(segments()).toBe(1);
      // Updates (a removal, then the new version) of old resources among new ones: their docids
      // (version 2) sort after the new resources' (version 1) whatever the order of the writes.
      apply((w) => {
        for (let rid = 1; rid <= 10; rid++) {
          w.remove(rid);
          w.insert(rid, 1, 2, rowsWithText(`beta word${rid}`, `narrative${rid}`));
          w.insert(100 + rid, 1, 1, rowsWithText(`gamma word${rid}`));
        }
      });
      expect(segments()).toBe(2);
      const docs = (match: string) => selectRows(db, `SELECT docid FROM ${TEXT_TABLE} WHERE ${TEXT_TABLE} MATCH ?`, [match]).map(([d]) => Number(d));
      expect(docs('beta')).toEqual(Array.from({ length: 10 }, (_, i) => textDocId(i + 1, 2)));
      expect(docs('gamma')).toEqual(Array.from({ length: 10 }, (_, i) => textDocId(101 + i, 1)));
      // Stale documents stay (contentless FTS4); queries keep the current version's docid.
      expect(docs('word3')).toEqual([textDocId(3, 1), textDocId(103, 1), textDocId(3, 2)]);
      // Column filters still tell narrative from content.
      expect(selectRows(db, `SELECT docid FROM ${TEXT_TABLE} WHERE narrative MATCH ?`, ['narrative4']).map(([d]) => Number(d))).toEqual([textDocId(4, 2)]);
      expect(selectRows(db, `SELECT docid FROM ${TEXT_TABLE} WHERE narrative MATCH ?`, ['beta'])).toEqual([]);
    } finally {
      db.close();
    }
  });
});
