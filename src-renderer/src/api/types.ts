import type { HearthClient } from '../../../src-main/api/contract';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** The renderer's handle on the services: the typed API, events, and what the host adds. */
export interface RendererClient extends HearthClient {
  platform: 'electron' | 'web';
  /** A native folder picker (Electron only). */
  pickFolder?: () => Promise<string | null>;
  /** Event channel state (web mode: the WebSocket); Electron's IPC is always open. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  /** Stops the event channel (tests, unmount). */
  close(): void;
}
