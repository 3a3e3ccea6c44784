/**
 * The wire, seen by push and pull (docs/sync.md "Transport"): a driver interface with one
 * implementation over fhir-kit-client (fhir-kit-transport.ts) and a fake in the tests. Every
 * failure is a TransportError that says whether it may be retried (retry.ts).
 */
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { outcome as makeOutcome, type OperationOutcome } from '../api/result';

export type TransportFailure =
  /** The server answered with a status >= 400. */
  | 'http'
  /** No usable answer: refused, reset, DNS, TLS, a body that is not JSON. */
  | 'network'
  /** No answer within the request timeout. */
  | 'timeout'
  /** The TLS handshake failed for good: a protocol below TLS 1.2, a certificate not trusted (not retried). */
  | 'tls';

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly status?: number,
    /** The server's OperationOutcome when it sent one (else one made from the message). */
    readonly outcome: OperationOutcome = makeOutcome(failure === 'timeout' ? 'timeout' : failure === 'network' ? 'transient' : failure === 'tls' ? 'security' : 'processing', message, status !== undefined ? { status } : {}),
    /** Retry-After of a 429 or 503, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface CreateResult {
  /** 201 created; 200 when If-None-Exist matched an existing resource (http.html#ccreate). */
  status: number;
  resource: Resource;
}

export interface SyncTransport {
  readonly baseUrl: string;
  /** GET [base]/metadata (http.html#capabilities). */
  capabilities(signal?: AbortSignal): Promise<CapabilityStatement>;
  /** POST [base] with a transaction or batch Bundle (http.html#transaction). */
  bundle(bundle: Bundle, signal?: AbortSignal): Promise<Bundle>;
  /** POST [base]/Type, conditional on If-None-Exist when given (http.html#ccreate). */
  create(resource: Resource, ifNoneExist: string | undefined, signal?: AbortSignal): Promise<CreateResult>;
  /** PUT [base]/Type/id with If-Match when given (http.html#concurrency). */
  update(resource: Resource, ifMatch: string | undefined, signal?: AbortSignal): Promise<Resource>;
  read(resourceType: string, id: string, signal?: AbortSignal): Promise<Resource>;
  /** DELETE [base]/Type/id with If-Match when given (http.html#delete, http.html#concurrency). */
  delete(resourceType: string, id: string, ifMatch: string | undefined, signal?: AbortSignal): Promise<void>;
  /** GET [base]/Type?params (search.html). */
  search(resourceType: string, params: ReadonlyArray<readonly [string, string]>, signal?: AbortSignal): Promise<Bundle>;
  /**
   * GET [base]/Type/_history?params (http.html#history, type level), newest first, paged like a
   * search. Optional: without it, pull does not see server deletions by paging.
   */
  history?(resourceType: string, params: ReadonlyArray<readonly [string, string]>, signal?: AbortSignal): Promise<Bundle>;
  /** The page the Bundle's `next` link points to; undefined on the last page (http.html#paging). */
  nextPage(bundle: Bundle, signal?: AbortSignal): Promise<Bundle | undefined>;
  /**
   * A plain request for what fhir-kit does not model (Bulk Data: kick-off, status polling, NDJSON
   * files): credentials go only to the server's own origin (`credentials: false` sends none). The
   * answer comes back whatever its status. Optional: a transport without it pulls by paging.
   */
  raw?(url: string, init: RawRequest, signal?: AbortSignal): Promise<Response>;
}

export interface RawRequest {
  method: 'GET' | 'DELETE';
  headers?: Record<string, string>;
  /** Send the profile's credentials (default true; only ever to the server's origin). */
  credentials?: boolean;
}

/** `W/"3"` for version 3 (http.html#versioning). */
export const weakEtag = (version: string): string => `W/"${version}"`;
