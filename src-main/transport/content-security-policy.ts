/**
 * The one Content Security Policy of the renderer, served by Electron's app:// handler and by
 * the web server. Mantine injects inline styles, hence 'unsafe-inline' for styles only; no
 * inline or remote script, no plugins, no framing, no form posts.
 */
export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self' data:"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['frame-ancestors', "'none'"],
  ['form-action', "'none'"],
];

export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.map(([name, value]) => `${name} ${value}`).join('; ');

/**
 * The same policy with extra connect-src sources (the web server names its own ws:// origin
 * explicitly: older engines do not let 'self' match a WebSocket URL).
 */
export function contentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  return CSP_DIRECTIVES.map(([name, value]) =>
    name === 'connect-src' && extraConnectSources.length ? `${name} ${value} ${extraConnectSources.join(' ')}` : `${name} ${value}`,
  ).join('; ');
}
