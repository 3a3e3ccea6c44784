/**
 * Search requests (https://hl7.org/fhir/R4/search.html) parsed into index filters: every R4
 * parameter of type string, token, reference, date, number, quantity and uri (with their
 * modifiers and prefixes, search/conditions.ts), composite (search/composite.ts), `near`
 * (search/near.ts), `:above`/`:below` on references (search/hierarchy.ts), `_id` as a token and `_lastUpdated` as a date (search/builtin.ts), `_text` and
 * `_content`, `_sort`, `_count`, `_offset`, `_total`, `_summary` (true, text, data, count) and
 * `_elements`. Anything else is refused with
 * a `not-supported` outcome (a warning under lenient handling): never silently ignored.
 */
import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';
import { fhirError, OperationOutcomeError } from './outcome-error';
import { isResourceType, resourceTypes } from './resource-types';
import {
  dateCondition,
  numberCondition,
  quantityCondition,
  referenceCondition,
  splitEscaped,
  stringCondition,
  SYSTEM_ID,
  tokenCondition,
  uriCondition,
} from './search/conditions';
import { builtinFilter, isBuiltinParameter } from './search/builtin';
import { compositeFilter } from './search/composite';
import { nearFilter } from './search/near';
import { hierarchyFilter } from './search/hierarchy';
import { isIndexed } from './search/extract';
import type { TerminologyFilter } from './search/terminology';
import { textMatchExpression } from './search/text-query';
import { INDEX_KINDS, type IndexKind } from './search/index-tables';
import { searchParamsFor, yieldsIdentifier, type SearchParamDef, type SearchParamType } from './search/parameters';
import type { IndexFilter, RowCondition, SearchFilter, SortKey, TextFilter } from './search/sql-query';
import type { IncludeSpec } from './search/include';
import { parseInstantSpan } from './instant';
import type { LastUpdatedCondition } from './store-backend';
import type { SearchParams } from './repository';
import { isElementKey, summaryElements } from './summary-elements';
import { FHIR_ID_PATTERN } from './validation';
import { rewriteNlpSearch } from '../nlp/results/search-parameters';

export const DEFAULT_SEARCH_COUNT = 20;

/** search.html#_summary values. */
export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';
export const MAX_SEARCH_COUNT = 1000;

export interface ParsedSearch {
  ids?: string[];
  lastUpdated: LastUpdatedCondition[];
  filters: SearchFilter[];
  sort: SortKey[];
  summary?: SummaryMode;
  /** search.html#elements: top-level elements to return. */
  elements?: string[];
  /** Parameters ignored under lenient handling, for an OperationOutcome entry. */
  warnings: string[];
  /** _include and _revinclude (search.html#include). */
  includes: IncludeSpec[];
  count: number;
  offset: number;
  /** search.html#total; absent: the server's default (fhir-repository.ts). */
  total?: 'none' | 'estimate' | 'accurate';
  /** The parameters carried into self/previous/next links (all but _count and _offset). */
  criteria: Array<[string, string]>;
  /** The path of self/previous/next links when not `ResourceType` (a compartment search). */
  linkBase?: string;
}

function pairsOf(params: SearchParams): Array<[string, string]> {
  if (params instanceof URLSearchParams) return [...params.entries()];
  return params.map(([k, v]) => [k, v]);
}

function nonNegativeInt(name: string, value: string, max: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) > max) {
    throw fhirError('invalid', `${name} must be a whole number from 0 to ${max}`, 400, [name]);
  }
  return Number(value);
}

/** http.html + search.html#prefix: one `_lastUpdated` value to a condition on the instant. */
function lastUpdatedCondition(value: string): LastUpdatedCondition {
  const prefixMatch = /^(eq|ne|gt|lt|ge|le|sa|eb)/.exec(value);
  const prefix = prefixMatch?.[1] ?? 'eq';
  const span = parseInstantSpan(prefixMatch ? value.slice(2) : value);
  if (!span) throw fhirError('invalid', `_lastUpdated: "${value.slice(0, 40)}" is not a FHIR date or instant`, 400, ['_lastUpdated']);
  switch (prefix) {
    case 'eq':
      return { startMs: span.startMs, endMs: span.endMs };
    case 'ne':
      return { startMs: span.startMs, endMs: span.endMs, negate: true };
    case 'gt':
    case 'sa':
      return { startMs: span.endMs };
    case 'lt':
    case 'eb':
      return { endMs: span.startMs };
    case 'ge':
      return { startMs: span.startMs };
    default: // le
      return { endMs: span.endMs };
  }
}

/** How to treat unknown or unsupported parameters (search.html#errors, `Prefer: handling=`). */
export interface SearchOptions {
  handling?: 'strict' | 'lenient';
  /**
   * search.html#compartments: only resources linked to `type`/`id` by one of `params` (the
   * CompartmentDefinition's parameters for the searched type): one OR filter, so the search stays
   * one query with every feature and paging; links are based at `type/id/ResourceType`.
   */
  compartment?: { type: string; id: string; params: readonly string[] };
}

const UNSUPPORTED_CONTROL = new Set(['_contained', '_containedType', '_query', '_filter', '_list', '_type']);

/** search.html#_type: the types of a system-level search (`_type=A,B`); an unknown type is a 400. */
export function parseTypeList(value: string): string[] {
  const types = value.split(',').map((t) => t.trim());
  for (const type of types) {
    if (!isResourceType(type)) throw fhirError('invalid', `_type: "${/^[A-Za-z]{1,64}$/.test(type) ? type : '(unreadable)'}" is not a resource type`, 400, ['_type']);
  }
  return types;
}

/**
 * Parameters a system-level search (search.html#searchcontexts) does not merge across types:
 * the merged page is always in the engine's order, and includes are per type.
 */
export function assertSystemSearchParameter(name: string): void {
  if (name === '_sort' || /^_(rev)?include(:|$)/.test(name)) throw unsupported(name, 'not supported in a system-level search');
}

/**
 * The engine's order across types (lastUpdated newest first, then type), for a stable sort that
 * merges per-type pages: within a type and instant it keeps the type's own search order.
 */
export function compareAcrossTypes(a: Resource, b: Resource): number {
  const byTime = Date.parse(b.meta?.lastUpdated ?? '') - Date.parse(a.meta?.lastUpdated ?? '');
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.resourceType < b.resourceType ? -1 : a.resourceType > b.resourceType ? 1 : 0;
}

function unsupported(name: string, why: string): OperationOutcomeError {
  const shown = /^[A-Za-z0-9_:.\-]{1,64}$/.test(name) ? name : '(unreadable name)';
  return fhirError('not-supported', `Unsupported search parameter "${shown}"${why ? `: ${why}` : ''}`, 400, [shown]);
}

function indexKindOf(type: SearchParamType): IndexKind | undefined {
  return (INDEX_KINDS as readonly string[]).includes(type) ? (type as IndexKind) : undefined;
}

/**
 * search.html#modifiers: `:identifier` on a reference parameter (Reference.identifier, token rows
 * `p:identifier`) and `:of-type` on an Identifier token (`type-system|type-code|value`, rows
 * `p:of-type`, search/extract.ts); undefined for any other modifier.
 */
function identifierModifierFilter(def: SearchParamDef, name: string, modifier: string, value: string): IndexFilter | undefined {
  const identifier = modifier === 'identifier' && def.type === 'reference';
  const ofType = modifier === 'of-type' && def.type === 'token';
  if (!identifier && !ofType) return undefined;
  if (ofType && !yieldsIdentifier(def)) throw fhirError('invalid', `${name}: :of-type applies only to a parameter of type Identifier`, 400, [name]);
  const values = splitEscaped(value, ',');
  const anyOf = values.map((v): RowCondition => {
    if (identifier) return tokenCondition(name, '', v);
    const parts = splitEscaped(v, '|');
    if (parts.length !== 3 || parts.some((part) => part === '')) {
      throw fhirError('invalid', `${name}: :of-type takes type-system|type-code|identifier-value`, 400, [name]);
    }
    const [system, code, identifierValue] = parts as [string, string, string];
    return { sql: `sid = ${SYSTEM_ID} AND code = ?`, values: [system, `${code}|${identifierValue}`] };
  });
  return { kind: 'token', param: `${def.code}:${modifier}`, anyOf, negate: false };
}

/** search.html#_text (narrative), #_content (all text): comma-separated alternatives, ORed. */
function textFilter(name: '_text' | '_content', value: string): TextFilter {
  const alternatives = splitEscaped(value, ',').filter((v) => v.trim() !== '');
  if (alternatives.length === 0) throw fhirError('invalid', `${name}: empty value`, 400, [name]);
  return { kind: 'text', column: name === '_text' ? 'narrative' : 'all', anyOf: alternatives.map((v) => textMatchExpression(name, v)) };
}

/**
 * A parameter without a chain: composite (search.html#composite), a token with a terminology
 * modifier (`:in`, `:not-in`, `:above`, `:below`: search/terminology.ts resolves it before the
 * query), or an index filter.
 */
function plainFilter(def: SearchParamDef, name: string, modifier: string, value: string): SearchFilter {
  if (def.type === 'composite') return compositeFilter(def, name, modifier, value);
  if (def.type === 'special' && def.code === 'near') return nearFilter(def.code, name, modifier, value);
  if (def.type === 'token' && (modifier === 'in' || modifier === 'not-in' || modifier === 'above' || modifier === 'below')) {
    if (value === '') throw fhirError('invalid', `${name}: empty value`, 400, [name]);
    const filter: TerminologyFilter = { kind: 'terminology', name, param: def.code, modifier, value };
    return filter;
  }
  return parameterFilter(def, name, modifier, value);
}

/** One `name[:modifier]=v1,v2` pair to a filter: the values are ORed (search.html#combining). */
function parameterFilter(def: SearchParamDef, name: string, modifier: string, value: string): IndexFilter {
  const byIdentifier = identifierModifierFilter(def, name, modifier, value);
  if (byIdentifier) return byIdentifier;
  const kind = indexKindOf(def.type);
  if (!kind || !isIndexed(def)) throw unsupported(name, `${def.type} parameters are not searchable yet`);
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw fhirError('invalid', `${name}: :missing takes true or false`, 400, [name]);
    return { kind, param: def.code, anyOf: [{ sql: '1 = 1', values: [] }], negate: value === 'true' };
  }
  const values = splitEscaped(value, ',');
  if (values.some((v) => v === '')) throw fhirError('invalid', `${name}: empty value`, 400, [name]);
  const anyOf: RowCondition[] = values.map((v) => {
    switch (def.type) {
      case 'string':
        return stringCondition(name, modifier, v);
      case 'token':
        return tokenCondition(name, modifier, v);
      case 'reference':
        return referenceCondition(name, modifier, v, isResourceType);
      case 'date':
        if (modifier !== '') throw fhirError('invalid', `${name}: modifier :${modifier} does not apply to a date`, 400, [name]);
        return dateCondition(name, v);
      case 'number':
        if (modifier !== '') throw fhirError('invalid', `${name}: modifier :${modifier} does not apply to a number`, 400, [name]);
        return numberCondition(name, v);
      case 'quantity':
        if (modifier !== '') throw fhirError('invalid', `${name}: modifier :${modifier} does not apply to a quantity`, 400, [name]);
        return quantityCondition(name, v);
      default:
        return uriCondition(name, modifier, v);
    }
  });
  // :not matches resources with no matching value, including those with no value (search.html#token).
  return { kind, param: def.code, anyOf, negate: def.type === 'token' && modifier === 'not' };
}

/** search.html#sort: `_sort=a,-b`. */
function sortKeys(value: string, params: ReadonlyMap<string, SearchParamDef>): SortKey[] {
  return value.split(',').map((raw) => {
    const descending = raw.startsWith('-');
    const code = descending ? raw.slice(1) : raw;
    if (code === '_id') return { kind: 'id', descending };
    if (code === '_lastUpdated') return { kind: 'lastUpdated', descending };
    const def = params.get(code);
    const kind = def ? indexKindOf(def.type) : undefined;
    if (!def || !kind || !isIndexed(def)) throw unsupported('_sort', `cannot sort by "${code.slice(0, 64)}"`);
    return { kind, param: def.code, descending };
  });
}

/** search.html#_summary: one of true, text, data, count, false. */
function summaryMode(value: string): SummaryMode {
  if (value === 'true' || value === 'text' || value === 'data' || value === 'count' || value === 'false') return value;
  throw fhirError('invalid', '_summary must be true, text, data, count or false', 400, ['_summary']);
}

/** search.html#elements: a comma-separated list of top-level element names. */
function elementList(value: string): string[] {
  const elements = value.split(',').map((e) => e.trim());
  if (elements.some((e) => !/^[a-z][A-Za-z0-9]{0,63}(\[x\])?$/.test(e))) {
    throw fhirError('invalid', '_elements lists top-level element names', 400, ['_elements']);
  }
  return elements;
}

/** `_summary` and `_elements` of a read or vread (http.html#read: the search.html#_summary shapes). */
export interface ReadShape {
  summary?: SummaryMode;
  elements?: string[];
}

/**
 * The shaping parameters of a read or vread; `_summary=count` means nothing there and any other
 * parameter is refused (400), never ignored.
 */
export function parseReadShape(pairs: ReadonlyArray<readonly [string, string]>): ReadShape {
  const shape: ReadShape = {};
  for (const [name, value] of pairs) {
    if (name === '_summary') {
      shape.summary = summaryMode(value);
      if (shape.summary === 'count') throw fhirError('invalid', '_summary=count applies to searches, not reads', 400, ['_summary']);
    } else if (name === '_elements') shape.elements = elementList(value);
    else throw unsupported(name, 'a read takes only _summary, _elements, _format and _pretty');
  }
  return shape;
}

export function parseSearch(resourceType: string, params: SearchParams, options: SearchOptions = {}): ParsedSearch {
  const parsed: ParsedSearch = {
    lastUpdated: [],
    filters: [],
    sort: [],
    count: DEFAULT_SEARCH_COUNT,
    offset: 0,
    criteria: [],
    warnings: [],
    includes: [],
  };
  let definitions: ReadonlyMap<string, SearchParamDef> | undefined;
  const definitionsOf = () => (definitions ??= searchParamsFor(resourceType, resourceTypes()));
  if (options.compartment) compartmentFilter(parsed, resourceType, options.compartment);
  // `nlp-icd10cm=I10&nlp-score=ge0.99`: one mention (docs/nlp-results.md).
  for (const [name, value] of rewriteNlpSearch(resourceType, pairsOf(params))) {
    try {
      parseOne(parsed, resourceType, name, value, definitionsOf);
    } catch (e) {
      // Lenient handling: unknown and unsupported parameters are reported, not fatal (search.html#errors).
      if (options.handling === 'lenient' && e instanceof OperationOutcomeError && e.outcome.issue[0]?.code === 'not-supported') {
        parsed.warnings.push(e.outcome.issue[0]?.diagnostics ?? 'Unsupported search parameter');
        continue;
      }
      throw e;
    }
  }
  return parsed;
}

function parseOne(parsed: ParsedSearch, resourceType: string, name: string, value: string, definitionsOf: () => ReadonlyMap<string, SearchParamDef>): void {
  switch (name) {
    case '_id': {
      const ids = value.split(',').filter((id) => id.length > 0);
      if (value.includes('|')) {
        // A token with a system part (`|id`, search.html#token): the general form (search/builtin.ts).
        parsed.filters.push(builtinFilter('_id', name, '', value));
        parsed.criteria.push([name, value]);
        return;
      }
      for (const id of ids) {
        if (!FHIR_ID_PATTERN.test(id)) throw fhirError('invalid', '_id: not a valid FHIR id', 400, ['_id']);
      }
      // Repeated parameters are ANDed (search.html#combining): intersect the id lists.
      parsed.ids = parsed.ids ? parsed.ids.filter((id) => ids.includes(id)) : ids;
      parsed.criteria.push([name, value]);
      return;
    }
    case '_lastUpdated':
      // One value without `ap` is a range on the version table's own column; OR by comma and `ap`
      // take the general form (search/builtin.ts).
      if (value.includes(',') || value.startsWith('ap')) parsed.filters.push(builtinFilter('_lastUpdated', name, '', value));
      else parsed.lastUpdated.push(lastUpdatedCondition(value));
      parsed.criteria.push([name, value]);
      return;
    case '_count':
      parsed.count = nonNegativeInt('_count', value, MAX_SEARCH_COUNT);
      return;
    case '_offset':
      parsed.offset = nonNegativeInt('_offset', value, 1_000_000_000);
      return;
    case '_total':
      if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
        throw fhirError('invalid', '_total must be none, estimate or accurate', 400, ['_total']);
      }
      parsed.total = value;
      parsed.criteria.push([name, value]);
      return;
    case '_sort':
      parsed.sort = sortKeys(value, definitionsOf());
      parsed.criteria.push([name, value]);
      return;
    case '_summary':
      parsed.summary = summaryMode(value);
      parsed.criteria.push([name, value]);
      return;
    case '_elements':
      parsed.elements = elementList(value);
      parsed.criteria.push([name, value]);
      return;
    case '_text':
    case '_content':
      parsed.filters.push(textFilter(name, value));
      parsed.criteria.push([name, value]);
      return;
    default:
      break;
  }
  if (UNSUPPORTED_CONTROL.has(name)) throw unsupported(name, 'not implemented yet');
  const include = /^_(rev)?include(?::(iterate|recurse))?$/.exec(name);
  if (include) {
    parsed.includes.push(includeSpec(name, value, include[1] === 'rev', include[2] !== undefined));
    parsed.criteria.push([name, value]);
    return;
  }
  parsed.filters.push(searchFilter(resourceType, name, value, 0));
  parsed.criteria.push([name, value]);
}

/** A filter nothing matches (an OR of no alternatives). */
const NO_MATCH: SearchFilter = { kind: 'or', anyOf: [] };

/** search.html#compartments: `param1=Type/id OR param2=Type/id ...`, one filter. */
function compartmentFilter(parsed: ParsedSearch, resourceType: string, compartment: NonNullable<SearchOptions['compartment']>): void {
  if (!isResourceType(compartment.type) || !FHIR_ID_PATTERN.test(compartment.id)) {
    throw fhirError('invalid', 'A compartment is a resource type and a valid id', 400);
  }
  const reference = `${compartment.type}/${compartment.id}`;
  // `{def}` (compartmentdefinition.html): the focal resource itself, e.g. Encounter/1/Encounter is Encounter 1.
  const anyOf = compartment.params.map((param) =>
    param === '{def}' ? (resourceType === compartment.type ? builtinFilter('_id', '_id', '', compartment.id) : NO_MATCH) : searchFilter(resourceType, param, reference, 0),
  );
  parsed.filters.push({ kind: 'or', anyOf });
  parsed.linkBase = `${reference}/${resourceType}`;
}

/** `Source:param[:Target]` (search.html#include); `*` is not supported. */
function includeSpec(name: string, value: string, reverse: boolean, iterate: boolean): IncludeSpec {
  const [sourceType = '', param = '', targetType, extra] = value.split(':');
  if (extra !== undefined || !isResourceType(sourceType) || (targetType !== undefined && !isResourceType(targetType))) {
    throw fhirError('invalid', `${name}: expected Type:parameter[:TargetType]`, 400, [name]);
  }
  const def = searchParamsFor(sourceType, resourceTypes()).get(param);
  if (!def || def.type !== 'reference' || !isIndexed(def)) throw unsupported(name, `${param.slice(0, 64)} is not a reference parameter of ${sourceType}`);
  return { reverse, sourceType, param: def.code, ...(targetType !== undefined ? { targetType } : {}), iterate };
}

/** Chains and _has nest; this bounds the SQL a request can build. */
const MAX_NESTING = 4;

/** One parameter `name=value` on `resourceType`: plain, chained (search.html#chaining) or `_has` (search.html#has). */
function searchFilter(resourceType: string, name: string, value: string, depth: number): SearchFilter {
  if (depth > MAX_NESTING) throw unsupported(name, `chains and _has nest at most ${MAX_NESTING} deep`);
  const types = resourceTypes();
  if (name.startsWith('_has:')) {
    const [, sourceType = '', param = '', ...rest] = name.split(':');
    const inner = rest.join(':');
    if (!isResourceType(sourceType)) throw fhirError('invalid', `${name.slice(0, 80)}: unknown resource type`, 400, [name.slice(0, 80)]);
    const def = searchParamsFor(sourceType, types).get(param);
    if (!def || def.type !== 'reference' || !isIndexed(def)) throw unsupported(name, `${param.slice(0, 64)} is not a reference parameter of ${sourceType}`);
    if (!inner) throw fhirError('invalid', `${name.slice(0, 80)}: _has needs a parameter after the reference`, 400, [name.slice(0, 80)]);
    return { kind: 'has', sourceType, param: def.code, filter: searchFilter(sourceType, inner, value, depth + 1) };
  }
  const dot = name.indexOf('.');
  const head = dot >= 0 ? name.slice(0, dot) : name;
  const colon = head.indexOf(':');
  const code = colon >= 0 ? head.slice(0, colon) : head;
  const modifier = colon >= 0 ? head.slice(colon + 1) : '';
  // `_id` and `_lastUpdated` with a modifier, or ending a chain or a _has (search/builtin.ts).
  if (dot < 0 && isBuiltinParameter(code)) return builtinFilter(code, name, modifier, value);
  const def = searchParamsFor(resourceType, types).get(code);
  if (!def) throw unsupported(name, '');
  if (dot < 0 && def.type === 'reference' && (modifier === 'above' || modifier === 'below')) return hierarchyFilter(def, resourceType, name, modifier, value);
  if (dot < 0) return plainFilter(def, name, modifier, value);

  if (def.type !== 'reference' || !isIndexed(def)) throw unsupported(name, `${code} is not a reference parameter: it cannot be chained`);
  const rest = name.slice(dot + 1);
  const innerCode = rest.split(/[.:]/)[0] ?? '';
  let targets: readonly string[];
  if (modifier !== '') {
    if (!isResourceType(modifier)) throw fhirError('invalid', `${name.slice(0, 80)}: :${modifier.slice(0, 64)} is not a resource type`, 400, [name.slice(0, 80)]);
    targets = [modifier];
  } else {
    // Without a type modifier, every target type that has the chained parameter (search.html#chaining).
    targets = def.targets.filter((t) => isResourceType(t) && searchParamsFor(t, types).has(innerCode));
  }
  if (targets.length === 0) throw unsupported(name, `no target of ${code} has a parameter "${innerCode.slice(0, 64)}"`);
  return { kind: 'chain', param: def.code, targets: targets.map((type) => ({ type, filter: searchFilter(type, rest, value, depth + 1) })) };
}

/** `Type?a=1&b=2`, percent-encoded. */
export function searchUrl(resourceType: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  const query = new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v])).toString();
  return query ? `${resourceType}?${query}` : resourceType;
}

/** search.html#paging: self, and previous/next when those pages exist. */
export function pageLinks(resourceType: string, search: ParsedSearch, hasNext: boolean): BundleLink[] {
  const page = (offset: number): Array<[string, string]> => [
    ...search.criteria,
    ['_count', String(search.count)],
    ['_offset', String(offset)],
  ];
  const base = search.linkBase ?? resourceType;
  const links: BundleLink[] = [{ relation: 'self', url: searchUrl(base, page(search.offset)) }];
  if (search.offset > 0 && search.count > 0) {
    links.push({ relation: 'previous', url: searchUrl(base, page(Math.max(0, search.offset - search.count))) });
  }
  if (hasNext) links.push({ relation: 'next', url: searchUrl(base, page(search.offset + search.count)) });
  return links;
}

/** search.html#elements: a marked subset is not a whole resource (SUBSETTED, http://hl7.org/fhir/R4/v3/ObservationValue). */
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** A copy keeping only the properties `keep` accepts (resourceType and meta stay), tagged SUBSETTED. */
function keepOnly(resource: Resource, keep: (key: string) => boolean): Resource {
  const subset: Resource = { ...resource, meta: { ...(resource.meta ?? {}), tag: [...(resource.meta?.tag ?? []), SUBSETTED] } };
  for (const key of Object.keys(subset)) if (key !== 'resourceType' && key !== 'meta' && !keep(key)) Reflect.deleteProperty(subset, key);
  return subset;
}

/**
 * Applies `_summary` and `_elements` (search.html#_summary, #elements) to one resource:
 * true = the elements marked isSummary in the StructureDefinition; text = text, id, meta and the
 * mandatory top-level elements; data = all but text; `_elements` = the listed elements plus id
 * and the mandatory ones (servers SHOULD return those). A subset carries the SUBSETTED tag.
 */
export function shapeResource(resource: Resource, shape: ReadShape): Resource {
  if (shape.elements) {
    const wanted = shape.elements;
    const { mandatory } = summaryElements(resource.resourceType);
    return keepOnly(resource, (key) => key === 'id' || wanted.some((name) => isElementKey(key, name)) || [...mandatory].some((name) => isElementKey(key, name)));
  }
  switch (shape.summary) {
    case 'true': {
      const { summary } = summaryElements(resource.resourceType);
      return keepOnly(resource, (key) => [...summary].some((name) => isElementKey(key, name)));
    }
    case 'text': {
      const { mandatory } = summaryElements(resource.resourceType);
      return keepOnly(resource, (key) => key === 'id' || key === 'text' || [...mandatory].some((name) => isElementKey(key, name)));
    }
    case 'data':
      return 'text' in resource ? keepOnly(resource, (key) => key !== 'text') : resource;
    default:
      return resource;
  }
}

export function searchsetBundle(
  resources: Resource[],
  links: BundleLink[],
  total: number | undefined,
  warnings: readonly string[] = [],
  included: readonly Resource[] = [],
): Bundle {
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (total !== undefined) bundle.total = total;
  bundle.link = links;
  bundle.entry = resources.map((resource) => ({
    fullUrl: `${resource.resourceType}/${resource.id ?? ''}`,
    resource,
    search: { mode: 'match' },
  }));
  for (const resource of included) {
    bundle.entry.push({ fullUrl: `${resource.resourceType}/${resource.id ?? ''}`, resource, search: { mode: 'include' } });
  }
  if (warnings.length > 0) {
    // search.html#errors: parameters ignored under lenient handling are reported in an outcome entry.
    bundle.entry.push({
      resource: {
        resourceType: 'OperationOutcome',
        issue: warnings.map((diagnostics) => ({ severity: 'warning', code: 'not-supported', diagnostics })),
      },
      search: { mode: 'outcome' },
    });
  }
  // json.html: an array is never empty; a Bundle with no entries has no `entry`.
  if (bundle.entry.length === 0) delete bundle.entry;
  return bundle;
}
