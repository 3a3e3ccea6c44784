/**
 * The field-level diff of two versions of a resource (docs/sync.md "Conflicts"): JSON paths such
 * as `name[0].given[1]`, each added, removed or changed relative to ours. Server-assigned fields
 * (id, meta.versionId, meta.lastUpdated, meta.source) and Hearth's origin tag are left out, as in
 * `sameContent`, so the diff shows only what a person changed.
 */
import type { Resource } from '@medplum/fhirtypes';
import { withoutServerMeta } from './content';
import type { FieldDiff } from './types';

/** At most this many differences are listed (a resource rewritten from scratch is one big change anyway). */
export const DIFF_LIMIT = 2000;

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Same JSON value (object keys in any order). */
function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  return false;
}

function walk(ours: Json, theirs: Json, path: string, out: FieldDiff[]): void {
  if (out.length >= DIFF_LIMIT || equal(ours, theirs)) return;
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    // Index by index: FHIR arrays are ordered, and a position is what a merge editor shows.
    const n = Math.max(ours.length, theirs.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= ours.length) out.push({ path: p, kind: 'added', theirs: theirs[i] });
      else if (i >= theirs.length) out.push({ path: p, kind: 'removed', ours: ours[i] });
      else walk(ours[i], theirs[i], p, out);
    }
    return;
  }
  if (isObject(ours) && isObject(theirs)) {
    const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort();
    for (const key of keys) {
      const p = path ? `${path}.${key}` : key;
      const inOurs = Object.prototype.hasOwnProperty.call(ours, key);
      const inTheirs = Object.prototype.hasOwnProperty.call(theirs, key);
      if (!inOurs) out.push({ path: p, kind: 'added', theirs: theirs[key] });
      else if (!inTheirs) out.push({ path: p, kind: 'removed', ours: ours[key] });
      else walk(ours[key], theirs[key], p, out);
      if (out.length >= DIFF_LIMIT) return;
    }
    return;
  }
  out.push({ path, kind: 'changed', ours, theirs });
}

function comparable(resource: Resource | undefined): Json {
  if (!resource) return {};
  const copy = withoutServerMeta(resource) as Resource & { id?: string };
  delete copy.id;
  return copy;
}

/** The differences from ours to theirs; a missing side (deleted) diffs against an empty resource. */
export function diffResources(ours: Resource | undefined, theirs: Resource | undefined): FieldDiff[] {
  const out: FieldDiff[] = [];
  walk(comparable(ours), comparable(theirs), '', out);
  return out;
}
