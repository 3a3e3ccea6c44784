/**
 * The Electron security policy as plain data and pure functions (no run-time 'electron'
 * import), so vitest can assert the window options and drive the guards with fake objects.
 * main.ts only wires these to the real app, windows and sessions.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../transport/content-security-policy';

export { CONTENT_SECURITY_POLICY };

/** The renderer is served from app://hearth/ (a privileged standard scheme), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'hearth';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Reference sites the UI may link to; opened in the user's browser, never inside the app. */
export const EXTERNAL_URL_HOSTS: readonly string[] = [
  'hl7.org',
  'www.hl7.org',
  'build.fhir.org',
  'loinc.org',
  'www.nlm.nih.gov',
  'icd.who.int',
];

export function createWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Hearth',
    backgroundColor: '#1a1b1e',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for the app's own origin (and, in development only, the electron-vite dev server). */
function isAppUrl(url: string, devServerUrl?: string): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST) return true;
  const dev = devServerUrl ? parse(devServerUrl) : null;
  return dev !== null && parsed.origin === dev.origin;
}

/** `will-navigate`/`will-redirect`: only within the app itself. */
export function isAllowedNavigation(url: string, devServerUrl?: string): boolean {
  return isAppUrl(url, devServerUrl);
}

/** The IPC gate: a call must come from a frame showing our own origin. */
export function isTrustedSenderUrl(url: string, devServerUrl?: string): boolean {
  return isAppUrl(url, devServerUrl);
}

/** Plain https to an allowlisted host, default port, no credentials in the URL. */
export function isAllowedExternalUrl(url: string): boolean {
  const parsed = parse(url);
  if (!parsed || parsed.protocol !== 'https:') return false;
  if (parsed.username || parsed.password || parsed.port) return false;
  return EXTERNAL_URL_HOSTS.includes(parsed.hostname);
}

// ---- Guards, typed structurally so tests can pass fakes ---------------------------------

interface PreventableEvent {
  preventDefault(): void;
}

export interface GuardedContents {
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface HardenDeps {
  /** shell.openExternal in the app; a recorder in tests. */
  openExternal(url: string): unknown;
  /** The dev server origin while running `electron-vite dev` (never when packaged). */
  devServerUrl?: string;
  /** The openExternal allowlist (default: the reference sites); the app adds pending SMART sign-ins (authorize-open.ts). */
  isAllowedExternal?: (url: string) => boolean;
}

/**
 * Applied to every WebContents the app creates (app.on('web-contents-created')): no navigation
 * away from the app, no new windows (allowlisted https links go to the system browser), no
 * <webview>.
 */
export function hardenWebContents(contents: GuardedContents, deps: HardenDeps): void {
  const guardNavigation = (event: PreventableEvent, url: string) => {
    if (!isAllowedNavigation(url, deps.devServerUrl)) event.preventDefault();
  };
  contents.on('will-navigate', guardNavigation);
  contents.on('will-redirect', guardNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if ((deps.isAllowedExternal ?? isAllowedExternalUrl)(url)) void deps.openExternal(url);
    return { action: 'deny' };
  });
}

export interface GuardedSession {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

/** Camera, microphone, notifications, geolocation...: the app needs none of them. */
export function denyAllPermissions(session: GuardedSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** What an IPC call says about its origin (a subset of IpcMainInvokeEvent). */
export interface IpcCallOrigin {
  sender: unknown;
  /** `parent` is null for a page's main frame, a frame for an iframe. */
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * An IPC call is trusted only when it comes from our window's WebContents, from that page's
 * main frame (not an iframe: the frame has no parent), showing our own origin. Frames are
 * compared by structure rather than by wrapper identity, which Electron does not promise.
 */
export function isTrustedSender(event: IpcCallOrigin, windowContents: unknown, devServerUrl?: string): boolean {
  if (!windowContents || !event.senderFrame) return false;
  if (event.sender !== windowContents) return false;
  if (event.senderFrame.parent !== null) return false;
  return isTrustedSenderUrl(event.senderFrame.url, devServerUrl);
}
