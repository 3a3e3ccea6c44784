/**
 * The transport over fhir-kit-client 2 (native fetch underneath): auth headers, a timeout per
 * request, and every failure turned into a TransportError. fhir-kit-client can log request
 * headers and bodies through `debug`; those namespaces are switched off here so credentials and
 * resources never reach a log.
 */
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import createDebug from 'debug';
import { Client } from 'fhir-kit-client';
import type { TokenSource } from './auth-smart';
import { tlsFailure, tlsOptions } from './tls';
import { checkServerUrl } from './url-policy';
import { TransportError, type CreateResult, type RawRequest, type SyncTransport } from './transport';
import type { ServerAuth } from './types';

export interface FhirKitTransportOptions {
  baseUrl: string;
  auth: ServerAuth;
  /** Per request (default 60 s). */
  timeoutMs?: number;
  /** OAuth bearer tokens (SMART): asked for before each request; a 401 renews the token once (auth-smart.ts). */
  tokens?: TokenSource;
  /** PEM CA certificates trusted in addition to the system's (tls.ts). */
  caBundle?: string;
}

const FHIR_KIT_LOGS = 'fhir-kit-client:*';

/** Keeps whatever else DEBUG enables, minus fhir-kit-client's request and response logs. */
function silenceFhirKitLogs(): void {
  if (!createDebug.enabled('fhir-kit-client:info') && !createDebug.enabled('fhir-kit-client:error')) return;
  const previous = createDebug.disable();
  createDebug.enable(`${previous ? `${previous},` : ''}-${FHIR_KIT_LOGS}`);
}

function authHeaders(auth: ServerAuth): Record<string, string> {
  if (auth.kind === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}` };
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return {};
}

/** Retry-After (RFC 9110 §10.2.3): seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface FetchError {
  response?: { status?: number; data?: unknown };
  config?: { headers?: Headers };
}

function isOutcome(data: unknown): data is OperationOutcome {
  return typeof data === 'object' && data !== null && (data as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}

function toTransportError(error: unknown, timedOut: boolean, what: string): unknown {
  if (error instanceof TransportError) return error;
  const e = error as FetchError & { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.response?.status !== undefined) {
    const status = e.response.status;
    const retryAfter = parseRetryAfter(e.config?.headers?.get?.('retry-after'));
    const data = e.response.data;
    return new TransportError('http', `${what}: HTTP ${status}`, status, isOutcome(data) ? data : undefined, retryAfter);
  }
  if (timedOut) return new TransportError('timeout', `${what}: no answer in time`);
  if (e?.name === 'AbortError') return error;
  // Bodies that are not JSON come back from fhir-kit as errors without a status; fetch's own are TypeErrors with a cause.
  // The cause says why (ECONNREFUSED, ECONNRESET, a certificate error, a port fetch blocks); never content.
  const refused = tlsFailure(what, e?.cause?.code);
  if (refused) return refused;
  const why = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'network failure';
  return new TransportError('network', `${what}: ${why}`);
}

export class FhirKitTransport implements SyncTransport {
  readonly baseUrl: string;
  private readonly client: Client;
  private readonly timeoutMs: number;
  private readonly tokens: TokenSource | undefined;
  private readonly staticAuth: Record<string, string>;
  private readonly tls: ReturnType<typeof tlsOptions>;

  constructor(options: FhirKitTransportOptions) {
    silenceFhirKitLogs();
    this.baseUrl = checkServerUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.tokens = options.tokens;
    this.staticAuth = authHeaders(options.auth);
    const tls = (this.tls = tlsOptions(options.caBundle));
    this.client = new Client({ baseUrl: this.baseUrl, customHeaders: this.staticAuth, ...(tls ? { requestOptions: tls } : {}) });
  }

  private async call<T>(what: string, run: (signal: AbortSignal) => Promise<unknown>, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      if (this.tokens) this.client.bearerToken = await this.tokens.token(combined);
      try {
        return (await run(combined)) as T;
      } catch (error) {
        // A token the server no longer takes (revoked, expired early): one new token, one more try.
        if (!this.tokens || (error as FetchError)?.response?.status !== 401) throw error;
        this.tokens.invalidate();
        this.client.bearerToken = await this.tokens.token(combined);
        return (await run(combined)) as T;
      }
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toTransportError(error, timeout.aborted, what);
    }
  }

  /** The response status fhir-kit keeps on the result (a non-enumerable property). */
  private static statusOf(result: unknown): number {
    const response = (result as { __response?: Response }).__response;
    return response?.status ?? 200;
  }

  capabilities(signal?: AbortSignal): Promise<CapabilityStatement> {
    return this.call('metadata', (s) => this.client.capabilityStatement({ signal: s }), signal);
  }

  bundle(bundle: Bundle, signal?: AbortSignal): Promise<Bundle> {
    return this.call(bundle.type ?? 'bundle', (s) => this.client.request('', { method: 'POST', body: bundle, options: { signal: s, headers: { 'content-type': 'application/fhir+json' } } }), signal);
  }

  async create(resource: Resource, ifNoneExist: string | undefined, signal?: AbortSignal): Promise<CreateResult> {
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    if (ifNoneExist) headers['if-none-exist'] = ifNoneExist;
    const result = await this.call<Resource>(`create ${resource.resourceType}`, (s) => this.client.request(resource.resourceType, { method: 'POST', body: resource, options: { signal: s, headers } }), signal);
    return { status: FhirKitTransport.statusOf(result), resource: result };
  }

  update(resource: Resource, ifMatch: string | undefined, signal?: AbortSignal): Promise<Resource> {
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    if (ifMatch) headers['if-match'] = ifMatch;
    return this.call(`update ${resource.resourceType}`, (s) =>
      this.client.request(`${resource.resourceType}/${encodeURIComponent(resource.id ?? '')}`, { method: 'PUT', body: resource, options: { signal: s, headers } }),
    signal);
  }

  read(resourceType: string, id: string, signal?: AbortSignal): Promise<Resource> {
    return this.call(`read ${resourceType}`, (s) => this.client.request(`${resourceType}/${encodeURIComponent(id)}`, { options: { signal: s } }), signal);
  }

  async delete(resourceType: string, id: string, ifMatch: string | undefined, signal?: AbortSignal): Promise<void> {
    const headers: Record<string, string> = {};
    if (ifMatch) headers['if-match'] = ifMatch;
    await this.call(`delete ${resourceType}`, (s) => this.client.request(`${resourceType}/${encodeURIComponent(id)}`, { method: 'DELETE', options: { signal: s, headers } }), signal);
  }

  search(resourceType: string, params: ReadonlyArray<readonly [string, string]>, signal?: AbortSignal): Promise<Bundle> {
    const query = new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
    return this.call(`search ${resourceType}`, (s) => this.client.request(`${resourceType}${query ? `?${query}` : ''}`, { options: { signal: s } }), signal);
  }

  history(resourceType: string, params: ReadonlyArray<readonly [string, string]>, signal?: AbortSignal): Promise<Bundle> {
    const query = new URLSearchParams(params.map(([k, v]): [string, string] => [k, v])).toString();
    return this.call(`history ${resourceType}`, (s) => this.client.request(`${resourceType}/_history${query ? `?${query}` : ''}`, { options: { signal: s } }), signal);
  }

  nextPage(bundle: Bundle, signal?: AbortSignal): Promise<Bundle | undefined> {
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return Promise.resolve(undefined);
    // A next link to another origin would send the credentials elsewhere: refused.
    if (new URL(next, `${this.baseUrl}/`).origin !== new URL(this.baseUrl).origin) {
      return Promise.reject(new TransportError('http', 'The server paged to another origin', 502));
    }
    return this.call('next page', (s) => this.client.request(next, { options: { signal: s } }), signal);
  }

  async raw(url: string, init: RawRequest, signal?: AbortSignal): Promise<Response> {
    const target = new URL(url, `${this.baseUrl}/`);
    checkServerUrl(target.origin);
    const own = target.origin === new URL(this.baseUrl).origin;
    if (init.credentials !== false && !own) throw new TransportError('http', 'The server sent us to another origin with our credentials', 502);
    const what = `${init.method} ${target.pathname.split('/').pop() ?? ''}`.trim();
    const send = async (): Promise<Response> => {
      const headers: Record<string, string> = { ...init.headers };
      if (init.credentials !== false) {
        Object.assign(headers, this.staticAuth);
        if (this.tokens) headers.authorization = `Bearer ${await this.tokens.token(signal)}`;
      }
      // The timeout covers the wait for the answer's head; a long NDJSON body then streams (cancel still applies).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DOMException('timeout', 'TimeoutError')), this.timeoutMs);
      const onAbort = (): void => controller.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const request: RequestInit = { method: init.method, headers, signal: controller.signal };
        return await fetch(target, this.tls ? Object.assign(request, this.tls) : request);
      } catch (error) {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) throw error;
        if (controller.signal.aborted) throw new TransportError('timeout', `${what}: no answer in time`);
        throw toTransportError(error, false, what);
      } finally {
        clearTimeout(timer);
      }
    };
    const response = await send();
    if (response.status !== 401 || !this.tokens || init.credentials === false) return response;
    await response.body?.cancel();
    this.tokens.invalidate();
    return send();
  }
}
