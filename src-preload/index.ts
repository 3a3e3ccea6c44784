/**
 * The preload: runs sandboxed with context isolation, so it is bundled to one CommonJS file
 * whose only run-time require is 'electron'. Exposes the API bridge as `window.hearth`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('hearth', createBridge(ipcRenderer));
