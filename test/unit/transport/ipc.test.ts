import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import type { HearthEvent } from '../../../src-main/api/contract';
import type { ApiHost } from '../../../src-main/api/host';
import { allChannels } from '../../../src-main/api/methods';
import { ok } from '../../../src-main/api/result';
import { registerIpc, type IpcMainLike } from '../../../src-main/transport/ipc';

type Handler = (event: IpcMainInvokeEvent, payload: unknown) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

function fakeHost() {
  const calls: Array<[string, unknown]> = [];
  const listeners = new Set<(event: HearthEvent) => void>();
  const host: ApiHost = {
    dispatch: async (channel, payload) => {
      calls.push([channel, payload]);
      return ok({ echoed: channel });
    },
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => undefined,
  };
  return { host, calls, emit: (event: HearthEvent) => listeners.forEach((l) => l(event)) };
}

/** Stand-ins for IpcMainInvokeEvents: the injected trust check only compares identities. */
const trusted = {} as IpcMainInvokeEvent;
const untrusted = {} as IpcMainInvokeEvent;
const isTrusted = (event: IpcMainInvokeEvent) => event === trusted;

describe('Electron IPC transport', () => {
  it('registers one hearth: handler per API channel and the folder picker', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    registerIpc(ipcMain, fakeHost().host, isTrusted, { eventTarget: () => null, pickFolder: async () => '/x' });
    expect([...handlers.keys()].sort()).toEqual([...allChannels().map((c) => `hearth:${c}`), 'hearth-dialog:pickFolder'].sort());
  });

  it('checks the sender before anything else, then forwards to the host', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const { host, calls } = fakeHost();
    let picked = 0;
    registerIpc(ipcMain, host, isTrusted, {
      eventTarget: () => null,
      pickFolder: async () => {
        picked++;
        return '/vaults/a';
      },
    });
    const refused = await handlers.get('hearth:vault.unlock')!(untrusted, { path: '/v', passphrase: 'x' });
    expect(refused).toMatchObject({ ok: false, error: { issue: [{ code: 'forbidden' }] } });
    expect(await handlers.get('hearth-dialog:pickFolder')!(untrusted, undefined)).toBeNull();
    expect(calls).toEqual([]);
    expect(picked).toBe(0);

    expect(await handlers.get('hearth:vault.status')!(trusted, {})).toEqual({ ok: true, value: { echoed: 'vault.status' } });
    expect(await handlers.get('hearth-dialog:pickFolder')!(trusted, undefined)).toBe('/vaults/a');
    expect(calls).toEqual([['vault.status', {}]]);
  });

  it('forwards events to a live window and stops on unregister', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const { host, emit } = fakeHost();
    const sent: unknown[] = [];
    let destroyed = false;
    const unregister = registerIpc(ipcMain, host, isTrusted, {
      eventTarget: () => ({ send: (channel, event) => sent.push([channel, event]), isDestroyed: () => destroyed }),
    });
    const event: HearthEvent = { type: 'settings', settings: { autoLockMinutes: 5, theme: 'dark' } };
    emit(event);
    destroyed = true;
    emit(event);
    expect(sent).toEqual([['hearth:event', event]]);
    unregister();
    destroyed = false;
    emit(event);
    expect(sent).toHaveLength(1);
    expect(handlers.size).toBe(0);
  });
});
