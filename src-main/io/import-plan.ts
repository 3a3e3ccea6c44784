/**
 * Turns the records of one import file into repository writes, following the Bundle rules of
 * https://hl7.org/fhir/R4/http.html#transaction and bundle.html: transaction and batch entries
 * act by `request.method` (POST create, PUT update-as-create with the URL's id, DELETE delete);
 * entries of other Bundles, NDJSON lines and single resources are stored under their own id
 * (update-as-create) or created when they have none. `urn:uuid:` fullUrls of created resources
 * get server-assigned ids, and references to them inside the file are rewritten to `Type/id`.
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
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

/** A POST entry whose `ifNoneExist` condition must be checked against the store first. */
export interface ConditionalCreate {
  write: PlannedWrite;
  resourceType: string;
  query: string;
}

export interface FilePlan {
  /** All or nothing (transaction Bundles). */
  atomic: boolean;
  writes: PlannedWrite[];
  conditional: ConditionalCreate[];
  errors: ImportRecordError[];
}

function errorFor(file: SourceFile, record: SourceRecord, message: string, resourceType?: string, code?: 'structure' | 'invalid' | 'value' | 'not-supported') {
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
  for (const [k, v] of Object.entries(record)) {
    if (k === 'reference' && typeof v === 'string') {
      const target = targets.get(v);
      if (target !== undefined) record[k] = target;
    } else if (typeof v === 'object' && v !== null) {
      rewriteReferences(v, targets);
    }
  }
}

/** Checks a record's resource; returns it typed, or an error. */
function checkedResource(file: SourceFile, record: SourceRecord, options: { requireId?: boolean } = {}): Resource | ImportRecordError {
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

const RESPONSE_BUNDLES: ReadonlySet<string> = new Set(['batch-response', 'transaction-response']);

export function planFile(file: SourceFile): FilePlan {
  const kind = file.bundleType === 'transaction' || file.bundleType === 'batch' ? file.bundleType : 'plain';
  const plan: FilePlan = { atomic: kind === 'transaction', writes: [], conditional: [], errors: [] };
  // urn:uuid fullUrl → `Type/newId`; every POST (and id-less entry) gets its id before any write.
  const targets = new Map<string, string>();
  const rewriteTargets = kind !== 'batch';

  // A history Bundle lists versions newest first (http.html#history): replay them oldest first.
  const records = file.bundleType === 'history' ? [...file.records].reverse() : file.records;
  for (const record of records) {
    const method = kind === 'plain' ? (record.request?.method === 'DELETE' ? 'DELETE' : undefined) : record.request?.method;
    if (kind !== 'plain' && typeof method !== 'string') {
      plan.errors.push(errorFor(file, record, `${kind} entry has no request.method`, undefined, 'structure'));
      continue;
    }
    if (method === 'DELETE') {
      const url = typeof record.request?.url === 'string' ? parseResourceUrl(record.request.url) : undefined;
      if (!url?.id || url.query !== undefined || !FHIR_ID_PATTERN.test(url.id)) {
        plan.errors.push(errorFor(file, record, 'DELETE entry needs request.url "Type/id" (conditional delete is not supported)', url?.resourceType, 'not-supported'));
        continue;
      }
      plan.writes.push({ op: { kind: 'delete', resourceType: url.resourceType, id: url.id }, record, resourceType: url.resourceType });
      continue;
    }
    if (kind !== 'plain' && method !== 'POST' && method !== 'PUT') {
      plan.errors.push(errorFor(file, record, `request.method ${shownResourceType(method) ?? '(unreadable)'} is not supported on import`, undefined, 'not-supported'));
      continue;
    }
    // A batch-response or transaction-response entry may carry only its `response` (bundle.html): nothing to store.
    if (record.resource === undefined && kind === 'plain' && RESPONSE_BUNDLES.has(file.bundleType ?? '')) continue;
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
      const assignedId = randomUUID();
      if (rewriteTargets && record.fullUrl) {
        const target = `${resource.resourceType}/${assignedId}`;
        targets.set(record.fullUrl, target);
        // An absolute fullUrl (http://base/Patient/123) may be referenced relatively too (bundle.html#references).
        const relative = /\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(record.fullUrl)?.[1];
        if (relative && !record.fullUrl.startsWith('urn:')) targets.set(relative, target);
      }
      const write: PlannedWrite = { op: { kind: 'create', resource, assignedId }, record, resourceType: resource.resourceType };
      const ifNoneExist = record.request?.ifNoneExist;
      if (typeof ifNoneExist === 'string' && ifNoneExist.length > 0) {
        plan.conditional.push({
          write,
          resourceType: resource.resourceType,
          query: ifNoneExist.includes('?') ? ifNoneExist.slice(ifNoneExist.indexOf('?') + 1) : ifNoneExist,
        });
      }
      plan.writes.push(write);
      continue;
    }
    if (method === 'PUT') {
      const url = typeof record.request?.url === 'string' ? parseResourceUrl(record.request.url) : undefined;
      if (!url?.id || url.query !== undefined) {
        plan.errors.push(errorFor(file, record, 'PUT entry needs request.url "Type/id" (conditional update is not supported)', url?.resourceType, 'not-supported'));
        continue;
      }
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
      if (rewriteTargets && record.fullUrl) targets.set(record.fullUrl, `${resource.resourceType}/${url.id}`);
      const op: WriteOp = { kind: 'update', resource, skipUnchanged: true };
      if (typeof record.request?.ifMatch === 'string') op.ifMatch = record.request.ifMatch;
      plan.writes.push({ op, record, resourceType: resource.resourceType });
      continue;
    }
    // A resource of a collection/document/searchset/history Bundle, an NDJSON line, a single file.
    const resource = checkedResource(file, record);
    if (isError(resource)) {
      plan.errors.push(resource);
      continue;
    }
    if (resource.id !== undefined) {
      plan.writes.push({ op: { kind: 'update', resource, skipUnchanged: true }, record, resourceType: resource.resourceType });
    } else {
      const assignedId = randomUUID();
      if (record.fullUrl?.startsWith('urn:uuid:')) targets.set(record.fullUrl, `${resource.resourceType}/${assignedId}`);
      plan.writes.push({ op: { kind: 'create', resource, assignedId }, record, resourceType: resource.resourceType });
    }
  }

  if (targets.size > 0) {
    for (const write of plan.writes) {
      if (write.op.kind !== 'delete') rewriteReferences(write.op.resource, targets);
    }
  }
  if (plan.atomic) {
    // http.html#trules: deletes, then creates, then updates.
    const rank = (w: PlannedWrite) => (w.op.kind === 'delete' ? 0 : w.op.kind === 'create' ? 1 : 2);
    plan.writes.sort((a, b) => rank(a) - rank(b));
  }
  return plan;
}

/** The `urn:uuid` → `Type/id` mapping a conditional create resolves to when a match exists. */
export function retarget(plan: FilePlan, from: string, to: string): void {
  const targets = new Map([[from, to]]);
  for (const write of plan.writes) {
    if (write.op.kind !== 'delete') rewriteReferences(write.op.resource, targets);
  }
}
