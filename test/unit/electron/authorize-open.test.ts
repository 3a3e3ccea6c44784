/**
 * The desktop app's SMART App Launch opener (src-main/electron/authorize-open.ts), in Node with
 * a fake host: which authorization URLs the system browser may be sent to, and that main opens
 * the one `sync.authorize` answered, nothing the renderer names.
 */
import { describe, expect, it } from 'vitest';
import type { ApiHost } from '../../../src-main/api/host';
import { err, ok, outcome, type Result } from '../../../src-main/api/result';
import { authorizeUrlToOpen, ExternalAllowlist, isAllowedAuthorizeUrl, openingAuthorizations } from '../../../src-main/electron/authorize-open';
import { hardenWebContents, type GuardedContents } from '../../../src-main/electron/security';

const endpoint = 'https://auth.example.org/oauth2/authorize';
const request = (base: string, extra: Record<string, string> = {}): string => {
  const url = new URL(base);
  const params = { response_type: 'code', client_id: 'hearth', redirect_uri: 'http://127.0.0.1:41999/callback', state: 's', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256', ...extra };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
};

describe('the authorization URL allowlist', () => {
  it('allows the authorization request on the profile’s endpoint only', () => {
    expect(isAllowedAuthorizeUrl(request(endpoint), endpoint)).toBe(true);
    // Loopback http (a server on this machine) is allowed, as for the FHIR base.
    expect(isAllowedAuthorizeUrl(request('http://127.0.0.1:8080/auth'), 'http://127.0.0.1:8080/auth')).toBe(true);
    expect(isAllowedAuthorizeUrl(request('http://[::1]:8080/auth'), 'http://[::1]:8080/auth')).toBe(true);
  });

  it('refuses another endpoint, scheme, credentials, a fragment, or a request that is not a PKCE code request to a loopback listener', () => {
    const refused = [
      [request('https://auth.example.org/oauth2/other'), endpoint],
      [request('https://evil.example/oauth2/authorize'), endpoint],
      [request('https://auth.example.org:8443/oauth2/authorize'), endpoint],
      [request('http://auth.example.org/oauth2/authorize'), 'http://auth.example.org/oauth2/authorize'],
      [request('http://192.168.1.5/auth'), 'http://192.168.1.5/auth'],
      [request('https://user:pw@auth.example.org/oauth2/authorize'), endpoint],
      [`${request(endpoint)}#x`, endpoint],
      [request(endpoint, { response_type: 'token' }), endpoint],
      [request(endpoint, { code_challenge_method: 'plain' }), endpoint],
      [request(endpoint, { redirect_uri: 'https://evil.example/callback' }), endpoint],
      [request(endpoint, { redirect_uri: 'http://10.0.0.1/callback' }), endpoint],
      ['file:///etc/passwd', 'file:///etc/passwd'],
      ['javascript:alert(1)', endpoint],
      ['not a url', endpoint],
    ];
    for (const [url, end] of refused) expect(isAllowedAuthorizeUrl(url!, end!), url).toBe(false);
  });

  it('decides from the sync.authorize answer', () => {
    const url = request(endpoint);
    expect(authorizeUrlToOpen(ok({ url, redirectUri: 'http://127.0.0.1:41999/callback', authorizeEndpoint: endpoint }))).toBe(url);
    expect(authorizeUrlToOpen(ok({ url, redirectUri: 'x', authorizeEndpoint: 'https://auth.example.org/elsewhere' }))).toBeNull();
    expect(authorizeUrlToOpen(ok({ url }))).toBeNull();
    expect(authorizeUrlToOpen(err(outcome('login', 'no')))).toBeNull();
  });
});

function fakeHost(answers: Record<string, Result<unknown>>): ApiHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    dispatch: async (channel) => {
      calls.push(channel);
      return answers[channel] ?? err(outcome('not-supported', channel));
    },
    onEvent: () => () => undefined,
    close: async () => undefined,
  };
}

describe('main opens the sign-in page', () => {
  it('opens what sync.authorize answered, lets exactly that URL through window.open, and nothing else', async () => {
    const url = request(endpoint);
    const inner = fakeHost({
      'sync.authorize': ok({ url, redirectUri: 'http://127.0.0.1:41999/callback', authorizeEndpoint: endpoint }),
      'sync.servers': ok([]),
    });
    const allowlist = new ExternalAllowlist();
    const opened: string[] = [];
    const host = openingAuthorizations(inner, allowlist, (u) => opened.push(u));

    expect(await host.dispatch('sync.servers', {})).toEqual(ok([]));
    expect(opened).toEqual([]);
    expect(allowlist.isAllowed(url)).toBe(false);
    const answer = await host.dispatch('sync.authorize', { name: 'lake' });
    expect(answer.ok).toBe(true);
    expect(opened).toEqual([url]);
    expect(inner.calls).toEqual(['sync.servers', 'sync.authorize']);

    // The renderer's "open again" link goes through the window-open guard: that request only.
    let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
    const contents: GuardedContents = { on: () => undefined, setWindowOpenHandler: (h) => void (openHandler = h) };
    const externally: string[] = [];
    hardenWebContents(contents, { openExternal: (u) => externally.push(u), isAllowedExternal: (u) => allowlist.isAllowed(u) });
    expect(openHandler!({ url })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: request(endpoint, { state: 'forged' }) })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://hl7.org/fhir/' })).toEqual({ action: 'deny' });
    expect(externally).toEqual([url, 'https://hl7.org/fhir/']);
  });

  it('opens nothing when the answer is a failure or points elsewhere', async () => {
    const opened: string[] = [];
    const refusedHost = openingAuthorizations(fakeHost({ 'sync.authorize': err(outcome('not-supported', 'not App Launch')) }), new ExternalAllowlist(), (u) => opened.push(u));
    expect((await refusedHost.dispatch('sync.authorize', { name: 'lake' })).ok).toBe(false);
    const elsewhere = request('https://evil.example/authorize');
    const strayHost = openingAuthorizations(fakeHost({ 'sync.authorize': ok({ url: elsewhere, redirectUri: 'x', authorizeEndpoint: endpoint }) }), new ExternalAllowlist(), (u) => opened.push(u));
    expect((await strayHost.dispatch('sync.authorize', { name: 'lake' })).ok).toBe(true);
    expect(opened).toEqual([]);
  });
});
