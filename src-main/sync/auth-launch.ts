/**
 * SMART App Launch, standalone, for a public client with PKCE (docs/sync.md "Authentication";
 * https://hl7.org/fhir/smart-app-launch/app-launch.html, RFC 7636, RFC 8252 §7.3): the user
 * signs in at the server in the system browser, which comes back to a one-shot loopback listener
 * (`http://127.0.0.1:<random port>/callback`). `state` and the S256 `code_verifier` bind the
 * answer to this request; the code is exchanged for an access and a refresh token, which the
 * service seals in the vault. The access token is renewed with the refresh token when it expires.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outcome } from '../api/result';
import { fhirError } from '../fhir/outcome-error';
import type { LaunchTokens } from './auth-profile';
import { discoverSmart, expiryOf, parseTokenResponse, requestJson, type HttpFetch, type TokenSource } from './auth-smart';
import { TransportError } from './transport';
import type { SmartLaunchAuth } from './types';
import { checkServerUrl } from './url-policy';

export const DEFAULT_LAUNCH_SCOPE = 'openid fhirUser offline_access user/*.read user/*.write';
/** How long the loopback listener waits for the browser (the user signs in meanwhile). */
export const AUTHORIZE_TIMEOUT_MS = 5 * 60_000;

const b64url = (data: Buffer): string => data.toString('base64url');

/** RFC 7636 §4.1–4.2: a 43-character verifier from 32 random bytes and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

function endpoint(raw: string, what: string): string {
  try {
    return checkServerUrl(raw);
  } catch {
    throw new TransportError('http', `SMART configuration: the ${what} is refused (https only, or http on this machine)`, 502);
  }
}

/** Authorization and token endpoints: as given, else from .well-known/smart-configuration (which must offer S256 when it lists methods). */
export async function launchEndpoints(baseUrl: string, auth: SmartLaunchAuth, http: HttpFetch, signal?: AbortSignal): Promise<{ authorizeUrl: string; tokenUrl: string }> {
  if (auth.authorizeUrl && auth.tokenUrl) return { authorizeUrl: endpoint(auth.authorizeUrl, 'authorization endpoint'), tokenUrl: endpoint(auth.tokenUrl, 'token endpoint') };
  const config = await discoverSmart(baseUrl, http, signal);
  if (config.code_challenge_methods_supported && !config.code_challenge_methods_supported.includes('S256')) {
    throw new TransportError('http', 'SMART configuration: the server does not offer PKCE S256', 502);
  }
  const authorizeUrl = auth.authorizeUrl ?? config.authorization_endpoint;
  const tokenUrl = auth.tokenUrl ?? config.token_endpoint;
  if (!authorizeUrl || !tokenUrl) throw new TransportError('http', 'SMART configuration: no authorization_endpoint or token_endpoint', 502);
  return { authorizeUrl: endpoint(authorizeUrl, 'authorization endpoint'), tokenUrl: endpoint(tokenUrl, 'token endpoint') };
}

export interface PendingAuthorization {
  /** Open this in the system browser (Electron), print it (CLI), or show it (web UI). */
  url: string;
  /** The authorization endpoint `url` is built on (given, or discovered). */
  authorizeEndpoint: string;
  redirectUri: string;
  /** Settles when the browser came back: the tokens, or why not. */
  done: Promise<LaunchTokens>;
  /** Stops waiting (the listener closes; `done` rejects). */
  cancel(): void;
}

const sameSecret = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function page(title: string): string {
  const safe = title.replace(/[<>&"]/g, '');
  return `<!doctype html><meta charset="utf-8"><title>Hearth</title><body style="font-family:sans-serif;margin:3em"><h1>${safe}</h1><p>You can close this tab and return to Hearth.</p></body>`;
}

/**
 * Starts a standalone launch (app-launch.html#obtain-authorization-code): a loopback listener on a
 * random port and the authorization URL with response_type=code, client_id, redirect_uri, scope,
 * state, aud (the FHIR base) and the S256 code challenge.
 */
export async function startAuthorization(options: {
  baseUrl: string;
  auth: SmartLaunchAuth;
  http: HttpFetch;
  now?: () => Date;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<PendingAuthorization> {
  const { baseUrl, auth, http } = options;
  const now = options.now ?? (() => new Date());
  const { authorizeUrl, tokenUrl } = await launchEndpoints(baseUrl, auth, http, options.signal);
  const { verifier, challenge } = pkcePair();
  const state = b64url(randomBytes(16));
  let settle: { resolve: (t: LaunchTokens) => void; reject: (e: unknown) => void } | undefined;
  const done = new Promise<LaunchTokens>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may not wait (a UI that polls); an unobserved failure must not crash the process.
  done.catch(() => undefined);
  let finished = false;
  let server: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = (result: { tokens: LaunchTokens } | { error: unknown }): void => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    // No new connections; the answer being sent (Connection: close) still reaches the browser.
    server?.close();
    if (!('tokens' in result)) server?.closeIdleConnections();
    if ('tokens' in result) settle?.resolve(result.tokens);
    else settle?.reject(result.error);
  };

  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, title: string): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', connection: 'close' });
      res.end(page(title));
    };
    if (req.method !== 'GET' || url.pathname !== '/callback' || finished) return send(404, 'Not found');
    // An answer without our state is not for this request (or forged): refused, the listener keeps waiting.
    const got = url.searchParams.get('state') ?? '';
    if (!sameSecret(got, state)) return send(400, 'This sign-in answer does not belong to the request Hearth made');
    const error = url.searchParams.get('error');
    if (error) {
      send(400, 'Authorization was refused');
      return finish({ error: fhirError('security', `The server refused the authorization (${error.slice(0, 60)})`, 401) });
    }
    const code = url.searchParams.get('code');
    if (!code) return send(400, 'The answer has no authorization code');
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: auth.clientId, code_verifier: verifier });
    const asked = now();
    requestJson(http, tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() }, 'token')
      .then(({ body }) => {
        const t = parseTokenResponse(body);
        send(200, 'Hearth is authorized');
        finish({ tokens: { accessToken: t.access_token, renewAt: expiryOf(t, asked), ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}), ...(t.scope ? { scope: t.scope } : {}) } });
      })
      .catch((e: unknown) => {
        send(502, 'Hearth could not get a token from the server');
        finish({ error: e });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  timer = setTimeout(() => finish({ error: fhirError('timeout', 'Nobody signed in at the server in time; authorize again', 408) }), options.timeoutMs ?? AUTHORIZE_TIMEOUT_MS);
  timer.unref();
  const target = new URL(authorizeUrl);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri,
    scope: auth.scope ?? DEFAULT_LAUNCH_SCOPE,
    state,
    aud: baseUrl,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    target.searchParams.set(k, v);
  }
  return { url: target.toString(), authorizeEndpoint: authorizeUrl, redirectUri, done, cancel: () => finish({ error: fhirError('exception', 'The authorization was cancelled', 400) }) };
}

/** Whether `url` is the authorization request Hearth built (the system browser opens nothing else for sync). */
export function isAuthorizationUrl(url: string, authorizeUrl: string): boolean {
  try {
    const u = new URL(url);
    const a = new URL(authorizeUrl);
    return u.origin === a.origin && u.pathname === a.pathname && u.searchParams.get('response_type') === 'code' && u.searchParams.get('code_challenge_method') === 'S256';
  } catch {
    return false;
  }
}

/** Access tokens of an authorized App Launch profile, renewed with the refresh token (app-launch.html#refresh-access-token). */
export class LaunchTokenSource implements TokenSource {
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly auth: SmartLaunchAuth,
    private tokens: LaunchTokens,
    private readonly http: HttpFetch,
    /** Seals the renewed tokens in the vault (a refresh token may be rotated). */
    private readonly persist: (tokens: LaunchTokens) => Promise<void>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  token(signal?: AbortSignal): Promise<string> {
    if (this.now().getTime() < this.tokens.renewAt) return Promise.resolve(this.tokens.accessToken);
    this.inflight ??= this.refresh(signal).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.tokens = { ...this.tokens, renewAt: 0 };
  }

  private async refresh(signal?: AbortSignal): Promise<string> {
    const refreshToken = this.tokens.refreshToken;
    if (!refreshToken) {
      throw new TransportError('http', 'The SMART authorization has expired: authorize again', 401, outcome('login', 'The SMART authorization has expired: authorize again', { status: 401 }));
    }
    const { tokenUrl } = await launchEndpoints(this.baseUrl, this.auth, this.http, signal);
    const asked = this.now();
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: this.auth.clientId });
    const { body } = await requestJson(this.http, tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() }, 'token refresh', signal);
    const t = parseTokenResponse(body);
    // A server that does not rotate refresh tokens answers without one: the old one stays good.
    this.tokens = { accessToken: t.access_token, renewAt: expiryOf(t, asked), refreshToken: t.refresh_token ?? refreshToken, ...(t.scope ? { scope: t.scope } : {}) };
    await this.persist(this.tokens);
    return this.tokens.accessToken;
  }
}
