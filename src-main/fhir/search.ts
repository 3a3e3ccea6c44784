/**
 * The minimal search of https://hl7.org/fhir/R4/search.html: `_id`, `_lastUpdated` (prefixes
 * eq/ne/gt/lt/ge/le/sa/eb, search.html#prefix), `_count`, `_offset` and `_total`. Any other
 * parameter is refused with an "unsupported search parameter" outcome: never silently ignored.
 */
import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';
import { fhirError } from './outcome-error';
import { parseInstantSpan } from './instant';
import type { LastUpdatedCondition } from './store-backend';
import type { SearchParams } from './repository';
import { FHIR_ID_PATTERN } from './validation';

export const DEFAULT_SEARCH_COUNT = 20;
export const MAX_SEARCH_COUNT = 1000;

export interface ParsedSearch {
  ids?: string[];
  lastUpdated: LastUpdatedCondition[];
  count: number;
  offset: number;
  total: 'none' | 'estimate' | 'accurate';
  /** The parameters carried into self/previous/next links (all but _count and _offset). */
  criteria: Array<[string, string]>;
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

export function parseSearch(params: SearchParams): ParsedSearch {
  const parsed: ParsedSearch = { lastUpdated: [], count: DEFAULT_SEARCH_COUNT, offset: 0, total: 'accurate', criteria: [] };
  for (const [name, value] of pairsOf(params)) {
    switch (name) {
      case '_id': {
        const ids = value.split(',').filter((id) => id.length > 0);
        for (const id of ids) {
          if (!FHIR_ID_PATTERN.test(id)) throw fhirError('invalid', '_id: not a valid FHIR id', 400, ['_id']);
        }
        // Repeated parameters are ANDed (search.html#combining): intersect the id lists.
        parsed.ids = parsed.ids ? parsed.ids.filter((id) => ids.includes(id)) : ids;
        parsed.criteria.push([name, value]);
        break;
      }
      case '_lastUpdated':
        parsed.lastUpdated.push(lastUpdatedCondition(value));
        parsed.criteria.push([name, value]);
        break;
      case '_count':
        parsed.count = nonNegativeInt('_count', value, MAX_SEARCH_COUNT);
        break;
      case '_offset':
        parsed.offset = nonNegativeInt('_offset', value, 1_000_000_000);
        break;
      case '_total':
        if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
          throw fhirError('invalid', '_total must be none, estimate or accurate', 400, ['_total']);
        }
        parsed.total = value;
        parsed.criteria.push([name, value]);
        break;
      default: {
        const shown = /^[A-Za-z0-9_:.\-]{1,64}$/.test(name) ? name : '(unreadable name)';
        throw fhirError('not-supported', `Unsupported search parameter "${shown}"`, 400, [shown]);
      }
    }
  }
  return parsed;
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
  const links: BundleLink[] = [{ relation: 'self', url: searchUrl(resourceType, page(search.offset)) }];
  if (search.offset > 0 && search.count > 0) {
    links.push({ relation: 'previous', url: searchUrl(resourceType, page(Math.max(0, search.offset - search.count))) });
  }
  if (hasNext) links.push({ relation: 'next', url: searchUrl(resourceType, page(search.offset + search.count)) });
  return links;
}

export function searchsetBundle(
  resources: Resource[],
  links: BundleLink[],
  total: number | undefined,
): Bundle {
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (total !== undefined) bundle.total = total;
  bundle.link = links;
  bundle.entry = resources.map((resource) => ({
    fullUrl: `${resource.resourceType}/${resource.id ?? ''}`,
    resource,
    search: { mode: 'match' },
  }));
  return bundle;
}
