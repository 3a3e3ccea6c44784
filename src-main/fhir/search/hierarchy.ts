/**
 * `:above` and `:below` on reference parameters (https://hl7.org/fhir/R4/search.html#recursive,
 * 3.1.1.4.14 "Searching Hierarchies": "When the reference establishes a strict hierarchy, the
 * modifiers :above and :below may be used to search transitively through the hierarchy").
 *
 * Two cases:
 *
 * 1. A circular parameter (of type T, targeting T: Location.partof, Organization.partof,
 *    Observation.has-member...): the walk follows the parameter itself.
 *
 *      Location?partof:below=Location/1      the locations below Location/1: those whose partof
 *                                            chain reaches it in one or more steps
 *      Organization?partof:above=Organization/5   the organizations above Organization/5: those
 *                                            its partof chain reaches in one or more steps
 *
 *    The focal resource itself is not a match (as `partof=Location/1` does not match Location/1),
 *    unless the hierarchy is a cycle through it.
 *
 * 2. Any other reference parameter, whose target type has a strict hierarchy (HIERARCHY_PARAMS:
 *    the `partOf` elements the R4 definitions mark with the structuredefinition-hierarchy
 *    extension = true): the parameter matches the focal resource OR any resource below (above) it
 *    in the target's hierarchy. The spec's own examples:
 *
 *      Procedure?location:below=42           procedures at Location/42 or at any location that
 *                                            is part of it, at any depth
 *      MedicationAdministration?context:above=Encounter/21   (R4's parameter for the spec's
 *                                            `encounter`) those during Encounter/21 or any
 *                                            encounter it is part of
 *
 *    A target type without a strict hierarchy (Patient...) is a 400 `not-supported`: the
 *    modifier would silently mean plain equality.
 *
 * Comma-separated values are ORed. One recursive CTE over sp_reference: `:below` walks the (psid,
 * target) index from the focal resources down, `:above` walks each resource's own rows (its rowid
 * range) up. The walk stops after MAX_HIERARCHY_DEPTH levels and is cycle-safe (UNION drops rows
 * already produced, and the depth bound ends any loop). Only resolved references (rows with a
 * target rid) are followed.
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

/** Case 2: one target type of the parameter, the hierarchy parameter of that type, and its focal resources. */
interface TargetHierarchy {
  type: string;
  /** The target type's own hierarchy parameter (HIERARCHY_PARAMS). */
  via: string;
  focal: readonly Focal[];
}

export interface HierarchyFilter {
  kind: 'hierarchy';
  param: string;
  direction: 'above' | 'below';
  /** Case 1 (circular): the focal resources, walked along `param` itself. */
  focal: readonly Focal[];
  /** Case 2 (not circular): the hierarchies of the target types; `focal` is then empty. */
  targets?: readonly TargetHierarchy[];
}

/**
 * The strict hierarchy of each resource type that has one: its search parameter over the
 * `partOf` element that the R4 definitions (profiles-resources.json) mark with
 * http://hl7.org/fhir/StructureDefinition/structuredefinition-hierarchy = true. (CarePlan.basedOn
 * and CarePlan.replaces are marked too; they are lineage, not containment, and are not followed.)
 * test/unit/fhir/search-hierarchy.test.ts checks this table against the definitions.
 */
export const HIERARCHY_PARAMS: Readonly<Record<string, string>> = {
  CarePlan: 'part-of',
  Encounter: 'part-of',
  Location: 'partof',
  Organization: 'partof',
};

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPED_ID = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** Whether the parameter is circular: a reference parameter of `resourceType` that can point at `resourceType`. */
export function isCircular(def: SearchParamDef, resourceType: string): boolean {
  return def.type === 'reference' && def.targets.includes(resourceType);
}

function parseFocal(def: SearchParamDef, name: string, direction: 'above' | 'below', value: string): Focal[] {
  return splitEscaped(value, ',').map((v): Focal => {
    const typed = TYPED_ID.exec(v);
    if (typed) {
      if (!isResourceType(typed[1]!) || !def.targets.includes(typed[1]!)) throw fhirError('invalid', `${name}: ${typed[1]} is not a target of ${def.code}`, 400, [name]);
      return { type: typed[1]!, id: typed[2]! };
    }
    if (ID.test(v)) return { id: v };
    throw fhirError('invalid', `${name}: :${direction} takes Type/id or an id`, 400, [name]);
  });
}

export function hierarchyFilter(def: SearchParamDef, resourceType: string, name: string, direction: 'above' | 'below', value: string): HierarchyFilter {
  const focal = parseFocal(def, name, direction, value);
  if (isCircular(def, resourceType)) return { kind: 'hierarchy', param: def.code, direction, focal };
  const withHierarchy = def.targets.filter((t) => HIERARCHY_PARAMS[t] !== undefined);
  const noHierarchy = (types: string): Error =>
    fhirError(
      'not-supported',
      `${name}: :${direction} needs a target type with a strict hierarchy (${Object.keys(HIERARCHY_PARAMS).join(', ')}) or a circular parameter; ${types} has none`,
      400,
      [name],
    );
  const targets: TargetHierarchy[] = [];
  for (const type of withHierarchy) {
    // A typed value names its type; a bare id may be a resource of any target type (as `param=id`).
    const mine = focal.filter((f) => f.type === undefined || f.type === type);
    if (mine.length > 0) targets.push({ type, via: HIERARCHY_PARAMS[type]!, focal: mine });
  }
  const typedWithout = focal.find((f) => f.type !== undefined && HIERARCHY_PARAMS[f.type] === undefined);
  if (typedWithout) throw noHierarchy(typedWithout.type!);
  if (targets.length === 0) throw noHierarchy(def.targets.join(', ') || def.code);
  // A bare id also matches the resources of target types without a hierarchy (the focal alone).
  const bare = focal.filter((f) => f.type === undefined);
  const flat = def.targets.filter((t) => HIERARCHY_PARAMS[t] === undefined && isResourceType(t));
  if (bare.length > 0) for (const type of flat) targets.push({ type, via: '', focal: bare });
  return { kind: 'hierarchy', param: def.code, direction, focal: [], targets };
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

/** `SELECT rid` of the focal resources of one type (`tidSql`, its value already in `params`). */
function typedFocalRids(focal: readonly Focal[], tidSql: () => string, params: SqlValue[]): string {
  return focal
    .map((f) => {
      params.push(f.id);
      return `SELECT rid FROM resource_key WHERE id = ? AND tid = ${tidSql()}`;
    })
    .join(' UNION ');
}

/**
 * `SELECT rid ...` of the resources one or more steps below or above the seeds along the
 * parameter whose sets (`psid IN` lists) `setsSql` gives (of the type `tidSql`); `seeds()` writes the seeds' `SELECT rid` (called
 * once, where its text goes, so that bound values stay in text order).
 */
function walkRids(direction: 'above' | 'below', seeds: () => string, setsSql: () => string, tidSql: () => string): string {
  const R = ROWS_PER_RESOURCE;
  if (direction === 'below') {
    const sets1 = setsSql();
    const seedSql = seeds();
    const sets2 = setsSql();
    return `SELECT rid FROM (WITH RECURSIVE below_(rid, depth) AS (
        SELECT rowid >> 20, 1 FROM sp_reference WHERE psid IN ${sets1} AND target IN (${seedSql})
        UNION
        SELECT r.rowid >> 20, b.depth + 1 FROM below_ b JOIN sp_reference r ON r.psid IN ${sets2} AND r.target = b.rid
        WHERE b.depth < ${MAX_HIERARCHY_DEPTH}
      ) SELECT DISTINCT rid FROM below_)`;
  }
  const seedSql = seeds();
  const sets1 = setsSql();
  const sets2 = setsSql();
  const tid = tidSql();
  return `SELECT rid FROM (WITH RECURSIVE above_(rid, depth) AS (
      SELECT r.target, 1 FROM (${seedSql}) f JOIN sp_reference r ON r.rowid BETWEEN f.rid * ${R} AND f.rid * ${R} + ${R - 1}
      WHERE +r.psid IN ${sets1} AND r.target IS NOT NULL
      UNION
      SELECT r.target, a.depth + 1 FROM above_ a JOIN sp_reference r ON r.rowid BETWEEN a.rid * ${R} AND a.rid * ${R} + ${R - 1}
      WHERE +r.psid IN ${sets2} AND r.target IS NOT NULL AND a.depth < ${MAX_HIERARCHY_DEPTH}
    ) SELECT DISTINCT a.rid FROM above_ a JOIN resource_key k ON k.rid = a.rid WHERE k.tid = ${tid})`;
}

/**
 * `SELECT rid ...` of the `resourceType` resources the filter matches. `setsSql(type, code)` (a
 * parameter's sets, for `psid IN`) and `tidSql(type)` (a type's id) give subqueries, pushing their bound
 * values into `params` when called (calls are made in the order the text uses them).
 */
export function hierarchyRids(
  filter: HierarchyFilter,
  resourceType: string,
  setsSql: (type: string, code: string) => string,
  tidSql: (type: string) => string,
  params: SqlValue[],
): string {
  if (filter.targets === undefined) {
    return walkRids(
      filter.direction,
      () => focalRids(filter.focal, params),
      () => setsSql(resourceType, filter.param),
      () => tidSql(resourceType),
    );
  }
  // Case 2: the parameter's rows whose target is a focal resource or lies below (above) one.
  const sets = setsSql(resourceType, filter.param);
  const nodes = filter.targets.map(({ type, via, focal }) => {
    const own = typedFocalRids(focal, () => tidSql(type), params);
    if (via === '') return own;
    const walk = walkRids(
      filter.direction,
      () => typedFocalRids(focal, () => tidSql(type), params),
      () => setsSql(type, via),
      () => tidSql(type),
    );
    return `${own} UNION ${walk}`;
  });
  return `SELECT rowid >> 20 AS rid FROM sp_reference WHERE psid IN ${sets} AND target IN (${nodes.join(' UNION ')})`;
}
