/**
 * Batch and transaction Bundles POSTed to the base (https://hl7.org/fhir/R4/http.html#transaction).
 *
 * batch: each entry is an independent request through the same handler; one failing entry
 * does not stop the others (bundle.html#batch-response).
 *
 * transaction: all or nothing. Conditional entries (If-None-Exist, `PUT/DELETE Type?criteria`)
 * and conditional references (`Patient?identifier=...`, http.html#trules) are resolved by search
 * first, `urn:uuid` fullUrls of created resources get their server ids and references to them
 * are rewritten; then every write goes to the repository as ONE atomic writeBatch. GET entries
 * are answered after the commit. Limit: the resolving searches run just before the commit, not
 * inside it, so a write by another client in between is not seen by the conditions.
 */
import { randomUUID } from 'node:crypto';
import type { Binary, Bundle, BundleEntry, BundleEntryResponse, Resource } from '@medplum/fhirtypes';
import { rewriteReferences } from '../../io/import-plan';
import type { OperationOutcome } from '../../api/result';
import { outcomeStatus } from '../../api/result';
import { fhirError, OperationOutcomeError } from '../outcome-error';
import type { PlannedOutcome, PreparedTransactionWrite, WriteOp, WriteOutcome } from '../repository';
import { fillBodyText } from '../body-bytes';
import { conditionalMatches, multipleMatches, singleMatch } from './conditional';
import { absoluteUrl, assertJsonBody, errorResponse, header, parseResourceBody, returnPreference, statusLine } from './http-parts';
import { patchDocument, type RestContext } from './interactions';
import { FHIR_JSON, JSON_PATCH, type FhirRequest, type FhirResponse } from './types';
import {
  addFullUrlTarget,
  assertEntryShape,
  conditionalReferences,
  entryResource,
  entryTarget,
  keyOf,
  typeAndId,
  type EntryUrlBase,
} from './transaction-plan';

type Dispatch = (request: FhirRequest) => Promise<FhirResponse>;

/**
 * A Bundle text at least this long is read on the write-prep thread when the repository has one
 * (preparedTransaction); a shorter one here: the trip there and back costs about what it saves.
 */
export const MIN_PREPARED_BUNDLE_CHARS = 32 * 1024;

export async function processBundle(ctx: RestContext, request: FhirRequest, dispatch: Dispatch): Promise<FhirResponse> {
  const prepared = await preparedTransaction(ctx, request);
  if (prepared) return prepared;
  const bundle = parseResourceBody(request, 'Bundle') as Bundle;
  assertEntryShape(bundle);
  if (bundle.type === 'batch') {
    // Entry by entry: later write requests wait for the whole batch, not just its first write.
    ctx.holdTurn?.();
    return batch(ctx, request, bundle, dispatch);
  }
  if (bundle.type === 'transaction') return transaction(ctx, request, bundle, dispatch);
  throw fhirError('invalid', 'Only batch and transaction Bundles can be POSTed to the base (http.html#transaction)', 400, ['Bundle.type']);
}

function entryBase(ctx: RestContext): EntryUrlBase {
  return ctx.foreignUrlsRelative ? { baseUrl: ctx.options.baseUrl, foreignUrlsRelative: true } : { baseUrl: ctx.options.baseUrl };
}

/**
 * A transaction of plain creates and updates (transaction-plan.ts planPlainTransaction) read,
 * planned, validated and indexed on the write-prep thread, then committed here as one atomic
 * batch: this thread neither parses the Bundle nor builds its resources. undefined when the
 * repository has no such thread, the text is short, or the Bundle is anything else: it is then
 * run below, as before (its errors reported from there, with their locations).
 */
async function preparedTransaction(ctx: RestContext, request: FhirRequest): Promise<FhirResponse | undefined> {
  const text = request.body;
  const repo = ctx.repo;
  if (text === undefined || text.length < MIN_PREPARED_BUNDLE_CHARS || !repo.prepareTransaction || !repo.writePrepared) return undefined;
  assertJsonBody(request);
  let writes: PreparedTransactionWrite[] | undefined;
  try {
    writes = (await repo.prepareTransaction(text, entryBase(ctx))) ?? undefined;
  } catch {
    // The worker failed or went away: this thread reads the Bundle.
    return undefined;
  }
  if (!writes) return undefined;
  const outcomes = await repo.writePrepared(writes, { atomic: true });
  const failedAt = outcomes.findIndex((o) => o.status === 'failed');
  if (failedAt !== -1) {
    const failed = outcomes[failedAt] as Extract<PlannedOutcome, { status: 'failed' }>;
    atEntry(new OperationOutcomeError(failed.outcome), writes[failedAt]!.index);
  }
  const minimal = returnPreference(request) === 'minimal';
  const entry = new Array<BundleEntry>(writes.length);
  for (const [i, write] of writes.entries()) {
    const outcome = outcomes[i];
    if (outcome?.status !== 'created' && outcome?.status !== 'updated') throw fhirError('exception', 'A transaction write produced no version', 500);
    const created = outcome.status === 'created';
    // The stored resource is its body (the template filled in): parsed only when the answer shows it.
    const template = write.prepared.template;
    const resource = minimal || !template ? undefined : (JSON.parse(fillBodyText(template, Number(outcome.versionId), outcome.lastUpdated)) as Resource);
    entry[write.index] = storedEntry(ctx, created ? '201 Created' : '200 OK', `${write.type}/${outcome.id}`, outcome.versionId, outcome.lastUpdated, resource, created);
  }
  return { status: 200, headers: {}, body: { resourceType: 'Bundle', type: 'transaction-response', entry } };
}

/**
 * `ifNoneExist` is the query part of a search URL (bundle.html: Bundle.entry.request.ifNoneExist);
 * examples also write it whole (`Patient?identifier=...`): the part after `Type?` is the query.
 */
function ifNoneExistQuery(value: string, type: string): string {
  return value.startsWith(`${type}?`) ? value.slice(type.length + 1) : value;
}

/**
 * A PATCH entry carries a JSON Patch as a Binary, or a FHIRPath Patch as a Parameters resource
 * (http.html#transaction, fhirpatch.html): its text and media type.
 */
function patchOf(entry: BundleEntry, index: number): { text: string; contentType: string } {
  if (entry.resource?.resourceType === 'Parameters') return { text: JSON.stringify(entry.resource), contentType: FHIR_JSON };
  const binary = entry.resource as Binary | undefined;
  if (binary?.resourceType !== 'Binary' || binary.contentType !== JSON_PATCH || typeof binary.data !== 'string') {
    throw fhirError('not-supported', `A PATCH entry needs a Binary of ${JSON_PATCH} or a Parameters (FHIRPath Patch)`, 400, [`Bundle.entry[${index}].resource`]);
  }
  return { text: Buffer.from(binary.data, 'base64').toString('utf8'), contentType: JSON_PATCH };
}

function subRequest(ctx: RestContext, outer: FhirRequest, entry: BundleEntry, index: number): FhirRequest {
  const target = entryTarget(entryBase(ctx), entry, index);
  const headers: Record<string, string> = {};
  const prefer = header(outer, 'prefer');
  if (prefer !== undefined) headers['prefer'] = prefer;
  const r = entry.request!;
  if (r.ifMatch !== undefined) headers['if-match'] = r.ifMatch;
  if (r.ifNoneMatch !== undefined) headers['if-none-match'] = r.ifNoneMatch;
  if (r.ifNoneExist !== undefined) headers['if-none-exist'] = ifNoneExistQuery(r.ifNoneExist, target.path.split('/').find((s) => s.length > 0) ?? '');
  let body: string | undefined;
  if (target.method === 'PATCH') {
    const patch = patchOf(entry, index);
    body = patch.text;
    headers['content-type'] = patch.contentType;
  } else if (entry.resource !== undefined) {
    body = JSON.stringify(entry.resource);
    headers['content-type'] = FHIR_JSON;
  }
  return { method: target.method === 'HEAD' ? 'GET' : target.method, path: target.path, query: target.query, headers, ...(body !== undefined ? { body } : {}) };
}

function isOutcome(resource: Resource | undefined): resource is OperationOutcome {
  return resource?.resourceType === 'OperationOutcome';
}

/** A handler response as a batch/transaction-response entry (bundle.html#response). */
function responseEntry(ctx: RestContext, response: FhirResponse): BundleEntry {
  const result: BundleEntryResponse = { status: statusLine(response.status) };
  if (response.headers['Location'] !== undefined) result.location = response.headers['Location'];
  if (response.headers['ETag'] !== undefined) result.etag = response.headers['ETag'];
  const body = response.body;
  if (body?.meta?.lastUpdated !== undefined) result.lastModified = body.meta.lastUpdated;
  if (response.status >= 400 || isOutcome(body)) {
    if (isOutcome(body)) result.outcome = body;
    return { response: result };
  }
  if (!body) return { response: result };
  return { ...(body.id !== undefined ? { fullUrl: absoluteUrl(ctx.options.baseUrl, `${body.resourceType}/${body.id}`) } : {}), resource: body, response: result };
}

async function batch(ctx: RestContext, request: FhirRequest, bundle: Bundle, dispatch: Dispatch): Promise<FhirResponse> {
  const entry: BundleEntry[] = [];
  for (const [index, item] of (bundle.entry ?? []).entries()) {
    entry.push(responseEntry(ctx, await runBatchEntry(ctx, request, item, index, dispatch)));
  }
  return { status: 200, headers: {}, body: { resourceType: 'Bundle', type: 'batch-response', entry } };
}

/**
 * One batch entry as its own request through `dispatch` (bundle.html#batch): the answer, a failure
 * included (never thrown). The importer runs the entries it does not write itself through this.
 */
export async function runBatchEntry(ctx: RestContext, outer: FhirRequest, item: BundleEntry, index: number, dispatch: Dispatch): Promise<FhirResponse> {
  try {
    const sub = subRequest(ctx, outer, item, index);
    if (sub.path.replace(/\//g, '') === '') throw fhirError('not-supported', 'A batch entry cannot be another batch or transaction', 400);
    return await dispatch(sub);
  } catch (e) {
    return errorResponse(e);
  }
}

/** One planned transaction entry. */
type Planned =
  | { kind: 'write'; index: number; op: WriteOp; opIndex: number; resource?: Resource }
  | { kind: 'existing'; index: number; resource: Resource }
  | { kind: 'nothing-deleted'; index: number }
  | { kind: 'read'; index: number; request: FhirRequest };

/** What became of one transaction entry once the transaction committed (in entry order). */
export type TransactionEntryResult =
  | { kind: 'write'; index: number; outcome: WriteOutcome }
  | { kind: 'existing'; index: number; resource: Resource }
  | { kind: 'nothing-deleted'; index: number }
  | { kind: 'read'; index: number; response: FhirResponse };

export interface TransactionOptions {
  /**
   * A PUT of the content already stored makes no new version (`unchanged`): the importer's
   * re-run semantics (docs/import.md). The REST endpoint keeps http.html's update (a new version).
   */
  skipUnchanged?: boolean;
}

/** Re-throws a failure with the entry it belongs to in its diagnostics and expression. */
function atEntry(e: unknown, index: number): never {
  if (!(e instanceof OperationOutcomeError)) throw e;
  const status = outcomeStatus(e.outcome);
  const issues = (e.outcome.issue ?? []).map((issue) => ({
    ...issue,
    diagnostics: `Bundle.entry[${index}]: ${issue.diagnostics ?? issue.code}`,
    expression: [`Bundle.entry[${index}]`, ...(issue.expression ?? [])],
  }));
  throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues, status } as OperationOutcome);
}

async function transaction(ctx: RestContext, request: FhirRequest, bundle: Bundle, dispatch: Dispatch): Promise<FhirResponse> {
  const results = await runTransaction(ctx, request, bundle, dispatch);
  const minimal = returnPreference(request) === 'minimal';
  const responses: BundleEntry[] = new Array<BundleEntry>((bundle.entry ?? []).length);
  for (const p of results) {
    if (p.kind === 'read') {
      responses[p.index] = responseEntry(ctx, p.response);
    } else if (p.kind === 'existing') {
      responses[p.index] = withoutResource(entryFor(ctx, '200 OK', p.resource, false), minimal);
    } else if (p.kind === 'nothing-deleted') {
      responses[p.index] = { response: { status: '204 No Content' } };
    } else {
      const outcome = p.outcome;
      if (outcome.status === 'deleted') {
        responses[p.index] = { response: { status: '204 No Content', etag: `W/"${outcome.result.versionId}"` } };
      } else if (outcome.status === 'created' || outcome.status === 'updated' || outcome.status === 'unchanged') {
        const created = outcome.status === 'created';
        responses[p.index] = withoutResource(entryFor(ctx, created ? '201 Created' : '200 OK', outcome.resource, created), minimal);
      }
    }
  }
  return { status: 200, headers: {}, body: { resourceType: 'Bundle', type: 'transaction-response', entry: responses } };
}

/**
 * Runs a transaction Bundle (http.html#transaction): all its writes commit as one atomic batch, or
 * none does and the first failure is thrown (an OperationOutcomeError naming `Bundle.entry[i]`).
 * GET entries are dispatched after the commit. The REST endpoint and the importer both run
 * transactions through this.
 */
export async function runTransaction(ctx: RestContext, request: FhirRequest, bundle: Bundle, dispatch: Dispatch, options: TransactionOptions = {}): Promise<TransactionEntryResult[]> {
  assertEntryShape(bundle);
  const entries = bundle.entry ?? [];
  const planned: Planned[] = [];
  const ops: WriteOp[] = [];
  /** fullUrl (urn:uuid or other) → `Type/id` (bundle.html#references). */
  const targets = new Map<string, string>();
  const touched = new Set<string>();
  const base = entryBase(ctx);
  const writes = (index: number, op: WriteOp, key: string, fullUrl: string | undefined) => {
    if (touched.has(key)) throw fhirError('invalid', `${key} is changed by more than one entry`, 400);
    touched.add(key);
    if (fullUrl !== undefined) addFullUrlTarget(targets, fullUrl, key, op.kind === 'create');
    planned.push({ kind: 'write', index, op, opIndex: ops.length });
    ops.push(op);
  };

  for (const [index, entry] of entries.entries()) {
    try {
      const target = entryTarget(base, entry, index);
      if (target.method === 'GET' || target.method === 'HEAD') {
        planned.push({ kind: 'read', index, request: subRequest(ctx, request, entry, index) });
        continue;
      }
      const { type, id } = typeAndId(target, index);
      const fullUrl = entry.fullUrl;
      // The Bundle was parsed from this request's text: its entries share no object with anything
      // else, so the writes may take (and rewriteReferences change) them without a copy.
      const resourceOf = (): Resource => entryResource(entry, type, index);
      const ifMatch = entry.request?.ifMatch;
      switch (target.method) {
        case 'POST': {
          if (id !== undefined) throw fhirError('invalid', 'POST goes to Type, not Type/id', 400, [`Bundle.entry[${index}].request.url`]);
          const resource = resourceOf();
          const ifNoneExist = entry.request?.ifNoneExist;
          if (ifNoneExist !== undefined) {
            const matches = await conditionalMatches(ctx.repo, type, ifNoneExistQuery(ifNoneExist, type));
            if (matches.length > 1) throw multipleMatches(type, 'create');
            if (matches[0]) {
              if (fullUrl !== undefined) targets.set(fullUrl, keyOf(type, matches[0].id!));
              planned.push({ kind: 'existing', index, resource: matches[0] });
              break;
            }
          }
          const assignedId = randomUUID();
          writes(index, { kind: 'create', resource, assignedId }, keyOf(type, assignedId), fullUrl);
          break;
        }
        case 'PUT': {
          const resource = resourceOf();
          let targetId = id;
          if (targetId === undefined) {
            if (target.query === '') throw fhirError('invalid', 'PUT needs Type/id or Type?criteria', 400, [`Bundle.entry[${index}].request.url`]);
            const matches = await conditionalMatches(ctx.repo, type, target.query);
            if (matches.length > 1) throw multipleMatches(type, 'update');
            targetId = matches[0]?.id ?? resource.id ?? randomUUID();
            if (matches[0] && resource.id !== undefined && resource.id !== targetId) {
              throw fhirError('invalid', 'The body id differs from the id of the resource the criteria match', 400);
            }
          } else if (resource.id !== targetId) {
            throw fhirError('invalid', 'The body id must match the URL id (http.html#update)', 400, [`Bundle.entry[${index}].resource.id`]);
          }
          writes(
            index,
            { kind: 'update', resource: { ...resource, id: targetId }, ...(ifMatch !== undefined ? { ifMatch } : {}), ...(options.skipUnchanged ? { skipUnchanged: true } : {}) },
            keyOf(type, targetId),
            fullUrl,
          );
          break;
        }
        case 'PATCH': {
          if (id === undefined) throw fhirError('not-supported', 'A PATCH entry needs Type/id', 400, [`Bundle.entry[${index}].request.url`]);
          const patch = patchOf(entry, index);
          const applier = patchDocument({ method: 'PATCH', path: '', headers: { 'content-type': patch.contentType }, body: patch.text });
          const current = await ctx.repo.read(type, id);
          const patched = applier(current);
          if (patched.resourceType !== type || patched.id !== id) throw fhirError('processing', 'A patch may not change resourceType or id', 422);
          writes(index, { kind: 'update', resource: patched, ifMatch: ifMatch ?? current.meta?.versionId ?? '0' }, keyOf(type, id), fullUrl);
          break;
        }
        case 'DELETE': {
          let targetId = id;
          if (targetId === undefined) {
            if (target.query === '') throw fhirError('invalid', 'DELETE needs Type/id or Type?criteria', 400, [`Bundle.entry[${index}].request.url`]);
            const matches = await conditionalMatches(ctx.repo, type, target.query);
            if (matches.length > 1) throw multipleMatches(type, 'delete');
            targetId = matches[0]?.id;
          }
          if (targetId === undefined) planned.push({ kind: 'nothing-deleted', index });
          else writes(index, { kind: 'delete', resourceType: type, id: targetId }, keyOf(type, targetId), undefined);
          break;
        }
      }
    } catch (e) {
      atEntry(e, index);
    }
  }

  // Conditional references (http.html#trules): each must match exactly one resource.
  for (const p of planned) {
    if (p.kind !== 'write' || p.op.kind === 'delete') continue;
    try {
      for (const reference of conditionalReferences(p.op.resource)) {
        if (targets.has(reference)) continue;
        const [type = '', criteria = ''] = reference.split('?', 2);
        const match = await singleMatch(ctx.repo, type, criteria, 'Conditional reference');
        targets.set(reference, keyOf(type, match.id!));
      }
    } catch (e) {
      atEntry(e, p.index);
    }
  }
  for (const op of ops) if (op.kind !== 'delete') rewriteReferences(op.resource, targets);

  const outcomes: WriteOutcome[] = await ctx.repo.writeBatch(ops, { atomic: true });
  const failedAt = outcomes.findIndex((o) => o.status === 'failed');
  if (failedAt !== -1) {
    const failed = outcomes[failedAt] as Extract<WriteOutcome, { status: 'failed' }>;
    const entryIndex = planned.find((p) => p.kind === 'write' && p.opIndex === failedAt)?.index ?? failedAt;
    atEntry(new OperationOutcomeError(failed.outcome), entryIndex);
  }

  const results: TransactionEntryResult[] = [];
  for (const p of planned) {
    if (p.kind === 'read') results.push({ kind: 'read', index: p.index, response: await dispatch(p.request) });
    else if (p.kind === 'write') results.push({ kind: 'write', index: p.index, outcome: outcomes[p.opIndex]! });
    else results.push(p);
  }
  return results;
}

function entryFor(ctx: RestContext, status: string, resource: Resource, withLocation: boolean): BundleEntry {
  return storedEntry(ctx, status, `${resource.resourceType}/${resource.id ?? ''}`, resource.meta?.versionId, resource.meta?.lastUpdated, resource, withLocation);
}

/** A transaction-response entry for the resource at `path` (`Type/id`); `resource` left out when undefined. */
function storedEntry(
  ctx: RestContext,
  status: string,
  path: string,
  versionId: string | undefined,
  lastUpdated: string | undefined,
  resource: Resource | undefined,
  withLocation: boolean,
): BundleEntry {
  // `path` is relative (`Type/id`): absoluteUrl would only put the base before it.
  const fullUrl = `${ctx.options.baseUrl}/${path}`;
  return {
    fullUrl,
    ...(resource !== undefined ? { resource } : {}),
    response: {
      status,
      ...(withLocation && versionId !== undefined ? { location: `${fullUrl}/_history/${versionId}` } : {}),
      ...(versionId !== undefined ? { etag: `W/"${versionId}"` } : {}),
      ...(lastUpdated !== undefined ? { lastModified: lastUpdated } : {}),
    },
  };
}

function withoutResource(entry: BundleEntry, minimal: boolean): BundleEntry {
  if (!minimal) return entry;
  const { resource: _resource, ...rest } = entry;
  return rest;
}
