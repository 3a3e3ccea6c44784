/**
 * The Electron main process (electron-vite main entry, built to out/main/index.js). Wires the
 * pure policy of security.ts to the real app: one hardened window showing app://hearth/, the
 * app host with the store worker, IPC gated per call, permissions denied, a single instance.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiHost } from '../api/host';
import { createAppHost } from '../host/app-host';
import { defaultConfigDir } from '../host/config-dir';
import { registerIpc } from '../transport/ipc';
import { createAppProtocolHandler } from './app-protocol';
import { ExternalAllowlist, openingAuthorizations } from './authorize-open';
import { enlargeYoungGeneration } from '../threads/young-generation';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  createWindowOptions,
  denyAllPermissions,
  hardenWebContents,
  isTrustedSender,
} from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, '..', 'preload', 'index.cjs');
/** Only `electron-vite dev` sets this, and only an unpackaged app honours it. */
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;

// Before 'ready': every renderer the app ever creates is sandboxed, whatever its options say.
app.enableSandbox();

// Before any worker starts: the store, write-prep and NLP workers get the larger young generation.
enlargeYoungGeneration();

// Must run before 'ready': app:// behaves like https (secure context, fetch, standard URLs).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

let mainWindow: BrowserWindow | null = null;
let host: ApiHost | null = null;
/** Where the system browser may be sent: reference sites and pending SMART sign-ins. */
const externalAllowlist = new ExternalAllowlist();

if (!app.requestSingleInstanceLock()) {
  // Another Hearth owns the settings and the open vault: hand over to it.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, {
      openExternal: (url) => shell.openExternal(url),
      isAllowedExternal: (url) => externalAllowlist.isAllowed(url),
      ...(devServerUrl ? { devServerUrl } : {}),
    });
  });

  app.on('window-all-closed', () => {
    app.quit();
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !host) return;
    // Lock the vault (close the session, end the worker) before the process goes.
    event.preventDefault();
    quitting = true;
    void host.close().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // Start-up failures name files at most (no vault is open yet): show them and leave.
      dialog.showErrorBox('Hearth could not start', error instanceof Error ? error.message : String(error));
      app.quit();
    });
}

async function start(): Promise<void> {
  denyAllPermissions(session.defaultSession);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));

  host = createAppHost({ configDir: defaultConfigDir(), isolation: 'worker' });
  const window = new BrowserWindow({ ...createWindowOptions(preloadPath), icon: path.join(app.getAppPath(), 'resources', 'icon.png') });
  mainWindow = window;
  window.on('closed', () => {
    mainWindow = null;
  });

  // A SMART App Launch sign-in opens in the system browser from here (only its authorization request).
  const ipcHost = openingAuthorizations(host, externalAllowlist, (url) => shell.openExternal(url));
  registerIpc(ipcMain, ipcHost, (event) => isTrustedSender(event, mainWindow?.webContents ?? null, devServerUrl), {
    eventTarget: () => mainWindow?.webContents ?? null,
    pickFolder: async (purpose) => {
      const owner = mainWindow;
      // An import reads an existing folder; a vault or an export may go into a new one.
      const title = { vault: 'Choose the vault folder', import: 'Choose a folder to import', export: 'Choose the export folder' }[purpose];
      const properties: Array<'openDirectory' | 'createDirectory'> = purpose === 'import' ? ['openDirectory'] : ['openDirectory', 'createDirectory'];
      const options = { title, properties };
      const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    pickFile: async (purpose) => {
      const owner = mainWindow;
      const options = {
        title: { 'smart-key': 'Choose the SMART private key (PEM or JWK)' }[purpose],
        properties: ['openFile' as const],
        filters: [
          { name: 'Private keys', extensions: ['pem', 'key', 'jwk', 'json'] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
  });

  window.once('ready-to-show', () => window.show());
  await window.loadURL(devServerUrl ?? APP_ENTRY_URL);
}
