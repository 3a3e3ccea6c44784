/**
 * What a transport (Electron IPC, the web server, tests) needs from the services: one dispatch
 * function and one event stream. The transport never sees the vault, the FHIR engine or the
 * worker behind it.
 */
import type { HearthEvent } from './contract';
import type { Dispatch } from './dispatch';

export interface ApiHost {
  dispatch: Dispatch;
  /** Subscribes to pushed events (job progress, vault locked...); returns the unsubscribe. */
  onEvent(listener: (event: HearthEvent) => void): () => void;
  /** Locks the vault, stops workers and timers. */
  close(): Promise<void>;
}
