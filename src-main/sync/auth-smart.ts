/**
 * SMART on FHIR authorization for sync (docs/sync.md "Authentication"): discovery through
 * `[base]/.well-known/smart-configuration`, and SMART Backend Services — the client_credentials
 * grant with a private_key_jwt client assertion signed RS384 or ES384
 * (https://hl7.org/fhir/smart-app-launch/backend-services.html, client-confidential-asymmetric.html).
 * The token is cached until shortly before it expires and fetched again after a 401 (once).
 * Nothing here logs a key, an assertion or a token.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { outcome } from '../api/result';
import { fhirError } from '../fhir/outcome-error';
import { parseRetryAfter } from './fhir-kit-transport';
import { tlsFailure } from './tls';
import { TransportError } from './transport';
import type { SmartAlg, SmartBackendAuth } from './types';
import { checkServerUrl } from './url-policy';

export const DEFAULT_BACKEND_SCOPE = 'system/*.read system/*.write';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The assertion's lifetime: the spec allows at most five minutes. */
const ASSERTION_LIFETIME_S = 300;
/** A token is renewed this long before it expires (clock skew, a request in flight). */
const EXPIRY_MARGIN_MS = 60_000;
const HTTP_TIMEOUT_MS = 30_000;

/** What push and pull ask for before each request when the profile uses OAuth tokens. */
export interface TokenSource {
  /** A bearer token valid now (cached, else fetched). */
  token(signal?: AbortSignal): Promise<string>;
  /** The server answered 401 with the current token: the next `token()` gets a new one. */
  invalidate(): void;
}

export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

/** The fields of .well-known/smart-configuration Hearth uses (app-launch.html#smart-configuration). */
export interface SmartConfiguration {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  grant_types_supported?: string[];
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
  capabilities?: string[];
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** An endpoint the credentials may go to: https, or http on loopback (url-policy.ts). */
function checkEndpoint(raw: string, what: string): string {
  try {
    return checkServerUrl(raw);
  } catch {
    throw fhirError('security', `The ${what} (${raw.slice(0, 200)}) is refused: https only, or http on this machine, without credentials or a fragment`, 400);
  }
}

/** One JSON request with a timeout; failures become TransportErrors (retried by retry.ts when transient). */
export async function requestJson(http: HttpFetch, url: string, init: RequestInit, what: string, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
  const timeout = AbortSignal.timeout(HTTP_TIMEOUT_MS);
  let response: Response;
  try {
    response = await http(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (e) {
    if (signal?.aborted) throw e;
    if (timeout.aborted) throw new TransportError('timeout', `${what}: no answer in time`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw tlsFailure(what, cause?.code) ?? new TransportError('network', `${what}: ${cause?.code ?? cause?.message ?? 'network failure'}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    // OAuth errors (RFC 6749 §5.2) name the reason; the description may echo client input, so only the code is kept.
    const code = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? ` (${(body as { error: string }).error.slice(0, 60)})` : '';
    const status = response.status;
    throw new TransportError(
      'http',
      `${what}: HTTP ${status}${code}`,
      status,
      outcome(status === 400 || status === 401 || status === 403 ? 'security' : 'processing', `${what}: HTTP ${status}${code}`, { status }),
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
  if (body === undefined) throw new TransportError('network', `${what}: the answer is not JSON`);
  return { status: response.status, body };
}

/** GET [base]/.well-known/smart-configuration (app-launch.html#retrieve-well-knownsmart-configuration). */
export async function discoverSmart(baseUrl: string, http: HttpFetch, signal?: AbortSignal): Promise<SmartConfiguration> {
  const { body } = await requestJson(http, `${baseUrl}/.well-known/smart-configuration`, { method: 'GET', headers: { accept: 'application/json' } }, 'SMART configuration', signal);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TransportError('network', 'SMART configuration: not a JSON object');
  return body as SmartConfiguration;
}

/** A private key from PEM (PKCS#8, PKCS#1, SEC1) or a JWK in JSON; 400 for anything else. */
export function loadPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('{')) key = createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' });
    else key = createPrivateKey(trimmed);
  } catch {
    throw fhirError('value', 'The SMART private key is neither a PEM private key nor a private JWK', 400);
  }
  if (key.type !== 'private') throw fhirError('value', 'The SMART key is not a private key', 400);
  return key;
}

/** RS384 for RSA (2048 bits or more), ES384 for P-384: the two algorithms SMART servers must accept. */
export function algFor(key: KeyObject, wanted?: SmartAlg): SmartAlg {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  let alg: SmartAlg;
  if (type === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw fhirError('value', 'The RSA key is shorter than 2048 bits', 400);
    alg = 'RS384';
  } else if (type === 'ec' && details.namedCurve === 'secp384r1') {
    alg = 'ES384';
  } else {
    throw fhirError('value', 'SMART Backend Services needs an RSA key (RS384) or an EC P-384 key (ES384)', 400);
  }
  if (wanted && wanted !== alg) throw fhirError('value', `The key signs ${alg}, not ${wanted}`, 400);
  return alg;
}

/** The key's RFC 7638 JWK thumbprint (SHA-256, base64url): the default `kid`. */
export function keyThumbprint(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  // Required members only, in lexicographic order, no whitespace (RFC 7638 §3).
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return b64url(createHash('sha256').update(JSON.stringify(members)).digest());
}

/** A compact JWS over `claims` (RFC 7515); ES384 signatures are r‖s (IEEE P1363), as JOSE wants. */
export function signJwt(header: Record<string, string>, claims: Record<string, string | number>, key: KeyObject, alg: SmartAlg): string {
  const input = `${b64url(JSON.stringify({ ...header, alg }))}.${b64url(JSON.stringify(claims))}`;
  const signature = alg === 'ES384' ? sign('sha384', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }) : sign('sha384', Buffer.from(input), key);
  return `${input}.${b64url(signature)}`;
}

/** The client assertion (backend-services.html#authenticating-to-the-token-endpoint): iss = sub = client id, aud = token URL, exp ≤ 5 minutes, a fresh jti. */
export function clientAssertion(options: { clientId: string; tokenUrl: string; key: KeyObject; alg: SmartAlg; kid: string; jku?: string; now: Date }): string {
  const iat = Math.floor(options.now.getTime() / 1000);
  const header: Record<string, string> = { typ: 'JWT', kid: options.kid, ...(options.jku ? { jku: options.jku } : {}) };
  return signJwt(header, { iss: options.clientId, sub: options.clientId, aud: options.tokenUrl, exp: iat + ASSERTION_LIFETIME_S, iat, jti: randomUUID() }, options.key, options.alg);
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/** Checks a token endpoint answer (RFC 6749 §5.1; SMART requires token_type bearer). */
export function parseTokenResponse(body: unknown): TokenResponse {
  const t = body as Partial<TokenResponse> | null;
  if (typeof t !== 'object' || t === null || typeof t.access_token !== 'string' || t.access_token === '') {
    throw new TransportError('http', 'token: the answer has no access_token', 502);
  }
  if (typeof t.token_type !== 'string' || t.token_type.toLowerCase() !== 'bearer') throw new TransportError('http', 'token: the token type is not bearer', 502);
  return t as TokenResponse;
}

/** A token cached until `EXPIRY_MARGIN_MS` (or a tenth of its life, if shorter) before it expires. */
export function expiryOf(response: TokenResponse, now: Date): number {
  const lifeMs = (typeof response.expires_in === 'number' && response.expires_in > 0 ? response.expires_in : 300) * 1000;
  return now.getTime() + lifeMs - Math.min(EXPIRY_MARGIN_MS, lifeMs / 10);
}

/** The token endpoint: given, else discovered; checked against the URL policy either way. */
export async function tokenEndpoint(baseUrl: string, given: string | undefined, http: HttpFetch, signal?: AbortSignal): Promise<string> {
  if (given) return checkEndpoint(given, 'token endpoint');
  const config = await discoverSmart(baseUrl, http, signal);
  if (!config.token_endpoint) throw new TransportError('http', 'SMART configuration: no token_endpoint', 502);
  return checkEndpoint(config.token_endpoint, 'token endpoint');
}

/** SMART Backend Services tokens for one profile (backend-services.html#obtaining-an-access-token). */
export class BackendTokenSource implements TokenSource {
  private readonly key: KeyObject;
  private readonly alg: SmartAlg;
  private readonly kid: string;
  private cached: { token: string; renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private tokenUrl: string | undefined;
  /** Tokens fetched (tests, status). */
  fetched = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly auth: SmartBackendAuth,
    private readonly http: HttpFetch,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = loadPrivateKey(auth.privateKey);
    this.alg = algFor(this.key, auth.alg);
    this.kid = auth.keyId ?? keyThumbprint(this.key);
  }

  token(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.now().getTime() < this.cached.renewAt) return Promise.resolve(this.cached.token);
    // One request for concurrent callers.
    this.inflight ??= this.fetchToken(signal).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    this.tokenUrl ??= await tokenEndpoint(this.baseUrl, this.auth.tokenUrl, this.http, signal);
    const now = this.now();
    const form = new URLSearchParams({
      scope: this.auth.scope ?? DEFAULT_BACKEND_SCOPE,
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: clientAssertion({ clientId: this.auth.clientId, tokenUrl: this.tokenUrl, key: this.key, alg: this.alg, kid: this.kid, now }),
    });
    const { body } = await requestJson(
      this.http,
      this.tokenUrl,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() },
      'token',
      signal,
    );
    const response = parseTokenResponse(body);
    this.fetched++;
    this.cached = { token: response.access_token, renewAt: expiryOf(response, now) };
    return response.access_token;
  }
}
