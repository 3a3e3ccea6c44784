/**
 * Every match of a search, page by page (search.html#paging), for cohort counts and exports: the
 * user's parameters with `_count` and `_offset` replaced; `_include`/`_revinclude` dropped (only the
 * matches are read: entries with search.mode `match`), and for cohorts the paging and shaping
 * parameters too.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceRepository } from '../fhir/repository';
import { parseSearchQuery } from '../services/session-services';

/** Resources per page read (search.ts MAX_SEARCH_COUNT). */
export const PAGE_SIZE = 1000;

/** Parameters that shape the answer rather than select matches. */
const SHAPING = new Set(['_count', '_offset', '_include', '_revinclude', '_total', '_summary', '_elements', '_sort']);

export interface MatchPage {
  resources: Resource[];
  /** Matches read so far, this page included. */
  done: number;
  /** The total when the engine gives one (first page, `_total=accurate`). */
  total?: number;
}

/**
 * `Type?params` → the type and the parameters that select matches. `keepOrder` keeps `_sort` (an
 * export keeps the user's order; a cohort does not need one).
 */
export function matchQuery(query: string, keepOrder: boolean): { resourceType: string; pairs: Array<[string, string]> } {
  const { resourceType, params } = parseSearchQuery(query);
  const pairs = [...params.entries()].filter(([name]) => {
    const base = name.split(':')[0]!;
    if (keepOrder && (name === '_sort' || name === '_elements')) return true;
    return !SHAPING.has(base);
  });
  return { resourceType, pairs };
}

/** Yields the matches page by page until there are no more, `limit` are read, or `signal` aborts. */
export async function* matchPages(
  repository: ResourceRepository,
  resourceType: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  options: { limit?: number; signal?: AbortSignal } = {},
): AsyncGenerator<MatchPage> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let offset = 0;
  for (;;) {
    if (options.signal?.aborted) return;
    const count = Math.min(PAGE_SIZE, limit - offset);
    if (count <= 0) return;
    const params: Array<[string, string]> = [...pairs.map(([k, v]): [string, string] => [k, v]), ['_count', String(count)], ['_offset', String(offset)]];
    // The first page counts them all (a progress bar wants the total); later pages need not.
    params.push(['_total', offset === 0 ? 'accurate' : 'none']);
    const bundle = await repository.search(resourceType, params);
    const resources = (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode === undefined || entry.search.mode === 'match')
      .map((entry) => entry.resource)
      .filter((r): r is Resource => r !== undefined && r.resourceType === resourceType);
    offset += resources.length;
    yield { resources, done: offset, ...(bundle.total !== undefined ? { total: bundle.total } : {}) };
    const hasNext = (bundle.link ?? []).some((link) => link.relation === 'next');
    if (!hasNext || resources.length === 0) return;
  }
}
