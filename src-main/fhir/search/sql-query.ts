/**
 * Runs a search over the index tables (resource_current + sp_*): one SQL statement, built only
 * from the whitelisted names of index-tables.ts and condition text made in conditions.ts from
 * constants; every value is a bound parameter. Used by both the vault and the memory store.
 */
import type { Database, SqlValue } from 'sql.js';
import type { CurrentQuery, LinkQuery } from '../store-backend';
import { INDEX_TABLES, type IndexKind } from './index-tables';

/** A condition on one index row; `sql` names only that table's columns. */
export interface RowCondition {
  sql: string;
  values: SqlValue[];
}

/** One search parameter occurrence: a resource matches when one of its rows meets one condition. */
export interface IndexFilter {
  kind: IndexKind;
  param: string;
  anyOf: RowCondition[];
  /** Match resources with no such row instead (:not, :missing=true). */
  negate: boolean;
}

/**
 * search.html#chaining: the reference parameter `param` points at a resource of one of the
 * `targets` types that matches that target's filter (ORed over the targets).
 */
export interface ChainFilter {
  kind: 'chain';
  param: string;
  targets: Array<{ type: string; filter: SearchFilter }>;
}

/** search.html#has: some `sourceType` resource whose `param` references this one matches `filter`. */
export interface HasFilter {
  kind: 'has';
  sourceType: string;
  param: string;
  filter: SearchFilter;
}

export type SearchFilter = IndexFilter | ChainFilter | HasFilter;

export interface SortKey {
  /** `id` and `lastUpdated` sort on the version table; the others on a parameter's index rows. */
  kind: IndexKind | 'id' | 'lastUpdated';
  param?: string;
  descending: boolean;
}

/** Runs one SELECT with bound values and frees the statement. */
export function selectRows(db: Database, sql: string, params: SqlValue[]): SqlValue[][] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const rows: SqlValue[][] = [];
    while (statement.step()) rows.push(statement.get());
    return rows;
  } finally {
    statement.free();
  }
}

/** `SELECT id ...` of the current `resourceType` resources matching `filter`, ignoring `negate`. */
function matchingIds(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  switch (filter.kind) {
    case 'chain': {
      params.push(resourceType, filter.param);
      const targets = filter.targets.map(({ type, filter: inner }) => {
        params.push(type);
        return `(target_type = ? AND target_id IN (${positiveIds(inner, type, params)}))`;
      });
      return `SELECT id FROM sp_reference WHERE type = ? AND param = ? AND (${targets.join(' OR ')})`;
    }
    case 'has': {
      params.push(filter.sourceType, filter.param, resourceType);
      const sources = positiveIds(filter.filter, filter.sourceType, params);
      return `SELECT target_id FROM sp_reference WHERE type = ? AND param = ? AND target_type = ? AND id IN (${sources})`;
    }
    default: {
      const { table } = INDEX_TABLES[filter.kind];
      params.push(resourceType, filter.param);
      for (const condition of filter.anyOf) params.push(...condition.values);
      const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
      return `SELECT id FROM ${table} WHERE type = ? AND param = ? AND (${anyOf})`;
    }
  }
}

/** Like matchingIds, with `negate` applied: index rows exist only for current resources. */
function positiveIds(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  if (filter.kind !== 'chain' && filter.kind !== 'has' && filter.negate) {
    params.push(resourceType);
    const excluded = matchingIds(filter, resourceType, params);
    return `SELECT id FROM resource_current WHERE type = ? AND deleted = 0 AND id NOT IN (${excluded})`;
  }
  return matchingIds(filter, resourceType, params);
}

function filterClause(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  const negate = filter.kind !== 'chain' && filter.kind !== 'has' && filter.negate;
  return `rc.id ${negate ? 'NOT IN' : 'IN'} (${matchingIds(filter, resourceType, params)})`;
}

const SORT_COLUMN: Record<IndexKind, string> = {
  string: 'norm',
  token: 'code',
  reference: 'url',
  date: 'low',
  number: 'value',
  quantity: 'value',
  uri: 'value',
};

/** search.html#sort: ascending by a parameter's smallest value, descending by its largest. */
function sortTerm(key: SortKey, params: SqlValue[]): string {
  const direction = key.descending ? 'DESC' : 'ASC';
  if (key.kind === 'id') return `rc.id ${direction}`;
  if (key.kind === 'lastUpdated') return `rc.last_updated_ms ${direction}`;
  const { table } = INDEX_TABLES[key.kind];
  const column = key.kind === 'date' && key.descending ? 'high' : SORT_COLUMN[key.kind];
  params.push(key.param ?? '');
  const aggregate = key.descending ? 'max' : 'min';
  return `(SELECT ${aggregate}(${column}) FROM ${table} WHERE type = rc.type AND id = rc.id AND param = ?) ${direction}`;
}

/**
 * The page of current, non-deleted rows of `query` (columns as given, each prefixed `rc.`),
 * and the total count when asked.
 */
export function queryCurrent(db: Database, query: CurrentQuery, columns: readonly string[]): { rows: SqlValue[][]; total?: number } {
  const where = ['rc.type = ?', 'rc.deleted = 0'];
  const params: SqlValue[] = [query.resourceType];
  if (query.ids) {
    if (query.ids.length === 0) return query.withTotal ? { rows: [], total: 0 } : { rows: [] };
    where.push(`rc.id IN (${query.ids.map(() => '?').join(', ')})`);
    params.push(...query.ids);
  }
  for (const condition of query.lastUpdated) {
    const parts: string[] = [];
    if (condition.startMs !== undefined) {
      parts.push('rc.last_updated_ms >= ?');
      params.push(condition.startMs);
    }
    if (condition.endMs !== undefined) {
      parts.push('rc.last_updated_ms < ?');
      params.push(condition.endMs);
    }
    if (parts.length === 0) continue;
    const clause = parts.join(' AND ');
    where.push(condition.negate ? `NOT (${clause})` : `(${clause})`);
  }
  for (const filter of query.filters ?? []) where.push(filterClause(filter, query.resourceType, params));
  const filter = where.join(' AND ');

  const orderParams: SqlValue[] = [];
  const order = (query.sort ?? []).map((key) => sortTerm(key, orderParams));
  // The default order, then id: a stable order makes stable pages (search.html#paging).
  order.push('rc.last_updated_ms DESC', 'rc.id ASC');
  const select = columns.map((c) => `rc.${c}`).join(', ');
  const rows = selectRows(
    db,
    `SELECT ${select} FROM resource_current rc WHERE ${filter} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
    [...params, ...orderParams, query.limit, query.offset],
  );
  if (!query.withTotal) return { rows };
  const unfiltered = !query.ids && query.lastUpdated.length === 0 && (query.filters ?? []).length === 0;
  const total = unfiltered
    ? Number(selectRows(db, 'SELECT count FROM resource_type_count WHERE type = ?', [query.resourceType])[0]?.[0] ?? 0)
    : Number(selectRows(db, `SELECT count(*) FROM resource_current rc WHERE ${filter}`, params)[0]?.[0] ?? 0);
  return { rows, total };
}

/** See LinkQuery: reads sp_reference rows (current resources only). */
export function queryLinks(db: Database, query: LinkQuery): Array<{ resourceType: string; id: string }> {
  if (query.ids.length === 0) return [];
  const marks = query.ids.map(() => '?').join(', ');
  if (query.direction === 'forward') {
    const params: SqlValue[] = [query.sourceType, query.param, ...query.ids];
    let sql = `SELECT DISTINCT target_type, target_id FROM sp_reference WHERE type = ? AND param = ? AND id IN (${marks}) AND target_id IS NOT NULL`;
    if (query.targetType !== undefined) {
      sql += ' AND target_type = ?';
      params.push(query.targetType);
    }
    return selectRows(db, sql, params).map(([type, id]) => ({ resourceType: String(type), id: String(id) }));
  }
  const params: SqlValue[] = [query.sourceType, query.param, query.targetType ?? '', ...query.ids];
  return selectRows(
    db,
    `SELECT DISTINCT id FROM sp_reference WHERE type = ? AND param = ? AND target_type = ? AND target_id IN (${marks})`,
    params,
  ).map(([id]) => ({ resourceType: query.sourceType, id: String(id) }));
}
