import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_METHODS } from '../../../src-main/api/methods';
import { createBridge, type IpcRendererLike } from '../../../src-preload/bridge';

function fakeIpcRenderer() {
  const invoked: Array<[string, unknown[]]> = [];
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, args]);
      return { ok: true, value: channel };
    },
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const send = (channel: string, payload: unknown) => listeners.get(channel)?.forEach((l) => l({ sender: 'secret' }, payload));
  return { ipc, invoked, send };
}

describe('preload bridge', () => {
  it('exposes one named function per API method and nothing generic', async () => {
    const { ipc, invoked } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    for (const [domain, methods] of Object.entries(API_METHODS)) {
      const group = (bridge as Record<string, unknown>)[domain] as Record<string, unknown>;
      expect(Object.keys(group).sort()).toEqual([...methods].sort());
    }
    expect(Object.keys(bridge).sort()).toEqual([...Object.keys(API_METHODS), 'onEvent', 'pickFile', 'pickFolder', 'platform'].sort());
    expect(bridge.platform).toBe('electron');
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.isFrozen(bridge.vault)).toBe(true);

    expect(await bridge.vault.unlock({ path: '/v', passphrase: 'p' })).toEqual({ ok: true, value: 'hearth:vault.unlock' });
    await bridge.resources.counts({});
    await bridge.pickFolder();
    await bridge.pickFile('smart-key');
    expect(invoked).toEqual([
      ['hearth:vault.unlock', [{ path: '/v', passphrase: 'p' }]],
      ['hearth:resources.counts', [{}]],
      ['hearth-dialog:pickFolder', []],
      ['hearth-dialog:pickFile', ['smart-key']],
    ]);
  });

  it('hands on events without the IPC event object, and unsubscribes', () => {
    const { ipc, send } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    const seen: unknown[][] = [];
    const stop = bridge.onEvent((...args: unknown[]) => seen.push(args));
    const event = { type: 'vault', status: { state: 'locked', vault: null, recentVaults: [] } };
    send('hearth:event', event);
    stop();
    send('hearth:event', event);
    expect(seen).toEqual([[event]]);
  });

  it('is bundled to one CommonJS file that requires only electron (when built)', (context) => {
    const built = path.resolve('out/preload/index.cjs');
    if (!existsSync(built)) {
      context.skip('out/preload/index.cjs not built: run `npx electron-vite build` first');
      return;
    }
    const code = readFileSync(built, 'utf8');
    const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect([...new Set(required)]).toEqual(['electron']);
    expect(code).not.toMatch(/\bimport\s*\(/);
    expect(code).toContain('exposeInMainWorld("hearth"');
    expect(code).not.toContain('zod');
  });
});
