/**
 * Runs src-main/electron/main.ts against a fake 'electron' module: checks that the real wiring
 * applies the policy (privileged app:// scheme and handler, hardened window, denied
 * permissions, gated IPC for every channel, navigation guards on new contents, single instance).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allChannels } from '../../../src-main/api/methods';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const state = {
    privileged: [] as Array<{ scheme: string; privileges: Record<string, boolean> }>,
    protocolHandlers: new Map<string, (request: { url: string; method: string }) => Promise<Response>>(),
    windows: [] as Array<{ options: Record<string, unknown>; loaded: string[]; webContents: Record<string, unknown> }>,
    ipc: new Map<string, (event: unknown, payload?: unknown) => Promise<unknown>>(),
    appListeners: new Map<string, Listener>(),
    permissionAnswers: [] as boolean[],
    permissionCheck: undefined as undefined | ((contents: unknown, permission: string) => boolean),
    opened: [] as string[],
    dialogs: [] as Array<{ title?: string; properties?: string[]; filters?: unknown }>,
    quits: 0,
    sandboxEnabled: false,
  };
  class BrowserWindow {
    webContents: Record<string, unknown>;
    private record: { options: Record<string, unknown>; loaded: string[]; webContents: Record<string, unknown> };
    constructor(options: Record<string, unknown>) {
      this.webContents = { send: () => undefined, isDestroyed: () => false };
      this.record = { options, loaded: [], webContents: this.webContents };
      state.windows.push(this.record);
    }
    on() {
      return this;
    }
    once(event: string, listener: () => void) {
      if (event === 'ready-to-show') listener();
      return this;
    }
    show() {}
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    async loadURL(url: string) {
      this.record.loaded.push(url);
    }
  }
  const electron = {
    app: {
      isPackaged: false,
      enableSandbox: () => {
        state.sandboxEnabled = true;
      },
      requestSingleInstanceLock: () => true,
      on: (event: string, listener: Listener) => state.appListeners.set(event, listener),
      whenReady: () => Promise.resolve(),
      quit: () => {
        state.quits++;
      },
      getAppPath: () => '/app',
    },
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>) => state.privileged.push(...schemes),
      handle: (scheme: string, handler: (request: { url: string; method: string }) => Promise<Response>) => state.protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: (c: unknown, p: string, cb: (granted: boolean) => void) => void) =>
          handler(null, 'media', (granted) => state.permissionAnswers.push(granted)),
        setPermissionCheckHandler: (handler: (c: unknown, p: string) => boolean) => {
          state.permissionCheck = handler;
        },
      },
    },
    ipcMain: {
      handle: (channel: string, listener: (event: unknown, payload?: unknown) => Promise<unknown>) => state.ipc.set(channel, listener),
      removeHandler: (channel: string) => state.ipc.delete(channel),
    },
    dialog: {
      // Called as (window, options) or (options): the options are the last argument.
      showOpenDialog: async (...args: unknown[]) => {
        state.dialogs.push(args[args.length - 1] as { title?: string; properties?: string[] });
        return { canceled: false, filePaths: ['/picked/vault'] };
      },
    },
    shell: { openExternal: async (url: string) => void state.opened.push(url) },
  };
  return { state, electron };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

let configDir: string;
const previousConfigDir = process.env['HEARTH_CONFIG_DIR'];

beforeAll(async () => {
  configDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-main-wiring-'));
  process.env['HEARTH_CONFIG_DIR'] = configDir;
  delete process.env['ELECTRON_RENDERER_URL'];
  await import('../../../src-main/electron/main');
  await vi.waitFor(() => expect(fake.state.windows[0]?.loaded.length).toBe(1));
});

afterAll(async () => {
  const beforeQuit = fake.state.appListeners.get('before-quit');
  beforeQuit?.({ preventDefault: () => undefined });
  await vi.waitFor(() => expect(fake.state.quits).toBeGreaterThan(0));
  if (previousConfigDir === undefined) delete process.env['HEARTH_CONFIG_DIR'];
  else process.env['HEARTH_CONFIG_DIR'] = previousConfigDir;
  rmSync(configDir, { recursive: true, force: true });
});

describe('Electron main wiring', () => {
  it('registers app:// as a privileged scheme and serves it with the CSP', async () => {
    expect(fake.state.privileged).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    const handler = fake.state.protocolHandlers.get('app');
    expect(handler).toBeDefined();
    const refused = await handler!({ url: 'app://hearth/%2e%2e/%2e%2e/package.json', method: 'GET' });
    expect([403, 404]).toContain(refused.status);
  });

  it('opens one hardened window on app://hearth/index.html with the sandboxed preload', () => {
    expect(fake.state.sandboxEnabled).toBe(true);
    expect(fake.state.windows).toHaveLength(1);
    const window = fake.state.windows[0]!;
    expect(window.loaded).toEqual(['app://hearth/index.html']);
    expect(window.options['webPreferences']).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String((window.options['webPreferences'] as { preload: string }).preload)).toMatch(/preload[\\/]index\.cjs$/);
  });

  it('denies permissions and guards every new WebContents', () => {
    expect(fake.state.permissionAnswers).toEqual([false]);
    expect(fake.state.permissionCheck!(null, 'geolocation')).toBe(false);
    const listeners = new Map<string, Listener>();
    let openHandler: ((details: { url: string }) => unknown) | undefined;
    const contents = {
      on: (event: string, listener: Listener) => listeners.set(event, listener),
      setWindowOpenHandler: (handler: (details: { url: string }) => unknown) => {
        openHandler = handler;
      },
    };
    fake.state.appListeners.get('web-contents-created')!({}, contents);
    let prevented = false;
    listeners.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(openHandler!({ url: 'https://hl7.org/fhir/' })).toEqual({ action: 'deny' });
    expect(fake.state.opened).toEqual(['https://hl7.org/fhir/']);
  });

  it('registers gated IPC for every API channel and the folder picker', async () => {
    const expected = [...allChannels().map((c) => `hearth:${c}`), 'hearth-dialog:pickFolder', 'hearth-dialog:pickFile'].sort();
    expect([...fake.state.ipc.keys()].sort()).toEqual(expected);
    const ours = fake.state.windows[0]!.webContents;
    const trusted = { sender: ours, senderFrame: { url: 'app://hearth/index.html', parent: null } };
    const status = await fake.state.ipc.get('hearth:vault.status')!(trusted, {});
    expect(status).toMatchObject({ ok: true, value: { state: 'locked' } });
    const iframe = { sender: ours, senderFrame: { url: 'app://hearth/index.html', parent: {} } };
    expect(await fake.state.ipc.get('hearth:vault.status')!(iframe, {})).toMatchObject({ ok: false });
    const stranger = { sender: {}, senderFrame: { url: 'app://hearth/index.html', parent: null } };
    expect(await fake.state.ipc.get('hearth-dialog:pickFolder')!(stranger)).toBeNull();
    expect(await fake.state.ipc.get('hearth-dialog:pickFolder')!(trusted)).toBe('/picked/vault');
    // A purpose picks the dialog's title; an import reads an existing folder (no "new folder" button).
    expect(await fake.state.ipc.get('hearth-dialog:pickFolder')!(trusted, 'import')).toBe('/picked/vault');
    expect(await fake.state.ipc.get('hearth-dialog:pickFolder')!(trusted, 'export')).toBe('/picked/vault');
    // Anything else from the renderer opens no dialog.
    expect(await fake.state.ipc.get('hearth-dialog:pickFolder')!(trusted, { properties: ['openFile'] })).toBeNull();
    expect(fake.state.dialogs).toEqual([
      { title: 'Choose the vault folder', properties: ['openDirectory', 'createDirectory'] },
      { title: 'Choose a folder to import', properties: ['openDirectory'] },
      { title: 'Choose the export folder', properties: ['openDirectory', 'createDirectory'] },
    ]);
    // The file picker: a known purpose only, from our window only.
    fake.state.dialogs.length = 0;
    expect(await fake.state.ipc.get('hearth-dialog:pickFile')!(stranger, 'smart-key')).toBeNull();
    expect(await fake.state.ipc.get('hearth-dialog:pickFile')!(trusted)).toBeNull();
    expect(await fake.state.ipc.get('hearth-dialog:pickFile')!(trusted, 'anything')).toBeNull();
    expect(await fake.state.ipc.get('hearth-dialog:pickFile')!(trusted, 'smart-key')).toBe('/picked/vault');
    expect(fake.state.dialogs).toEqual([{ title: 'Choose the SMART private key (PEM or JWK)', properties: ['openFile'], filters: expect.any(Array) }]);
  });

  it('lets the system browser open a SMART sign-in only after sync.authorize answered it', async () => {
    const listeners = new Map<string, Listener>();
    let openHandler: ((details: { url: string }) => unknown) | undefined;
    fake.state.appListeners.get('web-contents-created')!({}, { on: (event: string, listener: Listener) => listeners.set(event, listener), setWindowOpenHandler: (h: (d: { url: string }) => unknown) => void (openHandler = h) });
    const before = fake.state.opened.length;
    const signIn = 'https://auth.example.org/authorize?response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A4000%2Fcallback&code_challenge=x&code_challenge_method=S256';
    expect(openHandler!({ url: signIn })).toEqual({ action: 'deny' });
    expect(fake.state.opened.length).toBe(before);
    // With no vault open, sync.authorize fails through the wrapped host: nothing is opened.
    const ours = fake.state.windows[0]!.webContents;
    const trusted = { sender: ours, senderFrame: { url: 'app://hearth/index.html', parent: null } };
    expect(await fake.state.ipc.get('hearth:sync.authorize')!(trusted, { name: 'lake' })).toMatchObject({ ok: false });
    expect(fake.state.opened.length).toBe(before);
  });
});
