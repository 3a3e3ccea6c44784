/**
 * `:above` and `:below` on a circular reference parameter (https://hl7.org/fhir/R4/search.html#reference,
 * "hierarchical" references: a parameter of type T that points at T, e.g. Location.partof,
 * Organization.partof, Observation.has-member):
 *
 *   Location?partof:below=Location/1      the locations below Location/1: those whose partof
 *                                         chain reaches it in one or more steps
 *   Organization?partof:above=Organization/5   the organizations above Organization/5: those
 *                                         its partof chain reaches in one or more steps
 *
 * The focal resource itself is not a match (as `partof=Location/1` does not match Location/1),
 * unless the hierarchy is a cycle through it. Comma-separated values are ORed.
 *
 * One recursive CTE over sp_reference: `:below` walks the (pid, target) index from the focal
 * resources down, `:above` walks each resource's own rows (its rowid range) up. The walk stops
 * after MAX_HIERARCHY_DEPTH levels and is cycle-safe (UNION drops rows already produced, and the
 * depth bound ends any loop). Only resolved references (rows with a target rid) are followed.
 */
import type { SqlValue } from 'sql.js';
import { fhirError } from '../outcome-error';
import { isResourceType } from '../resource-types';
import { splitEscaped } from './conditions';
import { ROWS_PER_RESOURCE } from './index-tables';
import type { SearchParamDef } from './parameters';

/** Levels followed at most; deeper parts of a hierarchy are not reached. */
export const MAX_HIERARCHY_DEPTH = 32;

/** A focal resource of the walk: `Type/id`, or a bare id (any type the parameter targets). */
interface Focal {
  type?: string;
  id: string;
}

export interface HierarchyFilter {
  kind: 'hierarchy';
  param: string;
  direction: 'above' | 'below';
  focal: readonly Focal[];
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPED_ID = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** Whether the parameter is circular: a reference parameter of `resourceType` that can point at `resourceType`. */
export function isCircular(def: SearchParamDef, resourceType: string): boolean {
  return def.type === 'reference' && def.targets.includes(resourceType);
}

export function hierarchyFilter(def: SearchParamDef, resourceType: string, name: string, direction: 'above' | 'below', value: string): HierarchyFilter {
  if (!isCircular(def, resourceType)) {
    throw fhirError(
      'not-supported',
      `${name}: :${direction} applies only to a circular reference parameter (one of ${resourceType} pointing at ${resourceType}, such as Location.partof)`,
      400,
      [name],
    );
  }
  const focal = splitEscaped(value, ',').map((v): Focal => {
    const typed = TYPED_ID.exec(v);
    if (typed) {
      if (!isResourceType(typed[1]!) || !def.targets.includes(typed[1]!)) throw fhirError('invalid', `${name}: ${typed[1]} is not a target of ${def.code}`, 400, [name]);
      return { type: typed[1]!, id: typed[2]! };
    }
    if (ID.test(v)) return { id: v };
    throw fhirError('invalid', `${name}: :${direction} takes Type/id or an id`, 400, [name]);
  });
  return { kind: 'hierarchy', param: def.code, direction, focal };
}

/** `SELECT rid`: the focal resources' rids. */
function focalRids(focal: readonly Focal[], params: SqlValue[]): string {
  return focal
    .map((f) => {
      params.push(f.id);
      if (f.type === undefined) return 'SELECT rid FROM resource_key WHERE id = ?';
      params.push(f.type);
      return 'SELECT rid FROM resource_key WHERE id = ? AND tid = (SELECT tid FROM resource_type WHERE name = ?)';
    })
    .join(' UNION ');
}

/**
 * `SELECT rid ...` of the `resourceType` resources above or below the focal ones. `pidSql` is the
 * parameter's id, `tidSql` the type's (both scalar subqueries, their values already in `params`
 * before this is called, in the order the text uses them).
 */
export function hierarchyRids(filter: HierarchyFilter, pidSql: () => string, tidSql: () => string, params: SqlValue[]): string {
  const R = ROWS_PER_RESOURCE;
  if (filter.direction === 'below') {
    const pid1 = pidSql();
    const seeds = focalRids(filter.focal, params);
    const pid2 = pidSql();
    return `SELECT rid FROM (WITH RECURSIVE below_(rid, depth) AS (
        SELECT rowid >> 20, 1 FROM sp_reference WHERE pid = ${pid1} AND target IN (${seeds})
        UNION
        SELECT r.rowid >> 20, b.depth + 1 FROM below_ b JOIN sp_reference r ON r.pid = ${pid2} AND r.target = b.rid
        WHERE b.depth < ${MAX_HIERARCHY_DEPTH}
      ) SELECT DISTINCT rid FROM below_)`;
  }
  const seeds = focalRids(filter.focal, params);
  const pid1 = pidSql();
  const pid2 = pidSql();
  const tid = tidSql();
  return `SELECT rid FROM (WITH RECURSIVE above_(rid, depth) AS (
      SELECT r.target, 1 FROM (${seeds}) f JOIN sp_reference r ON r.rowid BETWEEN f.rid * ${R} AND f.rid * ${R} + ${R - 1}
      WHERE +r.pid = ${pid1} AND r.target IS NOT NULL
      UNION
      SELECT r.target, a.depth + 1 FROM above_ a JOIN sp_reference r ON r.rowid BETWEEN a.rid * ${R} AND a.rid * ${R} + ${R - 1}
      WHERE +r.pid = ${pid2} AND r.target IS NOT NULL AND a.depth < ${MAX_HIERARCHY_DEPTH}
    ) SELECT DISTINCT a.rid FROM above_ a JOIN resource_key k ON k.rid = a.rid WHERE k.tid = ${tid})`;
}
