/**
 * Builds the object the preload exposes as `window.hearth`: one named function per API method
 * (from API_METHODS, without zod), `onEvent`, `pickFolder`, `pickFile` and `platform`. Never a generic
 * invoke and never ipcRenderer itself, so a compromised page can only call the API methods.
 */
import type { HearthEvent } from '../src-main/api/contract';
import { API_METHODS, channelName } from '../src-main/api/methods';
import type { Result } from '../src-main/api/result';
import { IPC_API_PREFIX, IPC_EVENT_CHANNEL, IPC_PICK_FILE_CHANNEL, IPC_PICK_FOLDER_CHANNEL, type FilePurpose, type FolderPurpose } from '../src-main/transport/ipc-channels';
import type { HearthBridge } from './api';

/** The subset of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type DomainFunctions = Record<string, (input?: unknown) => Promise<Result<unknown>>>;

export function createBridge(ipc: IpcRendererLike): HearthBridge {
  const domains: Record<string, DomainFunctions> = {};
  for (const [domain, methods] of Object.entries(API_METHODS)) {
    const fns: DomainFunctions = {};
    for (const method of methods as readonly string[]) {
      const channel = IPC_API_PREFIX + channelName(domain, method);
      fns[method] = (input?: unknown) => ipc.invoke(channel, input ?? {}) as Promise<Result<unknown>>;
    }
    domains[domain] = Object.freeze(fns);
  }
  const bridge = {
    ...domains,
    platform: 'electron' as const,
    onEvent(listener: (event: HearthEvent) => void): () => void {
      // Only the event is handed on: the IpcRendererEvent (with its sender) stays in the preload.
      const forward = (_event: unknown, hearthEvent: unknown) => listener(hearthEvent as HearthEvent);
      ipc.on(IPC_EVENT_CHANNEL, forward);
      return () => {
        ipc.removeListener(IPC_EVENT_CHANNEL, forward);
      };
    },
    // No purpose: the vault folder (the main process checks the purpose again).
    pickFolder: (purpose?: FolderPurpose) => (purpose === undefined ? ipc.invoke(IPC_PICK_FOLDER_CHANNEL) : ipc.invoke(IPC_PICK_FOLDER_CHANNEL, purpose)) as Promise<string | null>,
    pickFile: (purpose: FilePurpose) => ipc.invoke(IPC_PICK_FILE_CHANNEL, purpose) as Promise<string | null>,
  };
  // The domain objects are built from API_METHODS, which contract.ts checks against the API type.
  return Object.freeze(bridge) as HearthBridge;
}
