// @vitest-environment jsdom
/**
 * The Sync screen over a fake client; its SMART server form (sync/ServerForm.tsx, server-form.ts) and App Launch sign-in card
 * (AuthorizationCard.tsx) are also rendered alone.
 */
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobState, VaultStatus } from '../../../src-main/api/contract';
import type { Result } from '../../../src-main/api/result';
import type { AuthorizationStatus, ConflictDetail, PushReport, ServerProfile, SyncConflict, SyncStatus } from '../../../src-main/sync/types';
import { App } from '../../../src-renderer/src/App';
import { ApiProvider } from '../../../src-renderer/src/api/context';
import type { RendererClient } from '../../../src-renderer/src/api/types';
import { AuthorizationCard } from '../../../src-renderer/src/sync/AuthorizationCard';
import { parsePath, setAtPath } from '../../../src-renderer/src/sync/merge-path';
import { ServerForm } from '../../../src-renderer/src/sync/ServerForm';
import { caLabel, fieldErrorsOf, initialValues, toSaveInput, validate } from '../../../src-renderer/src/sync/server-form';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok, outcome, type Handlers } from './fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/sync'));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const unlocked: VaultStatus = { state: 'unlocked', vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' }, recentVaults: [] };
const TOKEN = 'secret-token-7f3a';
const profile: ServerProfile = { name: 'medplum', baseUrl: 'http://127.0.0.1:8103/fhir', auth: 'bearer', originKey: 'k', pullTypes: [], chunkSize: 100, createdAt: '2026-01-01T00:00:00Z' };
const status = (conflicts: number): SyncStatus => ({ server: 'medplum', mapped: 12, conflicts, pullCursor: {} });
const job = (extra: Partial<JobState>): JobState => ({ id: 'job-1', kind: 'sync', title: 'Push to medplum', status: 'running', startedAt: '2026-01-01T00:00:00Z', progress: { done: 0 }, ...extra });
const dryReport: PushReport = {
  dryRun: true,
  mode: 'none',
  planned: 3,
  created: 0,
  updated: 0,
  unchanged: 0,
  conflicts: 0,
  failed: [],
  retries: 0,
  plan: [
    { key: 'Patient/p1', action: 'create' },
    { key: 'Observation/o1', action: 'update' },
    { key: 'Condition/c9', action: 'delete' },
  ],
};
const conflict: SyncConflict = {
  resourceType: 'Patient',
  localId: 'p1',
  serverId: 's-77',
  kind: 'push-precondition',
  detectedAt: '2026-01-02T00:00:00Z',
  local: { resourceType: 'Patient', id: 'p1', meta: { versionId: '3' }, gender: 'female', birthDate: '1999-09-09' },
  server: { resourceType: 'Patient', id: 's-77', meta: { versionId: '5' }, gender: 'other', birthDate: '1951-01-02' },
};
const detail: ConflictDetail = {
  conflict,
  ours: conflict.local,
  theirs: { resourceType: 'Patient', id: 'p1', gender: 'other', birthDate: '1951-01-02' },
  diff: [
    { path: 'birthDate', kind: 'changed', ours: '1999-09-09', theirs: '1951-01-02' },
    { path: 'gender', kind: 'changed', ours: 'female', theirs: 'other' },
  ],
};

function setup(options: { servers?: ServerProfile[]; pending?: SyncStatus['pendingPush'] } = {}) {
  let servers = options.servers ?? [];
  let pending = options.pending;
  let current = job({});
  let conflicts: SyncConflict[] = [conflict];
  let report: PushReport = dryReport;
  let refreshNext = false;
  const fake = fakeClient({
    'vault.status': () => ok(unlocked),
    'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
    'resources.counts': () => ok([]),
    'sync.servers': () => ok(servers),
    'sync.saveServer': (input) => {
      servers = [{ ...profile, name: String(input.name), baseUrl: String(input.baseUrl) }];
      return ok(servers[0]);
    },
    'sync.test': () => ok({ baseUrl: profile.baseUrl, fhirVersion: '4.0.1', r4: true, software: 'Medplum', transaction: true, batch: true, resources: [{ type: 'Patient', interactions: ['read'], conditionalCreate: true }], problems: [] }),
    'sync.status': () => ok({ ...status(conflicts.length), ...(pending ? { pendingPush: pending } : {}) }),
    'sync.conflicts': () => ok(conflicts),
    'sync.push': () => ok(current),
    'jobs.get': () => ok(current),
    'jobs.cancel': () => ok(current),
    'sync.report': () => ok(report),
    'sync.conflict': () => ok(detail),
    'sync.resolve': (input) => {
      if (refreshNext) {
        refreshNext = false;
        return ok({ outcome: 'refreshed', action: input.action, conflict });
      }
      conflicts = [];
      return ok({ outcome: 'resolved', action: input.action, serverVersion: '6', localVersion: '3' });
    },
    'sync.discard': () => {
      pending = undefined;
      return ok({ discarded: true });
    },
  });
  return {
    ...fake,
    setJob: (j: JobState) => (current = j),
    setReport: (r: PushReport) => (report = r),
    refreshNext: () => (refreshNext = true),
  };
}

describe('sync screen', () => {
  it('adds a server with its token in a password field, tests it, dry-runs a push and lists the plan', async () => {
    const { client, calls, emit, setJob } = setup();
    render(<App client={client} />);
    expect(await screen.findByTestId('sync-empty')).toBeTruthy();
    fireEvent.click(within(screen.getByTestId('sync-empty')).getByRole('button', { name: 'Add server' }));
    fireEvent.change(await screen.findByLabelText('Name', { exact: false }), { target: { value: 'medplum' } });
    fireEvent.change(screen.getByLabelText('Base URL', { exact: false }), { target: { value: profile.baseUrl } });
    fireEvent.click(screen.getByText('Bearer token'));
    const token = screen.getByLabelText(/^Token/) as HTMLInputElement;
    expect(token.type).toBe('password');
    fireEvent.change(token, { target: { value: TOKEN } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect(calls.find((c) => c.channel === 'sync.saveServer')?.input).toEqual({ name: 'medplum', baseUrl: profile.baseUrl, auth: { kind: 'bearer', token: TOKEN }, chunkSize: 100 });
    await screen.findByTestId('sync-server-medplum');
    expect(window.location.hash).toBe('#/sync?server=medplum');
    // The token is never on screen again.
    expect(document.body.textContent).not.toContain(TOKEN);

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    });
    const report = await screen.findByTestId('sync-connection-report');
    expect(report.textContent).toContain('FHIR 4.0.1');
    expect(report.textContent).toContain('transaction yes');

    await act(async () => {
      fireEvent.click(screen.getByTestId('sync-push-dry'));
    });
    expect(calls.find((c) => c.channel === 'sync.push')?.input).toEqual({ name: 'medplum', dryRun: true, mode: 'changed' });
    expect(window.location.hash).toBe('#/sync?server=medplum&job=job-1');
    expect((await screen.findByTestId('sync-job-status')).textContent).toBe('running');
    // Nothing counted yet: it says it has started, not a bare "0".
    expect(screen.getByTestId('sync-job-progress').textContent).toBe('Starting…');
    const done = setJob(job({ status: 'succeeded', progress: { done: 3, total: 3 } }));
    await act(async () => emit({ type: 'job', job: done }));
    const plan = await screen.findByTestId('sync-plan');
    expect([...plan.querySelectorAll('tr')].map((r) => r.textContent)).toEqual(['createPatient/p1', 'updateObservation/o1', 'deleteCondition/c9']);
    expect(screen.getByTestId('sync-report-planned').textContent).toBe('3 planned');
    expect(screen.getByTestId('sync-plan-summary').textContent).toBe('1 create, 1 delete, 1 update · 1 Condition, 1 Observation, 1 Patient');
    // The dry run is done: the real push can start from here.
    await waitFor(() => expect((screen.getByTestId('sync-push') as HTMLButtonElement).disabled).toBe(false));
  });

  it('pushes reviewed notes only, shows per-resource failures with their OperationOutcome; pause keeps the run', async () => {
    const { client, calls, emit, setJob, setReport } = setup({ servers: [profile] });
    render(<App client={client} />);
    await screen.findByTestId('sync-server-medplum');
    fireEvent.click(screen.getByText('Reviewed only'));
    expect((screen.getByTestId('sync-push') as HTMLButtonElement).disabled).toBe(false);
    await act(async () => {
      fireEvent.click(screen.getByTestId('sync-push'));
    });
    expect(calls.find((c) => c.channel === 'sync.push')?.input).toEqual({ name: 'medplum', dryRun: false, mode: 'changed', reviewedOnly: true });
    // While it runs, nothing else starts.
    await waitFor(() => expect((screen.getByTestId('sync-push') as HTMLButtonElement).disabled).toBe(true));
    await act(async () => {
      fireEvent.click(await screen.findByRole('button', { name: 'Pause' }));
    });
    expect(calls.some((c) => c.channel === 'jobs.cancel')).toBe(true);
    const paused = setJob(job({ status: 'cancelled' }));
    await act(async () => emit({ type: 'job', job: paused }));
    expect((await screen.findByTestId('sync-job-status')).textContent).toBe('paused');
    expect(calls.some((c) => c.channel === 'sync.discard')).toBe(false);

    // A finished push with a refused resource.
    setReport({ ...dryReport, dryRun: false, mode: 'transaction', plan: undefined, created: 2, failed: [{ resourceType: 'Observation', id: 'o1', status: 422, outcome: outcome('invariant', 'obs-6: dataAbsentReason or value', { expression: ['Observation.value'] }) }] });
    window.history.replaceState(null, '', '#/sync?server=medplum&job=job-2');
    setJob(job({ id: 'job-2', status: 'succeeded' }));
    await act(async () => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    const failures = await screen.findByTestId('sync-failures');
    expect(failures.textContent).toContain('Observation/o1');
    expect(failures.textContent).toContain('422');
    expect(failures.textContent).toContain('obs-6: dataAbsentReason or value (Observation.value)');
  });

  it('an interrupted push offers Resume (pushes again) and Forget it (discards); Cancel stops the job and forgets its run', async () => {
    window.history.replaceState(null, '', '#/sync?server=medplum');
    const { client, calls, emit, setJob } = setup({ servers: [profile], pending: { mode: 'changed', types: [], startedAt: '2026-01-01T00:00:00Z', inFlight: 4 } });
    render(<App client={client} />);
    const banner = await screen.findByTestId('sync-pending');
    expect(banner.textContent).toContain('4 resources in flight');
    await act(async () => {
      fireEvent.click(within(banner).getByRole('button', { name: 'Resume' }));
    });
    expect(calls.filter((c) => c.channel === 'sync.push').map((c) => c.input)).toEqual([{ name: 'medplum', dryRun: false, mode: 'changed' }]);
    expect((await screen.findByTestId('sync-job-status')).textContent).toBe('running');

    // Cancel: the job is cancelled, then (once it stopped) the run is forgotten.
    await act(async () => {
      fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    });
    expect(calls.some((c) => c.channel === 'jobs.cancel' && c.input['jobId'] === 'job-1')).toBe(true);
    expect(calls.some((c) => c.channel === 'sync.discard')).toBe(false);
    const cancelled = setJob(job({ status: 'cancelled' }));
    await act(async () => emit({ type: 'job', job: cancelled }));
    await waitFor(() => expect(calls.filter((c) => c.channel === 'sync.discard').map((c) => c.input)).toEqual([{ name: 'medplum' }]));
    expect((await screen.findByTestId('sync-job-status')).textContent).toBe('cancelled');
    await waitFor(() => expect(screen.queryByTestId('sync-pending')).toBeNull());
  });

  it('"Forget it" discards an interrupted push without pushing', async () => {
    window.history.replaceState(null, '', '#/sync?server=medplum');
    const { client, calls } = setup({ servers: [profile], pending: { mode: 'all', types: ['Patient'], startedAt: '2026-01-01T00:00:00Z', inFlight: 0 } });
    render(<App client={client} />);
    const banner = await screen.findByTestId('sync-pending');
    await act(async () => {
      fireEvent.click(within(banner).getByRole('button', { name: 'Forget it' }));
    });
    await waitFor(() => expect(screen.queryByTestId('sync-pending')).toBeNull());
    expect(calls.some((c) => c.channel === 'sync.discard')).toBe(true);
    expect(calls.some((c) => c.channel === 'sync.push')).toBe(false);
  });

  it('shows a conflict side by side with its diff, merges with "Use theirs", and says when a side moved meanwhile', async () => {
    window.history.replaceState(null, '', '#/sync?server=medplum');
    const { client, calls, refreshNext } = setup({ servers: [profile] });
    render(<App client={client} />);
    // The kind in words, not the code (the code stays as the badge's title).
    const row = await screen.findByTestId('conflict-Patient/p1');
    expect(within(row).getByText('Changed on both sides (push)').closest('[data-kind]')?.getAttribute('title')).toBe('push-precondition');
    expect(row.textContent).not.toMatch(/push-precondition/i);
    fireEvent.click(row);
    const panel = await screen.findByTestId('conflict-panel');
    expect(within(panel).getByText('Changed on both sides (push)')).toBeTruthy();
    expect(within(panel).getByText('Ours (this vault)')).toBeTruthy();
    const rows = [...within(panel).getByTestId('conflict-diff').querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-kind'))).toEqual(['changed', 'changed']);
    expect(rows[1]!.textContent).toContain('"female"');
    expect(rows[1]!.textContent).toContain('"other"');

    // Keep ours, but the server moved again: the panel says so and nothing is resolved.
    refreshNext();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'o' });
    });
    expect(calls.filter((c) => c.channel === 'sync.resolve').map((c) => c.input.action)).toEqual(['ours']);
    expect(await screen.findByTestId('conflict-refreshed')).toBeTruthy();

    fireEvent.click(within(screen.getByTestId('conflict-panel')).getByRole('button', { name: 'Merge…' }));
    await screen.findByRole('button', { name: 'Save merge' });
    const editor = screen.getByLabelText('Merged resource') as HTMLTextAreaElement;
    expect(JSON.parse(editor.value)).toEqual({ resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1999-09-09' });
    fireEvent.click(screen.getByRole('button', { name: 'Use theirs for gender' }));
    expect(JSON.parse(editor.value).gender).toBe('other');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save merge' }));
    });
    const merge = calls.filter((c) => c.channel === 'sync.resolve').at(-1)!.input;
    expect(merge).toMatchObject({ name: 'medplum', resourceType: 'Patient', localId: 'p1', action: 'merge', resource: { gender: 'other', birthDate: '1999-09-09' } });
    await waitFor(() => expect(screen.queryByTestId('conflict-panel')).toBeNull());
    expect(await screen.findByText('No conflicts: nothing changed on both sides.')).toBeTruthy();
  });

  it('shows why the servers cannot be listed, with a Retry', async () => {
    const { client } = fakeClient({
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
      'resources.counts': () => ok([]),
      'sync.servers': () => err(outcome('exception', 'The store is busy')),
    });
    render(<App client={client} />);
    expect(await screen.findByText('The store is busy')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

describe('merge paths', () => {
  it('parses diff paths and puts or removes a value at one', () => {
    expect(parsePath('name[0].given[1]')).toEqual(['name', 0, 'given', 1]);
    expect(parsePath('a..b')).toBeUndefined();
    const r = { name: [{ given: ['A', 'B'] }], gender: 'male' };
    expect(setAtPath(r, 'name[0].given[1]', 'C')).toEqual({ name: [{ given: ['A', 'C'] }], gender: 'male' });
    expect(setAtPath(r, 'name[0].given[1]', undefined)).toEqual({ name: [{ given: ['A'] }], gender: 'male' });
    expect(setAtPath(r, 'telecom[0].value', 'x')).toEqual({ ...r, telecom: [{ value: 'x' }] });
    expect(r.name[0]!.given).toEqual(['A', 'B']);
  });
});

describe('profile auth badge', () => {
  it('names SMART profiles and says when a sign-in is needed', async () => {
    const { authLabel } = await import('../../../src-renderer/src/screens/SyncScreen');
    const smart = { ...profile, smart: { clientId: 'hearth-app', scope: 'system/*.read' } };
    expect(authLabel({ ...profile, auth: 'basic', user: 'ann' })).toBe('basic (ann)');
    expect(authLabel({ ...smart, auth: 'smart-backend' })).toBe('SMART backend (hearth-app)');
    expect(authLabel({ ...smart, auth: 'smart-launch' })).toBe('SMART sign-in needed (hearth-app)');
    expect(authLabel({ ...smart, auth: 'smart-launch', authorizedAt: '2026-01-01T00:00:00Z' })).toBe('SMART sign-in (hearth-app)');
  });
});

// ---- The SMART server form and the sign-in card, rendered alone ----

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
    fireEvent.click(screen.getByRole('button', { name: 'Endpoints…' }));
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

describe('the server form’s custom CA', () => {
  const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n';
  const withCa: ServerProfile = { ...profile, baseUrl: 'https://fhir.hospital.example/r4', auth: 'none', customCa: true, ca: [{ subject: 'O=Hospital, CN=Hospital Root CA', commonName: 'Hospital Root CA', validTo: '2099-03-01T00:00:00.000Z' }] };
  const choose = async (name: string, text: string): Promise<void> => {
    await act(async () => {
      fireEvent.change(screen.getByLabelText('CA bundle file'), { target: { files: [new File([text], name, { type: 'application/x-pem-file' })] } });
    });
  };

  it('reads a chosen PEM file and sends its text; a file that is not PEM, or holds a key, is refused on the field', async () => {
    const { calls, saved } = renderForm({ 'sync.saveServer': (input) => ok({ ...withCa, name: String(input.name) }) });
    type(/^Name/, 'hospital');
    type(/^Base URL/, 'https://fhir.hospital.example/r4');
    await choose('root.der', '0\x82\x01\x0a binary');
    expect(screen.getByTestId('ca-file-name').textContent).toBe('root.der');
    await clickSave();
    expect(calls).toEqual([]);
    expect(within(screen.getByTestId('ca-field')).getByRole('alert').textContent).toContain('root.der is not a PEM CA bundle');
    await choose('bundle.pem', `${CA_PEM}-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n`);
    expect(within(screen.getByTestId('ca-field')).getByRole('alert').textContent).toContain('holds a private key');
    await choose('root.pem', CA_PEM);
    expect(within(screen.getByTestId('ca-field')).queryByRole('alert')).toBeNull();
    await clickSave();
    expect(calls.map((c) => c.input)).toEqual([{ name: 'hospital', baseUrl: 'https://fhir.hospital.example/r4', chunkSize: 100, caBundle: CA_PEM, auth: { kind: 'none' } }]);
    expect(saved).toHaveLength(1);
  });

  it('shows the stored CA by its CN and end date, keeps it unless removed, and shows the service’s refusal on the field', async () => {
    let answer: Result<unknown> = err(outcome('value', 'Certificate 1 of the CA bundle (Old CA) expired on 2020-01-01', { expression: ['caBundle'] }));
    const { calls, saved } = renderForm({ 'sync.saveServer': () => answer }, { existing: withCa });
    expect(screen.getByTestId('ca-stored').textContent).toBe('custom CA: Hospital Root CA, expires 2099-03-01');
    await choose('old.pem', CA_PEM);
    await clickSave();
    expect(calls[0]!.input.caBundle).toBe(CA_PEM);
    expect(within(screen.getByTestId('ca-field')).getByRole('alert').textContent).toBe('Certificate 1 of the CA bundle (Old CA) expired on 2020-01-01');
    expect(saved).toEqual([]);
    // Forgetting the chosen file goes back to the stored CA (sent as nothing: kept).
    fireEvent.click(screen.getByRole('button', { name: 'Forget the chosen CA file' }));
    answer = ok(withCa);
    await clickSave();
    expect('caBundle' in calls[1]!.input).toBe(false);
    // Remove, undo, remove again: the save sends null.
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(screen.queryByTestId('ca-stored')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.getByTestId('ca-stored')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await clickSave();
    expect(calls[2]!.input.caBundle).toBeNull();
    expect(saved).toHaveLength(2);
  });

  it('labels a certificate as expiring or expired', () => {
    const cert = { subject: 'CN=X', validTo: '2030-06-01T00:00:00.000Z' };
    expect(caLabel(cert, new Date('2026-01-01'))).toBe('custom CA: CN=X, expires 2030-06-01');
    expect(caLabel({ ...cert, commonName: 'X' }, new Date('2031-01-01'))).toBe('custom CA: X, expired 2030-06-01');
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
