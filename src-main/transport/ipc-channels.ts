/**
 * Electron IPC channel names, shared by the main process (ipc.ts) and the preload. Free of
 * imports: the sandboxed preload bundles it.
 */

/** Every API method is `ipcMain.handle('hearth:' + channel)`, e.g. `hearth:vault.unlock`. */
export const IPC_API_PREFIX = 'hearth:';
/** Main → renderer: one HearthEvent per message. */
export const IPC_EVENT_CHANNEL = 'hearth:event';
/** The native folder picker (not part of the API contract: only the desktop app has it). */
export const IPC_PICK_FOLDER_CHANNEL = 'hearth-dialog:pickFolder';

/** What a folder is chosen for: the dialog's title, and whether it may create a new folder. */
export const FOLDER_PURPOSES = ['vault', 'import', 'export'] as const;
export type FolderPurpose = (typeof FOLDER_PURPOSES)[number];

export function isFolderPurpose(value: unknown): value is FolderPurpose {
  return typeof value === 'string' && (FOLDER_PURPOSES as readonly string[]).includes(value);
}

/** The native file picker: the chosen file's path (the main side reads it, never the renderer). */
export const IPC_PICK_FILE_CHANNEL = 'hearth-dialog:pickFile';

/** What a file is chosen for: the dialog's title and filters. `smart-key`: a SMART Backend Services private key. */
export const FILE_PURPOSES = ['smart-key'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

export function isFilePurpose(value: unknown): value is FilePurpose {
  return typeof value === 'string' && (FILE_PURPOSES as readonly string[]).includes(value);
}
