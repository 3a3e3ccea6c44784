/**
 * `query.parameters`: the search parameters of one resource type as the FHIR engine knows them
 * (search/parameters.ts: the R4 SearchParameter registry plus Hearth's NLP parameters), with the
 * modifiers and prefixes the engine accepts on each (search.html#modifiers, #prefix), the
 * `_include` / `_revinclude` values and the `_sort` keys. The query builder's autocomplete.
 */
import { fhirError } from '../fhir/outcome-error';
import { isResourceType, resourceTypes } from '../fhir/resource-types';
import { isIndexed } from '../fhir/search/extract';
import { rawSearchParameters, searchParamsFor, yieldsIdentifier, type SearchParamDef } from '../fhir/search/parameters';
import type { QueryParameterInfo, QueryParameters } from './types';

/** search.html#prefix, in the order the builder lists them. */
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

/** Parameters the engine refuses (search.ts UNSUPPORTED_CONTROL and friends): never offered. */
const NOT_OFFERED = new Set(['_query', '_filter', '_list', '_contained', '_containedType', '_type', '_has']);

/** What Hearth's NLP parameters mean (docs/nlp-results.md §3): their definitions carry no description. */
const NLP_DESCRIPTIONS: Record<string, string> = {
  'nlp-icd10cm': 'ICD-10-CM concept of a mention in the note (negated mentions left out)',
  'nlp-rxnorm': 'RxNorm concept of a mention in the note (negated mentions left out)',
  'nlp-entity-text': 'The text of a mention (negated mentions left out)',
  'nlp-category': 'Category of a mention: MEDICAL_CONDITION, MEDICATION... (negated mentions left out)',
  'nlp-type': 'Type of a mention: DX_NAME, GENERIC_NAME... (negated mentions left out)',
  'nlp-score': "A mention's score; with nlp-icd10cm or nlp-rxnorm, that concept's score on the same mention",
  'nlp-trait': 'Traits of a mention scoring at least 0.5: PAST_HISTORY, PERTAINS_TO_FAMILY, DIAGNOSIS...',
  'nlp-negated-icd10cm': 'ICD-10-CM concept of a negated mention ("denies chest pain")',
  'nlp-negated-rxnorm': 'RxNorm concept of a negated mention',
  'nlp-negated-entity-text': 'The text of a negated mention',
  'nlp-negated-category': 'Category of a negated mention',
  'nlp-negated-type': 'Type of a negated mention',
  'nlp-icd10cm-score': 'An ICD-10-CM code and that concept\'s score on one mention: I10$ge0.9',
  'nlp-rxnorm-score': 'An RxNorm code and that concept\'s score on one mention: 197361$ge0.9',
};

/**
 * The description of a parameter for one type: shared R4 definitions list one line per base type
 * (`* [Condition](condition.html): Code for the condition`); that line, else the first line.
 */
function descriptionFor(raw: string | undefined, resourceType: string): string {
  if (!raw) return '';
  const line = raw.split('\n').find((l) => l.startsWith(`* [${resourceType}](`));
  if (line) return line.replace(/^\* \[[^\]]*\]\([^)]*\):\s*/, '').trim();
  return raw.split('\n').find((l) => l.trim() !== '' && !/^Multiple Resources/.test(l))?.trim() ?? '';
}

function modifiersOf(def: SearchParamDef): string[] {
  switch (def.type) {
    case 'string':
      return ['exact', 'contains', 'missing'];
    case 'token':
      return ['not', 'text', 'in', 'not-in', 'below', 'above', ...(yieldsIdentifier(def) ? ['of-type'] : []), 'missing'];
    case 'reference':
      // A type modifier (`subject:Patient`) is also how a chain names its target.
      return ['identifier', 'missing', ...def.targets.filter(isResourceType)];
    case 'uri':
      return ['below', 'above', 'missing'];
    case 'date':
    case 'number':
    case 'quantity':
      return ['missing'];
    default:
      return [];
  }
}

function prefixesOf(type: SearchParamDef['type']): string[] {
  return type === 'date' || type === 'number' || type === 'quantity' ? PREFIXES : [];
}

/** Whether the engine answers the parameter (search.ts): indexed, built in, full text, composite or `near`. */
function answered(def: SearchParamDef): boolean {
  if (NOT_OFFERED.has(def.code)) return false;
  if (def.code === '_id' || def.code === '_lastUpdated' || def.code === '_text' || def.code === '_content') return true;
  if (def.type === 'composite') return def.composite !== undefined;
  if (def.type === 'special') return def.code === 'near';
  return isIndexed(def);
}

let revIncludeIndex: Map<string, string[]> | undefined;

/** `Source:param` for every reference parameter that may point to each type (from the registry, without compiling). */
function revIncludesOf(resourceType: string): string[] {
  if (!revIncludeIndex) {
    revIncludeIndex = new Map();
    const types = resourceTypes();
    for (const sp of rawSearchParameters()) {
      if (sp.type !== 'reference') continue;
      for (const target of sp.target ?? []) {
        const list = revIncludeIndex.get(target) ?? [];
        for (const base of sp.base) if (types.has(base)) list.push(`${base}:${sp.code}`);
        revIncludeIndex.set(target, list);
      }
    }
    for (const [target, list] of revIncludeIndex) revIncludeIndex.set(target, [...new Set(list)].sort());
  }
  return revIncludeIndex.get(resourceType) ?? [];
}

export function queryParameters(resourceType: string): QueryParameters {
  if (!isResourceType(resourceType)) throw fhirError('invalid', `"${resourceType}" is not an R4 resource type`, 400, ['resourceType']);
  const defs = searchParamsFor(resourceType, resourceTypes());
  const descriptions = new Map<string, string>();
  for (const sp of rawSearchParameters()) {
    if (sp.base.includes(resourceType) || sp.base.includes('Resource') || sp.base.includes('DomainResource')) {
      descriptions.set(sp.code, descriptionFor((sp as { description?: string }).description, resourceType));
    }
  }
  const parameters: QueryParameterInfo[] = [];
  for (const def of defs.values()) {
    if (!answered(def)) continue;
    const hearth = def.url.startsWith('https://hearth.local/');
    const info: QueryParameterInfo = {
      code: def.code,
      type: def.type,
      description: (hearth ? NLP_DESCRIPTIONS[def.code] : descriptions.get(def.code)) ?? '',
      targets: def.type === 'reference' ? def.targets.filter(isResourceType) : [],
      modifiers: def.code === '_text' || def.code === '_content' ? [] : def.code === '_id' ? ['not', 'missing'] : modifiersOf(def),
      prefixes: prefixesOf(def.type),
    };
    if (def.code.startsWith('_')) info.common = true;
    if (hearth) info.hearth = true;
    parameters.push(info);
  }
  // Type-specific parameters first (the ones a curator looks for), then Hearth's, then the common ones.
  const rank = (p: QueryParameterInfo): number => (p.common ? 2 : p.hearth ? 1 : 0);
  parameters.sort((a, b) => rank(a) - rank(b) || a.code.localeCompare(b.code));
  const includes = parameters.filter((p) => p.type === 'reference' && !p.common).map((p) => `${resourceType}:${p.code}`);
  const sortable = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);
  const sorts = parameters.filter((p) => p.code === '_id' || p.code === '_lastUpdated' || (sortable.has(p.type) && p.code !== '_text' && p.code !== '_content')).map((p) => p.code);
  return { resourceType, parameters, includes, revIncludes: revIncludesOf(resourceType), sorts };
}
