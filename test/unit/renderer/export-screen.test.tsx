// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportReport, JobState, VaultStatus } from '../../../src-main/api/contract';
import { outcome } from '../../../src-main/api/result';
import { App } from '../../../src-renderer/src/App';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok } from './fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/export'));
afterEach(cleanup);

const unlocked: VaultStatus = {
  state: 'unlocked',
  vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' },
  recentVaults: [],
};

function job(extra: Partial<JobState>): JobState {
  return { id: 'job-9', kind: 'export', title: 'Export (NDJSON): 2 patients', status: 'running', startedAt: '2026-01-01T00:00:00Z', progress: { done: 0 }, ...extra };
}

const report: ExportReport = {
  jobId: 'job-9',
  status: 'succeeded',
  outDir: '/tmp/out',
  format: 'ndjson',
  transactionTime: '2026-01-01T00:00:00.000Z',
  resources: 1500,
  bytes: 2_048_000,
  output: [
    { type: 'Patient', url: 'Patient.ndjson', count: 2 },
    { type: 'Observation', url: 'Observation.ndjson', count: 1498 },
  ],
  errors: [],
};

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label, { exact: false }), { target: { value } });

describe('export screen', () => {
  it('starts an export with its filters, follows the job and lists the files written', async () => {
    let current = job({ progress: { done: 0 } });
    const { client, calls, emit } = fakeClient({
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
      'resources.counts': () => ok([]),
      'export.start': () => ok({ jobId: 'job-9' }),
      'jobs.get': () => ok(current),
      'jobs.cancel': () => ok(current),
      'export.report': () => ok(report),
    });
    render(<App client={client} />);
    const submit = await screen.findByRole('button', { name: 'Export' });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    type('Output folder', ' /tmp/out ');
    fireEvent.click(screen.getByText('Patients'));
    // Patients chosen but none typed: nothing to export yet.
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    type('Patient ids', 'p1, p2');
    type('Resource types', 'Patient,Observation');
    type('Changed since', '2025-01-01T00:00:00Z');
    await act(async () => {
      fireEvent.click(submit);
    });
    expect(calls.find((call) => call.channel === 'export.start')?.input).toEqual({
      outDir: '/tmp/out',
      format: 'ndjson',
      types: ['Patient', 'Observation'],
      since: '2025-01-01T00:00:00Z',
      patients: ['p1', 'p2'],
    });
    expect((await screen.findByTestId('export-status')).textContent).toBe('running');
    expect(window.location.hash).toBe('#/export?job=job-9');

    current = job({ progress: { done: 700, total: 1500, ratePerSecond: 350, etaSeconds: 3, bytesDone: 1_024_000, message: 'Writing Observation' } });
    await act(async () => emit({ type: 'job', job: current }));
    expect(screen.getByTestId('export-done').textContent).toBe('700 / 1,500 resources');
    expect(screen.getByText('Writing Observation')).toBeTruthy();
    expect(screen.getByText('350 records/s')).toBeTruthy();

    current = job({ status: 'succeeded', progress: { done: 1500, total: 1500 } });
    await act(async () => emit({ type: 'job', job: current }));
    await waitFor(() => expect(screen.getByTestId('export-report')).toBeTruthy());
    const rows = [...screen.getByTestId('export-report').querySelectorAll('tbody tr')].map((row) => row.textContent);
    expect(rows).toEqual(['Patient.ndjsonPatient2', 'Observation.ndjsonObservation1,498']);
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(await screen.findByText('1,500 resources written')).toBeTruthy();
  });

  it('shows why the services refused to start, and sends a Group export as a Bundle', async () => {
    let refuse = true;
    const { client, calls } = fakeClient({
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
      'resources.counts': () => ok([]),
      'export.start': () => (refuse ? err(outcome('conflict', '/tmp/out already holds an export: choose an empty or new folder', { status: 409 })) : ok({ jobId: 'job-9' })),
      'jobs.get': () => ok(job({})),
    });
    render(<App client={client} />);
    await screen.findByRole('button', { name: 'Export' });
    type('Output folder', '/tmp/out');
    fireEvent.click(screen.getByText('FHIR Bundle'));
    fireEvent.click(screen.getByText('Group'));
    type('Group id', 'cohort-1');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    });
    expect(await screen.findByText(/already holds an export/)).toBeTruthy();
    expect(calls.find((call) => call.channel === 'export.start')?.input).toEqual({ outDir: '/tmp/out', format: 'bundle', group: 'cohort-1' });
    refuse = false;
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    });
    expect((await screen.findByTestId('export-status')).textContent).toBe('running');
  });

  it('fills the output folder from the native folder picker in Electron (none in web mode)', async () => {
    const handlers = {
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' as const }),
      'resources.counts': () => ok([]),
    };
    const web = fakeClient(handlers);
    render(<App client={web.client} />);
    await screen.findByRole('button', { name: 'Export' });
    expect(screen.queryByRole('button', { name: /Choose a folder/ })).toBeNull();
    cleanup();

    window.history.replaceState(null, '', '#/export');
    const desktop = fakeClient(handlers);
    const purposes: Array<string | undefined> = [];
    render(<App client={{ ...desktop.client, platform: 'electron' as const, pickFolder: async (purpose) => (purposes.push(purpose), '/media/usb/out') }} />);
    await screen.findByRole('button', { name: 'Export' });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /Choose a folder/ }));
    });
    expect((screen.getByTestId('export-folder') as HTMLInputElement).value).toBe('/media/usb/out');
    expect(purposes).toEqual(['export']);
    expect((screen.getByRole('button', { name: 'Export' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
