/**
 * `window.hearth` as the preload exposes it in the Electron app (absent in web mode, where the
 * renderer talks HTTP). Every API method is a named function returning a Result.
 */
import type { HearthApi, HearthEvent } from '../src-main/api/contract';
import type { FilePurpose, FolderPurpose } from '../src-main/transport/ipc-channels';

export type HearthBridge = HearthApi & {
  readonly platform: 'electron';
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: HearthEvent) => void): () => void;
  /** The native folder picker (its title by purpose, default the vault): the chosen folder, or null when cancelled. */
  pickFolder(purpose?: FolderPurpose): Promise<string | null>;
  /** The native file picker for a purpose: the chosen file's path, or null when cancelled. */
  pickFile(purpose: FilePurpose): Promise<string | null>;
};

declare global {
  interface Window {
    hearth?: HearthBridge;
  }
}
