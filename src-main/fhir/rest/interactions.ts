/**
 * The instance and type interactions of https://hl7.org/fhir/R4/http.html over a
 * ResourceRepository: read, vread, create, update, patch, delete, history, search and their
 * conditional forms. Each takes the parsed route and returns a FhirResponse; failures are thrown
 * as OperationOutcomeError and turned into answers by the handler.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { fhirError, OperationOutcomeError } from '../outcome-error';
import type { ResourceRepository, WriteOp, WriteOutcome } from '../repository';
import { parseReadShape, shapeResource } from '../search';
import { FHIR_ID_PATTERN, validateResource } from '../validation';
import { conditionalMatches, multipleMatches } from './conditional';
import {
  absolutizeBundle,
  assertJsonBody,
  etagOf,
  header,
  informational,
  mediaType,
  parseJsonBody,
  parseResourceBody,
  returnPreference,
  versionHeaders,
  writeResponse,
} from './http-parts';
import { applyFhirPatch, parseFhirPatch } from './fhir-patch';
import { applyJsonPatch, parsePatch } from './json-patch';
import { FHIR_JSON, JSON_PATCH, type FhirRequest, type FhirResponse, type FhirRestOptions } from './types';

export interface RestContext {
  repo: ResourceRepository;
  options: FhirRestOptions;
  /**
   * A write request that writes more than once (a batch Bundle) calls this first: its turn then lasts
   * until it is answered, instead of ending at its first write (handler.ts, `serialized`).
   */
  holdTurn?: () => void;
  /**
   * Bundle entries' absolute URLs that name another server are read as relative to that server
   * (its path from the resource type on) instead of refused: an imported Bundle was written for
   * the server it came from (docs/import.md). The REST endpoint leaves this unset.
   */
  foreignUrlsRelative?: boolean;
}

/** Parameters that shape the HTTP answer rather than select resources (http.html#parameters). */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);

export function withoutFormatParams(params: URLSearchParams): Array<[string, string]> {
  return [...params.entries()].filter(([name]) => !FORMAT_PARAMS.has(name));
}

function versionLocation(ctx: RestContext, resource: Resource): string {
  return `${ctx.options.baseUrl}/${resource.resourceType}/${resource.id ?? ''}/_history/${resource.meta?.versionId ?? ''}`;
}

async function writeOne(ctx: RestContext, op: WriteOp): Promise<Extract<WriteOutcome, { resource: Resource }>> {
  const [result] = await ctx.repo.writeBatch([op]);
  if (result?.status === 'failed') throw new OperationOutcomeError(result.outcome);
  if (result?.status === 'created' || result?.status === 'updated' || result?.status === 'unchanged') return result;
  throw fhirError('exception', 'The write produced no result', 500);
}

/**
 * Conditional read (http.html#cread): `If-None-Match` with the current ETag, or (when no
 * If-None-Match is sent, RFC 7232 §3.3) `If-Modified-Since` at or after the last update, at the
 * one-second precision of an HTTP date.
 */
function notModified(request: FhirRequest, resource: Resource): boolean {
  const etag = etagOf(resource);
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    return etag !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === '*' || t.trim() === etag || t.trim() === etag.slice(2));
  }
  const ifModifiedSince = header(request, 'if-modified-since');
  const lastUpdated = resource.meta?.lastUpdated;
  if (ifModifiedSince === undefined || lastUpdated === undefined) return false;
  const sinceMs = Date.parse(ifModifiedSince);
  const updatedMs = Date.parse(lastUpdated);
  if (Number.isNaN(sinceMs) || Number.isNaN(updatedMs)) return false;
  return Math.floor(updatedMs / 1000) * 1000 <= sinceMs;
}

/** http.html#read, with conditional read (304) and `_summary`/`_elements` (search.html#_summary). */
export async function read(ctx: RestContext, request: FhirRequest, params: URLSearchParams, type: string, id: string): Promise<FhirResponse> {
  const shape = parseReadShape(withoutFormatParams(params));
  const resource = await ctx.repo.read(type, id);
  if (notModified(request, resource)) return { status: 304, headers: versionHeaders(resource) };
  return { status: 200, headers: versionHeaders(resource), body: shapeResource(resource, shape) };
}

/** http.html#vread, with `_summary`/`_elements`. */
export async function vread(ctx: RestContext, params: URLSearchParams, type: string, id: string, versionId: string): Promise<FhirResponse> {
  const shape = parseReadShape(withoutFormatParams(params));
  const resource = await ctx.repo.vread(type, id, versionId);
  return { status: 200, headers: versionHeaders(resource), body: shapeResource(resource, shape) };
}

/** http.html#create and, with If-None-Exist, conditional create (http.html#ccreate). */
export async function create(ctx: RestContext, request: FhirRequest, type: string): Promise<FhirResponse> {
  const resource = parseResourceBody(request, type);
  const ifNoneExist = header(request, 'if-none-exist');
  if (ifNoneExist !== undefined) {
    const matches = await conditionalMatches(ctx.repo, type, ifNoneExist);
    if (matches.length > 1) throw multipleMatches(type, 'create');
    const [existing] = matches;
    if (existing) return writeResponse(request, 200, existing, undefined, 'A matching resource exists; nothing was created');
  }
  const result = await writeOne(ctx, { kind: 'create', resource });
  return writeResponse(request, 201, result.resource, versionLocation(ctx, result.resource), 'Created');
}

/** http.html#update, update-as-create, and versioned update with If-Match (http.html#concurrency). */
export async function update(ctx: RestContext, request: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const resource = parseResourceBody(request, type);
  if (resource.id === undefined) throw fhirError('required', 'The body has no id (http.html#update)', 400, [`${type}.id`]);
  if (resource.id !== id) throw fhirError('invalid', 'The body id does not match the URL id', 400, [`${type}.id`]);
  return storeUpdate(ctx, request, resource, header(request, 'if-match'));
}

async function storeUpdate(ctx: RestContext, request: FhirRequest, resource: Resource, ifMatch: string | undefined): Promise<FhirResponse> {
  const result = await writeOne(ctx, { kind: 'update', resource, ...(ifMatch !== undefined ? { ifMatch } : {}) });
  const created = result.status === 'created';
  return writeResponse(request, created ? 201 : 200, result.resource, created ? versionLocation(ctx, result.resource) : undefined, created ? 'Created' : 'Updated');
}

/** http.html#cond-update: none → create (under the body's id if it has one), one → update it, several → 412. */
export async function conditionalUpdate(ctx: RestContext, request: FhirRequest, type: string, criteria: string): Promise<FhirResponse> {
  const resource = parseResourceBody(request, type);
  const matches = await conditionalMatches(ctx.repo, type, criteria);
  if (matches.length > 1) throw multipleMatches(type, 'update');
  const [match] = matches;
  if (match) {
    if (resource.id !== undefined && resource.id !== match.id) {
      throw fhirError('invalid', 'The body id differs from the id of the resource the criteria match', 400, [`${type}.id`]);
    }
    return storeUpdate(ctx, request, { ...resource, id: match.id! }, header(request, 'if-match'));
  }
  if (resource.id !== undefined) return storeUpdate(ctx, request, resource, undefined);
  const result = await writeOne(ctx, { kind: 'create', resource });
  return writeResponse(request, 201, result.resource, versionLocation(ctx, result.resource), 'Created');
}

/** A parsed patch document, ready to apply to the current version. */
export type PatchApplier = (current: Resource) => Resource;

/**
 * The patch of a PATCH request (http.html#patch): JSON Patch (`application/json-patch+json`) or
 * FHIRPath Patch (a Parameters resource as `application/fhir+json`, fhirpatch.html); any other
 * Content-Type is 415.
 */
export function patchDocument(request: FhirRequest): PatchApplier {
  const type = mediaType(header(request, 'content-type'));
  if (type === JSON_PATCH) {
    const operations = parsePatch(parseJsonBody(request));
    return (current) => applyJsonPatch(current, operations);
  }
  if (type === FHIR_JSON || type === 'application/json') {
    const operations = parseFhirPatch(parseJsonBody(request));
    return (current) => applyFhirPatch(current, operations);
  }
  throw fhirError('not-supported', `PATCH needs Content-Type ${JSON_PATCH} or ${FHIR_JSON} (FHIRPath Patch)`, 415);
}

/**
 * Applies a patch to the current version and stores the result as an update conditioned on
 * that version (If-Match when the client gave one), so a concurrent write is a 412, never lost.
 */
export async function applyPatchTo(ctx: RestContext, type: string, id: string, applier: PatchApplier, ifMatch: string | undefined) {
  const current = await ctx.repo.read(type, id);
  const patched = applier(current);
  if (patched.resourceType !== type || patched.id !== id) {
    throw fhirError('processing', 'A patch may not change resourceType or id', 422, [`${type}.id`]);
  }
  return writeOne(ctx, { kind: 'update', resource: patched, ifMatch: ifMatch ?? current.meta?.versionId ?? '0' });
}

export async function patch(ctx: RestContext, request: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const applier = patchDocument(request);
  const result = await applyPatchTo(ctx, type, id, applier, header(request, 'if-match'));
  return writeResponse(request, 200, result.resource, undefined, 'Patched');
}

/** Conditional patch (http.html#patch): the criteria must match exactly one resource. */
export async function conditionalPatch(ctx: RestContext, request: FhirRequest, type: string, criteria: string): Promise<FhirResponse> {
  const applier = patchDocument(request);
  const matches = await conditionalMatches(ctx.repo, type, criteria);
  if (matches.length > 1) throw multipleMatches(type, 'patch');
  if (matches.length === 0) throw fhirError('not-found', `Conditional patch: no ${type} matches the criteria`, 404);
  const result = await applyPatchTo(ctx, type, matches[0]!.id!, applier, header(request, 'if-match'));
  return writeResponse(request, 200, result.resource, undefined, 'Patched');
}

function deleteResponse(request: FhirRequest, versionId: string | undefined, message: string): FhirResponse {
  const headers: Record<string, string> = versionId !== undefined ? { ETag: `W/"${versionId}"` } : {};
  if (returnPreference(request) === 'OperationOutcome') return { status: 200, headers, body: informational(message) };
  return { status: 204, headers };
}

/** http.html#delete: a later read is 410 Gone; history stays. */
export async function remove(ctx: RestContext, request: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const result = await ctx.repo.delete(type, id);
  return deleteResponse(request, result.versionId, `Deleted ${type}/${id}`);
}

/** http.html#cdelete (single): none → 204, one → delete it, several → 412. */
export async function conditionalDelete(ctx: RestContext, request: FhirRequest, type: string, criteria: string): Promise<FhirResponse> {
  const matches = await conditionalMatches(ctx.repo, type, criteria);
  if (matches.length > 1) throw multipleMatches(type, 'delete');
  if (matches.length === 0) return deleteResponse(request, undefined, 'No resource matched; nothing was deleted');
  const result = await ctx.repo.delete(type, matches[0]!.id!);
  return deleteResponse(request, result.versionId, `Deleted ${type}/${matches[0]!.id!}`);
}

interface HistoryParams {
  since?: string;
  count?: number;
  offset?: number;
}

function historyParams(params: URLSearchParams): HistoryParams {
  const result: HistoryParams = {};
  for (const [name, value] of withoutFormatParams(params)) {
    if (name === '_since') result.since = value;
    else if (name === '_count' || name === '_offset') {
      if (!/^\d{1,9}$/.test(value)) throw fhirError('invalid', `${name} must be a whole number`, 400, [name]);
      result[name === '_count' ? 'count' : 'offset'] = Number(value);
    } else {
      const shown = /^[A-Za-z0-9_:.\-]{1,64}$/.test(name) ? name : '(unreadable name)';
      throw fhirError('not-supported', `Unsupported history parameter "${shown}" (_since, _count and _offset are)`, 400, [shown]);
    }
  }
  return result;
}

/** http.html#history at type (`Type/_history`) or system (`_history`) level. */
export async function historyAcross(ctx: RestContext, params: URLSearchParams, type: string | undefined): Promise<FhirResponse> {
  const options = historyParams(params);
  const bundle = type === undefined ? await ctx.repo.systemHistory(options) : await ctx.repo.typeHistory(type, options);
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}

/**
 * http.html#history at instance level. The repository gives every version of the resource (a
 * bounded list), so `_since`, `_count` and `_offset` are applied here.
 */
export async function instanceHistory(ctx: RestContext, params: URLSearchParams, type: string, id: string): Promise<FhirResponse> {
  const options = historyParams(params);
  const full = await ctx.repo.history(type, id);
  let entries: BundleEntry[] = full.entry ?? [];
  if (options.since !== undefined) {
    const sinceMs = Date.parse(options.since);
    if (Number.isNaN(sinceMs) || !/^\d{4}-\d{2}-\d{2}T/.test(options.since)) throw fhirError('invalid', '_since must be a FHIR instant', 400, ['_since']);
    entries = entries.filter((e) => Date.parse(e.response?.lastModified ?? '') >= sinceMs);
  }
  const matched = entries.length;
  const count = Math.min(options.count ?? 100, 1000);
  const offset = options.offset ?? 0;
  const page = entries.slice(offset, offset + count);
  const base = `${type}/${id}/_history`;
  const at = (o: number) => {
    const pairs: Array<[string, string]> = options.since !== undefined ? [['_since', options.since]] : [];
    const q = new URLSearchParams([...pairs, ['_count', String(count)], ['_offset', String(o)]]);
    return `${base}?${q.toString()}`;
  };
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: at(offset) }];
  if (offset > 0 && count > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  if (count > 0 && offset + count < matched) link.push({ relation: 'next', url: at(offset + count) });
  const bundle: Bundle = { resourceType: 'Bundle', type: 'history', total: matched, link, ...(page.length > 0 ? { entry: page } : {}) };
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}

/** search.html#errors: `Prefer: handling=lenient` turns unsupported parameters into a warning. */
export function prefersLenient(request: FhirRequest): boolean {
  return /(?:^|[;,\s])handling=lenient\b/.test(header(request, 'prefer') ?? '');
}

/** search.html: GET `Type?...` and POST `Type/_search` (form body and URL parameters together). */
export async function search(ctx: RestContext, request: FhirRequest, params: URLSearchParams, type: string, viaPost: boolean): Promise<FhirResponse> {
  const pairs = withoutFormatParams(params);
  if (viaPost && request.body !== undefined && request.body.length > 0) {
    if (mediaType(header(request, 'content-type')) !== 'application/x-www-form-urlencoded') {
      throw fhirError('not-supported', 'POST _search needs Content-Type application/x-www-form-urlencoded', 415);
    }
    pairs.push(...withoutFormatParams(new URLSearchParams(request.body)));
  }
  const bundle = await ctx.repo.search(type, pairs, prefersLenient(request) ? { handling: 'lenient' } : {});
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}

/**
 * `$validate` (resource-operation-validate.html): the body is the resource, or a Parameters with
 * a `resource` parameter; the answer is 200 with an OperationOutcome listing every issue.
 * Only the default mode (no `mode`, `profile`) is supported.
 */
export function validate(request: FhirRequest, type: string, id: string | undefined): FhirResponse {
  assertJsonBody(request);
  let value = parseJsonBody(request);
  const record = typeof value === 'object' && value !== null ? (value as { resourceType?: unknown; parameter?: unknown }) : undefined;
  if (record?.resourceType === 'Parameters' && type !== 'Parameters') {
    const parameters = Array.isArray(record.parameter) ? (record.parameter as Array<{ name?: unknown; resource?: unknown }>) : [];
    value = parameters.find((p) => p.name === 'resource')?.resource;
    if (value === undefined) throw fhirError('required', 'Parameters has no "resource" parameter', 400, ['Parameters.parameter']);
  }
  if (id !== undefined) {
    if (!FHIR_ID_PATTERN.test(id)) throw fhirError('invalid', 'Not a valid FHIR id', 400, ['id']);
    const bodyId = (value as { id?: unknown } | null)?.id;
    if (bodyId !== undefined && bodyId !== id) throw fhirError('invalid', 'The body id does not match the URL id', 400, [`${type}.id`]);
  }
  return { status: 200, headers: {}, body: validateResource(value, { expectedType: type }) };
}
