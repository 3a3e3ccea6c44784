// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { VaultProbe, VaultStatus } from '../../../src-main/api/contract';
import { App } from '../../../src-renderer/src/App';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok, outcome } from './fake-client';

installDomShims();
afterEach(cleanup);

const locked = (extra: Partial<VaultStatus> = {}): VaultStatus => ({ state: 'locked', vault: null, recentVaults: [], ...extra });
const settings = { autoLockMinutes: 5, theme: 'light' as const };

function probeOf(path: string, kind: 'vault' | 'empty' | 'busy'): VaultProbe {
  if (kind === 'vault') return { path, exists: true, isVault: true, canCreate: false, formatVersion: 1 };
  if (kind === 'empty') return { path, exists: false, isVault: false, canCreate: true };
  return { path, exists: true, isVault: false, canCreate: false, problem: 'The folder is not empty and is not a vault' };
}

describe('unlock / create screen', () => {
  it('says why the vault was locked after an idle timeout', async () => {
    const { client } = fakeClient({
      'vault.status': () => ok(locked({ lockReason: 'idle', recentVaults: ['/data/v1'] })),
      'settings.get': () => ok(settings),
      'vault.probe': (input) => ok(probeOf(String(input.path), 'vault')),
    });
    render(<App client={client} />);
    expect(await screen.findByText('Locked after 5 minutes without activity.')).toBeTruthy();
    // The most recent vault is pre-filled and probed.
    expect(await screen.findByRole('button', { name: 'Unlock' })).toBeTruthy();
  });

  it('shows the "Wrong passphrase" outcome from a failed unlock', async () => {
    const { client, calls } = fakeClient({
      'vault.status': () => ok(locked({ recentVaults: ['/data/v1'] })),
      'settings.get': () => ok(settings),
      'vault.probe': (input) => ok(probeOf(String(input.path), 'vault')),
      'vault.unlock': () => err(outcome('security', 'Wrong passphrase')),
    });
    render(<App client={client} />);
    const unlock = await screen.findByRole('button', { name: 'Unlock' });
    fireEvent.change(screen.getByLabelText('Passphrase'), { target: { value: 'not it' } });
    await act(async () => {
      fireEvent.click(unlock);
    });
    expect(await screen.findByText('Wrong passphrase')).toBeTruthy();
    expect(calls.find((call) => call.channel === 'vault.unlock')?.input).toEqual({ path: '/data/v1', passphrase: 'not it' });
  });

  it('probes the typed folder, explains problems, and only creates with a strong, confirmed passphrase', async () => {
    const { client, calls } = fakeClient({
      'vault.status': () => ok(locked()),
      'settings.get': () => ok(settings),
      'vault.probe': (input) => ok(probeOf(String(input.path), String(input.path).includes('busy') ? 'busy' : 'empty')),
      'vault.create': (input) => ok({ path: String(input.path), formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' }),
    });
    render(<App client={client} />);
    const folder = await screen.findByLabelText(/Vault folder/);
    fireEvent.change(folder, { target: { value: '/home/me/busy' } });
    expect(await screen.findByText('The folder is not empty and is not a vault')).toBeTruthy();

    fireEvent.change(folder, { target: { value: '/home/me/new-vault' } });
    const create = await screen.findByRole('button', { name: 'Create a new vault' });
    const submit = create as HTMLButtonElement;
    fireEvent.change(screen.getByLabelText('New passphrase'), { target: { value: 'password123' } });
    expect(submit.disabled).toBe(true);
    expect(screen.getByText(/at least 12 characters/i)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('New passphrase'), { target: { value: 'copper lantern orbit tangerine' } });
    fireEvent.change(screen.getByLabelText('Confirm passphrase'), { target: { value: 'copper lantern orbit' } });
    expect(screen.getByText('The passphrases do not match')).toBeTruthy();
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Confirm passphrase'), { target: { value: 'copper lantern orbit tangerine' } });
    await waitFor(() => expect(submit.disabled).toBe(false));
    await act(async () => {
      fireEvent.click(submit);
    });
    await waitFor(() => expect(calls.some((call) => call.channel === 'vault.create')).toBe(true));
    expect(calls.find((call) => call.channel === 'vault.create')?.input).toEqual({
      path: '/home/me/new-vault',
      passphrase: 'copper lantern orbit tangerine',
    });
    // The probe is debounced: the intermediate keystrokes were not each sent.
    expect(calls.filter((call) => call.channel === 'vault.probe').length).toBeLessThanOrEqual(3);
  });

  it('loads sample data after creating the vault when asked, and follows its import job', async () => {
    window.history.replaceState(null, '', '#/');
    const { client, calls } = fakeClient({
      'vault.status': () => ok(locked()),
      'settings.get': () => ok(settings),
      'vault.probe': (input) => ok(probeOf(String(input.path), 'empty')),
      'vault.create': (input) => ok({ path: String(input.path), formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' }),
      'import.sample': () => ok({ jobId: 'sample-job-1' }),
    });
    render(<App client={client} />);
    fireEvent.change(await screen.findByLabelText(/Vault folder/), { target: { value: '/home/me/demo' } });
    const submit = (await screen.findByRole('button', { name: 'Create a new vault' })) as HTMLButtonElement;
    fireEvent.change(screen.getByLabelText('New passphrase'), { target: { value: 'copper lantern orbit tangerine' } });
    fireEvent.change(screen.getByLabelText('Confirm passphrase'), { target: { value: 'copper lantern orbit tangerine' } });
    fireEvent.click(screen.getByLabelText(/Load sample data/));
    await waitFor(() => expect(submit.disabled).toBe(false));
    await act(async () => {
      fireEvent.click(submit);
    });
    await waitFor(() => expect(calls.some((call) => call.channel === 'import.sample')).toBe(true));
    expect(calls.find((call) => call.channel === 'import.sample')?.input).toEqual({ patients: 25 });
    const order = calls.map((call) => call.channel).filter((channel) => channel === 'vault.create' || channel === 'import.sample');
    expect(order).toEqual(['vault.create', 'import.sample']);
    expect(window.location.hash).toBe('#/import?job=sample-job-1');
  });
});
