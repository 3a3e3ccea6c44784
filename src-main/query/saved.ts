/**
 * Saved queries, kept in the vault (so they are encrypted, survive a restart and travel with the
 * vault) as FHIR `Basic` resources (https://hl7.org/fhir/R4/basic.html) with Hearth's resource-kind
 * code `saved-query` and one extension holding the name, the query and the chosen columns
 * (docs/query.md). Every extension has a value or children, never both (ext-1).
 */
import type { Basic, Extension, Resource } from '@medplum/fhirtypes';
import { fhirError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import { RESOURCE_KIND_SYSTEM } from '../review/record';
import { parseSearchQuery } from '../services/session-services';
import type { SavedQuery } from './types';

export const SAVED_QUERY_CODE = 'saved-query';
export const SAVED_QUERY_EXTENSION_URL = 'https://hearth.local/fhir/StructureDefinition/saved-query';
/** More than a person keeps; bounds one list call. */
const MAX_SAVED = 1000;

function isSavedQueryBasic(resource: Resource): resource is Basic {
  return resource.resourceType === 'Basic' && (resource.code?.coding ?? []).some((c) => c.system === RESOURCE_KIND_SYSTEM && c.code === SAVED_QUERY_CODE);
}

function toBasic(input: { id?: string; name: string; query: string; columns?: readonly string[] }): Basic {
  const parts: Extension[] = [
    { url: 'name', valueString: input.name },
    { url: 'query', valueString: input.query },
    ...(input.columns ?? []).map((column): Extension => ({ url: 'column', valueString: column })),
  ];
  return {
    resourceType: 'Basic',
    ...(input.id !== undefined ? { id: input.id } : {}),
    code: { coding: [{ system: RESOURCE_KIND_SYSTEM, code: SAVED_QUERY_CODE, display: 'Saved query' }] },
    extension: [{ url: SAVED_QUERY_EXTENSION_URL, extension: parts }],
  };
}

/** The saved query a Basic holds; undefined when it is not one (or is damaged). */
export function fromBasic(basic: Basic): SavedQuery | undefined {
  const ext = basic.extension?.find((e) => e.url === SAVED_QUERY_EXTENSION_URL);
  const value = (url: string): string[] => (ext?.extension ?? []).filter((e) => e.url === url && typeof e.valueString === 'string').map((e) => e.valueString!);
  const [name] = value('name');
  const [query] = value('query');
  if (!basic.id || name === undefined || query === undefined) return undefined;
  const columns = value('column');
  return { id: basic.id, name, query, ...(columns.length > 0 ? { columns } : {}), savedAt: basic.meta?.lastUpdated ?? '' };
}

export async function listSavedQueries(repository: ResourceRepository): Promise<SavedQuery[]> {
  const params = new URLSearchParams({ code: `${RESOURCE_KIND_SYSTEM}|${SAVED_QUERY_CODE}`, _count: String(MAX_SAVED) });
  const bundle = await repository.search('Basic', params);
  const saved = (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((r): r is Basic => r !== undefined && isSavedQueryBasic(r))
    .map(fromBasic)
    .filter((q): q is SavedQuery => q !== undefined);
  return saved.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * Saves a new query, or replaces saved query `id`. A query that does not parse as `Type?params` is
 * refused here (the engine checks the parameters when it runs).
 */
export async function saveQuery(
  repository: ResourceRepository,
  input: { id?: string; name: string; query: string; columns?: readonly string[] },
): Promise<SavedQuery> {
  parseSearchQuery(input.query);
  if (input.id !== undefined) {
    const existing = await repository.read('Basic', input.id);
    if (!isSavedQueryBasic(existing)) throw fhirError('invalid', `Basic/${input.id} is not a saved query`, 400, ['id']);
  }
  const basic = toBasic(input);
  const stored = input.id !== undefined ? await repository.update(basic) : await repository.create(basic);
  const saved = fromBasic(stored);
  if (!saved) throw fhirError('exception', 'The saved query could not be read back', 500);
  return saved;
}

export async function deleteSavedQuery(repository: ResourceRepository, id: string): Promise<{ id: string }> {
  const existing = await repository.read('Basic', id);
  if (!isSavedQueryBasic(existing)) throw fhirError('invalid', `Basic/${id} is not a saved query`, 400, ['id']);
  await repository.delete('Basic', id);
  return { id };
}
