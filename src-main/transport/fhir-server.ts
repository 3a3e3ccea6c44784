/**
 * The local FHIR endpoint: the transport-free REST handler (src-main/fhir/rest/handler.ts) over
 * HTTP at `http://127.0.0.1:PORT/fhir`, JSON (application/fhir+json) and XML (application/fhir+xml).
 *
 * Gatekeeping as in the web mode (request-guards.ts): loopback bind, Host check against DNS
 * rebinding, a present Origin must be ours, and every request carries `Authorization: Bearer
 * <token>` (a random one when none is given). Bodies over the cap are refused with 413 before
 * they are read in full. Every answer is FHIR JSON, or XML when asked (the transport's own refusals
 * stay JSON); failures are OperationOutcomes and a 500
 * never carries a stack or resource content. Request logging is left to no one: no PHI is written.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Resource } from '@medplum/fhirtypes';
import { outcome, type OperationOutcome } from '../api/result';
import type { ResourceRepository } from '../fhir/repository';
import { warmCapabilities } from '../fhir/rest/capability';
import { handleFhirRequest } from '../fhir/rest/handler';
import { renderBody } from '../fhir/rest/http-parts';
import { FHIR_JSON } from '../fhir/rest/types';
import { readBody } from './request-body';
import { bearerToken, isAllowedHost, isAllowedOrigin, newToken, tokensEqual } from './request-guards';

export interface FhirServerOptions {
  repo: ResourceRepository;
  /** 0 or absent: any free port. */
  port?: number;
  /** Default: 32 fresh random bytes, base64url. */
  token?: string;
  /** Request body cap (default 64 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Reported in the CapabilityStatement. */
  softwareVersion?: string;
  /**
   * Build the CapabilityStatement's tables right after listening (default true). Seconds of
   * synchronous work: the app's endpoint skips it, since its thread also answers the UI.
   */
  warmCapabilities?: boolean;
}

export interface FhirServer {
  /** `http://127.0.0.1:PORT/fhir` */
  baseUrl: string;
  port: number;
  /** The current bearer token. */
  readonly token: string;
  /** Replaces the bearer token: the old one is refused from the next request on. */
  setToken(token: string): void;
  close(): Promise<void>;
}

export const DEFAULT_FHIR_MAX_BODY_BYTES = 64 * 1024 * 1024;
const BASE_PATH = '/fhir';

const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sendFhir(res: ServerResponse, status: number, headers: Record<string, string>, body: Resource | undefined, pretty = false): void {
  if (body === undefined) {
    res.writeHead(status, { ...COMMON_HEADERS, ...headers });
    res.end();
    return;
  }
  const text = JSON.stringify(body, null, pretty ? 2 : undefined);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    'Content-Type': `${FHIR_JSON}; charset=utf-8`,
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function sendOutcome(res: ServerResponse, status: number, value: OperationOutcome, headers: Record<string, string> = {}): void {
  sendFhir(res, status, headers, value);
}

export async function startFhirServer(options: FhirServerOptions): Promise<FhirServer> {
  let token = options.token ?? newToken();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_FHIR_MAX_BODY_BYTES;
  let port = 0;
  let baseUrl = '';

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendOutcome(res, 500, outcome('exception', 'Internal server error'));
      else res.destroy();
    });
  });
  // A client that stalls mid-request is cut off rather than holding a socket for ever.
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, port)) return sendOutcome(res, 403, outcome('forbidden', 'Forbidden host'));
    if (!isAllowedOrigin(headerValue(req.headers.origin), port)) return sendOutcome(res, 403, outcome('forbidden', 'Cross-origin requests are refused'));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
      return sendOutcome(res, 404, outcome('not-found', `The FHIR base is ${BASE_PATH}`));
    }
    if (!tokensEqual(token, bearerToken(headerValue(req.headers.authorization)))) {
      return sendOutcome(res, 401, outcome('login', 'Missing or wrong access token'), { 'WWW-Authenticate': 'Bearer' });
    }
    let body: string | undefined;
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const read = await readBody(req, maxBodyBytes);
      if (read.kind === 'aborted') return;
      if (read.kind === 'too-large') {
        const mib = Math.round((maxBodyBytes / (1024 * 1024)) * 100) / 100;
        return sendOutcome(res, 413, outcome('too-costly', `The request body is larger than ${mib} MiB`), { Connection: 'close' });
      }
      try {
        body = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
      } catch {
        return sendOutcome(res, 400, outcome('structure', 'The request body is not UTF-8 text'));
      }
    } else {
      // GET/DELETE bodies mean nothing in FHIR REST; drain them so the connection stays usable.
      req.resume();
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      const single = headerValue(value);
      if (single !== undefined) headers[name] = single;
    }
    const response = await handleFhirRequest(
      options.repo,
      { method, path: url.pathname.slice(BASE_PATH.length), query: url.searchParams, headers, ...(body !== undefined ? { body } : {}) },
      { baseUrl, ...(options.softwareVersion !== undefined ? { softwareVersion: options.softwareVersion } : {}) },
    );
    // The body in the format the client asked for (JSON, or XML: fhir/rest/xml.ts).
    const rendered = renderBody(response, url.searchParams.get('_pretty') === 'true');
    if (!rendered) return sendFhir(res, response.status, response.headers, undefined);
    res.writeHead(response.status, {
      ...COMMON_HEADERS,
      ...response.headers,
      'Content-Type': rendered.contentType,
      'Content-Length': String(Buffer.byteLength(rendered.text)),
    });
    res.end(rendered.text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The FHIR server did not bind a TCP port');
  port = address.port;
  baseUrl = `http://127.0.0.1:${port}${BASE_PATH}`;

  // The first /metadata (and the first write's type check) would otherwise pay for loading definitions.
  if (options.warmCapabilities !== false) {
    setImmediate(() => {
      warmCapabilities(options.repo).catch(() => undefined);
    });
  }

  let closing: Promise<void> | null = null;
  return {
    baseUrl,
    port,
    get token() {
      return token;
    },
    setToken(next: string) {
      token = next;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
