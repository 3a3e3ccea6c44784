/**
 * The search behind conditional create, update, delete and conditional references
 * (http.html#ccreate, #cond-update, #cdelete, #trules): the criteria are an ordinary search
 * (`repo.search`), so they understand exactly what the search engine understands.
 */
import type { Resource } from '@medplum/fhirtypes';
import { fhirError } from '../outcome-error';
import type { ResourceRepository } from '../repository';

/** Result parameters that do not select resources and make no sense in a condition. */
const NON_CRITERIA = new Set(['_count', '_offset', '_total', '_format', '_pretty', '_summary', '_elements', '_sort', '_include', '_revinclude']);

/**
 * Up to two matches of `criteria` (a query string without `?`): enough to tell none, one and
 * several apart. Criteria without any selecting parameter are refused (they would match everything).
 */
export async function conditionalMatches(repo: ResourceRepository, resourceType: string, criteria: string): Promise<Resource[]> {
  const pairs = [...new URLSearchParams(criteria.replace(/^\?/, '')).entries()].filter(([name]) => !NON_CRITERIA.has(name));
  if (pairs.length === 0) throw fhirError('invalid', 'A conditional interaction needs search criteria', 400);
  const bundle = await repo.search(resourceType, [...pairs, ['_count', '2'], ['_total', 'none']]);
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include' && e.search?.mode !== 'outcome' && e.resource).map((e) => e.resource!);
}

/** Exactly one match or a 412 (several) / 404 (none), for conditional references. */
export async function singleMatch(repo: ResourceRepository, resourceType: string, criteria: string, what: string): Promise<Resource> {
  const matches = await conditionalMatches(repo, resourceType, criteria);
  if (matches.length === 0) throw fhirError('not-found', `${what}: no ${resourceType} matches the criteria`, 404);
  if (matches.length > 1) throw fhirError('multiple-matches', `${what}: several ${resourceType} resources match the criteria`, 412);
  return matches[0]!;
}

export function multipleMatches(resourceType: string, interaction: string) {
  return fhirError('multiple-matches', `Conditional ${interaction}: several ${resourceType} resources match the criteria`, 412);
}
