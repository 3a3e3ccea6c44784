/**
 * Runs a search over the index tables (resource_current + sp_*): one SQL statement, built only
 * from the whitelisted names of index-tables.ts and condition text made in conditions.ts from
 * constants; every value is a bound parameter. Used by both the vault and the memory store.
 */
import type { Database, SqlValue } from 'sql.js';
import type { CurrentQuery, LinkQuery } from '../store-backend';
import { INDEX_TABLES, ROWS_PER_RESOURCE, type IndexKind } from './index-tables';

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

/** `(SELECT tid ...)`: the type's integer id as a scalar subquery (NULL, matching nothing, when never stored). */
function typeIdSql(type: string, params: SqlValue[]): string {
  params.push(type);
  return '(SELECT tid FROM resource_type WHERE name = ?)';
}

/** `(SELECT pid ...)`: a parameter's integer id (search_param) as a scalar subquery. */
function paramIdSql(type: string, code: string, params: SqlValue[]): string {
  const tid = typeIdSql(type, params);
  params.push(code);
  return `(SELECT pid FROM search_param WHERE tid = ${tid} AND code = ?)`;
}

/** Index rows of one resource: its rowid range (search/index-tables.ts). */
function rowsOf(rowColumn: string, ridSql: string): string {
  return `${rowColumn} BETWEEN ${ridSql} * ${ROWS_PER_RESOURCE} AND ${ridSql} * ${ROWS_PER_RESOURCE} + ${ROWS_PER_RESOURCE - 1}`;
}

/** `SELECT rid ...` of the current `resourceType` resources matching `filter`, ignoring `negate`. */
function matchingRids(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  switch (filter.kind) {
    case 'chain': {
      const pid = paramIdSql(resourceType, filter.param, params);
      // Whatever positiveRids returns is of the target type, so the target rid alone says it.
      const targets = filter.targets.map(({ type, filter: inner }) => `target IN (${positiveRids(inner, type, params)})`);
      return `SELECT rowid >> 20 FROM sp_reference WHERE pid = ${pid} AND (${targets.join(' OR ')})`;
    }
    case 'has': {
      const pid = paramIdSql(filter.sourceType, filter.param, params);
      const tid = typeIdSql(resourceType, params);
      const sources = positiveRids(filter.filter, filter.sourceType, params);
      return `SELECT r.target FROM sp_reference r JOIN resource_key k ON k.rid = r.target WHERE r.pid = ${pid} AND k.tid = ${tid} AND (r.rowid >> 20) IN (${sources})`;
    }
    default: {
      const { view } = INDEX_TABLES[filter.kind];
      const pid = paramIdSql(resourceType, filter.param, params);
      for (const condition of filter.anyOf) params.push(...condition.values);
      const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
      return `SELECT row >> 20 FROM ${view} WHERE pid = ${pid} AND (${anyOf})`;
    }
  }
}

/** Like matchingRids, with `negate` applied: index rows exist only for current resources. */
function positiveRids(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  if (filter.kind !== 'chain' && filter.kind !== 'has' && filter.negate) {
    const tid = typeIdSql(resourceType, params);
    const excluded = matchingRids(filter, resourceType, params);
    return `SELECT rid FROM resource_current WHERE tid = ${tid} AND deleted = 0 AND rid NOT IN (${excluded})`;
  }
  return matchingRids(filter, resourceType, params);
}

function filterClause(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  const negate = filter.kind !== 'chain' && filter.kind !== 'has' && filter.negate;
  return `rc.rid ${negate ? 'NOT IN' : 'IN'} (${matchingRids(filter, resourceType, params)})`;
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
function sortTerm(key: SortKey, resourceType: string, params: SqlValue[]): string {
  const direction = key.descending ? 'DESC' : 'ASC';
  if (key.kind === 'id') return `rc.id ${direction}`;
  if (key.kind === 'lastUpdated') return `rc.last_updated_ms ${direction}`;
  const { view } = INDEX_TABLES[key.kind];
  const column = key.kind === 'date' && key.descending ? 'high' : SORT_COLUMN[key.kind];
  const pid = paramIdSql(resourceType, key.param ?? '', params);
  const aggregate = key.descending ? 'max' : 'min';
  // `+pid`: not the (pid, key) index, which would visit every row of the parameter, but the rowid range.
  return `(SELECT ${aggregate}(${column}) FROM ${view} WHERE ${rowsOf('row', 'rc.rid')} AND +pid = ${pid}) ${direction}`;
}

/**
 * The page of current, non-deleted rows of `query` (columns of resource_current_v as given, each
 * prefixed `rc.`), and the total count when asked. The conditions name only resource_current's
 * own columns, so the count reads that table alone.
 */
export function queryCurrent(db: Database, query: CurrentQuery, columns: readonly string[]): { rows: SqlValue[][]; total?: number } {
  const params: SqlValue[] = [];
  const where = [`rc.tid = ${typeIdSql(query.resourceType, params)}`, 'rc.deleted = 0'];
  if (query.ids) {
    if (query.ids.length === 0) return query.withTotal ? { rows: [], total: 0 } : { rows: [] };
    params.push(...query.ids);
    where.push(`rc.rid IN (SELECT rid FROM resource_key WHERE id IN (${query.ids.map(() => '?').join(', ')}) AND tid = ${typeIdSql(query.resourceType, params)})`);
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
  const order = (query.sort ?? []).map((key) => sortTerm(key, query.resourceType, orderParams));
  // The default order, then id: a stable order makes stable pages (search.html#paging).
  order.push('rc.last_updated_ms DESC', 'rc.id ASC');
  const select = columns.map((c) => `rc.${c}`).join(', ');
  const rows = selectRows(
    db,
    `SELECT ${select} FROM resource_current_v rc WHERE ${filter} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
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
  const params: SqlValue[] = [];
  if (query.direction === 'forward') {
    // Each source's rows are one rowid range (`+r.pid` keeps the planner off the parameter's index).
    const tid = typeIdSql(query.sourceType, params);
    params.push(...query.ids);
    const pid = paramIdSql(query.sourceType, query.param, params);
    let sql = `SELECT DISTINCT r.target_type, r.target_id FROM resource_key s JOIN sp_reference_v r ON ${rowsOf('r.row', 's.rid')}
      WHERE s.tid = ${tid} AND s.id IN (${marks}) AND +r.pid = ${pid} AND r.target IS NOT NULL`;
    if (query.targetType !== undefined) {
      sql += ' AND r.target_type = ?';
      params.push(query.targetType);
    }
    return selectRows(db, sql, params).map(([type, id]) => ({ resourceType: String(type), id: String(id) }));
  }
  const pid = paramIdSql(query.sourceType, query.param, params);
  const tid = typeIdSql(query.targetType ?? '', params);
  params.push(...query.ids);
  return selectRows(
    db,
    `SELECT DISTINCT s.id FROM sp_reference r JOIN resource_key s ON s.rid = r.rowid >> 20
     WHERE r.pid = ${pid} AND r.target IN (SELECT rid FROM resource_key WHERE tid = ${tid} AND id IN (${marks}))`,
    params,
  ).map(([id]) => ({ resourceType: query.sourceType, id: String(id) }));
}
