/**
 * `_id` and `_lastUpdated` in their general forms (https://hl7.org/fhir/R4/search.html#all):
 * `_id` is a token (search.html#token: `|id`, `:not`, `:missing`, `:text`) and `_lastUpdated` a
 * date (search.html#date: every prefix, OR by comma, `:missing`), also as the last parameter of a
 * chain or a `_has`. They are answered from the version tables (resource_current, resource_key),
 * not from index rows: the conditions of conditions.ts run over a derived table that shows the id
 * as a token row (`code`; no `system`, no `display`) and the instant as a date row
 * ([low, high) = [ms, ms + 1)). The plain top-level forms keep their faster path (search.ts).
 */
import type { SqlValue } from 'sql.js';
import { dateCondition, splitEscaped, tokenCondition } from './conditions';
import { fhirError } from '../outcome-error';
import type { RowCondition } from './sql-query';

export type BuiltinParameter = '_id' | '_lastUpdated';

/** A condition on `_id` or `_lastUpdated`: a resource matches when its one value meets one of `anyOf`. */
export interface BuiltinFilter {
  kind: 'builtin';
  param: BuiltinParameter;
  anyOf: RowCondition[];
  /** Match the resources whose value meets none of `anyOf` (`:not`, `:missing=true`). */
  negate: boolean;
}

export function isBuiltinParameter(code: string): code is BuiltinParameter {
  return code === '_id' || code === '_lastUpdated';
}

/** `name[:modifier]=value` on `_id` or `_lastUpdated` (search.html#modifiers, #combining). */
export function builtinFilter(code: BuiltinParameter, name: string, modifier: string, value: string): BuiltinFilter {
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw fhirError('invalid', `${name}: :missing takes true or false`, 400, [name]);
    // Every stored resource has an id and a lastUpdated: `:missing=true` matches none, `false` all.
    return { kind: 'builtin', param: code, anyOf: [{ sql: '1 = 1', values: [] }], negate: value === 'true' };
  }
  const values = splitEscaped(value, ',');
  if (values.some((v) => v === '')) throw fhirError('invalid', `${name}: empty value`, 400, [name]);
  if (code === '_lastUpdated') {
    if (modifier !== '') throw fhirError('invalid', `${name}: modifier :${modifier} does not apply to a date`, 400, [name]);
    return { kind: 'builtin', param: code, anyOf: values.map((v) => dateCondition(name, v)), negate: false };
  }
  // `_id` is a token: the token rules and modifiers (:not negates, :text reads display, absent here).
  return { kind: 'builtin', param: code, anyOf: values.map((v) => tokenCondition(name, modifier, v)), negate: modifier === 'not' };
}

/**
 * `SELECT rid` of the current `resourceType` resources whose `_id` or `_lastUpdated` meets one of
 * the filter's conditions (ignoring `negate`). The derived table is flattened by SQLite, so
 * `code = ?` reads resource_key's (id, tid) index.
 */
export function builtinRids(filter: BuiltinFilter, resourceType: string, params: SqlValue[]): string {
  params.push(resourceType);
  for (const condition of filter.anyOf) params.push(...condition.values);
  const anyOf = filter.anyOf.map((c) => `(${c.sql})`).join(' OR ');
  return `SELECT rid FROM (
      SELECT c.rid AS rid, k.id AS code, NULL AS sid, NULL AS system, NULL AS display, c.last_updated_ms AS low, c.last_updated_ms + 1 AS high
      FROM resource_current c JOIN resource_key k ON k.rid = c.rid
      WHERE c.tid = (SELECT tid FROM resource_type WHERE name = ?) AND c.deleted = 0)
    WHERE ${anyOf}`;
}
