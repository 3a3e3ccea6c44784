/**
 * A small FHIR R4 + SMART authorization server for the sync auth, TLS and Bulk Data tests, written
 * from the specs it checks: .well-known/smart-configuration; the token endpoint verifying
 * Backend Services client assertions (signature with the registered public key, iss = sub =
 * client id, aud = token URL, exp at most 5 minutes ahead, jti never seen before), authorization
 * codes bound to a PKCE S256 challenge, and refresh tokens; an authorize endpoint that redirects
 * at once (the "user" consents); searches that need a valid bearer token; and the Bulk Data
 * async pattern (kick-off → 202 Content-Location → 202 X-Progress / Retry-After → manifest →
 * NDJSON files that need the token → DELETE). Plain http on loopback, or https with a given cert.
 */
import { createHash, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';

export interface SmartServerOptions {
  tls?: { key: string; cert: string };
  /** Backend Services clients: client id → public key. */
  backendClients?: Map<string, KeyObject>;
  /** App Launch public client id. */
  launchClient?: string;
  /** Access token lifetime (seconds). */
  tokenLifetimeS?: number;
  /** Require a bearer token for FHIR requests (default true). */
  requireToken?: boolean;
  /** Offer system-level $export in the CapabilityStatement and serve it. */
  bulk?: boolean;
  /** Status polls answered 202 before the manifest. */
  bulkPolls?: number;
}

export interface SmartServer {
  baseUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  /** The resources served (tests add and change them; meta.lastUpdated drives _since and _lastUpdated). */
  resources: Resource[];
  /** Verified client assertions (header and claims). */
  assertions: Array<{ header: Record<string, unknown>; claims: Record<string, unknown> }>;
  /** Token endpoint answers by grant type, and refusals. */
  grants: Record<string, number>;
  refused: string[];
  /** Every access and refresh token handed out (to check none is stored in clear). */
  issuedTokens: string[];
  /** FHIR and bulk requests: path, status, and whether a valid token came with it. */
  requests: Array<{ method: string; path: string; status: number }>;
  bulkKickoffs: Array<{ query: string; prefer: string | undefined }>;
  bulkDeletes: number;
  /** Resources deleted on the server: listed in the manifest's `deleted` file (Bulk Data 2.0) when any. */
  bulkDeleted: Array<{ type: string; id: string }>;
  /** The type whose export file stops after `afterLines` lines and never ends (a download in the middle). */
  bulkStall: { type: string; afterLines: number } | undefined;
  /** Forgets every issued access token (they answer 401 from now on). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const b64json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startSmartServer(options: SmartServerOptions = {}): Promise<SmartServer> {
  const accessTokens = new Set<string>();
  const refreshTokens = new Map<string, string>();
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  const seenJti = new Set<string>();
  const exports = new Map<string, { polls: number; since?: string; types: string[]; at: string }>();
  const state: Omit<SmartServer, 'baseUrl' | 'tokenUrl' | 'authorizeUrl' | 'close' | 'revokeAccessTokens'> = {
    resources: [],
    assertions: [],
    grants: {},
    refused: [],
    issuedTokens: [],
    requests: [],
    bulkKickoffs: [],
    bulkDeletes: 0,
    bulkDeleted: [],
    bulkStall: undefined,
  };
  let origin = '';
  const lifetime = options.tokenLifetimeS ?? 3600;

  const issue = (res: ServerResponse, grant: string, withRefresh: boolean): void => {
    const access = randomUUID();
    accessTokens.add(access);
    state.issuedTokens.push(access);
    state.grants[grant] = (state.grants[grant] ?? 0) + 1;
    const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: lifetime, scope: 'system/*.read' };
    if (withRefresh) {
      const refresh = randomUUID();
      refreshTokens.set(refresh, access);
      state.issuedTokens.push(refresh);
      body.refresh_token = refresh;
    }
    json(res, 200, body, { 'cache-control': 'no-store' });
  };
  const refuse = (res: ServerResponse, why: string, error = 'invalid_client'): void => {
    state.refused.push(why);
    json(res, 400, { error, error_description: why });
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(req));
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return refuse(res, 'assertion type');
      const parts = (form.get('client_assertion') ?? '').split('.');
      if (parts.length !== 3) return refuse(res, 'not a JWS');
      const header = b64json(parts[0]!);
      const claims = b64json(parts[1]!);
      const key = options.backendClients?.get(String(claims.iss));
      if (!key) return refuse(res, 'unknown client');
      const alg = header.alg;
      const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
      const signature = Buffer.from(parts[2]!, 'base64url');
      const ok =
        alg === 'RS384' ? verify('sha384', signed, key, signature) : alg === 'ES384' ? verify('sha384', signed, { key, dsaEncoding: 'ieee-p1363' }, signature) : false;
      if (!ok) return refuse(res, 'signature');
      if (claims.sub !== claims.iss) return refuse(res, 'sub');
      if (claims.aud !== `${origin}/token`) return refuse(res, 'aud');
      const now = Date.now() / 1000;
      if (typeof claims.exp !== 'number' || claims.exp < now || claims.exp > now + 300 + 5) return refuse(res, 'exp');
      if (typeof claims.jti !== 'string' || seenJti.has(claims.jti)) return refuse(res, 'jti');
      if (typeof header.kid !== 'string' || header.kid === '') return refuse(res, 'kid');
      seenJti.add(claims.jti);
      state.assertions.push({ header, claims });
      return issue(res, grant, false);
    }
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!code) return refuse(res, 'code', 'invalid_grant');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return refuse(res, 'pkce', 'invalid_grant');
      if (form.get('redirect_uri') !== code.redirectUri || form.get('client_id') !== code.clientId) return refuse(res, 'redirect or client', 'invalid_grant');
      return issue(res, grant, true);
    }
    if (grant === 'refresh_token') {
      const old = form.get('refresh_token') ?? '';
      if (!refreshTokens.has(old) || form.get('client_id') !== options.launchClient) return refuse(res, 'refresh', 'invalid_grant');
      refreshTokens.delete(old); // rotated
      return issue(res, grant, true);
    }
    return refuse(res, `grant ${grant}`, 'unsupported_grant_type');
  };

  const authorized = (req: IncomingMessage): boolean => {
    if (options.requireToken === false) return true;
    const h = req.headers.authorization ?? '';
    return h.startsWith('Bearer ') && accessTokens.has(h.slice(7));
  };

  const capability = (): CapabilityStatement => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'smart-test-server' },
    rest: [
      {
        mode: 'server',
        resource: (['Observation', 'Patient'] as const).map((type) => ({ type, interaction: [{ code: 'read' as const }, { code: 'search-type' as const }] })),
        ...(options.bulk ? { operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }] } : {}),
      },
    ],
  });

  const since = (r: Resource, instant: string | undefined): boolean => instant === undefined || (r.meta?.lastUpdated ?? '') >= instant;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const record = (status: number): void => {
      state.requests.push({ method: req.method ?? 'GET', path, status });
    };
    if (path === '/fhir/.well-known/smart-configuration') {
      return json(res, 200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        grant_types_supported: ['authorization_code', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
        capabilities: ['launch-standalone', 'client-public', 'client-confidential-asymmetric', 'permission-offline'],
      });
    }
    if (path === '/token' && req.method === 'POST') return token(req, res);
    if (path === '/authorize') {
      const p = url.searchParams;
      if (p.get('client_id') !== options.launchClient || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256' || p.get('aud') !== `${origin}/fhir`) {
        res.writeHead(400).end('bad authorization request');
        return;
      }
      const code = randomUUID();
      const redirectUri = p.get('redirect_uri') ?? '';
      codes.set(code, { challenge: p.get('code_challenge') ?? '', redirectUri, clientId: p.get('client_id') ?? '' });
      res.writeHead(302, { location: `${redirectUri}?code=${code}&state=${encodeURIComponent(p.get('state') ?? '')}` }).end();
      return;
    }
    if (path === '/fhir/metadata') return json(res, 200, capability());
    if (!authorized(req)) {
      record(401);
      return json(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'token' }] });
    }
    const status = path.match(/^\/fhir\/bulk-status\/([\w-]+)$/);
    if (path === '/fhir/$export' && options.bulk) {
      const prefer = typeof req.headers.prefer === 'string' ? req.headers.prefer : undefined;
      state.bulkKickoffs.push({ query: url.search, prefer });
      if (prefer !== 'respond-async') {
        record(400);
        return json(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Prefer: respond-async' }] });
      }
      const id = randomUUID();
      const typeParam = url.searchParams.get('_type');
      exports.set(id, { polls: 0, ...(url.searchParams.get('_since') ? { since: url.searchParams.get('_since')! } : {}), types: typeParam ? typeParam.split(',') : [], at: new Date().toISOString() });
      record(202);
      res.writeHead(202, { 'content-location': `${origin}/fhir/bulk-status/${id}` }).end();
      return;
    }
    if (status) {
      const job = exports.get(status[1]!);
      if (!job) {
        record(404);
        return json(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
      }
      if (req.method === 'DELETE') {
        state.bulkDeletes++;
        exports.delete(status[1]!);
        record(202);
        res.writeHead(202).end();
        return;
      }
      if (job.polls++ < (options.bulkPolls ?? 2)) {
        record(202);
        res.writeHead(202, { 'x-progress': `${job.polls * 30}% exported`, 'retry-after': '1' }).end();
        return;
      }
      const types = [...new Set(state.resources.map((r) => r.resourceType))].filter((t) => job.types.length === 0 || job.types.includes(t)).sort();
      record(200);
      return json(res, 200, {
        transactionTime: job.at,
        request: `${origin}/fhir/$export`,
        requiresAccessToken: true,
        output: types.map((t) => ({ type: t, url: `${origin}/fhir/bulk-files/${status[1]}/${t}.ndjson` })),
        error: [],
        ...(state.bulkDeleted.length > 0 ? { deleted: [{ type: 'Bundle', url: `${origin}/fhir/bulk-files/${status[1]}/deleted.ndjson` }] } : {}),
      });
    }
    const file = path.match(/^\/fhir\/bulk-files\/([\w-]+)\/(\w+)\.ndjson$/);
    if (file) {
      const job = exports.get(file[1]!);
      if (!job) {
        record(404);
        res.writeHead(404).end();
        return;
      }
      record(200);
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
      if (file[2] === 'deleted') {
        const entry = state.bulkDeleted.map((d) => ({ request: { method: 'DELETE' as const, url: `${d.type}/${d.id}` } }));
        res.end(`${JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry })}\n`);
        return;
      }
      // One line per write: the client reads a stream, not one body.
      const lines = state.resources.filter((x) => x.resourceType === file[2] && since(x, job.since)).map((r) => `${JSON.stringify(r)}\n`);
      const stalled = state.bulkStall;
      const stall = stalled && stalled.type === file[2] ? stalled.afterLines : undefined;
      for (const line of stall === undefined ? lines : lines.slice(0, stall)) res.write(line);
      // Stalled: the answer stays open until the client goes away.
      if (stall === undefined) res.end();
      return;
    }
    const search = path.match(/^\/fhir\/(\w+)$/);
    if (search && req.method === 'GET') {
      const ge = url.searchParams.get('_lastUpdated')?.replace(/^ge/, '');
      const matches = state.resources.filter((r) => r.resourceType === search[1] && since(r, ge));
      record(200);
      const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: matches.length, entry: matches.map((resource) => ({ resource, search: { mode: 'match' } })) };
      return json(res, 200, bundle);
    }
    record(404);
    return json(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handler(req, res).catch((e: unknown) => json(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(e) }] }));
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return Object.assign(state, {
    baseUrl: `${origin}/fhir`,
    tokenUrl: `${origin}/token`,
    authorizeUrl: `${origin}/authorize`,
    revokeAccessTokens: () => accessTokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
