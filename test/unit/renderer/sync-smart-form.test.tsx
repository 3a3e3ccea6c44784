// @vitest-environment jsdom
/**
 * The Sync screen's server form with SMART (src-renderer/src/sync/ServerForm.tsx, server-form.ts)
 * and the App Launch sign-in card (AuthorizationCard.tsx), rendered alone over a fake client.
 */
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../../src-main/api/result';
import type { AuthorizationStatus, ServerProfile } from '../../../src-main/sync/types';
import { ApiProvider } from '../../../src-renderer/src/api/context';
import type { RendererClient } from '../../../src-renderer/src/api/types';
import { AuthorizationCard } from '../../../src-renderer/src/sync/AuthorizationCard';
import { ServerForm } from '../../../src-renderer/src/sync/ServerForm';
import { fieldErrorsOf, initialValues, toSaveInput, validate } from '../../../src-renderer/src/sync/server-form';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok, outcome, type Handlers } from './fake-client';

installDomShims();
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const PEM = '-----BEGIN PRIVATE KEY-----\nMIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBexample\n-----END PRIVATE KEY-----\n';
const backend: ServerProfile = {
  name: 'lake',
  baseUrl: 'https://fhir.example.org/r4',
  auth: 'smart-backend',
  smart: { clientId: 'hearth', scope: 'system/*.read', alg: 'ES384', tokenUrl: 'https://auth.example.org/token' },
  originKey: 'k',
  pullTypes: [],
  chunkSize: 50,
  createdAt: '2026-01-01T00:00:00Z',
};

function renderForm(handlers: Handlers, options: { existing?: ServerProfile; desktop?: (purpose: string) => string | null } = {}) {
  const fake = fakeClient(handlers);
  const purposes: string[] = [];
  const pick = options.desktop;
  const client: RendererClient = pick ? { ...fake.client, platform: 'electron', pickFile: async (purpose) => (purposes.push(purpose), pick(purpose)) } : fake.client;
  const saved: ServerProfile[] = [];
  render(
    <MantineProvider>
      <ApiProvider client={client}>
        <ServerForm existing={options.existing} onSaved={(p) => saved.push(p)} />
      </ApiProvider>
    </MantineProvider>,
  );
  return { ...fake, saved, purposes };
}

const field = (label: RegExp | string): HTMLElement => screen.getByLabelText(label, { exact: false });
const type = (label: RegExp | string, value: string): void => void fireEvent.change(field(label), { target: { value } });
const clickSave = async (): Promise<void> => {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  });
};

describe('the server form with SMART Backend Services', () => {
  it('checks each field before sending, then sends the pasted key once and clears it', async () => {
    const { calls, saved } = renderForm({ 'sync.saveServer': (input) => ok({ ...backend, name: String(input.name) }) });
    fireEvent.click(screen.getByText('SMART backend'));
    await clickSave();
    expect(calls).toEqual([]);
    const form = screen.getByTestId('server-form');
    expect(form.textContent).toContain('A name is required');
    expect(form.textContent).toContain('The server’s base address is required');
    expect(form.textContent).toContain('The client id the server registered for Hearth is required');
    expect(form.textContent).toContain('The private key is required');

    type(/^Name/, 'lake');
    type(/^Base URL/, 'http://fhir.example.org/r4');
    expect(form.textContent).toContain('Plain http only to this computer (localhost); use https');
    type(/^Base URL/, 'https://fhir.example.org/r4');
    type(/^Client id/, 'hearth');
    type(/^Private key/, 'not a key');
    expect(form.textContent).toContain('Not a PEM private key');
    type(/^Private key/, PEM);
    fireEvent.click(screen.getByRole('button', { name: 'Endpoints and key details…' }));
    type(/^Token endpoint/, 'https://auth.example.org/token');
    expect(screen.queryByLabelText(/^Authorization endpoint/)).toBeNull();
    await clickSave();
    expect(calls.map((c) => c.input)).toEqual([
      { name: 'lake', baseUrl: 'https://fhir.example.org/r4', chunkSize: 100, auth: { kind: 'smart-backend', clientId: 'hearth', privateKey: PEM, tokenUrl: 'https://auth.example.org/token' } },
    ]);
    expect(saved.map((p) => p.name)).toEqual(['lake']);
    expect((field(/^Private key/) as HTMLTextAreaElement).value).toBe('');
  });

  it('edits a saved profile without its key, and shows the service’s refusals on their fields', async () => {
    let answer: Result<unknown> = err({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'invalid', diagnostics: 'sync.saveServer: Too small: expected string to have >=1 characters (at auth.clientId)', expression: ['auth.clientId'] },
        { severity: 'error', code: 'exception', diagnostics: 'The vault is read-only' },
      ],
    });
    const { calls, saved } = renderForm({ 'sync.saveServer': () => answer }, { existing: backend });
    expect((field(/^Name/) as HTMLInputElement).disabled).toBe(true);
    expect((field(/^Client id/) as HTMLInputElement).value).toBe('hearth');
    expect((field(/^Scopes/) as HTMLInputElement).value).toBe('system/*.read');
    // The endpoints are open: one was given.
    expect((field(/^Token endpoint/) as HTMLInputElement).value).toBe('https://auth.example.org/token');
    expect(screen.getByText(/leave this empty to keep it/)).toBeTruthy();
    await clickSave();
    expect(calls[0]!.input).toEqual({
      name: 'lake',
      baseUrl: 'https://fhir.example.org/r4',
      chunkSize: 50,
      auth: { kind: 'smart-backend', clientId: 'hearth', scope: 'system/*.read', tokenUrl: 'https://auth.example.org/token', alg: 'ES384' },
    });
    expect(saved).toEqual([]);
    const clientId = field(/^Client id/);
    expect(clientId.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Too small: expected string to have >=1 characters')).toBeTruthy();
    expect(within(screen.getByRole('alert')).getByText('The vault is read-only')).toBeTruthy();
    // Editing the field clears what the service said about it.
    type(/^Client id/, 'hearth-2');
    expect(screen.queryByText('Too small: expected string to have >=1 characters')).toBeNull();
    answer = ok(backend);
    await clickSave();
    expect(saved).toHaveLength(1);
  });

  it('in the desktop app, picks the key file natively and sends its path (the key never enters the page)', async () => {
    const { calls, purposes } = renderForm({ 'sync.saveServer': () => ok(backend) }, { desktop: () => '/home/ann/keys/hearth-client.pem' });
    type(/^Name/, 'lake');
    type(/^Base URL/, 'https://fhir.example.org/r4');
    fireEvent.click(screen.getByText('SMART backend'));
    type(/^Client id/, 'hearth');
    expect(screen.queryByTestId('key-text')).toBeNull();
    await act(async () => {
      fireEvent.click(screen.getByTestId('pick-key-file'));
    });
    expect(purposes).toEqual(['smart-key']);
    expect(screen.getByTestId('key-file-name').textContent).toBe('hearth-client.pem');
    await clickSave();
    expect(calls[0]!.input.auth).toEqual({ kind: 'smart-backend', clientId: 'hearth', privateKeyFile: '/home/ann/keys/hearth-client.pem' });
  });

  it('saves a SMART sign-in profile with its scopes and endpoints', async () => {
    const { calls } = renderForm({ 'sync.saveServer': () => ok({ ...backend, auth: 'smart-launch' }) });
    type(/^Name/, 'ehr');
    type(/^Base URL/, 'http://127.0.0.1:8080/fhir');
    fireEvent.click(screen.getByText('SMART sign-in'));
    expect(screen.queryByLabelText(/^Private key/)).toBeNull();
    type(/^Client id/, 'hearth-app');
    type(/^Scopes/, 'openid user/*.rs');
    fireEvent.click(screen.getByRole('button', { name: 'Endpoints and key details…' }));
    type(/^Authorization endpoint/, 'https://auth.example.org/authorize#x');
    await clickSave();
    expect(calls).toEqual([]);
    expect(screen.getByText('An endpoint has no fragment')).toBeTruthy();
    type(/^Authorization endpoint/, 'https://auth.example.org/authorize');
    await clickSave();
    expect(calls[0]!.input).toEqual({
      name: 'ehr',
      baseUrl: 'http://127.0.0.1:8080/fhir',
      chunkSize: 100,
      auth: { kind: 'smart-launch', clientId: 'hearth-app', scope: 'openid user/*.rs', authorizeUrl: 'https://auth.example.org/authorize' },
    });
  });
});

describe('the server form model', () => {
  it('asks for a key only where none is stored, and maps refusals to fields', () => {
    const fresh = { ...initialValues(undefined), name: 'a', baseUrl: 'https://x.org', auth: 'smart-backend' as const, clientId: 'c' };
    expect(validate(fresh, undefined)).toEqual({ key: 'The private key is required' });
    expect(validate(fresh, backend)).toEqual({});
    expect(validate(fresh, { ...backend, auth: 'bearer' })).toEqual({ key: 'The private key is required' });
    expect(validate({ ...fresh, baseUrl: 'https://u:p@x.org' }, backend).baseUrl).toBe('No credentials in the address: use the sign-in settings');
    expect(validate({ ...fresh, baseUrl: 'http://[::1]:8080/fhir', key: { kind: 'text', text: '{"kty":"EC"}' } }, undefined)).toEqual({});
    expect(toSaveInput({ ...fresh, scope: '  ', keyId: ' k1 ', key: { kind: 'file', path: '/k.pem' } }).auth).toEqual({ kind: 'smart-backend', clientId: 'c', privateKeyFile: '/k.pem', keyId: 'k1' });
    const split = fieldErrorsOf(outcome('security', 'The token endpoint is refused: https only, or http on this machine', { expression: ['auth.tokenUrl'] }));
    expect(split).toEqual({ fields: { tokenUrl: 'The token endpoint is refused: https only, or http on this machine' }, other: undefined });
  });
});

describe('the SMART sign-in card', () => {
  function renderCard(platform: 'web' | 'electron', authorize: () => ReturnType<Handlers[string]>) {
    let status: AuthorizationStatus = { status: 'none' };
    const url = 'https://auth.example.org/authorize?response_type=code&client_id=hearth-app';
    const fake = fakeClient({
      'sync.authorization': () => ok(status),
      'sync.authorize': () => {
        status = { status: 'pending', url };
        return authorize();
      },
    });
    const authorized: number[] = [];
    render(
      <MantineProvider>
        <ApiProvider client={{ ...fake.client, platform }}>
          <AuthorizationCard name="ehr" onAuthorized={() => authorized.push(1)} />
        </ApiProvider>
      </MantineProvider>,
    );
    return { ...fake, url, authorized, setStatus: (s: AuthorizationStatus) => (status = s) };
  }

  it('in a browser, opens the sign-in page itself, follows the status and says when it is done', async () => {
    const opened = vi.spyOn(window, 'open').mockImplementation(() => null);
    const { calls, url, authorized, setStatus } = renderCard('web', () => ok({ url: 'https://auth.example.org/authorize?response_type=code&client_id=hearth-app', redirectUri: 'http://127.0.0.1:4000/callback', authorizeEndpoint: 'https://auth.example.org/authorize' }));
    expect((await screen.findByTestId('sync-authorization-status')).textContent).toBe('not signed in');
    await act(async () => {
      fireEvent.click(screen.getByTestId('sync-authorize'));
    });
    expect(calls.filter((c) => c.channel === 'sync.authorize').map((c) => c.input)).toEqual([{ name: 'ehr' }]);
    expect(opened).toHaveBeenCalledWith(url, '_blank', 'noopener,noreferrer');
    await waitFor(() => expect(screen.getByTestId('sync-authorization-status').textContent).toBe('waiting for the sign-in'));
    expect(screen.getByTestId('sync-authorize-link').getAttribute('href')).toBe(url);
    setStatus({ status: 'authorized', authorizedAt: '2026-11-27T10:00:00Z' });
    await waitFor(() => expect(screen.getByTestId('sync-authorization-status').textContent).toBe('signed in'));
    expect(authorized).toEqual([1]);
    expect(screen.getByTestId('sync-authorize').textContent).toBe('Authorize again');
  });

  it('in the desktop app, leaves the opening to the main process; shows a refusal as its OperationOutcome', async () => {
    const opened = vi.spyOn(window, 'open').mockImplementation(() => null);
    renderCard('electron', () => err(outcome('not-found', 'SMART configuration: HTTP 404')));
    await screen.findByTestId('sync-authorization-status');
    await act(async () => {
      fireEvent.click(screen.getByTestId('sync-authorize'));
    });
    expect(opened).not.toHaveBeenCalled();
    expect(within(await screen.findByRole('alert')).getByText('SMART configuration: HTTP 404')).toBeTruthy();
  });
});
