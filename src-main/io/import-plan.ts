/**
 * Turns the records of one import file into repository writes, following the Bundle rules of
 * https://hl7.org/fhir/R4/http.html#transaction and bundle.html: batch entries POST to `Type`,
 * PUT and DELETE of `Type/id` become chunked writes, every other batch entry is run through the
 * REST code (`dispatched`); a transaction Bundle is checked here (transactionErrors) and run whole
 * by fhir/rest/bundle.ts (runTransaction). Entries of other Bundles, NDJSON lines and single
 * resources are stored under their own id (update-as-create) or created when they have none;
 * `urn:uuid:` fullUrls of those created get ids, and references to them are rewritten to `Type/id`.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, BundleEntryRequest, Resource } from '@medplum/fhirtypes';
import { MAX_RESOURCE_DEPTH, nestsDeeperThan } from './json-depth';
import type { ImportRecordError } from '../api/contract';
import { describeOutcome } from '../api/result';
import type { WriteOp } from '../fhir/repository';
import { isResourceType } from '../fhir/resource-types';
import { FHIR_ID_PATTERN, problemsOutcome, resourceProblems } from '../fhir/validation';
import { recordError, shownResourceType, type SourceFile, type SourceRecord } from './readers';

export interface PlannedWrite {
  op: WriteOp;
  record: SourceRecord;
  resourceType: string;
}

/** A PlannedWrite that stores a resource (a create or an update). */
export interface StoredResourceWrite extends PlannedWrite {
  op: Extract<WriteOp, { kind: 'create' | 'update' }>;
}

export interface FilePlan {
  writes: PlannedWrite[];
  /**
   * Batch entries the importer does not write itself (GET, HEAD, PATCH, conditional PUT/DELETE,
   * any other URL): each runs as its own request through the REST code (fhir/rest/bundle.ts).
   */
  dispatched: SourceRecord[];
  errors: ImportRecordError[];
}

function errorFor(file: Pick<SourceFile, 'file'>, record: SourceRecord, message: string, resourceType?: string, code?: 'structure' | 'invalid' | 'value' | 'not-supported') {
  return recordError(file.file, record.line, message, {
    ...(record.entryIndex !== undefined ? { entryIndex: record.entryIndex } : {}),
    ...(resourceType !== undefined ? { resourceType } : {}),
    ...(code !== undefined ? { code } : {}),
  });
}

/** `Type/id` (relative, possibly with a base or `_history`) → its parts. */
function parseResourceUrl(url: string): { resourceType: string; id?: string; query?: string } | undefined {
  const [path = '', query] = url.split('?', 2);
  const parts = path.split('/').filter((p) => p.length > 0);
  const historyAt = parts.indexOf('_history');
  const usable = historyAt >= 0 ? parts.slice(0, historyAt) : parts;
  const last = usable.at(-1);
  const beforeLast = usable.at(-2);
  if (last && isResourceType(last)) return { resourceType: last, ...(query !== undefined ? { query } : {}) };
  if (beforeLast && last && isResourceType(beforeLast)) return { resourceType: beforeLast, id: last, ...(query !== undefined ? { query } : {}) };
  return undefined;
}

/** Rewrites every `reference` that names a key of `targets` (bundle.html#references). */
export function rewriteReferences(value: unknown, targets: ReadonlyMap<string, string>): void {
  if (Array.isArray(value)) {
    for (const item of value) rewriteReferences(item, targets);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  // for...in rather than Object.entries: no pair arrays per key (this runs on every resource written).
  for (const k in record) {
    const v = record[k];
    if (k === 'reference' && typeof v === 'string') {
      const target = targets.get(v);
      if (target !== undefined) record[k] = target;
    } else if (typeof v === 'object' && v !== null) {
      rewriteReferences(v, targets);
    }
  }
}

/** Checks a record's resource; returns it typed, or an error. */
function checkedResource(file: Pick<SourceFile, 'file'>, record: SourceRecord, options: { requireId?: boolean } = {}): Resource | ImportRecordError {
  if (nestsDeeperThan(record.resource, MAX_RESOURCE_DEPTH)) {
    const type = shownResourceType((record.resource as { resourceType?: unknown } | null)?.resourceType);
    return errorFor(file, record, `The resource nests more than ${MAX_RESOURCE_DEPTH} levels deep: refused (no FHIR resource needs that many)`, type, 'structure');
  }
  const problems = resourceProblems(record.resource, options);
  if (problems.length === 0) return record.resource as Resource;
  const type = shownResourceType((record.resource as { resourceType?: unknown } | null)?.resourceType);
  const error = errorFor(file, record, describeOutcome(problemsOutcome(problems)), type);
  error.outcome = { ...problemsOutcome(problems), status: 400 } as ImportRecordError['outcome'];
  return error;
}

function isError(value: Resource | ImportRecordError): value is ImportRecordError {
  return 'outcome' in value && 'line' in value;
}

/**
 * A batch entry the importer writes in its chunks: POST to `Type`, PUT or DELETE of `Type/id`.
 * Anything else (GET, conditional writes, PATCH...) is run through the REST code.
 */
function writtenHere(record: SourceRecord): boolean {
  const method = record.request?.method;
  if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE') return false;
  // A conditional create (If-None-Exist) runs as the REST create does.
  if (method === 'POST' && record.request?.ifNoneExist !== undefined) return false;
  const url = typeof record.request?.url === 'string' ? parseResourceUrl(record.request.url) : undefined;
  if (url === undefined || url.query !== undefined) return false;
  return method === 'POST' ? url.id === undefined : url.id !== undefined && FHIR_ID_PATTERN.test(url.id);
}

/**
 * The entries of a transaction Bundle that fail on their own (no request.method, an invalid
 * resource), all of them, so the report lists every bad entry; the transaction itself runs through
 * fhir/rest/bundle.ts (runTransaction), whose first failure then fails the whole Bundle.
 */
export function transactionErrors(file: SourceFile): ImportRecordError[] {
  const errors: ImportRecordError[] = [];
  for (const record of file.records) {
    const method = record.request?.method;
    if (typeof method !== 'string') {
      errors.push(errorFor(file, record, 'transaction entry has no request.method', undefined, 'structure'));
      continue;
    }
    if ((method !== 'POST' && method !== 'PUT') || record.resource === undefined) continue;
    const url = typeof record.request?.url === 'string' ? parseResourceUrl(record.request.url) : undefined;
    if (url?.id?.startsWith('$')) continue;
    // A PUT's body takes the URL's id when it has none, as the update will.
    const withId = method === 'PUT' && url?.id !== undefined && url.query === undefined;
    const checked = checkedResource(file, withId ? { ...record, resource: { id: url.id, ...(record.resource as object) } } : record, withId ? { requireId: true } : {});
    if (isError(checked)) errors.push(checked);
  }
  return errors;
}

/** The Bundle of a file's records, for the REST code (entries at their original positions). */
export function bundleOf(file: SourceFile): Bundle {
  const entry: BundleEntry[] = file.records.map((record) => ({
    ...(record.fullUrl !== undefined ? { fullUrl: record.fullUrl } : {}),
    ...(record.resource !== undefined ? { resource: record.resource as Resource } : {}),
    ...(record.request !== undefined ? { request: record.request as BundleEntryRequest } : {}),
  }));
  return { resourceType: 'Bundle', type: (file.bundleType ?? 'collection') as Bundle['type'], entry };
}

/** The record of `Bundle.entry[i]` named by an OperationOutcome's expression, if any. */
export function recordAtEntry(file: SourceFile, expression: readonly string[] | undefined): SourceRecord | undefined {
  for (const e of expression ?? []) {
    const m = /^Bundle\.entry\[(\d+)\]/.exec(e);
    if (m) return file.records.find((r) => r.entryIndex === Number(m[1]));
  }
  return undefined;
}

/**
 * A record stored as its resource (an NDJSON line, a single file, an entry of a collection,
 * document, searchset or history Bundle): under its id (update-as-create; unchanged content makes
 * no new version) or created under a new one; or the record's error when it is not a resource.
 * The write-prep worker runs it for NDJSON lines too (io/ndjson-prep.ts).
 */
export function planStoredResource(file: Pick<SourceFile, 'file'>, record: SourceRecord): StoredResourceWrite | ImportRecordError {
  const resource = checkedResource(file, record);
  if (isError(resource)) return resource;
  if (resource.id !== undefined) return { op: { kind: 'update', resource, skipUnchanged: true }, record, resourceType: resource.resourceType };
  return { op: { kind: 'create', resource, assignedId: randomUUID() }, record, resourceType: resource.resourceType };
}

const RESPONSE_BUNDLES: ReadonlySet<string> = new Set(['batch-response', 'transaction-response']);

/**
 * Plans a file that is not a transaction (those run whole through runTransaction): batch entries
 * written in chunks or dispatched (see `dispatched`), and everything else stored as its resources.
 */
export function planFile(file: SourceFile): FilePlan {
  if (file.bundleType === 'transaction') throw new Error('A transaction Bundle runs through runTransaction (fhir/rest/bundle.ts), not planFile');
  const batch = file.bundleType === 'batch';
  const plan: FilePlan = { writes: [], dispatched: [], errors: [] };
  // urn:uuid fullUrl of an id-less resource → `Type/newId` (bundle.html#references); a batch's
  // entries are independent, so nothing is rewritten there.
  const targets = new Map<string, string>();

  // A history Bundle lists versions newest first (http.html#history): replay them oldest first.
  const records = file.bundleType === 'history' ? [...file.records].reverse() : file.records;
  for (const record of records) {
    if (batch && typeof record.request?.method !== 'string') {
      plan.errors.push(errorFor(file, record, 'batch entry has no request.method', undefined, 'structure'));
      continue;
    }
    if (batch && !writtenHere(record)) {
      plan.dispatched.push(record);
      continue;
    }
    const method = batch ? record.request?.method : record.request?.method === 'DELETE' ? 'DELETE' : undefined;
    if (method === 'DELETE') {
      const url = typeof record.request?.url === 'string' ? parseResourceUrl(record.request.url) : undefined;
      if (!url?.id || url.query !== undefined || !FHIR_ID_PATTERN.test(url.id)) {
        plan.errors.push(errorFor(file, record, 'DELETE entry needs request.url "Type/id"', url?.resourceType, 'not-supported'));
        continue;
      }
      plan.writes.push({ op: { kind: 'delete', resourceType: url.resourceType, id: url.id }, record, resourceType: url.resourceType });
      continue;
    }
    // A batch-response or transaction-response entry may carry only its `response` (bundle.html): nothing to store.
    if (record.resource === undefined && !batch && RESPONSE_BUNDLES.has(file.bundleType ?? '')) continue;
    if (record.resource === undefined) {
      plan.errors.push(errorFor(file, record, 'Bundle entry has no resource', undefined, 'structure'));
      continue;
    }
    if (method === 'POST') {
      const resource = checkedResource(file, record);
      if (isError(resource)) {
        plan.errors.push(resource);
        continue;
      }
      plan.writes.push({ op: { kind: 'create', resource, assignedId: randomUUID() }, record, resourceType: resource.resourceType });
      continue;
    }
    if (method === 'PUT') {
      // writtenHere: request.url is `Type/id`.
      const url = parseResourceUrl(String(record.request?.url))!;
      const resource = checkedResource(file, { ...record, resource: { ...(record.resource as object), id: url.id } }, { requireId: true });
      if (isError(resource)) {
        plan.errors.push(resource);
        continue;
      }
      const bodyId = (record.resource as { id?: unknown }).id;
      if (resource.resourceType !== url.resourceType || (bodyId !== undefined && bodyId !== url.id)) {
        plan.errors.push(errorFor(file, record, 'The resource does not match request.url (type or id)', resource.resourceType, 'invalid'));
        continue;
      }
      const op: WriteOp = { kind: 'update', resource, skipUnchanged: true };
      if (typeof record.request?.ifMatch === 'string') op.ifMatch = record.request.ifMatch;
      plan.writes.push({ op, record, resourceType: resource.resourceType });
      continue;
    }
    // A resource of a collection/document/searchset/history Bundle, an NDJSON line, a single file.
    const write = planStoredResource(file, record);
    if (!('op' in write)) {
      plan.errors.push(write);
      continue;
    }
    if (write.op.kind === 'create' && record.fullUrl?.startsWith('urn:uuid:')) targets.set(record.fullUrl, `${write.resourceType}/${write.op.assignedId}`);
    plan.writes.push(write);
  }

  if (targets.size > 0) {
    for (const write of plan.writes) {
      if (write.op.kind !== 'delete') rewriteReferences(write.op.resource, targets);
    }
  }
  return plan;
}
