/**
 * Content identity for "unchanged" detection on import: a SHA-256 of the resource in canonical
 * JSON (keys sorted) without the store-assigned meta.versionId and meta.lastUpdated.
 */
import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${keys
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(resource: Resource): string {
  const { meta, ...rest } = resource as Resource & { meta?: Record<string, unknown> };
  let comparable: Record<string, unknown> = rest;
  if (meta) {
    const { versionId: _v, lastUpdated: _l, ...otherMeta } = meta;
    if (Object.keys(otherMeta).length > 0) comparable = { ...rest, meta: otherMeta };
  }
  return createHash('sha256').update(canonical(comparable)).digest('base64url');
}
