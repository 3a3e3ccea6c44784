/**
 * The parts of reading a batch/transaction Bundle that need no store: the entry envelope, each
 * entry's method and URL, the fullUrl → `Type/id` map of bundle.html#references and the
 * conditional references (http.html#trules). bundle.ts runs them on the store's thread; the
 * write-prep worker runs them (planPlainTransaction) on a transaction Bundle's text, so that a
 * Bundle of plain creates and updates reaches the store's thread already parsed, resolved,
 * validated and indexed (write-prep-worker.ts). Both paths use these same functions.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { rewriteReferences } from '../../io/import-plan';
import { fhirError } from '../outcome-error';
import { isResourceType } from '../resource-types';
import { FHIR_ID_PATTERN } from '../validation';

export const ENTRY_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** What the entry URLs are read against (RestContext's options.baseUrl and foreignUrlsRelative). */
export interface EntryUrlBase {
  baseUrl: string;
  foreignUrlsRelative?: boolean;
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The envelope the code below relies on (bundle.html: entry 0..*, each a BackboneElement with
 * fullUrl a uri, resource a Resource, request a BackboneElement): anything else is a 400 naming
 * the element, never a TypeError (a 500) further down.
 */
export function assertEntryShape(bundle: Bundle): void {
  const entries: unknown = bundle.entry;
  if (entries === undefined) return;
  if (!Array.isArray(entries)) throw fhirError('structure', 'Bundle.entry must be an array of entries', 400, ['Bundle.entry']);
  for (const [index, entry] of (entries as unknown[]).entries()) {
    if (!isObject(entry)) throw fhirError('structure', 'An entry must be a JSON object', 400, [`Bundle.entry[${index}]`]);
    const { fullUrl, resource, request } = entry as Record<string, unknown>;
    if (fullUrl !== undefined && typeof fullUrl !== 'string') throw fhirError('structure', 'fullUrl must be a string (a uri)', 400, [`Bundle.entry[${index}].fullUrl`]);
    if (resource !== undefined && !isObject(resource)) throw fhirError('structure', 'resource must be a JSON object (a FHIR resource)', 400, [`Bundle.entry[${index}].resource`]);
    if (request !== undefined && !isObject(request)) throw fhirError('structure', 'request must be a JSON object', 400, [`Bundle.entry[${index}].request`]);
  }
}

export interface EntryTarget {
  method: string;
  path: string;
  query: string;
}

/** Bundle.entry.request → method, path below the base and query; a foreign absolute URL is refused. */
export function entryTarget(base: EntryUrlBase, entry: BundleEntry, index: number): EntryTarget {
  const method = entry.request?.method;
  const url = entry.request?.url;
  if (typeof method !== 'string' || !ENTRY_METHODS.has(method) || typeof url !== 'string' || url.length === 0) {
    throw fhirError('required', 'An entry needs request.method and request.url', 400, [`Bundle.entry[${index}].request`]);
  }
  let relative = url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    if (url.startsWith(`${base.baseUrl}/`)) relative = url.slice(base.baseUrl.length + 1);
    else if (base.foreignUrlsRelative) relative = fromResourceType(url) ?? url;
    else throw fhirError('not-supported', 'request.url names another server', 400, [`Bundle.entry[${index}].request.url`]);
  }
  const at = relative.indexOf('?');
  return { method, path: at === -1 ? relative : relative.slice(0, at), query: at === -1 ? '' : relative.slice(at + 1) };
}

/** `http://other/base/Type/id?q` → `Type/id?q` (from the first segment that is a resource type). */
function fromResourceType(url: string): string | undefined {
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  const segments = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('/');
  const start = segments.findIndex((s) => isResourceType(s));
  return start === -1 ? undefined : segments.slice(start).join('/') + (at === -1 ? '' : url.slice(at));
}

/** Type and id (or criteria) of an entry URL `Type`, `Type/id` or `Type?criteria`. */
export function typeAndId(target: EntryTarget, index: number): { type: string; id?: string } {
  const parts = target.path.split('/').filter((p) => p.length > 0);
  const [type, id] = parts;
  if (type !== undefined && id?.startsWith('$')) {
    throw fhirError('not-supported', `Operations (${type}/${id}) are not run inside a batch or transaction`, 400, [`Bundle.entry[${index}].request.url`]);
  }
  if (type === undefined || !isResourceType(type) || parts.length > 2 || (id !== undefined && !FHIR_ID_PATTERN.test(id))) {
    throw fhirError('invalid', 'request.url must be Type, Type/id or Type?criteria', 400, [`Bundle.entry[${index}].request.url`]);
  }
  return id !== undefined ? { type, id } : { type };
}

/** The entry's resource when it is of the type its URL names (else a 400 naming the entry's resource). */
export function entryResource(entry: BundleEntry, type: string, index: number): Resource {
  const resource = entry.resource;
  if (!resource || resource.resourceType !== type) throw fhirError('invalid', `The entry needs a ${type} resource`, 400, [`Bundle.entry[${index}].resource`]);
  return resource;
}

export function keyOf(type: string, id: string): string {
  return `${type}/${id}`;
}

/**
 * Records a fullUrl's target. A relative reference resolves against the base of an absolute fullUrl
 * (bundle.html#references): `Patient/123` inside the Bundle means the entry whose fullUrl is
 * `http://base/Patient/123`.
 */
export function addFullUrlTarget(targets: Map<string, string>, fullUrl: string, key: string, created: boolean): void {
  targets.set(fullUrl, key);
  const relative = /\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(fullUrl)?.[1];
  if (created && relative !== undefined && !fullUrl.startsWith('urn:') && !targets.has(relative)) targets.set(relative, key);
}

/** Every `reference` value of the form `Type?criteria` (a conditional reference). */
export function conditionalReferences(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) conditionalReferences(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    // for...in rather than Object.entries: no pair arrays per key (this runs on every resource written).
    for (const k in record) {
      const v = record[k];
      if (k === 'reference' && typeof v === 'string') {
        const m = /^([A-Za-z]{1,64})\?./.exec(v);
        if (m && isResourceType(m[1]!)) found.add(v);
      } else if (typeof v === 'object' && v !== null) {
        conditionalReferences(v, found);
      }
    }
  }
  return found;
}

/** One write of a plain transaction, its references already rewritten. */
export interface PlainWrite {
  /** The entry's index in the Bundle. */
  index: number;
  kind: 'create' | 'update';
  type: string;
  /** The id it is stored under (assigned for a create). */
  id: string;
  ifMatch?: string;
  resource: Resource;
}

/**
 * A transaction Bundle whose entries are all creates (`POST Type`, no If-None-Exist) and updates
 * (`PUT Type/id`) without conditional references, planned as bundle.ts's runTransaction plans it:
 * ids assigned to the creates, fullUrls (urn:uuid and absolute) mapped to `Type/id` and the
 * references to them rewritten. undefined for any other Bundle (one that needs the store to
 * resolve a condition, reads, patches or deletes, or has an error): the store's thread then runs
 * the whole Bundle as before, and reports the error with its location.
 */
export function planPlainTransaction(value: unknown, base: EntryUrlBase): PlainWrite[] | undefined {
  if (!isObject(value)) return undefined;
  const bundle = value as Bundle;
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') return undefined;
  try {
    assertEntryShape(bundle);
    const writes: PlainWrite[] = [];
    const targets = new Map<string, string>();
    const touched = new Set<string>();
    for (const [index, entry] of (bundle.entry ?? []).entries()) {
      const target = entryTarget(base, entry, index);
      if (target.method !== 'POST' && target.method !== 'PUT') return undefined;
      const { type, id } = typeAndId(target, index);
      const resource = entryResource(entry, type, index);
      let write: PlainWrite;
      if (target.method === 'POST') {
        if (id !== undefined || entry.request?.ifNoneExist !== undefined) return undefined;
        write = { index, kind: 'create', type, id: randomUUID(), resource };
      } else {
        if (id === undefined || resource.id !== id) return undefined;
        const ifMatch = entry.request?.ifMatch;
        write = { index, kind: 'update', type, id, resource, ...(ifMatch !== undefined ? { ifMatch } : {}) };
      }
      const key = keyOf(type, write.id);
      if (touched.has(key)) return undefined;
      touched.add(key);
      if (entry.fullUrl !== undefined) addFullUrlTarget(targets, entry.fullUrl, key, write.kind === 'create');
      writes.push(write);
    }
    for (const write of writes) {
      for (const reference of conditionalReferences(write.resource)) if (!targets.has(reference)) return undefined;
    }
    for (const write of writes) rewriteReferences(write.resource, targets);
    return writes;
  } catch {
    return undefined;
  }
}
