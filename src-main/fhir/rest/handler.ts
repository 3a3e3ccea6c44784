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
 *   GET    Patient/$everything          (all patients, _count patients a page)
 *   GET    Compartment/id/Type           compartment search (Patient, Encounter, RelatedPerson,
 *                                        Practitioner, Device: compartment.ts)
 *   GET    Compartment/id/*              compartment search over every member type
 *
 * Every failure is an OperationOutcome with its 4xx; nothing unexpected leaks (a 500 says only
 * "Internal server error").
 */
import { fhirError } from '../outcome-error';
import type { PreparedOp, ResourceRepository, VersionScanOptions, WriteBatchOptions } from '../repository';
import { isResourceType } from '../resource-types';
import { processBundle } from './bundle';
import { capabilityStatement } from './capability';
import { compartmentSearch, compartmentSearchAll } from './compartment';
import { systemSearch } from './system-search';
import { everything, everythingAll } from './everything';
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
 * Writes through this handler keep their arrival order per repository, and a write request sees the
 * writes of every write request before it: a conditional interaction's search and its write see no
 * other REST write in between (http.html#ccreate asks servers to avoid duplicate creates). Reads
 * (GET) are not held up. Writers outside the handler (an import in the same process) are not covered.
 *
 * A write request's turn ends as soon as it has handed its one write to the repository, which
 * commits in call order and prepares the next batch while one commits (fhir-repository.ts): a
 * loader's next transaction Bundle is validated and indexed off the store's thread meanwhile. A
 * batch Bundle writes entry by entry, so it keeps its turn until it is answered (holdTurn). Any
 * read a write request makes waits until every earlier write request is answered.
 */
interface WriteLane {
  /** Resolves when the latest write request's turn ends. */
  turn: Promise<void>;
  /** Resolves when every write request so far is answered. */
  answered: Promise<void>;
}

const writeLanes = new WeakMap<ResourceRepository, WriteLane>();

function serialized<T>(repo: ResourceRepository, task: (ctx: Pick<RestContext, 'repo' | 'holdTurn'>) => Promise<T>): Promise<T> {
  const lane = writeLanes.get(repo) ?? { turn: Promise.resolve(), answered: Promise.resolve() };
  let endTurn = (): void => undefined;
  const turn = new Promise<void>((resolve) => (endTurn = resolve));
  let answer = (): void => undefined;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const earlier = lane.answered;
  writeLanes.set(repo, { turn, answered: Promise.all([earlier, answered]).then(() => undefined) });
  let holding = false;
  const ordered = orderedRepository(repo, earlier, () => {
    if (!holding) endTurn();
  });
  const run = lane.turn.then(() => task({ repo: ordered, holdTurn: () => (holding = true) }));
  return run.finally(() => {
    endTurn();
    answer();
  });
}

/**
 * The repository as one write request sees it: writes go straight through and end the request's
 * turn once issued (`issued`); everything else first waits for the earlier write requests.
 */
function orderedRepository(repo: ResourceRepository, earlier: Promise<void>, issued: () => void): ResourceRepository {
  const write = <R>(start: () => Promise<R>): Promise<R> => {
    try {
      return start();
    } finally {
      issued();
    }
  };
  const after = async <R>(read: () => Promise<R>): Promise<R> => {
    await earlier;
    return read();
  };
  const scanVersions = repo.scanVersions?.bind(repo);
  const prepareTransaction = repo.prepareTransaction?.bind(repo);
  const writePrepared = repo.writePrepared?.bind(repo);
  return {
    types: () => repo.types(),
    create: (resource) => write(() => repo.create(resource)),
    update: (resource, options) => write(() => repo.update(resource, options)),
    delete: (resourceType, id) => write(() => repo.delete(resourceType, id)),
    writeBatch: (ops, options) => write(() => repo.writeBatch(ops, options)),
    read: (resourceType, id) => after(() => repo.read(resourceType, id)),
    vread: (resourceType, id, versionId) => after(() => repo.vread(resourceType, id, versionId)),
    history: (resourceType, id) => after(() => repo.history(resourceType, id)),
    typeHistory: (resourceType, options) => after(() => repo.typeHistory(resourceType, options)),
    systemHistory: (options) => after(() => repo.systemHistory(options)),
    counts: () => after(() => repo.counts()),
    list: (resourceType, options) => after(() => repo.list(resourceType, options)),
    search: (resourceType, params, options) => after(() => repo.search(resourceType, params, options)),
    scan: (resourceType, options) => after(() => repo.scan(resourceType, options)),
    ...(scanVersions ? { scanVersions: (resourceType: string, options: VersionScanOptions) => after(() => scanVersions(resourceType, options)) } : {}),
    // Preparing reads nothing from the store: it need not wait for the earlier write requests.
    ...(prepareTransaction && writePrepared
      ? {
          prepareTransaction,
          writePrepared: (ops: readonly PreparedOp[], options?: WriteBatchOptions) => write(() => writePrepared(ops, options)),
        }
      : {}),
  };
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
    const response = method === 'GET' || method === 'HEAD' ? await route(ctx, jsonRequest) : await serialized(repo, (ordered) => route({ ...ctx, ...ordered }, jsonRequest));
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
    if (second === '$everything' && type === 'Patient') {
      if (method !== 'GET' && method !== 'POST') return methodNotAllowed(method, ['GET', 'POST']);
      return everythingAll(ctx, params);
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
