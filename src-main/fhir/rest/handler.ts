/**
 * The transport-free FHIR REST handler: one request in, one response out, over any
 * ResourceRepository (https://hl7.org/fhir/R4/http.html). Routing follows http.html#summary:
 *
 *   GET    metadata                      capabilities (CapabilityStatement)
 *   POST   (base)                        batch / transaction Bundle
 *   GET    (base)?_type=... | POST _search   system-level search
 *   GET    _history                      system history
 *   GET    Type | POST Type/_search      search
 *   POST   Type                          create (If-None-Exist: conditional create)
 *   PUT    Type?criteria                 conditional update
 *   PATCH  Type?criteria                 conditional patch
 *   DELETE Type?criteria                 conditional delete
 *   GET    Type/_history                 type history
 *   POST   Type/$validate, Type/id/$validate
 *   GET    Type/id                       read (If-None-Match, If-Modified-Since: 304; _summary, _elements)
 *   PUT    Type/id                       update, update-as-create (If-Match: versioned update)
 *   PATCH  Type/id                       JSON Patch
 *   DELETE Type/id                       delete
 *   GET    Type/id/_history[/vid]        instance history, vread
 *   GET    Patient/id/$everything
 *   GET    Compartment/id/Type           compartment search (Patient, Encounter, RelatedPerson,
 *                                        Practitioner, Device: compartment.ts)
 *   GET    Compartment/id/*              compartment search over every member type
 *
 * Every failure is an OperationOutcome with its 4xx; nothing unexpected leaks (a 500 says only
 * "Internal server error").
 */
import { fhirError } from '../outcome-error';
import type { ResourceRepository } from '../repository';
import { isResourceType } from '../resource-types';
import { processBundle } from './bundle';
import { capabilityStatement } from './capability';
import { compartmentSearch, compartmentSearchAll } from './compartment';
import { systemSearch } from './system-search';
import { everything } from './everything';
import { errorResponse, negotiateFormat, xmlBodyAsJson } from './http-parts';
import * as interactions from './interactions';
import type { RestContext } from './interactions';
import type { FhirRequest, FhirResponse, FhirRestOptions, WireFormat } from './types';

export type { FhirRequest, FhirResponse, FhirRestOptions, WireFormat } from './types';

function methodNotAllowed(method: string, allowed: string[]): FhirResponse {
  const error = errorResponse(fhirError('not-supported', `${method.slice(0, 10)} is not allowed here (${allowed.join(', ')})`, 405));
  return { ...error, headers: { ...error.headers, Allow: allowed.join(', ') } };
}

function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw fhirError('invalid', 'The URL path is not valid percent-encoding', 400);
      }
    });
}

function queryOf(query: FhirRequest['query']): URLSearchParams {
  if (query instanceof URLSearchParams) return query;
  return new URLSearchParams((query ?? '').replace(/^\?/, ''));
}

function assertType(type: string): void {
  if (!isResourceType(type)) {
    const shown = /^[A-Za-z]{1,64}$/.test(type) ? type : '(unreadable)';
    throw fhirError('not-supported', `Unknown resource type "${shown}"`, 404);
  }
}

/**
 * Writes through this handler run one at a time per repository: a conditional interaction's
 * search and its write then see no other REST write in between (http.html#ccreate asks servers to
 * avoid duplicate creates). Reads are not held up. Writers outside the handler (an import in the
 * same process) are not covered.
 */
const writeQueues = new WeakMap<ResourceRepository, Promise<unknown>>();

function serialized<T>(repo: ResourceRepository, task: () => Promise<T>): Promise<T> {
  const previous = writeQueues.get(repo) ?? Promise.resolve();
  const run = previous.then(task, task);
  writeQueues.set(repo, run.catch(() => undefined));
  return run;
}

/** Handles one FHIR REST request. Never throws: failures are OperationOutcome responses. */
export async function handleFhirRequest(repo: ResourceRepository, request: FhirRequest, options: FhirRestOptions): Promise<FhirResponse> {
  const ctx: RestContext = { repo, options };
  let format: WireFormat = 'json';
  try {
    // xml.html: the answer (errors too) in the format asked for; an XML body is read as its JSON form.
    format = negotiateFormat(request, queryOf(request.query));
    const jsonRequest = xmlBodyAsJson(request);
    const method = request.method.toUpperCase();
    const response = method === 'GET' || method === 'HEAD' ? await route(ctx, jsonRequest) : await serialized(repo, () => route(ctx, jsonRequest));
    return format === 'xml' ? { ...response, format } : response;
  } catch (e) {
    const response = errorResponse(e);
    return format === 'xml' ? { ...response, format } : response;
  }
}

async function route(ctx: RestContext, request: FhirRequest): Promise<FhirResponse> {
  const method = request.method.toUpperCase();
  const params = queryOf(request.query);
  negotiateFormat(request, params);
  const segments = segmentsOf(request.path);
  const rawQuery = [...params.entries()].length > 0 ? params.toString() : undefined;
  const [first, second, third, fourth] = segments;

  if (first === undefined) {
    if (method === 'POST') return processBundle(ctx, request, (sub) => route(ctx, sub));
    if (method === 'GET') return systemSearch(ctx, request, params, false);
    return methodNotAllowed(method, ['GET', 'POST']);
  }
  if (segments.length === 1 && first === '_search') {
    if (method !== 'POST' && method !== 'GET') return methodNotAllowed(method, ['POST', 'GET']);
    return systemSearch(ctx, request, params, method === 'POST');
  }
  if (segments.length === 1 && first === 'metadata') {
    if (method !== 'GET') return methodNotAllowed(method, ['GET']);
    return { status: 200, headers: {}, body: await capabilityStatement(ctx.repo, ctx.options) };
  }
  if (segments.length === 1 && first === '_history') {
    if (method !== 'GET') return methodNotAllowed(method, ['GET']);
    return interactions.historyAcross(ctx, params, undefined);
  }
  if (first.startsWith('$') || first.startsWith('_')) throw fhirError('not-supported', 'Unknown system-level operation or path', 404);

  const type = first;
  assertType(type);

  if (second === undefined) {
    switch (method) {
      case 'GET':
        return interactions.search(ctx, request, params, type, false);
      case 'POST':
        return interactions.create(ctx, request, type);
      case 'PUT':
        return rawQuery ? interactions.conditionalUpdate(ctx, request, type, rawQuery) : Promise.reject(fhirError('invalid', 'PUT needs Type/id or search criteria', 400));
      case 'PATCH':
        return rawQuery ? interactions.conditionalPatch(ctx, request, type, rawQuery) : Promise.reject(fhirError('invalid', 'PATCH needs Type/id or search criteria', 400));
      case 'DELETE':
        return rawQuery ? interactions.conditionalDelete(ctx, request, type, rawQuery) : Promise.reject(fhirError('invalid', 'DELETE needs Type/id or search criteria', 400));
      default:
        return methodNotAllowed(method, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    }
  }

  if (third === undefined) {
    if (second === '_search') {
      if (method !== 'POST' && method !== 'GET') return methodNotAllowed(method, ['POST', 'GET']);
      return interactions.search(ctx, request, params, type, method === 'POST');
    }
    if (second === '_history') {
      if (method !== 'GET') return methodNotAllowed(method, ['GET']);
      return interactions.historyAcross(ctx, params, type);
    }
    if (second === '$validate') {
      if (method !== 'POST') return methodNotAllowed(method, ['POST']);
      return interactions.validate(request, type, undefined);
    }
    if (second.startsWith('$')) throw fhirError('not-supported', `Unknown operation on ${type}`, 404);
    const id = second;
    switch (method) {
      case 'GET':
        return interactions.read(ctx, request, params, type, id);
      case 'PUT':
        return interactions.update(ctx, request, type, id);
      case 'PATCH':
        return interactions.patch(ctx, request, type, id);
      case 'DELETE':
        return interactions.remove(ctx, request, type, id);
      default:
        return methodNotAllowed(method, ['GET', 'PUT', 'PATCH', 'DELETE']);
    }
  }

  const id = second;
  if (third === '_history') {
    if (method !== 'GET') return methodNotAllowed(method, ['GET']);
    if (fourth === undefined) return interactions.instanceHistory(ctx, params, type, id);
    if (segments.length === 4) return interactions.vread(ctx, params, type, id, fourth);
  }
  if (segments.length === 3 && third === '$validate') {
    if (method !== 'POST') return methodNotAllowed(method, ['POST']);
    return interactions.validate(request, type, id);
  }
  if (segments.length === 3 && third === '$everything' && type === 'Patient') {
    if (method !== 'GET' && method !== 'POST') return methodNotAllowed(method, ['GET', 'POST']);
    return everything(ctx, params, id);
  }
  if (segments.length === 3 && third === '*') {
    if (method !== 'GET') return methodNotAllowed(method, ['GET']);
    return compartmentSearchAll(ctx, request, params, type, id);
  }
  if (segments.length === 3 && isResourceType(third)) {
    if (method !== 'GET') return methodNotAllowed(method, ['GET']);
    return compartmentSearch(ctx, params, interactions.prefersLenient(request), type, id, third);
  }
  throw fhirError('not-found', 'No such FHIR REST path', 404);
}
