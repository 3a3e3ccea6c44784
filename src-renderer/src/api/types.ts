import type { HearthClient } from '../../../src-main/api/contract';
import type { Result } from '../../../src-main/api/result';
import type { FilePurpose, FolderPurpose } from '../../../src-main/transport/ipc-channels';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** The renderer's handle on the services: the typed API, events, and what the host adds. */
export interface RendererClient extends HearthClient {
  platform: 'electron' | 'web';
  /**
   * Web mode: streams the chosen files to the server, which starts one import job with them (the
   * answer of `import.start`). The page never reads their text; without it, the Import screen
   * sends the text through `import.start`.
   */
  importFiles?: (files: readonly File[]) => Promise<Result<{ jobId: string }>>;
  /** A native folder picker (Electron only); the purpose sets its title (default: the vault folder). */
  pickFolder?: (purpose?: FolderPurpose) => Promise<string | null>;
  /** A native file picker (Electron only): the chosen file's path, which the services read (its content never reaches the page). */
  pickFile?: (purpose: FilePurpose) => Promise<string | null>;
  /** Event channel state (web mode: the WebSocket); Electron's IPC is always open. */
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  /** Stops the event channel (tests, unmount). */
  close(): void;
}
