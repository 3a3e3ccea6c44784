/**
 * The Electron transport: one `ipcMain.handle('hearth:<channel>')` per API method, each one
 * checking the calling frame before anything else, then handing the payload to the host
 * (which validates it). Events go to the window as `hearth:event` messages.
 *
 * Electron types are imported as types only, so this module runs under vitest with fakes.
 */
import type { IpcMainInvokeEvent } from 'electron';
import type { HearthEvent } from '../api/contract';
import type { ApiHost } from '../api/host';
import { allChannels } from '../api/methods';
import { err, outcome, type Result } from '../api/result';
import {
  IPC_API_PREFIX,
  IPC_EVENT_CHANNEL,
  IPC_PICK_FILE_CHANNEL,
  IPC_PICK_FOLDER_CHANNEL,
  isFilePurpose,
  isFolderPurpose,
  type FilePurpose,
  type FolderPurpose,
} from './ipc-channels';

/** The subset of ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Where events go: the window's WebContents while it exists. */
export interface EventTarget {
  send(channel: string, event: HearthEvent): void;
  isDestroyed(): boolean;
}

export interface IpcOptions {
  /** The window that receives events (null once closed). */
  eventTarget: () => EventTarget | null;
  /** The native folder picker; resolves to the chosen folder or null when cancelled. */
  pickFolder?: (purpose: FolderPurpose) => Promise<string | null>;
  /** The native file picker; resolves to the chosen file or null when cancelled. */
  pickFile?: (purpose: FilePurpose) => Promise<string | null>;
}

function refused(): Result<never> {
  return err(outcome('forbidden', 'This caller may not use the Hearth API', { status: 403 }));
}

/** Registers every handler; returns a function that removes them and stops event forwarding. */
export function registerIpc(
  ipcMain: IpcMainLike,
  host: ApiHost,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  options: IpcOptions,
): () => void {
  const registered: string[] = [];
  for (const channel of allChannels()) {
    const ipcChannel = IPC_API_PREFIX + channel;
    ipcMain.handle(ipcChannel, async (event, payload) => {
      if (!isTrustedSender(event)) return refused();
      return host.dispatch(channel, payload);
    });
    registered.push(ipcChannel);
  }

  const pickFolder = options.pickFolder;
  if (pickFolder) {
    ipcMain.handle(IPC_PICK_FOLDER_CHANNEL, async (event, purpose: unknown) => {
      if (!isTrustedSender(event)) return null;
      // The renderer is not trusted with the dialog's options: only a known purpose (none: a vault).
      if (purpose !== undefined && !isFolderPurpose(purpose)) return null;
      return pickFolder(purpose ?? 'vault');
    });
    registered.push(IPC_PICK_FOLDER_CHANNEL);
  }

  const pickFile = options.pickFile;
  if (pickFile) {
    ipcMain.handle(IPC_PICK_FILE_CHANNEL, async (event, purpose: unknown) => {
      // Only a known purpose opens a dialog: the renderer never chooses its options.
      if (!isTrustedSender(event) || !isFilePurpose(purpose)) return null;
      return pickFile(purpose);
    });
    registered.push(IPC_PICK_FILE_CHANNEL);
  }

  const stopEvents = host.onEvent((hearthEvent) => {
    const target = options.eventTarget();
    if (target && !target.isDestroyed()) target.send(IPC_EVENT_CHANNEL, hearthEvent);
  });

  return () => {
    stopEvents();
    for (const channel of registered) ipcMain.removeHandler(channel);
  };
}
