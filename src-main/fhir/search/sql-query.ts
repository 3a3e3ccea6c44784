/**
 * Runs a search over the index tables (resource_current + sp_*): one SQL statement, built only
 * from the whitelisted names of index-tables.ts and condition text made in conditions.ts from
 * constants; every value is a bound parameter. Used by both the vault and the memory store.
 */
import type { Database, SqlValue } from 'sql.js';
import type { CurrentQuery, LastUpdatedCondition, LinkQuery } from '../store-backend';
import type { TerminologyFilter } from './terminology';
import { builtinRids, type BuiltinFilter } from './builtin';
import { dateDriverSql, dateRowsSql } from './date-plan';
import { nearRids, type NearFilter } from './near';
import { hierarchyRids, type HierarchyFilter } from './hierarchy';
import { currentTextDocId, INDEX_TABLES, ROWS_PER_RESOURCE, TEXT_TABLE, textDocRid, type IndexKind } from './index-tables';

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
export type SearchFilter =
  | IndexFilter
  | ChainFilter
  | HasFilter
  | CompositeFilter
  | TextFilter
  | TerminologyFilter
  | AnyOfFilter
  | BuiltinFilter
  | NearFilter
  | HierarchyFilter;

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

/**
 * `(SELECT psid ...)`: the parameter sets holding a parameter, for `psid IN`. An index row carries
 * the set of the parameters that share its value in its resource (search/index-tables.ts).
 */
function paramSetsSql(type: string, code: string, params: SqlValue[]): string {
  return `(SELECT psid FROM param_set_member WHERE pid = ${paramIdSql(type, code, params)})`;
}

/** Index rows of one resource: its rowid range (search/index-tables.ts). */
function rowsOf(rowColumn: string, ridSql: string): string {
  return `${rowColumn} BETWEEN ${ridSql} * ${ROWS_PER_RESOURCE} AND ${ridSql} * ${ROWS_PER_RESOURCE} + ${ROWS_PER_RESOURCE - 1}`;
}

/** `SELECT rid ...` of the current `resourceType` resources matching `filter`, ignoring `negate`. */
function matchingRids(filter: SearchFilter, resourceType: string, params: SqlValue[]): string {
  switch (filter.kind) {
    case 'chain': {
      const sets = paramSetsSql(resourceType, filter.param, params);
      // Whatever positiveRids returns is of the target type, so the target rid alone says it.
      const targets = filter.targets.map(({ type, filter: inner }) => `target IN (${positiveRids(inner, type, params)})`);
      return `SELECT rowid >> 20 AS rid FROM sp_reference WHERE psid IN ${sets} AND (${targets.join(' OR ')})`;
    }
    case 'has': {
      const sources = positiveRids(filter.filter, filter.sourceType, params);
      const sets = paramSetsSql(filter.sourceType, filter.param, params);
      const tid = typeIdSql(resourceType, params);
      // From the matching sources to their rows (a rowid range each): the sources are at most as
      // many as the parameter's rows, which `r.psid IN ...` would scan.
      return `SELECT r.target AS rid FROM (${sources}) src CROSS JOIN sp_reference r ON ${rowsOf('r.rowid', 'src.rid')}
        JOIN resource_key k ON k.rid = r.target WHERE +r.psid IN ${sets} AND k.tid = ${tid}`;
    }
    case 'composite':
      return filter.anyOf.map((components) => compositeRids(components, resourceType, params)).join(' UNION ');
    case 'text':
      return filter.anyOf.map((match) => textRids(filter.column, match, params)).join(' UNION ');
    case 'builtin':
      return builtinRids(filter, resourceType, params);
    case 'near':
      // Named `rid` like every other branch (probes and _has sources read that column).
      return `SELECT rid FROM (WITH near_rows(rid) AS (${nearRids(filter, paramIdSql(resourceType, filter.param, params), params)}) SELECT rid FROM near_rows)`;
    case 'hierarchy':
      return hierarchyRids(
        filter,
        resourceType,
        (type, code) => paramSetsSql(type, code, params),
        (type) => typeIdSql(type, params),
        params,
      );
    case 'terminology':
      throw new Error('A terminology filter reached SQL unresolved (resolveTerminology runs first)');
    case 'or':
      if (filter.anyOf.length === 0) return 'SELECT NULL AS rid WHERE 0';
      return filter.anyOf.map((inner) => positiveRids(inner, resourceType, params)).join(' UNION ');
    case 'date':
      return dateRowsSql('rowid >> 20 AS rid', filter.anyOf, () => paramSetsSql(resourceType, filter.param, params), params);
    default: {
      const { view } = INDEX_TABLES[filter.kind];
      const sets = paramSetsSql(resourceType, filter.param, params);
      for (const condition of filter.anyOf) params.push(...condition.values);
      const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
      return `SELECT row >> 20 AS rid FROM ${view} WHERE psid IN ${sets} AND (${anyOf})`;
    }
  }
}

/**
 * search.html#composite: rids having, in one group, a row of each component meeting its condition.
 * Each component is a nested `(rid, grp) IN (...)` so that its condition names only its own view.
 */
function compositeRids(components: readonly ComponentCondition[], resourceType: string, params: SqlValue[], index = 0): string {
  const { kind, param, condition } = components[index]!;
  if (kind === 'date') {
    // sp_date has no (psid, low) index: its rows by span class (search/date-plan.ts).
    const rows = dateRowsSql('rowid >> 20 AS rid, grp', [condition], () => paramSetsSql(resourceType, param, params), params);
    const rest = index + 1 < components.length ? ` WHERE (rid, grp) IN (${compositeRids(components, resourceType, params, index + 1)})` : '';
    return `SELECT ${index === 0 ? 'rid' : 'rid, grp'} FROM (${rows})${rest}`;
  }
  const { view } = INDEX_TABLES[kind];
  const sets = paramSetsSql(resourceType, param, params);
  params.push(...condition.values);
  const rest = index + 1 < components.length ? ` AND (row >> 20, grp) IN (${compositeRids(components, resourceType, params, index + 1)})` : '';
  return `SELECT ${index === 0 ? 'row >> 20 AS rid' : 'row >> 20, grp'} FROM ${view} WHERE psid IN ${sets} AND (${condition.sql})${rest}`;
}

/**
 * search.html#_text / #_content: documents matching the FTS4 expression that belong to the
 * current version (a contentless FTS4 table keeps older versions' documents: index-tables.ts).
 */
function textRids(column: TextFilter['column'], match: string, params: SqlValue[]): string {
  params.push(match);
  const target = column === 'narrative' ? 'narrative' : TEXT_TABLE;
  return `SELECT ${textDocRid('docid')} AS rid FROM ${TEXT_TABLE} WHERE ${target} MATCH ?
    AND docid = (SELECT ${currentTextDocId('c')} FROM resource_current c WHERE c.rid = ${textDocRid('docid')})`;
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
 * The filter as a test on the one resource `ridSql` (its rowid range, `+psid` off the (psid, key)
 * index): cheap per resource, where `rid IN (...)` would first collect every match. Index,
 * chain and _has filters; the other kinds (and negated chains) use filterClause.
 */
function correlatedClause(filter: SearchFilter, resourceType: string, params: SqlValue[], ridSql = 'rc.rid'): string {
  switch (filter.kind) {
    case 'token':
    case 'string':
    case 'reference':
    case 'date':
    case 'number':
    case 'quantity':
    case 'uri': {
      const { view } = INDEX_TABLES[filter.kind];
      const sets = paramSetsSql(resourceType, filter.param, params);
      for (const condition of filter.anyOf) params.push(...condition.values);
      const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
      return `${filter.negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${view} WHERE ${rowsOf('row', ridSql)} AND +psid IN ${sets} AND (${anyOf}))`;
    }
    case 'chain': {
      // The resource's own reference rows, their targets tested against the (small, once-built) target sets.
      const sets = paramSetsSql(resourceType, filter.param, params);
      const targets = filter.targets.map(({ type, filter: inner }) => `r.target IN (${positiveRids(inner, type, params)})`);
      return `EXISTS (SELECT 1 FROM sp_reference r WHERE ${rowsOf('r.rowid', ridSql)} AND +r.psid IN ${sets} AND (${targets.join(' OR ')}))`;
    }
    case 'has': {
      // The sources pointing here (the (psid, target) index), each tested alone.
      const sets = paramSetsSql(filter.sourceType, filter.param, params);
      const source = correlatedClause(filter.filter, filter.sourceType, params, '(h.rowid >> 20)');
      return `EXISTS (SELECT 1 FROM sp_reference h WHERE h.psid IN ${sets} AND h.target = ${ridSql} AND ${source})`;
    }
    default:
      return filterClause(filter, resourceType, params, ridSql);
  }
}

function filterClause(filter: SearchFilter, resourceType: string, params: SqlValue[], ridSql = 'rc.rid'): string {
  return `${ridSql} ${isNegated(filter) ? 'NOT IN' : 'IN'} (${matchingRids(filter, resourceType, params)})`;
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
  // The page's own statement reads resource_current only (pageOf): the id is the key's.
  if (key.kind === 'id') return `(SELECT id FROM resource_key WHERE rid = rc.rid) ${direction}`;
  if (key.kind === 'lastUpdated') return `rc.last_updated_ms ${direction}`;
  const { view } = INDEX_TABLES[key.kind];
  const column = key.kind === 'date' && key.descending ? 'high' : SORT_COLUMN[key.kind];
  const sets = paramSetsSql(resourceType, key.param ?? '', params);
  const aggregate = key.descending ? 'max' : 'min';
  // `+psid`: not the (psid, key) index, which would visit every row of the parameter, but the rowid range.
  return `(SELECT ${aggregate}(${column}) FROM ${view} WHERE ${rowsOf('row', 'rc.rid')} AND +psid IN ${sets}) ${direction}`;
}

/** `_lastUpdated` in [startMs, endMs) (or not), on `column`; undefined when open on both ends. */
function lastUpdatedClause(condition: LastUpdatedCondition, params: SqlValue[], column = 'rc.last_updated_ms'): string | undefined {
  const parts: string[] = [];
  if (condition.startMs !== undefined) {
    parts.push(`${column} >= ?`);
    params.push(condition.startMs);
  }
  if (condition.endMs !== undefined) {
    parts.push(`${column} < ?`);
    params.push(condition.endMs);
  }
  if (parts.length === 0) return undefined;
  const clause = parts.join(' AND ');
  return condition.negate ? `NOT (${clause})` : `(${clause})`;
}

/**
 * A filter whose matches are fewer than this drives the search: its matches are collected, the
 * other filters tested on each, and they are sorted. With no such filter the page walks the type
 * in the default order and stops once it is full (docs/search.md, "Plans").
 */
export const DRIVER_LIMIT = 2000;
/** A probe finding at most this many matches ends the probing: no other filter can do much better. */
const SMALL_DRIVER = 100;

/**
 * How a search reads its matches:
 * - `driver`: the rids of `sql` (the ids, the fewest-matching filter's, or the intersection of the
 *   filters under DRIVER_LIMIT) drive; `drivers` are the filters `sql` applies.
 * - `walk`: the type's resources in the default order (the (tid, deleted, last_updated_ms) index),
 *   each tested alone; no sort, and the page stops the walk.
 * - `sorted`: an explicit `_sort` or a deep page over many matches: every match is collected and sorted.
 */
type SearchPlan =
  | { kind: 'driver'; sql: string; params: SqlValue[]; drivers?: readonly SearchFilter[]; matches?: number }
  | { kind: 'walk' }
  | { kind: 'sorted' }
  | { kind: 'trial'; bound?: TrialBound };

/** The TRIAL_WALK-th resource of the type in the default order: the trial walks no further. */
interface TrialBound {
  lastUpdatedMs: number;
  rid: number;
}

/** Marks the trial's statements (test/unit/fhir/search-plan.test.ts tells them apart by it). */
const TRIAL_MARK = '/* trial walk */';

/**
 * Resources a trial walk tests before the planner probes anything: when the filters match often,
 * the page is found among the newest few hundred resources of the type (docs/search.md, "Plans").
 */
export const TRIAL_WALK = 1000;
/** The trial serves pages ending this deep at most (`_offset + _count`): a tenth of what it reads. */
const TRIAL_PAGE_END = TRIAL_WALK / 10;

/** Positive date filters by parameter, for the parameters filtered more than once. */
function dateGroups(filters: readonly SearchFilter[]): IndexFilter[][] {
  const byParam = new Map<string, IndexFilter[]>();
  for (const filter of filters) {
    if (filter.kind !== 'date' || filter.negate) continue;
    byParam.set(filter.param, [...(byParam.get(filter.param) ?? []), filter]);
  }
  return [...byParam.values()].filter((group) => group.length > 1);
}

/** How many distinct rids `sql` (a `SELECT ... AS rid`) yields, counting up to `limit` only. */
function boundedCount(db: Database, sql: string, params: SqlValue[], limit: number): number {
  return Number(selectRows(db, `SELECT count(*) FROM (SELECT DISTINCT rid FROM (${sql}) LIMIT ?)`, [...params, limit])[0]?.[0] ?? 0);
}

/** Filters whose matching rids are exactly the current resources of the type meeting them. */
function isRowFilter(filter: SearchFilter): boolean {
  return (filter.kind in INDEX_TABLES || filter.kind === 'chain') && !isNegated(filter);
}

/**
 * Picks the plan: bounded counts of the positive filters' matches (cheap: each stops at DRIVER_LIMIT).
 * When several index or chain filters each match fewer than `probeLimit`, their rid sets are
 * intersected (one read of each filter's index range, the same rows the probes read) rather than
 * testing the others on each of the fewest-matching filter's candidates: `family=...&given=...`
 * at a million resources is ~600 and ~1,600 rows, which per-candidate tests read ~15 rows each for.
 */
function choosePlan(db: Database, query: CurrentQuery, probeLimit = DRIVER_LIMIT, probed: (filter: SearchFilter) => boolean = () => true): SearchPlan {
  if (query.ids) {
    const params: SqlValue[] = [...query.ids];
    const sql = `SELECT rid FROM resource_key WHERE id IN (${query.ids.map(() => '?').join(', ')}) AND tid = ${typeIdSql(query.resourceType, params)}`;
    return { kind: 'driver', sql, params };
  }
  interface Probe {
    sql: string;
    params: SqlValue[];
    drivers: SearchFilter[];
    count: number;
  }
  const probes: Probe[] = [];
  let best: Probe | undefined;
  const consider = (sql: string, params: SqlValue[], drivers: SearchFilter[]): boolean => {
    const probe = { sql, params, drivers, count: boundedCount(db, sql, params, probeLimit) };
    probes.push(probe);
    if (!best || probe.count < best.count) best = probe;
    return probe.count <= SMALL_DRIVER;
  };
  // Several date filters on one parameter (a range) together bound an index range, where each
  // alone (`ge`, `lt`...) matches about half the rows: they are probed together only.
  const grouped = new Set<SearchFilter>();
  for (const group of dateGroups(query.filters ?? [])) {
    const params: SqlValue[] = [];
    const sql = dateDriverSql(group, () => paramSetsSql(query.resourceType, group[0]!.param, params), params);
    if (sql === undefined) continue;
    for (const filter of group) grouped.add(filter);
    // The candidates are a superset: the date filters are tested again on each.
    if (consider(sql, params, [])) break;
  }
  for (const filter of query.filters ?? []) {
    if (best && best.count <= SMALL_DRIVER) break;
    if (isNegated(filter) || grouped.has(filter) || !probed(filter)) continue;
    const params: SqlValue[] = [];
    if (consider(matchingRids(filter, query.resourceType, params), params, [filter])) break;
  }
  if (best && best.count < probeLimit) {
    let driver: Probe = best;
    const others = probes.filter((p) => p !== best && p.count < probeLimit && p.drivers.length === 1 && isRowFilter(p.drivers[0]!));
    if (best.count > SMALL_DRIVER && best.drivers.length === 1 && isRowFilter(best.drivers[0]!) && others.length > 0) {
      const parts = [best, ...others];
      const sql = parts.map((p) => `SELECT rid FROM (${p.sql})`).join(' INTERSECT ');
      const params = parts.flatMap((p) => p.params);
      driver = { sql, params, drivers: parts.flatMap((p) => p.drivers), count: boundedCount(db, sql, params, probeLimit) };
    }
    const { sql, params, drivers, count } = driver;
    // The probe counted the matches when the drivers are the only tests and their rows are all of
    // current resources of the type (index and chain rows are; `_has` targets and ids may not be).
    const exact = drivers.length > 0 && drivers.length === (query.filters ?? []).length && query.lastUpdated.length === 0 && drivers.every(isRowFilter);
    return exact ? { kind: 'driver', sql, params, drivers, matches: count } : { kind: 'driver', sql, params, drivers };
  }
  // A walk tests every resource it passes, the skipped ones too: deep pages collect the matches instead.
  return (query.sort ?? []).length > 0 || query.offset >= DRIVER_LIMIT ? { kind: 'sorted' } : { kind: 'walk' };
}

/**
 * Where the trial walk stops: the type's TRIAL_WALK-th resource in the default order (the walk's
 * index alone, TRIAL_WALK entries), or undefined when the type has fewer (the trial is then the
 * whole walk).
 */
function trialBound(db: Database, query: CurrentQuery): TrialBound | undefined {
  const params: SqlValue[] = [];
  const where = [`c.tid = ${typeIdSql(query.resourceType, params)}`, 'c.deleted = 0'];
  for (const condition of query.lastUpdated) {
    const clause = lastUpdatedClause(condition, params, 'c.last_updated_ms');
    if (clause) where.push(clause);
  }
  const row = selectRows(
    db,
    `SELECT ${TRIAL_MARK} c.last_updated_ms, c.rid FROM resource_current c WHERE ${where.join(' AND ')} ORDER BY c.last_updated_ms DESC, c.rid ASC LIMIT 1 OFFSET ?`,
    [...params, TRIAL_WALK - 1],
  )[0];
  return row ? { lastUpdatedMs: Number(row[0]), rid: Number(row[1]) } : undefined;
}

/** The FROM clause of `plan`: resource_current as `rc`. */
function planFrom(plan: SearchPlan): string {
  return plan.kind === 'trial' ? `${TRIAL_MARK} resource_current rc` : 'resource_current rc';
}

/** The WHERE clause of `plan` (conditions on resource_current's own columns, as `rc.`). */
function planWhere(plan: SearchPlan, query: CurrentQuery, params: SqlValue[]): string {
  const type = query.resourceType;
  if (plan.kind === 'trial') {
    // The walk (the type's index in the default order, each resource tested alone, stopped by the
    // full page), up to the bound: (last_updated_ms, rid) at or before it in that order.
    const where = [`rc.tid = ${typeIdSql(type, params)}`, 'rc.deleted = 0'];
    for (const condition of query.lastUpdated) {
      const clause = lastUpdatedClause(condition, params, 'rc.last_updated_ms');
      if (clause) where.push(clause);
    }
    if (plan.bound) {
      where.push('rc.last_updated_ms >= ?', '(rc.last_updated_ms > ? OR rc.rid <= ?)');
      params.push(plan.bound.lastUpdatedMs, plan.bound.lastUpdatedMs, plan.bound.rid);
    }
    for (const filter of query.filters ?? []) where.push(correlatedClause(filter, type, params));
    return where.join(' AND ');
  }
  // Driven plans look rows up by rid: `+` keeps SQLite off the type's index, which would scan the type.
  const plain = plan.kind === 'driver' ? '+' : '';
  const where: string[] = [];
  if (plan.kind === 'driver') {
    params.push(...plan.params);
    where.push(`rc.rid IN (${plan.sql})`);
  }
  where.push(`${plain}rc.tid = ${typeIdSql(type, params)}`, `${plain}rc.deleted = 0`);
  for (const condition of query.lastUpdated) {
    const clause = lastUpdatedClause(condition, params, `${plain}rc.last_updated_ms`);
    if (clause) where.push(clause);
  }
  for (const filter of query.filters ?? []) {
    if (plan.kind === 'driver' && plan.drivers?.includes(filter)) continue;
    // A walk and a driver test each candidate alone; a full sort collects each filter's matches once.
    where.push(plan.kind === 'sorted' ? filterClause(filter, type, params) : correlatedClause(filter, type, params));
  }
  return where.join(' AND ');
}

/** The plan's exact match count, or undefined when only a walk of the whole type could tell. */
function exactTotal(db: Database, plan: SearchPlan, query: CurrentQuery, accurate: boolean): number | undefined {
  const unfiltered = !query.ids && query.lastUpdated.length === 0 && (query.filters ?? []).length === 0;
  if (unfiltered) return Number(selectRows(db, 'SELECT count FROM resource_type_count WHERE type = ?', [query.resourceType])[0]?.[0] ?? 0);
  if (plan.kind === 'driver' && plan.matches !== undefined) return plan.matches;
  // A walk tests one resource at a time: counting that way reads the type; the match sets do better.
  if (plan.kind !== 'driver' && !accurate) return undefined;
  const params: SqlValue[] = [];
  const where = planWhere(plan.kind === 'driver' ? plan : { kind: 'sorted' }, query, params);
  return Number(selectRows(db, `SELECT count(*) FROM resource_current rc WHERE ${where}`, params)[0]?.[0] ?? 0);
}

/**
 * The page of current, non-deleted rows of `query` (columns of resource_current_v as given, each
 * prefixed `rc.`), and the total count as asked. The default order is newest first, then rid:
 * the order of the (tid, deleted, last_updated_ms) index, which a walk reads without sorting.
 */
export function queryCurrent(db: Database, query: CurrentQuery, columns: readonly string[], checkpoints?: PageCheckpoints): { rows: SqlValue[][]; total?: number } {
  if (query.ids?.length === 0) return query.withTotal ? { rows: [], total: 0 } : { rows: [] };
  const filters = query.filters ?? [];
  // Filters tested on the resource alone: its own rows, a chain's (against the once-built target
  // set) or, for _has, the sources pointing at it (the (psid, target) index). A _has filter over
  // many sources is cheaper so: counting its targets up to DRIVER_LIMIT reads every matching
  // source's rows until 2,000 distinct targets, where the walk stops at the page (docs/search.md).
  const perResource = filters.every((f) => f.kind in INDEX_TABLES || f.kind === 'chain' || f.kind === 'has');
  const trial = !query.ids && filters.length > 0 && perResource && (query.sort ?? []).length === 0 && query.offset + query.limit <= TRIAL_PAGE_END;
  if (trial) {
    // A filter with very few matches drives at once: first probes of SMALL_DRIVER + 1 rows at most.
    // Not numbers and quantities: their index is in value order, which a UCUM condition (canonical
    // values) cannot use, so a probe for a rare high value would read most of the parameter's rows.
    const small = choosePlan(db, query, SMALL_DRIVER + 1, (filter) => filter.kind !== 'quantity' && filter.kind !== 'number');
    if (small.kind === 'driver') return withTotal(db, small, query, pageOf(db, small, query, columns));
    // A full page among the first resources is the walk's page: same order, same matches; and
    // when the type has no more than TRIAL_WALK resources the trial was the whole walk.
    const bound = trialBound(db, query);
    const page = pageOf(db, bound ? { kind: 'trial', bound } : { kind: 'trial' }, query, columns);
    if (page.rows.length === query.limit || !bound) return withTotal(db, { kind: 'walk' }, query, page);
  }
  const plan = choosePlan(db, query);
  if (!checkpoints || plan.kind === 'driver' || query.ids || (query.sort ?? []).length > 0 || query.offset < CHECKPOINT_FROM) {
    return withTotal(db, plan, query, pageOf(db, plan, query, columns));
  }
  // A walked or collected page in the default order: resumed from the nearest checkpoint before it.
  const key = checkpointKey(query);
  const from = checkpoints.nearest(key, query.offset);
  const skip = from ? query.offset - from.position : query.offset;
  const page = from
    ? pageOf(db, skip < DRIVER_LIMIT ? { kind: 'walk' } : { kind: 'sorted' }, { ...query, offset: skip }, columns, from)
    : pageOf(db, plan, query, columns);
  const [first, last] = [page.keys[0], page.keys.at(-1)];
  if (first) checkpoints.add(key, { position: query.offset, ...first });
  if (last && page.keys.length > 1) checkpoints.add(key, { position: query.offset + page.keys.length - 1, ...last });
  return withTotal(db, plan, query, page);
}

/** Pages this deep or deeper are resumed from checkpoints (shallower ones cost little anyway). */
export const CHECKPOINT_FROM = 1000;

/** A resource's place in the default order (newest `last_updated_ms` first, then rid). */
interface OrderKey {
  lastUpdatedMs: number;
  rid: number;
}

/** The resource at `position` (0-based) among a query's matches in the default order. */
interface Checkpoint extends OrderKey {
  position: number;
}

/** Queries remembered at most, and checkpoints per query (the oldest go first). */
const CHECKPOINT_QUERIES = 64;
const CHECKPOINTS_PER_QUERY = 32;

/**
 * Where deep pages of searches in the default order began and ended (the resource at a position
 * and its order key), so that the next page (`_offset` of the `next` link: the row after this
 * page, which the page read as its extra row) or the same page again starts from that resource
 * rather than walking `_offset` matches from the first (keyset resumption: the matches at and after
 * a resource in a total order are the same rows while the index does not change). Only for one
 * state of the index: `at(generation)` drops everything when the generation (the vault's last
 * commit) moved. docs/search.md, "Plans".
 */
export class PageCheckpoints {
  private generation: number | undefined;
  private readonly byQuery = new Map<string, Checkpoint[]>();

  /** This object for the index at `generation`, emptied when that is not the one its checkpoints are of. */
  at(generation: number): this {
    if (generation !== this.generation) {
      this.byQuery.clear();
      this.generation = generation;
    }
    return this;
  }

  /** The checkpoint of `key` at the greatest position not after `position`. */
  nearest(key: string, position: number): Checkpoint | undefined {
    const list = this.byQuery.get(key);
    if (!list) return undefined;
    // Recently used queries last: the map's order is its eviction order.
    this.byQuery.delete(key);
    this.byQuery.set(key, list);
    let best: Checkpoint | undefined;
    for (const checkpoint of list) if (checkpoint.position <= position && (!best || checkpoint.position > best.position)) best = checkpoint;
    return best;
  }

  add(key: string, checkpoint: Checkpoint): void {
    const list = (this.byQuery.get(key) ?? []).filter((c) => c.position !== checkpoint.position);
    list.push(checkpoint);
    if (list.length > CHECKPOINTS_PER_QUERY) list.shift();
    this.byQuery.delete(key);
    this.byQuery.set(key, list);
    if (this.byQuery.size > CHECKPOINT_QUERIES) this.byQuery.delete(this.byQuery.keys().next().value!);
  }
}

/** What makes two queries' matches and order the same: everything but offset, limit and totals. */
function checkpointKey(query: CurrentQuery): string {
  return JSON.stringify([query.resourceType, query.lastUpdated, query.filters ?? []]);
}

/** The page with the total `query` asks for, when known (see CurrentQuery); `counted`: the page's own count of the matches. */
function withTotal(db: Database, plan: SearchPlan, query: CurrentQuery, { rows, counted }: Page): { rows: SqlValue[][]; total?: number } {
  if (!query.withTotal) return { rows };
  // A page that is not full ends the matches (unless it starts past their end).
  if (rows.length < query.limit && (rows.length > 0 || query.offset === 0)) return { rows, total: query.offset + rows.length };
  if (query.estimateTotal) {
    const estimate = estimatedTotal(db, query);
    if (estimate !== undefined) return { rows, total: estimate };
  }
  const total = counted ?? exactTotal(db, plan, query, !query.cheapTotalOnly);
  return total === undefined ? { rows } : { rows, total };
}

/** A page's rows and their order keys, and the count of every match when the page's statement gave it. */
interface Page {
  rows: SqlValue[][];
  keys: OrderKey[];
  counted?: number;
}

/**
 * One page of `query` read as `plan` says: first the page's rids, in order (resource_current
 * alone), then their columns of resource_current_v. A sorted or driven plan sorts every candidate,
 * and SQLite computes a row's result columns before sorting it: selecting the view's columns there
 * would join the key, type and version rows of every candidate, not of the page's (at 300,000
 * resources a deep page over 60,000 matches did 180,000 such lookups for 20 rows).
 * A driven plan whose total is asked and not known yet counts its candidates in the same statement
 * (`count(*) OVER ()`: every candidate is tested and sorted anyway), instead of a second pass.
 */
function pageOf(db: Database, plan: SearchPlan, query: CurrentQuery, columns: readonly string[], after?: OrderKey): Page {
  const params: SqlValue[] = [];
  const from = planFrom(plan);
  let where = planWhere(plan, query, params);
  if (after) {
    // At or after `after` in the default order; `<=` alone bounds the walk's index range.
    where += ' AND rc.last_updated_ms <= ? AND (rc.last_updated_ms < ? OR rc.rid >= ?)';
    params.push(after.lastUpdatedMs, after.lastUpdatedMs, after.rid);
  }
  const orderParams: SqlValue[] = [];
  const order = (query.sort ?? []).map((key) => sortTerm(key, query.resourceType, orderParams));
  // Then newest first, then rid: a stable order makes stable pages (search.html#paging).
  order.push('rc.last_updated_ms DESC', 'rc.rid ASC');
  const count = plan.kind === 'driver' && plan.matches === undefined && query.withTotal && !query.estimateTotal;
  const found = selectRows(
    db,
    `SELECT rc.rid, rc.last_updated_ms${count ? ', count(*) OVER ()' : ''} FROM ${from} WHERE ${where} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`,
    [...params, ...orderParams, query.limit, query.offset],
  );
  const counted = count && found.length > 0 ? Number(found[0]![2]) : undefined;
  const rids = found.map(([rid]) => Number(rid));
  const keys = found.map(([rid, lastUpdatedMs]) => ({ rid: Number(rid), lastUpdatedMs: Number(lastUpdatedMs) }));
  if (rids.length === 0) return { rows: [], keys };
  const select = columns.map((c) => `rc.${c}`).join(', ');
  const byRid = new Map<number, SqlValue[]>();
  for (const [rid, ...row] of selectRows(db, `SELECT rc.rid, ${select} FROM resource_current_v rc WHERE rc.rid IN (${rids.map(() => '?').join(', ')})`, rids)) {
    byRid.set(Number(rid), row);
  }
  const rows = rids.flatMap((rid) => {
    const row = byRid.get(rid);
    return row ? [row] : [];
  });
  return counted === undefined ? { rows, keys } : { rows, keys, counted };
}

/** See LinkQuery: reads sp_reference rows (current resources only). */
export function queryLinks(db: Database, query: LinkQuery): Array<{ resourceType: string; id: string }> {
  if (query.ids.length === 0) return [];
  const marks = query.ids.map(() => '?').join(', ');
  const params: SqlValue[] = [];
  if (query.direction === 'forward') {
    // Each source's rows are one rowid range (`+r.psid` keeps the planner off the parameter's index).
    const tid = typeIdSql(query.sourceType, params);
    params.push(...query.ids);
    const sets = paramSetsSql(query.sourceType, query.param, params);
    let sql = `SELECT DISTINCT r.target_type, r.target_id FROM resource_key s JOIN sp_reference_v r ON ${rowsOf('r.row', 's.rid')}
      WHERE s.tid = ${tid} AND s.id IN (${marks}) AND +r.psid IN ${sets} AND r.target IS NOT NULL`;
    if (query.targetType !== undefined) {
      sql += ' AND r.target_type = ?';
      params.push(query.targetType);
    }
    return selectRows(db, sql, params).map(([type, id]) => ({ resourceType: String(type), id: String(id) }));
  }
  const sets = paramSetsSql(query.sourceType, query.param, params);
  const tid = typeIdSql(query.targetType ?? '', params);
  params.push(...query.ids);
  return selectRows(
    db,
    `SELECT DISTINCT s.id FROM sp_reference r JOIN resource_key s ON s.rid = r.rowid >> 20
     WHERE r.psid IN ${sets} AND r.target IN (SELECT rid FROM resource_key WHERE tid = ${tid} AND id IN (${marks}))`,
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
