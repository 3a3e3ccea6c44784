/**
 * What "the same resource" means across two stores: the content without the fields each server
 * assigns (id, meta.versionId, meta.lastUpdated, meta.source) and without Hearth's origin tag,
 * compared as canonical JSON (keys sorted).
 */
import type { Coding, Meta, Resource } from '@medplum/fhirtypes';

/** The meta.tag system of Hearth's idempotency key (docs/sync.md "Idempotency"). */
export const SYNC_ORIGIN_SYSTEM = 'https://hearth.local/fhir/CodeSystem/sync-origin';

export function originCode(originKey: string, resourceType: string, localId: string): string {
  return `${originKey}:${resourceType}/${localId}`;
}

/** The local `Type/id` an origin tag of this profile names, if the resource carries one. */
export function originOf(resource: Resource, originKey: string): string | undefined {
  const prefix = `${originKey}:`;
  const tag = resource.meta?.tag?.find((t) => t.system === SYNC_ORIGIN_SYSTEM && t.code?.startsWith(prefix));
  return tag?.code?.slice(prefix.length);
}

/** The resource without the server-assigned meta and without any origin tag (a copy). */
export function withoutServerMeta<T extends Resource>(resource: T): T {
  const copy = structuredClone(resource);
  if (copy.meta) {
    const meta: Meta = { ...copy.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    delete meta.source;
    const tags = (meta.tag ?? []).filter((t: Coding) => t.system !== SYNC_ORIGIN_SYSTEM);
    if (tags.length > 0) meta.tag = tags;
    else delete meta.tag;
    if (Object.keys(meta).length > 0) copy.meta = meta;
    else delete copy.meta;
  }
  return copy;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
  return out;
}

/** Same content, ids and server meta aside. */
export function sameContent(a: Resource, b: Resource): boolean {
  const strip = (r: Resource): unknown => {
    const c = withoutServerMeta(r) as Resource & { id?: string };
    delete c.id;
    return canonical(c);
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
