/**
 * Request and response details of https://hl7.org/fhir/R4/http.html shared by the REST handler's
 * modules: header lookup, content types, body parsing, ETag/Last-Modified, `Prefer: return`,
 * and absolute URLs in Bundles.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { outcome, outcomeStatus, type OperationOutcome } from '../../api/result';
import { fhirError, OperationOutcomeError } from '../outcome-error';
import { FHIR_JSON, type FhirRequest, type FhirResponse } from './types';

export function header(request: FhirRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The media type without parameters, lower case (`application/fhir+json; charset=utf-8` → `application/fhir+json`). */
export function mediaType(value: string | undefined): string | undefined {
  return value?.split(';')[0]?.trim().toLowerCase() || undefined;
}

const JSON_TYPES = new Set([FHIR_JSON, 'application/json', 'application/json+fhir']);

/** http.html#mime-type: a resource body must be FHIR JSON; anything else is 415. */
export function assertJsonBody(request: FhirRequest): void {
  const type = mediaType(header(request, 'content-type'));
  if (type === undefined || !JSON_TYPES.has(type)) {
    throw fhirError('not-supported', `Content-Type must be ${FHIR_JSON}`, 415);
  }
}

/** The body parsed as JSON; malformed or missing JSON is a 400 (http.html#general). */
export function parseJsonBody(request: FhirRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') throw fhirError('structure', 'The request has no body', 400);
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    throw fhirError('structure', 'The request body is not valid JSON', 400);
  }
}

/** A resource body of the type the URL names (http.html#create, #update: a mismatch is 400). */
export function parseResourceBody(request: FhirRequest, expectedType?: string): Resource {
  assertJsonBody(request);
  const value = parseJsonBody(request);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fhirError('structure', 'The body must be a JSON object (a FHIR resource)', 400);
  const type = (value as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') throw fhirError('required', 'The body has no resourceType', 400, ['Resource.resourceType']);
  if (expectedType !== undefined && type !== expectedType) {
    const shown = /^[A-Za-z]{1,64}$/.test(type) ? type : '(unreadable)';
    throw fhirError('invalid', `The body is a ${shown}, the URL names ${expectedType}`, 400, ['Resource.resourceType']);
  }
  return value as Resource;
}

/** http.html#format: JSON only; `_format` or an Accept header asking only for something else is 406. */
export function assertJsonAccepted(request: FhirRequest, params: URLSearchParams): void {
  const format = params.get('_format');
  if (format !== null && !['json', FHIR_JSON, 'application/json'].includes(mediaType(format) ?? '')) {
    throw fhirError('not-supported', 'Only JSON is supported (_format=json)', 406);
  }
  const accept = header(request, 'accept');
  if (accept === undefined) return;
  const types = accept.split(',').map((part) => mediaType(part) ?? '');
  const acceptable = types.some((t) => t === '*/*' || t === 'application/*' || JSON_TYPES.has(t) || t === '');
  if (!acceptable) throw fhirError('not-supported', `Only ${FHIR_JSON} is supported`, 406);
}

export function etagOf(resource: Resource): string | undefined {
  return resource.meta?.versionId !== undefined ? `W/"${resource.meta.versionId}"` : undefined;
}

/** http.html#read: ETag and Last-Modified (an HTTP date) from the resource's meta. */
export function versionHeaders(resource: Resource): Record<string, string> {
  const headers: Record<string, string> = {};
  const etag = etagOf(resource);
  if (etag !== undefined) headers['ETag'] = etag;
  const lastUpdated = resource.meta?.lastUpdated;
  if (lastUpdated !== undefined && !Number.isNaN(Date.parse(lastUpdated))) headers['Last-Modified'] = new Date(lastUpdated).toUTCString();
  return headers;
}

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** http.html#ops: `Prefer: return=minimal | representation | OperationOutcome` (default representation). */
export function returnPreference(request: FhirRequest): ReturnPreference {
  const prefer = header(request, 'prefer') ?? '';
  const m = /(?:^|[;,\s])return=(minimal|representation|OperationOutcome)\b/.exec(prefer);
  return (m?.[1] as ReturnPreference | undefined) ?? 'representation';
}

export function informational(text: string): OperationOutcome {
  return outcome('informational', text, { severity: 'information' });
}

/** A write's answer: status, version headers, Location, and the body the client preferred. */
export function writeResponse(
  request: FhirRequest,
  status: number,
  resource: Resource,
  location: string | undefined,
  message: string,
): FhirResponse {
  const headers = versionHeaders(resource);
  if (location !== undefined) headers['Location'] = location;
  const preference = returnPreference(request);
  if (preference === 'minimal') return { status, headers };
  if (preference === 'OperationOutcome') return { status, headers, body: informational(message) };
  return { status, headers, body: resource };
}

/** Strips the internal status hint from an outcome before it goes on the wire. */
export function wireOutcome(value: OperationOutcome): OperationOutcome {
  const { status: _status, ...rest } = value as OperationOutcome & { status?: number };
  return rest;
}

/** Issue codes of the "invalid content" family (valueset issue-type): the client's fault, 400. */
const CONTENT_PROBLEMS = new Set(['invalid', 'structure', 'required', 'value', 'invariant', 'code-invalid', 'extension', 'too-long', 'business-rule']);

/** The HTTP status of a failure: the outcome's own status, else by issue code (validation problems carry none). */
function failureStatus(value: OperationOutcome): number {
  const status = outcomeStatus(value);
  if (status !== 500 || (value as OperationOutcome & { status?: number }).status === 500) return status;
  const code = value.issue?.find((i) => i.severity === 'error' || i.severity === 'fatal')?.code;
  return code !== undefined && CONTENT_PROBLEMS.has(code) ? 400 : 500;
}

/** Any failure as a FHIR answer: an OperationOutcome with its 4xx; anything unexpected is a 500 without detail. */
export function errorResponse(error: unknown): FhirResponse {
  if (error instanceof OperationOutcomeError) {
    const status = failureStatus(error.outcome);
    return { status: status >= 400 && status <= 599 ? status : 500, headers: {}, body: wireOutcome(error.outcome) };
  }
  return { status: 500, headers: {}, body: outcome('exception', 'Internal server error') };
}

/** Relative references of the core (`Patient/1`, `Patient?x=1`) made absolute against the base. */
export function absoluteUrl(baseUrl: string, url: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `${baseUrl}/${url.replace(/^\/+/, '')}`;
}

/** search.html#paging, bundle.html#fullUrl: link and fullUrl values absolute (clients page by following them). */
export function absolutizeBundle(bundle: Bundle, baseUrl: string): Bundle {
  return {
    ...bundle,
    ...(bundle.link ? { link: bundle.link.map((l) => ({ ...l, url: absoluteUrl(baseUrl, l.url ?? '') })) } : {}),
    ...(bundle.entry
      ? { entry: bundle.entry.map((e) => (e.fullUrl !== undefined ? { ...e, fullUrl: absoluteUrl(baseUrl, e.fullUrl) } : e)) }
      : {}),
  };
}

/** `201 Created` etc. for Bundle.entry.response.status (bundle.html#response). */
export function statusLine(status: number): string {
  const reasons: Record<number, string> = {
    200: 'OK',
    201: 'Created',
    204: 'No Content',
    304: 'Not Modified',
    400: 'Bad Request',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    410: 'Gone',
    412: 'Precondition Failed',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    500: 'Internal Server Error',
  };
  return `${status}${reasons[status] ? ` ${reasons[status]}` : ''}`;
}
