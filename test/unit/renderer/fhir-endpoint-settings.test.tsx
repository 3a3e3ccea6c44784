// @vitest-environment jsdom
/**
 * Settings → Local FHIR endpoint against a fake client: off by default, the switch saves
 * `fhirEndpoint.enabled`, the running state shows the URL and a masked token (shown on request),
 * "New token" replaces it, and a taken port shows the error state.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FhirEndpointStatus, Settings, VaultStatus } from '../../../src-main/api/contract';
import { App } from '../../../src-renderer/src/App';
import { installDomShims } from './dom-shims';
import { fakeClient, ok } from './fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/settings'));
afterEach(cleanup);

const unlocked: VaultStatus = {
  state: 'unlocked',
  vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' },
  recentVaults: [],
};

describe('Settings: local FHIR endpoint', () => {
  it('switches on, shows URL and token, renews the token, and shows a taken port', async () => {
    let settings: Settings = { autoLockMinutes: 15, theme: 'light' };
    let status: FhirEndpointStatus = { state: 'off', enabled: false, port: 0 };
    const { client, calls } = fakeClient({
      'vault.status': () => ok(unlocked),
      'vault.touch': () => ok({ lockInMs: 60_000 }),
      'settings.get': () => ok(settings),
      'settings.update': (input) => {
        const change = input.fhirEndpoint as { enabled: boolean; port: number };
        settings = { ...settings, fhirEndpoint: change };
        status = change.enabled && change.port === 8080
          ? { state: 'error', enabled: true, port: 8080, error: 'Port 8080 is already in use' }
          : change.enabled
          ? { state: 'running', enabled: true, port: change.port, baseUrl: 'http://127.0.0.1:41234/fhir', token: 'first-token-0123456789' }
          : { state: 'off', enabled: false, port: change.port };
        return ok(settings);
      },
      'settings.fhirEndpoint': () => ok(status),
      'settings.newFhirToken': () => {
        status = { ...status, token: 'second-token-0123456789' };
        return ok(status);
      },
    });
    render(<App client={client} />);
    expect((await screen.findByTestId('fhir-endpoint-state', {}, { timeout: 10_000 })).textContent).toBe('Off');
    expect(screen.queryByTestId('fhir-endpoint-url')).toBeNull();

    await act(async () => {
      fireEvent.click(screen.getByRole('switch', { name: 'Serve the vault over FHIR' }));
    });
    await waitFor(() => expect(screen.getByTestId('fhir-endpoint-state').textContent).toBe('Running'));
    expect(calls.find((c) => c.channel === 'settings.update')?.input).toEqual({ fhirEndpoint: { enabled: true, port: 0 } });
    expect((screen.getByTestId('fhir-endpoint-url') as HTMLInputElement).value).toBe('http://127.0.0.1:41234/fhir');
    const token = () => (screen.getByTestId('fhir-endpoint-token') as HTMLInputElement).value;
    expect(token()).not.toContain('first-token');
    fireEvent.click(screen.getByRole('button', { name: 'Show Bearer token' }));
    expect(token()).toBe('first-token-0123456789');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'New token' }));
    });
    await waitFor(() => expect(token()).toBe('second-token-0123456789'));

    // Port 8080 is taken (the fake says so): the error state replaces URL and token.
    fireEvent.change(screen.getByLabelText('Port'), { target: { value: '8080' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save port' }));
    });
    await waitFor(() => expect(screen.getByTestId('fhir-endpoint-state').textContent).toBe('Not running'));
    expect(screen.getByTestId('fhir-endpoint-error').textContent).toContain('Port 8080 is already in use');
    expect(screen.queryByTestId('fhir-endpoint-token')).toBeNull();
    expect(calls.filter((c) => c.channel === 'settings.update').at(-1)?.input).toEqual({ fhirEndpoint: { enabled: true, port: 8080 } });
  });
});
