import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  createWindowOptions,
  denyAllPermissions,
  hardenWebContents,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedSender,
  isTrustedSenderUrl,
  type GuardedContents,
  type GuardedSession,
} from '../../../src-main/electron/security';

describe('window options', () => {
  it('isolates and sandboxes the renderer', () => {
    const options = createWindowOptions('/app/out/preload/index.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(options.show).toBe(false);
  });

  it('has the strict Content Security Policy', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.slice(d.indexOf(' ') + 1)]));
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(directives['script-src']).not.toContain('unsafe-inline');
  });
});

describe('URL policies', () => {
  it('allows navigation only within app://hearth (and the dev server when given)', () => {
    expect(isAllowedNavigation('app://hearth/index.html')).toBe(true);
    expect(isAllowedNavigation('app://hearth/index.html#/resources/Patient/1')).toBe(true);
    expect(isAllowedNavigation('app://other/index.html')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd')).toBe(false);
    expect(isAllowedNavigation('https://hl7.org/fhir')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
    expect(isAllowedNavigation('not a url')).toBe(false);
    expect(isAllowedNavigation('http://localhost:5173/')).toBe(false);
    expect(isAllowedNavigation('http://localhost:5173/#/home', 'http://localhost:5173')).toBe(true);
    expect(isAllowedNavigation('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });

  it('opens only allowlisted https hosts externally', () => {
    expect(isAllowedExternalUrl('https://hl7.org/fhir/R4/patient.html')).toBe(true);
    expect(isAllowedExternalUrl('https://www.hl7.org/fhir/')).toBe(true);
    expect(isAllowedExternalUrl('https://loinc.org/8867-4/')).toBe(true);
    expect(isAllowedExternalUrl('http://hl7.org/fhir')).toBe(false);
    expect(isAllowedExternalUrl('https://hl7.org.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('https://evilhl7.org/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@hl7.org/')).toBe(false);
    expect(isAllowedExternalUrl('https://hl7.org:8443/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('app://hearth/index.html')).toBe(false);
  });

  it('trusts only senders showing our own origin', () => {
    expect(isTrustedSenderUrl('app://hearth/index.html')).toBe(true);
    expect(isTrustedSenderUrl('app://evil/index.html')).toBe(false);
    expect(isTrustedSenderUrl('https://hl7.org/')).toBe(false);
    expect(isTrustedSenderUrl('')).toBe(false);
  });
});

/** A WebContents double that records listeners and lets a test fire them. */
function fakeContents() {
  const listeners = new Map<string, Array<(event: { preventDefault(): void }, url: string) => void>>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: GuardedContents = {
    on(event: string, listener: (event: { preventDefault(): void }, url: string) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler) {
      openHandler = handler;
    },
  } as GuardedContents;
  const fire = (event: string, url = '') => {
    let prevented = false;
    for (const l of listeners.get(event) ?? []) l({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

describe('hardenWebContents', () => {
  it('blocks navigation and redirects away from the app, webviews and new windows', () => {
    const opened: string[] = [];
    const { contents, fire, open } = fakeContents();
    hardenWebContents(contents, { openExternal: (url) => opened.push(url) });
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'app://hearth/index.html#/import')).toBe(false);
    expect(fire('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
    expect(open('https://hl7.org/fhir/R4/')).toEqual({ action: 'deny' });
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(open('app://hearth/index.html')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://hl7.org/fhir/R4/']);
  });
});

describe('permissions and IPC senders', () => {
  it('denies every permission request and check', () => {
    const answers: boolean[] = [];
    let check: ((contents: unknown, permission: string) => boolean) | undefined;
    const session: GuardedSession = {
      setPermissionRequestHandler: (handler) => {
        handler(null, 'media', (granted) => answers.push(granted));
        handler(null, 'notifications', (granted) => answers.push(granted));
      },
      setPermissionCheckHandler: (handler) => {
        check = handler;
      },
    };
    denyAllPermissions(session);
    expect(answers).toEqual([false, false]);
    expect(check!(null, 'clipboard-read')).toBe(false);
  });

  it('trusts only the main frame of our window on our origin', () => {
    const windowContents = { id: 1 };
    const mainFrame = { url: 'app://hearth/index.html', parent: null };
    expect(isTrustedSender({ sender: windowContents, senderFrame: mainFrame }, windowContents)).toBe(true);
    const iframe = { url: 'app://hearth/index.html', parent: mainFrame };
    expect(isTrustedSender({ sender: windowContents, senderFrame: iframe }, windowContents)).toBe(false);
    expect(isTrustedSender({ sender: { id: 2 }, senderFrame: mainFrame }, windowContents)).toBe(false);
    expect(isTrustedSender({ sender: windowContents, senderFrame: null }, windowContents)).toBe(false);
    expect(isTrustedSender({ sender: windowContents, senderFrame: mainFrame }, null)).toBe(false);
    const navigated = { url: 'https://evil.example/', parent: null };
    expect(isTrustedSender({ sender: windowContents, senderFrame: navigated }, windowContents)).toBe(false);
  });
});
