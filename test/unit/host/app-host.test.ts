import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HearthEvent, VaultProbe, VaultStatus } from '../../../src-main/api/contract';
import type { ApiHost } from '../../../src-main/api/host';
import type { Result } from '../../../src-main/api/result';
import { createAppHost, type AppHostOptions } from '../../../src-main/host/app-host';
import * as fakeSessions from './fake-session';
import { ManualClock } from './manual-clock';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function newHost(overrides: Partial<AppHostOptions> = {}) {
  const configDir = await tempDir('hearth-config-');
  const vaultDir = path.join(await tempDir('hearth-vault-'), 'vault');
  const events: HearthEvent[] = [];
  const host = createAppHost({
    configDir,
    isolation: 'in-process',
    sessionFactories: async () => fakeSessions,
    probeVault: async (folder): Promise<VaultProbe> => ({ path: folder, exists: false, isVault: false, canCreate: true }),
    ...overrides,
  });
  host.onEvent((e) => events.push(e));
  cleanups.push(() => host.close());
  return { host, configDir, vaultDir, events };
}

/** The value of an ok Result (the test fails on an error outcome). */
async function value<T = unknown>(promise: Promise<Result<unknown>>): Promise<T> {
  const result = await promise;
  if (!result.ok) throw new Error(`Expected ok, got ${JSON.stringify(result.error)}`);
  return result.value as T;
}

function statusOf(host: ApiHost) {
  return value<VaultStatus>(host.dispatch('vault.status', {}));
}

describe('app host: vault lifecycle', () => {
  it('creates, locks and unlocks a vault, answering session channels only while unlocked', async () => {
    const { host, vaultDir, events, configDir } = await newHost();
    expect(await statusOf(host)).toMatchObject({ state: 'locked', recentVaults: [] });

    const locked = await host.dispatch('resources.counts', {});
    expect(locked).toMatchObject({ ok: false, error: { issue: [{ code: 'login', diagnostics: 'The vault is locked' }] } });

    const info = await value(host.dispatch('vault.create', { path: vaultDir, passphrase: 'correct horse battery' }));
    expect(info).toMatchObject({ path: vaultDir, formatVersion: 1 });
    expect(await statusOf(host)).toMatchObject({ state: 'unlocked', recentVaults: [vaultDir] });
    expect(events.at(-1)).toMatchObject({ type: 'vault', status: { state: 'unlocked' } });

    await value(host.dispatch('resources.create', { resource: { resourceType: 'Patient' } }));
    expect(await value(host.dispatch('resources.counts', {}))).toEqual([{ resourceType: 'Patient', count: 1 }]);

    expect(await value(host.dispatch('vault.lock', {}))).toMatchObject({ state: 'locked', lockReason: 'user' });
    expect(events.at(-1)).toMatchObject({ type: 'vault', status: { state: 'locked', lockReason: 'user' } });
    expect((await host.dispatch('resources.counts', {})).ok).toBe(false);

    const wrong = await host.dispatch('vault.unlock', { path: vaultDir, passphrase: 'nope' });
    expect(wrong).toMatchObject({ ok: false, error: { issue: [{ code: 'security', diagnostics: 'Wrong passphrase' }] } });
    expect((await statusOf(host)).state).toBe('locked');

    await value(host.dispatch('vault.unlock', { path: vaultDir, passphrase: 'correct horse battery' }));
    expect((await statusOf(host)).state).toBe('unlocked');
    const second = await host.dispatch('vault.unlock', { path: vaultDir, passphrase: 'correct horse battery' });
    expect(second).toMatchObject({ ok: false, error: { issue: [{ code: 'conflict' }] } });

    // settings.json holds the recent list and preferences, never the passphrase.
    const saved = await fs.readFile(path.join(configDir, 'settings.json'), 'utf8');
    expect(JSON.parse(saved)).toEqual({ autoLockMinutes: 15, theme: 'auto', recentVaults: [vaultDir] });
    expect(saved).not.toContain('correct horse');
  });

  it('validates payloads at the host before anything reaches the session', async () => {
    const { host, vaultDir } = await newHost();
    await value(host.dispatch('vault.create', { path: vaultDir, passphrase: 'pass phrase 1' }));
    const bad = await host.dispatch('resources.read', { resourceType: 'Patient', id: 'has space' });
    expect(bad).toMatchObject({ ok: false, error: { issue: [{ code: 'invalid', expression: ['id'] }] } });
    const extra = await host.dispatch('vault.lock', { force: true });
    expect(extra.ok).toBe(false);
    expect((await statusOf(host)).state).toBe('unlocked');
    const unknown = await host.dispatch('vault.__proto__', {});
    expect(unknown).toMatchObject({ ok: false, error: { issue: [{ code: 'not-supported' }] } });
    // A service that throws becomes an outcome value.
    const thrown = await host.dispatch('resources.search', { query: 'Patient' });
    expect(thrown).toMatchObject({ ok: false, error: { issue: [{ code: 'exception', diagnostics: 'search exploded' }] } });
    const missingPath = await host.dispatch('vault.unlock', { path: '', passphrase: 'x' });
    expect(missingPath.ok).toBe(false);
  });

  it('answers probe through the injected probe and reports vault engine errors as outcomes', async () => {
    const { host, vaultDir } = await newHost();
    expect(await value(host.dispatch('vault.probe', { path: vaultDir }))).toMatchObject({ path: vaultDir, canCreate: true });
    const notVault = await host.dispatch('vault.unlock', { path: vaultDir, passphrase: 'whatever' });
    expect(notVault).toMatchObject({ ok: false, error: { issue: [{ code: 'not-found' }] } });
  });
});

describe('app host: settings', () => {
  it('updates, persists and announces settings; falls back to defaults on a corrupt file', async () => {
    const { host, configDir, events } = await newHost();
    expect(await value(host.dispatch('settings.get', {}))).toEqual({ autoLockMinutes: 15, theme: 'auto' });
    expect(await value(host.dispatch('settings.update', { theme: 'dark' }))).toEqual({ autoLockMinutes: 15, theme: 'dark' });
    expect(events).toContainEqual({ type: 'settings', settings: { autoLockMinutes: 15, theme: 'dark' } });
    expect((await host.dispatch('settings.update', { autoLockMinutes: 0 })).ok).toBe(false);
    expect((await host.dispatch('settings.update', { theme: 'purple' })).ok).toBe(false);

    const again = createAppHost({ configDir, isolation: 'in-process', sessionFactories: async () => fakeSessions });
    cleanups.push(() => again.close());
    expect(await value(again.dispatch('settings.get', {}))).toEqual({ autoLockMinutes: 15, theme: 'dark' });

    await fs.writeFile(path.join(configDir, 'settings.json'), '{ not json');
    const repaired = createAppHost({ configDir, isolation: 'in-process', sessionFactories: async () => fakeSessions });
    cleanups.push(() => repaired.close());
    expect(await value(repaired.dispatch('settings.get', {}))).toEqual({ autoLockMinutes: 15, theme: 'auto' });
    const leftovers = (await fs.readdir(configDir)).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('keeps the reviewer name (trimmed) across restarts and refuses an empty or overlong one', async () => {
    const { host, configDir } = await newHost();
    expect(await value(host.dispatch('settings.update', { reviewerName: '  Ada L. ' }))).toEqual({ autoLockMinutes: 15, theme: 'auto', reviewerName: 'Ada L.' });
    expect((await host.dispatch('settings.update', { reviewerName: '   ' })).ok).toBe(false);
    expect((await host.dispatch('settings.update', { reviewerName: 'x'.repeat(101) })).ok).toBe(false);
    const again = createAppHost({ configDir, isolation: 'in-process', sessionFactories: async () => fakeSessions });
    cleanups.push(() => again.close());
    expect(await value(again.dispatch('settings.get', {}))).toEqual({ autoLockMinutes: 15, theme: 'auto', reviewerName: 'Ada L.' });
  });
});

describe('app host: idle auto-lock', () => {
  it('locks after autoLockMinutes without activity; passive calls do not count, touch does', async () => {
    const clock = new ManualClock();
    const { host, vaultDir, events } = await newHost({ clock });
    await value(host.dispatch('settings.update', { autoLockMinutes: 2 }));
    await value(host.dispatch('vault.create', { path: vaultDir, passphrase: 'pass phrase 1' }));

    await clock.advance(100_000);
    await value(host.dispatch('vault.status', {}));
    await value(host.dispatch('jobs.list', {}));
    expect(await value(host.dispatch('vault.touch', {}))).toEqual({ lockInMs: 120_000 });
    await clock.advance(110_000);
    expect((await statusOf(host)).state).toBe('unlocked');
    expect(await value(host.dispatch('vault.touch', {}))).toEqual({ lockInMs: 120_000 });
    await clock.advance(60_000);
    await value(host.dispatch('resources.counts', {}));
    await clock.advance(119_000);
    expect((await statusOf(host)).state).toBe('unlocked');
    await clock.advance(1_000);
    expect(await statusOf(host)).toMatchObject({ state: 'locked', lockReason: 'idle' });
    expect(events.at(-1)).toEqual({
      type: 'vault',
      status: { state: 'locked', vault: null, lockReason: 'idle', recentVaults: [vaultDir] },
    });
    expect(await value(host.dispatch('vault.touch', {}))).toEqual({ lockInMs: null });
  });

  it('waits for running jobs and applies a shorter timeout at once', async () => {
    const clock = new ManualClock();
    const { host, vaultDir } = await newHost({ clock, busyRetryMs: 1_000 });
    await value(host.dispatch('vault.create', { path: vaultDir, passphrase: 'pass phrase 1' }));
    const { jobId } = await value<{ jobId: string }>(host.dispatch('import.start', { sources: [{ kind: 'text', name: 'a.json', text: '{}' }] }));

    await value(host.dispatch('settings.update', { autoLockMinutes: 1 }));
    await clock.advance(60_000);
    expect((await statusOf(host)).state).toBe('unlocked');
    await clock.advance(10 * 60_000);
    expect((await statusOf(host)).state).toBe('unlocked');

    // The job ends (cancel counts as activity), then the idle period runs out again.
    await value(host.dispatch('jobs.cancel', { jobId }));
    await clock.advance(59_000);
    expect((await statusOf(host)).state).toBe('unlocked');
    await clock.advance(2_000);
    expect(await statusOf(host)).toMatchObject({ state: 'locked', lockReason: 'idle' });
  });
});

describe('app host: probe through the vault engine', () => {
  it('tells an empty folder, a missing one and a non-vault apart', async () => {
    const configDir = await tempDir('hearth-config-');
    const host = createAppHost({ configDir, isolation: 'in-process', sessionFactories: async () => fakeSessions });
    cleanups.push(() => host.close());
    const empty = await tempDir('hearth-probe-');
    expect(await value(host.dispatch('vault.probe', { path: empty }))).toMatchObject({ exists: true, isVault: false, canCreate: true });
    expect(await value(host.dispatch('vault.probe', { path: path.join(empty, 'new') }))).toMatchObject({ exists: false, canCreate: true });
    await fs.writeFile(path.join(empty, 'notes.txt'), 'x');
    const busy = await value<VaultProbe>(host.dispatch('vault.probe', { path: empty }));
    expect(busy).toMatchObject({ isVault: false, canCreate: false });
    expect(busy.problem).toBeTruthy();
  });
});
