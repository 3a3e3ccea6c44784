/** Chooses the transport: the Electron preload when present, else HTTP to the page's origin. */
import { createElectronClient, findPreloadBridge } from './electron-client';
import { createHttpClient } from './http-client';
import { takeTokenFromUrl } from './token';
import type { RendererClient } from './types';

export function createRendererClient(): RendererClient {
  const bridge = findPreloadBridge(window);
  if (bridge) return createElectronClient(bridge);
  const token = takeTokenFromUrl({ location: window.location, history: window.history, storage: window.sessionStorage });
  return createHttpClient({ baseUrl: window.location.origin, token: token ?? '' });
}
