/**
 * Request and response details of https://hl7.org/fhir/R4/http.html shared by the REST handler's
 * modules: header lookup, content types, body parsing, ETag/Last-Modified, `Prefer: return`,
 * and absolute URLs in Bundles.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { outcome, outcomeStatus, type OperationOutcome } from '../../api/result';
import { fhirError, OperationOutcomeError } from '../outcome-error';
import { FHIR_JSON, FHIR_XML, type FhirRequest, type FhirResponse, type WireFormat } from './types';
import { resourceToXml, xmlToResource } from './xml';

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

/** http.html#mime-type: a resource body must be FHIR JSON (XML bodies are JSON by now: xmlBodyAsJson); anything else is 415. */
export function assertJsonBody(request: FhirRequest): void {
  const type = mediaType(header(request, 'content-type'));
  if (type === undefined || !JSON_TYPES.has(type)) {
    throw fhirError('not-supported', `Content-Type must be ${FHIR_JSON} or ${FHIR_XML}`, 415);
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

/** http.html#mime-type: the XML types a server should accept (application/xml+fhir is DSTU2's). */
const XML_TYPES = new Set([FHIR_XML, 'application/xml', 'text/xml', 'application/xml+fhir']);

function formatOf(type: string): WireFormat | undefined {
  if (JSON_TYPES.has(type) || type === 'json' || type === '*/*' || type === 'application/*' || type === '') return 'json';
  if (XML_TYPES.has(type) || type === 'xml' || type === 'text/*') return 'xml';
  return undefined;
}

/**
 * http.html#mime-type, #parameters: the answer's format, from `_format` (json, xml or a media
 * type; it overrides Accept) or else the Accept header (highest q first, then listed order; any
 * type and no Accept mean JSON). Asking only for something else is 406.
 */
export function negotiateFormat(request: FhirRequest, params: URLSearchParams): WireFormat {
  const format = params.get('_format');
  if (format !== null) {
    const chosen = formatOf(mediaType(format) ?? '');
    if (chosen === undefined || format.trim() === '') throw fhirError('not-supported', `_format must be json or xml (${FHIR_JSON}, ${FHIR_XML})`, 406);
    return chosen;
  }
  const accept = header(request, 'accept');
  if (accept === undefined) return 'json';
  const ranked = accept
    .split(',')
    .map((part, index) => {
      const q = /;\s*q\s*=\s*([0-9.]+)/i.exec(part);
      return { format: formatOf(mediaType(part) ?? ''), q: q ? Number(q[1]) : 1, index };
    })
    .filter((c): c is { format: WireFormat; q: number; index: number } => c.format !== undefined && c.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const best = ranked[0];
  if (!best) throw fhirError('not-supported', `Only ${FHIR_JSON} and ${FHIR_XML} are supported`, 406);
  return best.format;
}

/**
 * xml.html: a request body in FHIR XML, as the same request with the resource's JSON form (every
 * interaction then reads JSON); any other request is returned as is. Bad XML is a 400.
 */
export function xmlBodyAsJson(request: FhirRequest): FhirRequest {
  const type = mediaType(header(request, 'content-type'));
  if (type === undefined || !XML_TYPES.has(type)) return request;
  if (request.body === undefined || request.body.trim() === '') throw fhirError('structure', 'The request has no body', 400);
  const resource = xmlToResource(request.body);
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(request.headers ?? {})) if (key.toLowerCase() !== 'content-type') headers[key] = value;
  headers['content-type'] = FHIR_JSON;
  return { ...request, headers, body: JSON.stringify(resource) };
}

/** The body of an answer on the wire, in the format the client asked for. */
export function renderBody(response: FhirResponse, pretty: boolean): { contentType: string; text: string } | undefined {
  if (response.body === undefined) return undefined;
  if (response.format === 'xml') return { contentType: `${FHIR_XML}; charset=utf-8`, text: resourceToXml(response.body) };
  return { contentType: `${FHIR_JSON}; charset=utf-8`, text: JSON.stringify(response.body, null, pretty ? 2 : undefined) };
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

/**
 * search.html#paging, bundle.html#fullUrl: link and fullUrl values absolute (clients page by
 * following them). json.html: arrays are never empty, so an empty `entry` is left out.
 */
export function absolutizeBundle(bundle: Bundle, baseUrl: string): Bundle {
  const { entry: _entry, ...rest } = bundle;
  return {
    ...rest,
    ...(bundle.link ? { link: bundle.link.map((l) => ({ ...l, url: absoluteUrl(baseUrl, l.url ?? '') })) } : {}),
    ...(bundle.entry && bundle.entry.length > 0
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
