import { parseSearch } from '../../src-main/fhir/search';
import type { CurrentQuery } from '../../src-main/fhir/store-backend';

/** The page query a type search asks the store for (one row more than the page, with a cheap total). */
export function currentQuery(resourceType: string, query: string): CurrentQuery {
  const parsed = parseSearch(resourceType, new URLSearchParams(query));
  return {
    resourceType,
    ...(parsed.ids ? { ids: parsed.ids } : {}),
    lastUpdated: parsed.lastUpdated,
    filters: parsed.filters,
    sort: parsed.sort,
    offset: parsed.offset,
    limit: parsed.count + 1,
    withTotal: true,
    cheapTotalOnly: true,
  };
}
