/**
 * Runs a search over the index tables (resource_current + sp_*): one SQL statement, built only
 * from the whitelisted names of index-tables.ts and condition text made in conditions.ts from
 * constants; every value is a bound parameter. Used by both the vault and the memory store.
 */
import type { Database, SqlValue } from 'sql.js';
import type { CurrentQuery, LastUpdatedCondition, LinkQuery } from '../store-backend';
import type { TerminologyFilter } from './terminology';
import { builtinRids, type BuiltinFilter } from './builtin';
import { nearRids, type NearFilter } from './near';
import { INDEX_TABLES, ROWS_PER_RESOURCE, TEXT_TABLE, type IndexKind } from './index-tables';

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

/** One component's condition within a composite (its rows have param `<code>$<n>`). */
export interface ComponentCondition {
  kind: IndexKind;
  param: string;
  condition: RowCondition;
}

/**
 * search.html#composite: some element of the resource (one `grp` of one resource) has rows meeting
 * every component's condition. `anyOf` holds the comma-separated alternatives, ORed.
 */
export interface CompositeFilter {
  kind: 'composite';
  param: string;
  anyOf: ReadonlyArray<readonly ComponentCondition[]>;
}

/**
 * search.html#_text, #_content: FTS4 MATCH expressions (search/text-query.ts), ORed, on the
 * narrative column or on the whole document (narrative and content).
 */
export interface TextFilter {
  kind: 'text';
  column: 'narrative' | 'all';
  anyOf: readonly string[];
}

/**
 * Any of several filters (each with its own parameter): e.g. a compartment
 * (compartmentdefinition.html: `Patient/123/Observation` = subject OR performer ... is Patient/123).
 */
export interface AnyOfFilter {
  kind: 'or';
  anyOf: readonly SearchFilter[];
}

/** `TerminologyFilter` (search/terminology.ts) is resolved to an IndexFilter before any SQL is built. */
export type SearchFilter = IndexFilter | ChainFilter | HasFilter | CompositeFilter | TextFilter | TerminologyFilter | AnyOfFilter | BuiltinFilter | NearFilter;

/** Whether the filter matches the resources WITHOUT a matching row (:not, :missing=true). */
function isNegated(filter: SearchFilter): boolean {
  return 'negate' in filter && filter.negate;
}

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
    case 'composite':
      return filter.anyOf.map((components) => compositeRids(components, resourceType, params)).join(' UNION ');
    case 'text':
      return filter.anyOf.map((match) => textRids(filter.column, match, params)).join(' UNION ');
    case 'builtin':
      return builtinRids(filter, resourceType, params);
    case 'near':
      return nearRids(filter, paramIdSql(resourceType, filter.param, params), params);
    case 'terminology':
      throw new Error('A terminology filter reached SQL unresolved (resolveTerminology runs first)');
    case 'or':
      if (filter.anyOf.length === 0) return 'SELECT NULL WHERE 0';
      return filter.anyOf.map((inner) => positiveRids(inner, resourceType, params)).join(' UNION ');
    default: {
      const { view } = INDEX_TABLES[filter.kind];
      const pid = paramIdSql(resourceType, filter.param, params);
      for (const condition of filter.anyOf) params.push(...condition.values);
      const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
      return `SELECT row >> 20 FROM ${view} WHERE pid = ${pid} AND (${anyOf})`;
    }
  }
}

/**
 * search.html#composite: rids having, in one group, a row of each component meeting its condition.
 * Each component is a nested `(rid, grp) IN (...)` so that its condition names only its own view.
 */
function compositeRids(components: readonly ComponentCondition[], resourceType: string, params: SqlValue[], index = 0): string {
  const { kind, param, condition } = components[index]!;
  const { view } = INDEX_TABLES[kind];
  const pid = paramIdSql(resourceType, param, params);
  params.push(...condition.values);
  const rest = index + 1 < components.length ? ` AND (row >> 20, grp) IN (${compositeRids(components, resourceType, params, index + 1)})` : '';
  return `SELECT ${index === 0 ? 'row >> 20' : 'row >> 20, grp'} FROM ${view} WHERE pid = ${pid} AND (${condition.sql})${rest}`;
}

/**
 * search.html#_text / #_content: documents matching the FTS4 expression that belong to the
 * current version (a contentless FTS4 table keeps older versions' documents: index-tables.ts).
 */
function textRids(column: TextFilter['column'], match: string, params: SqlValue[]): string {
  params.push(match);
  const target = column === 'narrative' ? 'narrative' : TEXT_TABLE;
  return `SELECT docid >> 20 FROM ${TEXT_TABLE} WHERE ${target} MATCH ?
    AND docid = (SELECT rid * ${ROWS_PER_RESOURCE} + version % ${ROWS_PER_RESOURCE} FROM resource_current WHERE rid = docid >> 20)`;
}

/** Like matchingRids, with `negate` applied: index rows exist only for current resources. */
function positiveRids(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  if (isNegated(filter)) {
    const tid = typeIdSql(resourceType, params);
    const excluded = matchingRids(filter, resourceType, params);
    return `SELECT rid FROM resource_current WHERE tid = ${tid} AND deleted = 0 AND rid NOT IN (${excluded})`;
  }
  return matchingRids(filter, resourceType, params);
}

/**
 * The filter as a test on the one resource `rc.rid` (its rowid range, `+pid` off the (pid, key)
 * index): cheap per resource, where `rc.rid IN (...)` would first collect every match. Index
 * filters only; the other kinds use filterClause.
 */
function correlatedClause(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  if (filter.kind !== 'token' && filter.kind !== 'string' && filter.kind !== 'reference' && filter.kind !== 'date' && filter.kind !== 'number' && filter.kind !== 'quantity' && filter.kind !== 'uri') {
    return filterClause(filter, resourceType, params);
  }
  const { view } = INDEX_TABLES[filter.kind];
  const pid = paramIdSql(resourceType, filter.param, params);
  for (const condition of filter.anyOf) params.push(...condition.values);
  const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
  return `${filter.negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${view} WHERE ${rowsOf('row', 'rc.rid')} AND +pid = ${pid} AND (${anyOf}))`;
}

function filterClause(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  return `rc.rid ${isNegated(filter) ? 'NOT IN' : 'IN'} (${matchingRids(filter, resourceType, params)})`;
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

/** `_lastUpdated` in [startMs, endMs) (or not), on `rc.last_updated_ms`; undefined when open on both ends. */
function lastUpdatedClause(condition: LastUpdatedCondition, params: SqlValue[]): string | undefined {
  const parts: string[] = [];
  if (condition.startMs !== undefined) {
    parts.push('rc.last_updated_ms >= ?');
    params.push(condition.startMs);
  }
  if (condition.endMs !== undefined) {
    parts.push('rc.last_updated_ms < ?');
    params.push(condition.endMs);
  }
  if (parts.length === 0) return undefined;
  const clause = parts.join(' AND ');
  return condition.negate ? `NOT (${clause})` : `(${clause})`;
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
    const clause = lastUpdatedClause(condition, params);
    if (clause) where.push(clause);
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
  if (query.estimateTotal) {
    const estimate = estimatedTotal(db, query);
    if (estimate !== undefined) return { rows, total: estimate };
  }
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

/** `_total=estimate` samples this many resources of the type at most; a smaller type is counted exactly. */
export const ESTIMATE_SAMPLE = 1000;
/** Sample points tried at most (points landing on other types' rids are skipped). */
const MAX_SAMPLE_POINTS = 20 * ESTIMATE_SAMPLE;
/** The golden ratio's fractional part: the step of the sample's Weyl sequence. */
const GOLDEN = 0.6180339887498949;

/**
 * search.html#_total `estimate`: the share of matches among about ESTIMATE_SAMPLE resources of the
 * type, spread evenly over its rid range (each tested alone: correlatedClause), times the type's
 * live count. It reads O(sample) rows where the exact count reads every match of every filter.
 * Undefined (count exactly) when the type is small, or too few sample points land on it.
 */
function estimatedTotal(db: Database, query: CurrentQuery): number | undefined {
  const all = Number(selectRows(db, 'SELECT count FROM resource_type_count WHERE type = ?', [query.resourceType])[0]?.[0] ?? 0);
  if (all <= ESTIMATE_SAMPLE) return undefined;
  const range = selectRows(
    db,
    'SELECT min(rid), max(rid) FROM resource_current WHERE tid = (SELECT tid FROM resource_type WHERE name = ?) AND deleted = 0',
    [query.resourceType],
  )[0];
  const [low, high] = [Number(range?.[0]), Number(range?.[1])];
  if (!Number.isFinite(low) || !Number.isFinite(high)) return undefined;
  // Enough points for ESTIMATE_SAMPLE hits if the type's rids are spread evenly over the range.
  const span = high - low + 1;
  const points = Math.min(MAX_SAMPLE_POINTS, Math.ceil((ESTIMATE_SAMPLE * span) / all));
  const params: SqlValue[] = [points, low, span];
  const where = [`rc.tid = ${typeIdSql(query.resourceType, params)}`, 'rc.deleted = 0'];
  if (query.ids) {
    params.push(...query.ids);
    where.push(`rc.rid IN (SELECT rid FROM resource_key WHERE id IN (${query.ids.map(() => '?').join(', ')}) AND tid = ${typeIdSql(query.resourceType, params)})`);
  }
  for (const condition of query.lastUpdated) {
    const clause = lastUpdatedClause(condition, params);
    if (clause) where.push(clause);
  }
  const matchParams: SqlValue[] = [];
  const tests = (query.filters ?? []).map((filter) => correlatedClause(filter, query.resourceType, matchParams));
  const matches = tests.length > 0 ? tests.join(' AND ') : '1';
  const [sampled, matched] = selectRows(
    db,
    // CROSS JOIN: SQLite keeps this order (the points drive rowid lookups; never a scan of the type).
    // Point k is at the fraction {k·φ} of the range (a Weyl sequence): spread evenly, yet with no
    // fixed step that a periodic pattern in the rids (every 10th resource...) could alias with.
    `WITH RECURSIVE point(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM point WHERE k + 1 < ?),
       sample(r) AS (SELECT DISTINCT ? + CAST((k * ${GOLDEN} - CAST(k * ${GOLDEN} AS INTEGER)) * ? AS INTEGER) FROM point)
     SELECT count(*), coalesce(sum(CASE WHEN ${matches} THEN 1 ELSE 0 END), 0)
     FROM sample CROSS JOIN resource_current rc ON rc.rid = sample.r WHERE ${where.join(' AND ')}`,
    // The CASE sits in the SELECT list, before WHERE: its values come first after the CTE's.
    [...params.slice(0, 3), ...matchParams, ...params.slice(3)],
  )[0] ?? [0, 0];
  // Under a hundred sample hits the share is too coarse; the exact count is then also cheap enough.
  if (Number(sampled) < 100) return undefined;
  return Math.round((Number(matched) / Number(sampled)) * all);
}
