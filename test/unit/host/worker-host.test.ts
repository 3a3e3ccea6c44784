import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { HearthEvent } from '../../../src-main/api/contract';
import { createAppHost } from '../../../src-main/host/app-host';
import { resolveStoreWorker } from '../../../src-main/host/worker-session';

const fakeModule = pathToFileURL(path.resolve(import.meta.dirname, 'fake-session.ts')).href;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function newWorkerHost() {
  const configDir = await tempDir('hearth-config-');
  const vaultDir = path.join(await tempDir('hearth-vault-'), 'vault');
  const host = createAppHost({ configDir, isolation: 'worker', worker: { sessionModule: fakeModule } });
  const events: HearthEvent[] = [];
  host.onEvent((e) => events.push(e));
  cleanups.push(() => host.close());
  return { host, vaultDir, events };
}

/** Polls until `predicate` holds; the bound is for a loaded machine (it returns as soon as it holds). */
async function waitFor(predicate: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('app host with the store worker', () => {
  it('finds the TypeScript worker source under vitest and runs it through tsx', () => {
    const script = resolveStoreWorker(pathToFileURL(path.resolve('src-main/host/worker-session.ts')).href);
    expect(script.file).toBe(path.resolve('src-main/host/store-worker.ts'));
    expect(script.viaTsx).toBe(true);
  });

  it('runs the session in a worker: calls, events, errors, lock', async () => {
    const { host, vaultDir, events } = await newWorkerHost();
    const created = await host.dispatch('vault.create', { path: vaultDir, passphrase: 'pass phrase 1' });
    expect(created).toMatchObject({ ok: true, value: { path: vaultDir } });

    const patient = await host.dispatch('resources.create', { resource: { resourceType: 'Patient', active: true } });
    expect(patient).toMatchObject({ ok: true, value: { resourceType: 'Patient', id: '1', active: true } });
    expect(await host.dispatch('resources.read', { resourceType: 'Patient', id: '1' })).toMatchObject({ ok: true });
    const missing = await host.dispatch('resources.read', { resourceType: 'Patient', id: '2' });
    expect(missing).toMatchObject({ ok: false, error: { issue: [{ code: 'not-found' }] } });
    const thrown = await host.dispatch('resources.search', { query: 'Patient' });
    expect(thrown).toMatchObject({ ok: false, error: { issue: [{ diagnostics: 'search exploded' }] } });

    // Events raised inside the worker reach the host's listeners.
    const started = await host.dispatch('import.start', { sources: [{ kind: 'text', name: 'x.json', text: '{}' }] });
    expect(started.ok).toBe(true);
    await waitFor(() => events.some((e) => e.type === 'job'));

    await host.dispatch('vault.lock', {});
    expect(await host.dispatch('resources.counts', {})).toMatchObject({ ok: false, error: { issue: [{ code: 'login' }] } });

    // The data lived in the terminated worker's memory: a new worker starts empty.
    const wrong = await host.dispatch('vault.unlock', { path: vaultDir, passphrase: 'wrong' });
    expect(wrong).toMatchObject({ ok: false, error: { issue: [{ code: 'security', diagnostics: 'Wrong passphrase' }] } });
    expect(await host.dispatch('vault.unlock', { path: vaultDir, passphrase: 'pass phrase 1' })).toMatchObject({ ok: true });
    expect(await host.dispatch('resources.counts', {})).toEqual({ ok: true, value: [{ resourceType: 'Patient', count: 0 }] });
  });

  it('counts a crashed worker as a lock with reason "error"', async () => {
    const { host, vaultDir, events } = await newWorkerHost();
    await host.dispatch('vault.create', { path: vaultDir, passphrase: 'pass phrase 1' });
    const crashed = await host.dispatch('resources.read', { resourceType: 'Patient', id: 'crash-the-worker' });
    expect(crashed).toMatchObject({ ok: false, error: { issue: [{ code: 'exception' }] } });
    await waitFor(() => events.some((e) => e.type === 'vault' && e.status.lockReason === 'error'));
    expect(await host.dispatch('vault.status', {})).toMatchObject({ ok: true, value: { state: 'locked', lockReason: 'error' } });
  });
});
