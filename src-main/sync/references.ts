/**
 * Reference rewriting (docs/sync.md "Id map and references"): every `reference` string of a
 * resource (https://hl7.org/fhir/R4/references.html) of the form `Type/id` (relative, or absolute
 * on the given base, with or without `/_history/n`) is passed to `map`, which returns the new
 * `Type/id` or undefined to leave it as it is. Contained (`#x`), urn:uuid and other servers'
 * absolute URLs are left alone.
 */
import type { Resource } from '@medplum/fhirtypes';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export interface ParsedReference {
  resourceType: string;
  id: string;
}

/** `Type/id` of a literal reference, relative or on `base`; undefined for anything else. */
export function parseReference(reference: string, base?: string): ParsedReference | undefined {
  let rest = reference;
  if (base && reference.startsWith(`${base}/`)) rest = reference.slice(base.length + 1);
  const m = RELATIVE.exec(rest);
  return m ? { resourceType: m[1]!, id: m[2]! } : undefined;
}

type Json = unknown;

function walk(value: Json, visit: (holder: Record<string, Json>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, Json>;
  if (typeof record.reference === 'string') visit(record);
  for (const [key, child] of Object.entries(record)) {
    // Contained resources have their own reference space only for `#` references; their literal references are rewritten like the container's.
    if (key !== 'reference') walk(child, visit);
  }
}

/** Every literal reference target of a resource (for ordering a push). */
export function referenceTargets(resource: Resource, base?: string): ParsedReference[] {
  const out: ParsedReference[] = [];
  walk(resource, (holder) => {
    const parsed = parseReference(holder.reference as string, base);
    if (parsed) out.push(parsed);
  });
  return out;
}

/** A deep copy with references rewritten; `map` returns the replacement reference string or undefined. */
export function rewriteReferences<T extends Resource>(resource: T, map: (target: ParsedReference) => string | undefined, base?: string): T {
  const copy = structuredClone(resource);
  walk(copy, (holder) => {
    const parsed = parseReference(holder.reference as string, base);
    if (!parsed) return;
    const next = map(parsed);
    if (next !== undefined) holder.reference = next;
  });
  return copy;
}
