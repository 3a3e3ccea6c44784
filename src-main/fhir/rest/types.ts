/**
 * The transport-free shape of one FHIR REST exchange (https://hl7.org/fhir/R4/http.html): the
 * HTTP server, the CLI and tests all speak to the handler through these values.
 */
import type { Resource } from '@medplum/fhirtypes';

export interface FhirRequest {
  method: string;
  /** The path below the base URL: `/Patient/1/_history/2` (the leading slash is optional). */
  path: string;
  /** The query string (with or without `?`) or its decoded pairs. */
  query?: string | URLSearchParams;
  /** Header names in any case. */
  headers?: Readonly<Record<string, string | undefined>>;
  /** The request body as text (the transport enforces the size cap). */
  body?: string;
}

export interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for 204/304 and for `Prefer: return=minimal`. */
  body?: Resource;
  /** The wire format the client asked for (http.html#mime-type, `_format` or Accept); absent: JSON. */
  format?: WireFormat;
}

export type WireFormat = 'json' | 'xml';

export interface FhirRestOptions {
  /** The absolute base, e.g. `http://127.0.0.1:8080/fhir` (no trailing slash): Location, fullUrl and links use it. */
  baseUrl: string;
  /** Reported in the CapabilityStatement (`software.version`). */
  softwareVersion?: string;
}

export const FHIR_JSON = 'application/fhir+json';
export const FHIR_XML = 'application/fhir+xml';
export const JSON_PATCH = 'application/json-patch+json';
