/**
 * SMART App Launch in the desktop app (docs/sync.md "Authentication"): the sign-in page opens in
 * the system browser, never inside the app. Main opens it itself when `sync.authorize` answers,
 * and only when the URL is the authorization request built on the authorization endpoint of the
 * profile being authorized (https, or http on this machine). The renderer never names a URL for
 * main to open: besides the fixed reference sites (security.ts), a window.open is let through only
 * for the exact authorization request main saw the service answer.
 *
 * Pure (no run-time 'electron' import): vitest drives it with a fake host.
 */
import type { ApiHost } from '../api/host';
import type { Result } from '../api/result';
import { isAllowedExternalUrl } from './security';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http may go to. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** https, or http to a loopback host; no credentials in the URL, no fragment. */
function isSafeOrigin(url: URL): boolean {
  if (url.username || url.password || url.hash) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/**
 * Whether `url` is an authorization request (app-launch.html#obtain-authorization-code) on the
 * authorization endpoint `endpoint`: the same origin and path, a code request with PKCE S256 and a
 * redirect back to a loopback listener. Anything else (another host or path, another scheme, a
 * redirect elsewhere) is refused.
 */
export function isAllowedAuthorizeUrl(url: string, endpoint: string): boolean {
  const u = parse(url);
  const e = parse(endpoint);
  if (!u || !e || !isSafeOrigin(u) || !isSafeOrigin(e)) return false;
  if (u.origin !== e.origin || u.pathname !== e.pathname) return false;
  const params = u.searchParams;
  if (params.get('response_type') !== 'code' || params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge')) return false;
  const redirect = parse(params.get('redirect_uri') ?? '');
  return redirect !== null && redirect.protocol === 'http:' && isLoopbackHost(redirect.hostname);
}

/**
 * What the system browser may be sent to: the reference sites, and the pending authorization
 * request of each profile (the latest one per profile; a new authorize replaces it).
 */
export class ExternalAllowlist {
  private readonly authorizations = new Map<string, string>();

  allowAuthorization(profile: string, url: string): void {
    this.authorizations.set(profile, url);
  }

  isAllowed(url: string): boolean {
    if (isAllowedExternalUrl(url)) return true;
    for (const allowed of this.authorizations.values()) if (allowed === url) return true;
    return false;
  }
}

interface AuthorizeAnswer {
  url: string;
  authorizeEndpoint: string;
}

function isAuthorizeAnswer(value: unknown): value is AuthorizeAnswer {
  const v = value as Partial<AuthorizeAnswer> | null;
  return typeof v === 'object' && v !== null && typeof v.url === 'string' && typeof v.authorizeEndpoint === 'string';
}

/**
 * The decision for one `sync.authorize` answer: the URL to open, or null (a failed call, or a URL
 * that is not an authorization request on the profile's endpoint).
 */
export function authorizeUrlToOpen(answer: Result<unknown>): string | null {
  if (!answer.ok || !isAuthorizeAnswer(answer.value)) return null;
  return isAllowedAuthorizeUrl(answer.value.url, answer.value.authorizeEndpoint) ? answer.value.url : null;
}

/**
 * The host the IPC transport dispatches to in the desktop app: every call goes through; a
 * successful `sync.authorize` also opens its sign-in page in the system browser (once allowed).
 */
export function openingAuthorizations(host: ApiHost, allowlist: ExternalAllowlist, openExternal: (url: string) => unknown): ApiHost {
  return {
    dispatch: async (channel, payload) => {
      const answer = await host.dispatch(channel, payload);
      if (channel === 'sync.authorize') {
        const url = authorizeUrlToOpen(answer);
        const name = (payload as { name?: unknown } | null)?.name;
        if (url && typeof name === 'string') {
          allowlist.allowAuthorization(name, url);
          void Promise.resolve(openExternal(url)).catch(() => undefined);
        }
      }
      return answer;
    },
    onEvent: (listener) => host.onEvent(listener),
    close: () => host.close(),
  };
}
