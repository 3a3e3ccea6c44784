/**
 * One search value to conditions on index rows (https://hl7.org/fhir/R4/search.html#ptypes):
 * the SQL text here is constant per branch and names only the columns of index-tables.ts;
 * the values go into bound parameters.
 */
import type { SqlValue } from 'sql.js';
import { fhirError } from '../outcome-error';
import { parseInstantSpan } from '../instant';
import { normalizeString } from './extract';
import { canonicalQuantity, UCUM_SYSTEM } from './ucum';
import type { RowCondition } from './sql-query';

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** Past any character a normalized value holds: `x <= v < x + PREFIX_END` is "v starts with x". */
const PREFIX_END = '\uffff';

export function invalid(param: string, message: string): never {
  throw fhirError('invalid', `${param}: ${message}`, 400, [param]);
}

/**
 * Splits at `sep` not preceded by a backslash, and unescapes `\,` `\|` `\$` `\\` (search.html#escaping).
 * With `keepEscapes` the escapes stay as written, for values split again at a lower level
 * (composites: `,` then `$`, then `|` inside a token).
 */
export function splitEscaped(value: string, sep: ',' | '|' | '$', keepEscapes = false): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += keepEscapes ? ch + value[i + 1] : value[i + 1];
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Splits a leading prefix off a date, number or quantity value (search.html#prefix). */
export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[\d-])/.exec(value);
  return m ? { prefix: m[1] as Prefix, rest: value.slice(2) } : { prefix: 'eq', rest: value };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** search.html#string: starts-with by default, `:exact`, `:contains`; case and accents ignored but for :exact. */
export function stringCondition(param: string, modifier: string, value: string): RowCondition {
  const norm = normalizeString(value);
  switch (modifier) {
    case '':
      return { sql: 'norm >= ? AND norm < ?', values: [norm, norm + PREFIX_END] };
    case 'exact':
      return { sql: 'value = ?', values: [value] };
    case 'contains':
      return { sql: "norm LIKE ? ESCAPE '\\'", values: [`%${escapeLike(norm)}%`] };
    default:
      return invalid(param, `modifier :${modifier} does not apply to a string parameter`);
  }
}

/** A token system's integer id (code_system), NULL (matching nothing) for a system never stored. */
export const SYSTEM_ID = '(SELECT sid FROM code_system WHERE system = ?)';

/** search.html#token: `code`, `system|code`, `|code`, `system|`; `:text` on display text. */
export function tokenCondition(param: string, modifier: string, value: string): RowCondition {
  if (modifier === 'text') {
    const norm = normalizeString(value);
    return {
      sql: "(display >= ? AND display < ?) OR display LIKE ? ESCAPE '\\'",
      values: [norm, norm + PREFIX_END, `% ${escapeLike(norm)}%`],
    };
  }
  if (modifier !== '' && modifier !== 'not') return invalid(param, `modifier :${modifier} is not supported on a token parameter`);
  const parts = splitEscaped(value, '|');
  if (parts.length > 2) return invalid(param, 'a token is [system|]code');
  if (parts.length === 1) return { sql: 'code = ?', values: [parts[0]!] };
  const [system, code] = parts as [string, string];
  if (system === '' && code === '') return invalid(param, 'a token needs a system or a code');
  // On the system's integer (code_system), found once: `system = ?` would look up each row's system.
  if (system === '') return { sql: 'sid IS NULL AND code = ?', values: [code] };
  if (code === '') return { sql: `sid = ${SYSTEM_ID}`, values: [system] };
  return { sql: `sid = ${SYSTEM_ID} AND code = ?`, values: [system, code] };
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * `Type/id` and bare `id` as conditions on the target's rid (the (psid, target) index), the rid
 * found through resource_key's (id, tid) index: the view's target_type/target_id would join every
 * row of the parameter first.
 */
function typedTarget(type: string, id: string): RowCondition {
  return { sql: 'target = (SELECT rid FROM resource_key WHERE id = ? AND tid = (SELECT tid FROM resource_type WHERE name = ?))', values: [id, type] };
}
function anyTypeTarget(id: string): RowCondition {
  return { sql: 'target IN (SELECT rid FROM resource_key WHERE id = ?)', values: [id] };
}
const TYPED_ID = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** search.html#reference: `Type/id`, `id`, an absolute URL or canonical; `:[type]`. */
export function referenceCondition(param: string, modifier: string, value: string, isType: (name: string) => boolean): RowCondition {
  if (modifier !== '') {
    if (!isType(modifier)) return invalid(param, `modifier :${modifier} is not supported on a reference parameter`);
    const typed = TYPED_ID.exec(value);
    if (typed && typed[1] !== modifier) return invalid(param, `:${modifier} does not match ${typed[1]}`);
    const id = typed ? typed[2]! : value;
    if (!ID.test(id)) return invalid(param, 'not a valid id');
    return typedTarget(modifier, id);
  }
  const typed = TYPED_ID.exec(value);
  if (typed) return typedTarget(typed[1]!, typed[2]!);
  if (ID.test(value) && !value.includes(':')) return anyTypeTarget(value);
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { sql: 'url = ?', values: [value] };
  return invalid(param, 'not a reference (Type/id, id or an absolute URL)');
}

/** The spec's `ap`: within 10% of the distance from now (search.html#prefix; "approximately" is ours to define). */
function approximateMargin(valueMs: number): number {
  return Math.max(Math.abs(Date.now() - valueMs) * 0.1, 86_400_000);
}

/**
 * search.html#date: the search value and the indexed value are both ranges ([low, high),
 * from their precision); each prefix is a relation between the two ranges.
 */
export function dateCondition(param: string, value: string): RowCondition {
  const { prefix, rest } = splitPrefix(value);
  const span = parseInstantSpan(rest);
  if (!span) return invalid(param, `"${value.slice(0, 40)}" is not a FHIR date`);
  const { startMs: pl, endMs: ph } = span;
  switch (prefix) {
    case 'eq':
      // `low < end` follows from `high <= end` (low < high); it bounds the (psid, low) index range.
      return { sql: 'low >= ? AND low < ? AND high <= ?', values: [pl, ph, ph] };
    case 'ne':
      return { sql: 'NOT (low >= ? AND high <= ?)', values: [pl, ph] };
    case 'gt':
      return { sql: 'high > ?', values: [ph] };
    case 'lt':
      return { sql: 'low < ?', values: [pl] };
    // ge = gt or eq, le = lt or eq (search.html#prefix: "the range above the search value
    // intersects the range of the target value, or the range of the search value fully contains
    // the range of the target value"); a value that only overlaps the search value is neither.
    case 'ge':
      return { sql: 'high > ? OR (low >= ? AND high <= ?)', values: [ph, pl, ph] };
    case 'le':
      return { sql: 'low < ? OR (low >= ? AND high <= ?)', values: [pl, pl, ph] };
    case 'sa':
      return { sql: 'low >= ?', values: [ph] };
    case 'eb':
      return { sql: 'high <= ?', values: [pl] };
    default: {
      const margin = approximateMargin(pl);
      return { sql: 'low < ? AND high > ?', values: [ph + margin, pl - margin] };
    }
  }
}

const DECIMAL = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A search number and half its precision: `100` is [99.5, 100.5), `1.50` is [1.495, 1.505) (search.html#number). */
export function parseSearchNumber(param: string, text: string): { value: number; half: number } {
  const m = DECIMAL.exec(text);
  if (!m) return invalid(param, `"${text.slice(0, 40)}" is not a number`);
  const decimals = m[2]?.length ?? 0;
  const exponent = m[3] === undefined ? 0 : Number(m[3]);
  return { value: Number(text), half: 0.5 * 10 ** (exponent - decimals) };
}

/** The numeric columns a prefix compares: a number's or quantity's value, or a quantity's UCUM canonical value. */
type NumericColumn = 'value' | 'canon_value';

/** [value - half, value + half), or [value, value] when the precision is finer than a double can hold. */
function precisionRange(column: NumericColumn, value: number, half: number): RowCondition {
  const low = value - half;
  const high = value + half;
  if (high > value && low < value) return { sql: `${column} >= ? AND ${column} < ?`, values: [low, high] };
  return { sql: `${column} = ?`, values: [value] };
}

/** search.html#prefix on one numeric column, the search value having precision ±half. */
function numericCondition(column: NumericColumn, prefix: Prefix, value: number, half: number): RowCondition {
  switch (prefix) {
    case 'eq':
      return precisionRange(column, value, half);
    case 'ne': {
      const range = precisionRange(column, value, half);
      return { sql: `NOT (${range.sql})`, values: range.values };
    }
    case 'gt':
    case 'sa':
      return { sql: `${column} > ?`, values: [value] };
    case 'lt':
    case 'eb':
      return { sql: `${column} < ?`, values: [value] };
    case 'ge':
      return { sql: `${column} >= ?`, values: [value] };
    case 'le':
      return { sql: `${column} <= ?`, values: [value] };
    default: {
      // ap: within 10% of the value (search.html#prefix).
      const margin = Math.max(Math.abs(value) * 0.1, half);
      return { sql: `${column} >= ? AND ${column} <= ?`, values: [value - margin, value + margin] };
    }
  }
}

function numberConditionOn(param: string, prefix: Prefix, text: string): RowCondition {
  const { value, half } = parseSearchNumber(param, text);
  return numericCondition('value', prefix, value, half);
}

/**
 * search.html#quantity, UCUM: the search value in canonical units (search/ucum.ts), its precision
 * converted too (the conversions are increasing, so the bounds map to bounds). Undefined when the
 * unit does not convert.
 */
function canonicalCondition(param: string, prefix: Prefix, text: string, code: string): { condition: RowCondition; canonCode: string } | undefined {
  const { value, half } = parseSearchNumber(param, text);
  const canonical = canonicalQuantity(value, code);
  const low = canonicalQuantity(value - half, code);
  const high = canonicalQuantity(value + half, code);
  if (!canonical || !low || !high) return undefined;
  return { condition: numericCondition('canon_value', prefix, canonical.value, Math.abs(high.value - low.value) / 2), canonCode: canonical.code };
}

export function numberCondition(param: string, value: string): RowCondition {
  const { prefix, rest } = splitPrefix(value);
  return numberConditionOn(param, prefix, rest);
}

/**
 * search.html#quantity: `[prefix]number|system|code` or `number||unit-or-code` or `number`; with
 * system http://unitsofmeasure.org and a code that converts, rows with a canonical value are
 * compared in canonical units (`5.4|http://unitsofmeasure.org|mg` finds 0.0054 g).
 */
export function quantityCondition(param: string, value: string): RowCondition {
  const { prefix, rest } = splitPrefix(value);
  const parts = splitEscaped(rest, '|');
  if (parts.length !== 1 && parts.length !== 3) return invalid(param, 'a quantity is number or number|system|code');
  const numeric = numberConditionOn(param, prefix, parts[0]!);
  const sql = [`(${numeric.sql})`];
  const values: SqlValue[] = [...numeric.values];
  const system = parts[1] ?? '';
  const code = parts[2] ?? '';
  const canonical = system === UCUM_SYSTEM && code !== '' ? canonicalCondition(param, prefix, parts[0]!, code) : undefined;
  if (canonical) {
    // Rows that convert compare in canonical units; the others as written (system and code).
    return {
      sql: `(canon_code = ? AND (${canonical.condition.sql})) OR (canon_code IS NULL AND system = ? AND code = ? AND (${numeric.sql}))`,
      values: [canonical.canonCode, ...canonical.condition.values, system, code, ...numeric.values],
    };
  }
  if (system !== '') {
    sql.push('system = ?');
    values.push(system);
    if (code !== '') {
      sql.push('code = ?');
      values.push(code);
    }
  } else if (code !== '') {
    sql.push('(code = ? OR unit = ?)');
    values.push(code, code);
  }
  return { sql: sql.join(' AND '), values };
}

/** search.html#uri: exact by default; `:below` (prefix) and `:above` (the value is a prefix of the stored one's reverse). */
export function uriCondition(param: string, modifier: string, value: string): RowCondition {
  switch (modifier) {
    case '':
      return { sql: 'value = ?', values: [value] };
    case 'below':
      return { sql: 'value >= ? AND value < ?', values: [value, value + PREFIX_END] };
    case 'above':
      return { sql: 'substr(?, 1, length(value)) = value', values: [value] };
    default:
      return invalid(param, `modifier :${modifier} does not apply to a uri parameter`);
  }
}
