// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceCount, VaultStatus } from '../../../src-main/api/contract';
import { App } from '../../../src-renderer/src/App';
import { activityReportInterval } from '../../../src-renderer/src/shell/use-activity-reporter';
import { installDomShims } from './dom-shims';
import { fakeClient, ok } from './fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/'));
afterEach(cleanup);

const vault = { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' };
const unlocked: VaultStatus = { state: 'unlocked', vault, recentVaults: ['/data/vault'] };
const settings = { autoLockMinutes: 10, theme: 'light' as const };

function setup(counts: ResourceCount[]) {
  return fakeClient({
    'vault.status': () => ok(unlocked),
    'settings.get': () => ok(settings),
    'resources.counts': () => ok(counts),
    'vault.touch': () => ok({ lockInMs: 600_000 }),
    'vault.probe': (input) => ok({ path: String(input.path), exists: true, isVault: true, canCreate: false }),
    'vault.lock': () => ok({ ...unlocked, state: 'locked', vault: null, lockReason: 'user' }),
  });
}

describe('app shell', () => {
  it('shows the empty state with a call to import when the vault has no resources', async () => {
    const { client } = setup([]);
    render(<App client={client} />);
    expect(await screen.findByText('This vault is empty')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Import data' }));
    await waitFor(() => expect(window.location.hash).toBe('#/import'));
  });

  it('lists counts per type sorted by count and links each to the browser', async () => {
    const { client } = setup([
      { resourceType: 'Patient', count: 2 },
      { resourceType: 'Observation', count: 1500 },
      { resourceType: 'Condition', count: 40 },
    ]);
    render(<App client={client} />);
    expect((await screen.findByTestId('total-resources')).textContent).toBe('1,542');
    const rows = screen.getByTestId('type-counts').querySelectorAll('tbody tr');
    expect([...rows].map((row) => row.textContent)).toEqual(['Observation1,500', 'Condition40', 'Patient2']);
    fireEvent.click(screen.getByRole('button', { name: 'Condition' }));
    await waitFor(() => expect(window.location.hash).toBe('#/resources/Condition'));
  });

  it('drops the app and its data when a lock event arrives, and says why', async () => {
    const { client, emit } = setup([{ resourceType: 'Patient', count: 3 }]);
    render(<App client={client} />);
    expect((await screen.findByTestId('total-resources')).textContent).toBe('3');
    await act(async () => {
      emit({ type: 'vault', status: { state: 'locked', vault: null, recentVaults: ['/data/vault'], lockReason: 'idle' } });
    });
    expect(screen.queryByTestId('total-resources')).toBeNull();
    expect(await screen.findByText('Locked after 10 minutes without activity.')).toBeTruthy();
  });

  it('reports user activity to vault.touch at most once per interval', async () => {
    const { client, calls } = setup([]);
    render(<App client={client} />);
    await screen.findByText('This vault is empty');
    for (let i = 0; i < 20; i++) fireEvent.keyDown(window, { key: 'x' });
    fireEvent.mouseDown(window);
    expect(calls.filter((call) => call.channel === 'vault.touch')).toHaveLength(1);
  });

  it('reports often enough for short auto-lock delays', () => {
    expect(activityReportInterval(15)).toBe(60_000);
    expect(activityReportInterval(1)).toBe(15_000);
    expect(activityReportInterval(undefined)).toBe(60_000);
  });

  it('locks with the Lock button', async () => {
    const { client, calls } = setup([]);
    render(<App client={client} />);
    await screen.findByText('This vault is empty');
    await act(async () => {
      fireEvent.click(screen.getByTestId('lock-button'));
    });
    expect(calls.some((call) => call.channel === 'vault.lock')).toBe(true);
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
  });
});
