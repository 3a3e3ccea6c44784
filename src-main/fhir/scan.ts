/**
 * Keyset scan of the current resources of one type (bulk export reads every resource this way):
 * each page starts strictly after the last row of the previous one, in (lastUpdated, rid) order,
 * on the projector's index resource_current_recent (tid, deleted, last_updated_ms). A page costs
 * the same at row 10 and at row 1,000,000, where `_offset` paging would re-read every row before.
 * Both stores keep the projector's tables, so both answer with this one query.
 */
import type { Database, SqlValue } from 'sql.js';
import { selectRows } from './search/sql-query';

/** Where a scan resumes: the (lastUpdated ms, rid) of the last row already read. */
export interface ScanKey {
  lastUpdatedMs: number;
  rid: number;
}

export interface ScanQuery {
  resourceType: string;
  /** `_since`: only resources last updated at or after this instant (ms). */
  sinceMs?: number;
  /** Resume strictly after this key; absent: from the start. */
  after?: ScanKey;
  /** Rows to return (at least 1). */
  limit: number;
  /** Deleted resources (their current version is the deletion) instead of live ones (sync's push plan). */
  deleted?: boolean;
}

/** Columns read from resource_current_v; rid and last_updated_ms are always added last (the key). */
export type ScanColumn = 'type' | 'id' | 'version' | 'last_updated' | 'deleted' | 'method' | 'hash' | 'seg' | 'off' | 'len';

/** The page query of scanCurrentRows (exported so a test can check its plan keeps the index). */
export function scanSql(query: ScanQuery, columns: readonly ScanColumn[]): { sql: string; params: SqlValue[] } {
  if (!Number.isInteger(query.limit) || query.limit < 1) throw new RangeError('scan limit must be a whole number >= 1');
  const where = ['c.tid = (SELECT tid FROM resource_type WHERE name = ?)', query.deleted ? 'c.deleted = 1' : 'c.deleted = 0'];
  const params: SqlValue[] = [query.resourceType];
  if (query.sinceMs !== undefined) {
    where.push('c.last_updated_ms >= ?');
    params.push(query.sinceMs);
  }
  if (query.after) {
    // Spelled out rather than as a row value so the planner keeps the index range on last_updated_ms.
    where.push('c.last_updated_ms >= ? AND (c.last_updated_ms > ? OR c.rid > ?)');
    params.push(query.after.lastUpdatedMs, query.after.lastUpdatedMs, query.after.rid);
  }
  const selected = columns.map((column) => `v.${column}`).join(', ');
  const sql = `SELECT ${selected}${columns.length > 0 ? ', ' : ''}c.rid, c.last_updated_ms
    FROM resource_current c JOIN resource_current_v v ON v.rid = c.rid
    WHERE ${where.join(' AND ')}
    ORDER BY c.last_updated_ms ASC, c.rid ASC LIMIT ?`;
  params.push(query.limit);
  return { sql, params };
}

/**
 * One page of non-deleted (or, with `deleted`, deleted) current rows of the type: `columns` followed by the row's key.
 * The SQL names only whitelisted columns; every value is a bound parameter.
 */
export function scanCurrentRows(
  db: Database,
  query: ScanQuery,
  columns: readonly ScanColumn[],
): Array<{ row: SqlValue[]; key: ScanKey }> {
  const { sql, params } = scanSql(query, columns);
  return selectRows(db, sql, params).map((row) => {
    const lastUpdatedMs = Number(row[row.length - 1]);
    const rid = Number(row[row.length - 2]);
    return { row: row.slice(0, columns.length), key: { lastUpdatedMs, rid } };
  });
}
