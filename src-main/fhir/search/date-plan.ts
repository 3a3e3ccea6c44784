/**
 * Date ranges as a search driver (search.html#date): `date=ge2021-03-01&date=lt2021-03-08` is two
 * filters, each matching about half the rows, so neither bounds an index range. A row matching
 * both has its `low` within a window that its span (high - low) bounds: `high > X` means
 * `low > X - span`. sp_date rows are indexed by (psid, span class, low) (index-tables.ts), so each
 * class gives one tight `low` range. A resource may also match with one row per filter (Timing
 * events, repeated elements): such a resource has a row after its first (`n > 0` in its rowid),
 * and those rows have their own small index. The union is a superset of the matches; every
 * filter is then tested on each candidate as usual.
 */
import type { SqlValue } from 'sql.js';
import { DATE_SPAN_LIMITS, LATER_DATE_ROW } from './index-tables';
import type { IndexFilter, RowCondition } from './sql-query';

/** `low` in [min, max) (either side may be infinite). */
interface LowRange {
  min: number;
  max: number;
}

/**
 * What a date row condition (conditions.ts dateCondition, one per prefix) implies about `low` for
 * a row whose span is at most `span`; undefined for a condition not recognized (`ne`, or a text
 * this planner does not know: no bound is then assumed and no date driver is built).
 */
export function lowRange(condition: RowCondition, span: number): LowRange | undefined {
  const v = condition.values;
  if (!v.every((x): x is number => typeof x === 'number')) return undefined;
  switch (condition.sql) {
    case 'low >= ? AND low < ? AND high <= ?': // eq
      return { min: v[0]!, max: v[1]! };
    case 'high > ?': // gt
      return { min: v[0]! - span, max: Infinity };
    case 'low < ?': // lt
      return { min: -Infinity, max: v[0]! };
    case 'high > ? OR (low >= ? AND high <= ?)': // ge
      return { min: Math.min(v[0]! - span, v[1]!), max: Infinity };
    case 'low < ? OR (low >= ? AND high <= ?)': // le
      return { min: -Infinity, max: Math.max(v[0]!, v[2]!) };
    case 'low >= ?': // sa
      return { min: v[0]!, max: Infinity };
    case 'high <= ?': // eb: low <= high <= value
      return { min: -Infinity, max: v[0]! + 1 };
    case 'low < ? AND high > ?': // ap
      return { min: v[1]! - span, max: v[0]! };
    default:
      return undefined;
  }
}

/** The hull of one filter's alternatives (ORed), or undefined when one is not recognized. */
function filterRange(filter: Pick<IndexFilter, 'anyOf'>, span: number): LowRange | undefined {
  let hull: LowRange | undefined;
  for (const condition of filter.anyOf) {
    const range = lowRange(condition, span);
    if (!range) return undefined;
    hull = hull ? { min: Math.min(hull.min, range.min), max: Math.max(hull.max, range.max) } : range;
  }
  return hull;
}

/**
 * `SELECT ... AS rid` of candidates for resources matching every filter of `filters` (positive
 * date filters on the one parameter whose sets `setsSql` gives), or undefined when a condition is not recognized.
 */
export function dateDriverSql(filters: readonly IndexFilter[], setsSql: () => string, params: SqlValue[]): string | undefined {
  const selects: string[] = [];
  for (let c = 0; c <= DATE_SPAN_LIMITS.length; c++) {
    const span = DATE_SPAN_LIMITS[c] ?? Infinity;
    let min = -Infinity;
    let max = Infinity;
    for (const filter of filters) {
      const range = filterRange(filter, span);
      if (!range) return undefined;
      min = Math.max(min, range.min);
      max = Math.min(max, range.max);
    }
    if (!(min < max)) continue;
    const where = [`psid IN ${setsSql()}`, `span = ${c}`];
    if (Number.isFinite(min)) {
      where.push('low >= ?');
      params.push(min);
    }
    if (Number.isFinite(max)) {
      where.push('low < ?');
      params.push(max);
    }
    selects.push(`SELECT rowid >> 20 AS rid FROM sp_date WHERE ${where.join(' AND ')}`);
  }
  selects.push(`SELECT rowid >> 20 AS rid FROM sp_date WHERE psid IN ${setsSql()} AND ${LATER_DATE_ROW}`);
  return selects.join(' UNION ALL ');
}

/**
 * `SELECT <columns> FROM sp_date` over the rows of the parameter whose sets `setsSql` gives that meet one of `anyOf`
 * (exactly those: every row is tested by the conditions). sp_date is indexed by (psid, span class,
 * low) only, so the rows are read one span class at a time, each within the `low` window the
 * conditions imply for that class (the whole class when a condition is not recognized). A window
 * the same for every class (eq, lt, sa, eb) is one statement with `span IN (...)`, which SQLite
 * reads as one index range per class.
 */
export function dateRowsSql(columns: string, anyOf: readonly RowCondition[], setsSql: () => string, params: SqlValue[]): string {
  const classes: Array<{ span: number; range: LowRange }> = [];
  for (let c = 0; c <= DATE_SPAN_LIMITS.length; c++) {
    const range = filterRange({ anyOf: [...anyOf] }, DATE_SPAN_LIMITS[c] ?? Infinity) ?? { min: -Infinity, max: Infinity };
    if (range.min < range.max) classes.push({ span: c, range });
  }
  if (classes.length === 0) return `SELECT ${columns} FROM sp_date WHERE 0`;
  const same = classes.every(({ range }) => range.min === classes[0]!.range.min && range.max === classes[0]!.range.max);
  const groups = same ? [{ spans: classes.map((c) => c.span), range: classes[0]!.range }] : classes.map(({ span, range }) => ({ spans: [span], range }));
  return groups
    .map(({ spans, range }) => {
      const where = [`psid IN ${setsSql()}`, spans.length === 1 ? `span = ${spans[0]}` : `span IN (${spans.join(', ')})`];
      if (Number.isFinite(range.min)) {
        where.push('low >= ?');
        params.push(range.min);
      }
      if (Number.isFinite(range.max)) {
        where.push('low < ?');
        params.push(range.max);
      }
      for (const condition of anyOf) params.push(...condition.values);
      where.push(`(${anyOf.map((condition) => `(${condition.sql})`).join(' OR ')})`);
      return `SELECT ${columns} FROM sp_date WHERE ${where.join(' AND ')}`;
    })
    .join(' UNION ALL ');
}
