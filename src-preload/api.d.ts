/**
 * `window.hearth` as the preload exposes it in the Electron app (absent in web mode, where the
 * renderer talks HTTP). Every API method is a named function returning a Result.
 */
import type { HearthApi, HearthEvent } from '../src-main/api/contract';

export type HearthBridge = HearthApi & {
  readonly platform: 'electron';
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: HearthEvent) => void): () => void;
  /** The native folder picker: the chosen folder, or null when cancelled. */
  pickFolder(): Promise<string | null>;
};

declare global {
  interface Window {
    hearth?: HearthBridge;
  }
}
