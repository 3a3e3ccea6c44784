// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportReport, JobState, VaultStatus } from '../../../src-main/api/contract';
import { outcome } from '../../../src-main/api/result';
import { App } from '../../../src-renderer/src/App';
import { installDomShims } from './dom-shims';
import { fakeClient, ok } from './fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/import?job=job-7'));
afterEach(cleanup);

const unlocked: VaultStatus = {
  state: 'unlocked',
  vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' },
  recentVaults: [],
};

function job(extra: Partial<JobState>): JobState {
  return {
    id: 'job-7',
    kind: 'import',
    title: 'Import patients.ndjson',
    status: 'running',
    startedAt: '2026-01-01T00:00:00Z',
    progress: { done: 0 },
    ...extra,
  };
}

const report: ImportReport = {
  jobId: 'job-7',
  status: 'cancelled',
  created: 1200,
  updated: 0,
  unchanged: 0,
  failed: 30,
  files: [{ file: 'patients.ndjson', records: 1230, created: 1200, updated: 0, unchanged: 0, failed: 30 }],
  errors: Array.from({ length: 30 }, (_, index) => ({
    file: 'patients.ndjson',
    line: index * 10 + 3,
    resourceType: 'Patient',
    message: `Invalid id (record ${index})`,
    outcome: outcome('invalid', 'Invalid id'),
  })),
};

describe('import screen', () => {
  it('follows job events with rate and ETA, cancels, then shows the paged report', async () => {
    let current = job({ progress: { done: 0, total: 5000 } });
    const { client, calls, emit } = fakeClient({
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
      'resources.counts': () => ok([]),
      'jobs.get': () => ok(current),
      'jobs.cancel': () => ok(current),
      'import.report': () => ok(report),
    });
    render(<App client={client} />);
    expect((await screen.findByTestId('job-status')).textContent).toBe('running');

    current = job({ progress: { done: 1200, total: 5000, ratePerSecond: 850.4, etaSeconds: 95 } });
    await act(async () => emit({ type: 'job', job: current }));
    expect(screen.getByTestId('job-done').textContent).toBe('1,200 / 5,000 records');
    expect(screen.getByText('850 records/s')).toBeTruthy();
    expect(screen.getByText('about 1 min 35 s left')).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    });
    expect(calls.find((call) => call.channel === 'jobs.cancel')?.input).toEqual({ jobId: 'job-7' });

    current = job({ status: 'cancelled', counts: { created: 1200, updated: 0, unchanged: 0, failed: 30 } });
    await act(async () => emit({ type: 'job', job: current }));
    await waitFor(() => expect(screen.getByTestId('import-report')).toBeTruthy());
    expect(screen.getByTestId('report-failed').textContent).toBe('30');
    // "Import more" is not put where Cancel was (inside the job card): a click aimed at Cancel as
    // the job ends must not throw the report away.
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByTestId('job-panel').contains(screen.getByRole('button', { name: 'Import more' }))).toBe(false);
    const rows = () => [...screen.getByTestId('report-errors').querySelectorAll('tbody tr')];
    // 30 errors, 25 per page: the first page ends at record 24, the second holds the rest.
    expect(rows()).toHaveLength(25);
    expect(rows()[0]!.textContent).toContain('patients.ndjson3PatientInvalid id (record 0)');
    fireEvent.click(screen.getByRole('button', { name: '2' }));
    expect(rows()).toHaveLength(5);
    expect(rows()[4]!.textContent).toContain('293');
    // A finished job is announced once.
    expect(await screen.findByText('Import patients.ndjson: cancelled')).toBeTruthy();
  });

  it('hands the chosen files to the client to stream in web mode, and sends their text only without it', async () => {
    window.history.replaceState(null, '', '#/import');
    const handlers = {
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' as const }),
      'resources.counts': () => ok([]),
      'import.start': () => ok({ jobId: 'job-7' }),
      'jobs.get': () => ok(job({ progress: { done: 10 } })),
    };
    const files = [new File(['{"resourceType":"Patient"}'], 'a.json', { type: 'application/json' }), new File(['{"resourceType":"Patient"}\n'], 'b.ndjson')];

    const chooseAndStart = async (): Promise<void> => {
      const input = (await screen.findByTestId('dropzone')).querySelector('input[type="file"]');
      if (!(input instanceof HTMLInputElement)) throw new Error('no file input');
      await act(async () => {
        fireEvent.change(input, { target: { files } });
      });
      const start = await screen.findByTestId('start-import');
      expect(start.textContent).toContain('Import 2 files');
      await act(async () => {
        fireEvent.click(start);
      });
      expect((await screen.findByTestId('job-status')).textContent).toBe('running');
    };

    const streaming = fakeClient(handlers);
    const uploaded: File[][] = [];
    streaming.client.importFiles = async (chosen) => {
      uploaded.push([...chosen]);
      return ok({ jobId: 'job-7' });
    };
    render(<App client={streaming.client} />);
    await chooseAndStart();
    expect(uploaded).toHaveLength(1);
    expect(uploaded[0]!.map((file) => file.name)).toEqual(['a.json', 'b.ndjson']);
    expect(streaming.calls.some((call) => call.channel === 'import.start')).toBe(false);
    cleanup();

    window.history.replaceState(null, '', '#/import');
    const byText = fakeClient(handlers);
    render(<App client={byText.client} />);
    await chooseAndStart();
    expect(byText.calls.find((call) => call.channel === 'import.start')?.input).toEqual({
      sources: [
        { kind: 'text', name: 'a.json', text: '{"resourceType":"Patient"}' },
        { kind: 'text', name: 'b.ndjson', text: '{"resourceType":"Patient"}\n' },
      ],
    });
  });

  it('imports a folder or file by its path: typed in web mode, or from the native folder picker in Electron', async () => {
    window.history.replaceState(null, '', '#/import');
    const handlers = {
      'vault.status': () => ok(unlocked),
      'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' as const }),
      'resources.counts': () => ok([]),
      'import.start': () => ok({ jobId: 'job-7' }),
      'jobs.get': () => ok(job({ progress: { done: 10 } })),
    };
    // Web mode: no picker, a typed path (the server reads it on this machine).
    const web = fakeClient(handlers);
    render(<App client={web.client} />);
    const field = (await screen.findByTestId('import-path')) as HTMLInputElement;
    expect(screen.queryByRole('button', { name: /Choose a folder/ })).toBeNull();
    expect((screen.getByTestId('import-path-start') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(field, { target: { value: ' /data/synthea/fhir ' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('import-path-start'));
    });
    expect(web.calls.find((call) => call.channel === 'import.start')?.input).toEqual({ sources: [{ kind: 'path', path: '/data/synthea/fhir' }] });
    expect((await screen.findByTestId('job-status')).textContent).toBe('running');
    cleanup();

    // Electron: the picker asks for an import folder; cancelling it keeps what was there.
    window.history.replaceState(null, '', '#/import');
    const desktop = fakeClient(handlers);
    const purposes: Array<string | undefined> = [];
    let answer: string | null = '/media/usb/export-2026';
    render(<App client={{ ...desktop.client, platform: 'electron' as const, pickFolder: async (purpose) => (purposes.push(purpose), answer) }} />);
    await act(async () => {
      fireEvent.click(await screen.findByRole('button', { name: /Choose a folder/ }));
    });
    expect((screen.getByTestId('import-path') as HTMLInputElement).value).toBe('/media/usb/export-2026');
    answer = null;
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /Choose a folder/ }));
    });
    expect((screen.getByTestId('import-path') as HTMLInputElement).value).toBe('/media/usb/export-2026');
    expect(purposes).toEqual(['import', 'import']);
    await act(async () => {
      fireEvent.click(screen.getByTestId('import-path-start'));
    });
    expect(desktop.calls.find((call) => call.channel === 'import.start')?.input).toEqual({ sources: [{ kind: 'path', path: '/media/usb/export-2026' }] });
  });
});
