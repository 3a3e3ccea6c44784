// @vitest-environment jsdom
/**
 * The Terminology screen over a fake client: the empty state, the packs list, an import followed
 * as a job (progress with counts and rate, Cancel) to its report and the NLP re-run offer, and
 * the OperationOutcome of a folder without releases.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState, NlpQueueStatus, VaultStatus } from '../../../src-main/api/contract';
import type { TerminologyImportReport, TerminologyPackInfo } from '../../../src-main/nlp/terminology/report-types';
import { App } from '../../../src-renderer/src/App';
import { openCommandPalette } from '../../../src-renderer/src/shell/CommandPalette';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok, outcome } from './fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/terminology'));
afterEach(cleanup);

const unlocked: VaultStatus = {
  state: 'unlocked',
  vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' },
  recentVaults: [],
};

function job(extra: Partial<JobState>): JobState {
  return { id: 'job-t', kind: 'terminology', title: 'Terminology import icd10cm-2026', status: 'running', startedAt: '2026-01-01T00:00:00Z', progress: { done: 0 }, ...extra };
}

const icdPack: TerminologyPackInfo = {
  codeSystemId: 'tpack-icd10cm-2026',
  system: 'ICD10CM',
  url: 'http://hl7.org/fhir/sid/icd-10-cm',
  version: 'icd10cm-2026',
  count: 98186,
  sha256: 'ab'.repeat(32),
  parts: 3,
  bytes: 1_824_000,
  lastUpdated: '2026-01-02T10:00:00Z',
};

const report: TerminologyImportReport = {
  jobId: 'job-t',
  status: 'succeeded',
  files: ['icd10cm-order-2026.txt', 'icd10cm_index_2017.xml', 'brand_names_bn.tsv'],
  seconds: 21.4,
  icd10: {
    version: 'icd10cm-2026',
    codes: 98186,
    billable: 74719,
    headers: 23467,
    indexVersion: '2017',
    indexTermsRead: 77199,
    indexTermsWithCode: 59412,
    indexTermsJoined: 59397,
    indexTermsDropped: 15,
    indexCodesDropped: 9,
    stored: 'created',
  },
  rxnorm: {
    version: 'rxnorm-partial',
    source: 'tsv',
    rowsRead: 39361,
    concepts: 26792,
    byTty: { IN: 2462, SCD: 11307, BN: 3914 },
    synonyms: 0,
    brandIngredientLinks: 12569,
    clinicalDrugs: 8558,
    stored: 'unchanged',
  },
};

const nlpOutdated: NlpQueueStatus = {
  available: true,
  scanned: true,
  notes: 12,
  current: 0,
  pending: 0,
  outdated: 12,
  failed: 0,
  paused: false,
  errors: [],
  notice: '12 notes were processed by an older engine, lexicon or terminology pack',
};

const base = {
  'vault.status': () => ok(unlocked),
  'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
  'resources.counts': () => ok([]),
};

const type = (value: string) => fireEvent.change(screen.getByTestId('terminology-paths'), { target: { value } });

describe('terminology screen', () => {
  it('explains packs when there are none, imports several paths as a job with progress, and shows the report and the re-run offer', async () => {
    let packs: TerminologyPackInfo[] = [];
    let current = job({ status: 'queued' });
    const { client, calls, emit } = fakeClient({
      ...base,
      'terminology.list': () => ok(packs),
      'terminology.import': () => ok({ jobId: 'job-t' }),
      'terminology.report': () => ok(report),
      'jobs.get': () => ok(current),
      'jobs.cancel': () => ok(current),
      'nlp.status': () => ok(nlpOutdated),
      'nlp.rerun': () => ok({ ...nlpOutdated, outdated: 0, pending: 12, notice: undefined }),
    });
    render(<App client={client} />);
    const empty = await screen.findByTestId('terminology-empty');
    expect(empty.textContent).toContain('icd10cm-order-YYYY.txt');
    expect(empty.textContent).toContain('RXNCONSO.RRF');
    // Web mode: no native folder picker.
    expect(screen.queryByRole('button', { name: /Choose a folder/ })).toBeNull();

    const submit = screen.getByTestId('start-terminology-import') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    type(' /data/icd10cm-2026 \n\n/data/rxnorm-partial\n');
    expect(submit.textContent).toBe('Import 2 paths');
    await act(async () => {
      fireEvent.click(submit);
    });
    expect(calls.find((call) => call.channel === 'terminology.import')?.input).toEqual({ paths: ['/data/icd10cm-2026', '/data/rxnorm-partial'] });
    expect(window.location.hash).toBe('#/terminology?job=job-t');
    expect((await screen.findByTestId('terminology-job-status')).textContent).toBe('queued');

    current = job({ progress: { done: 45_000, bytesDone: 7_340_032, bytesTotal: 14_680_064, ratePerSecond: 15_000, etaSeconds: 3, message: 'Reading icd10cm-order-2026.txt' } });
    await act(async () => emit({ type: 'job', job: current }));
    expect(screen.getByTestId('terminology-job-done').textContent).toBe('45,000 records read');
    expect(screen.getByText('15,000 records/s')).toBeTruthy();
    expect(screen.getByText('7.0 MiB of 14.0 MiB')).toBeTruthy();
    expect(screen.getByTestId('terminology-job-message').textContent).toBe('Reading icd10cm-order-2026.txt');
    expect(screen.getByRole('progressbar', { name: 'Terminology import progress' }).getAttribute('aria-valuenow')).toBe('50');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(calls.some((call) => call.channel === 'jobs.cancel' && call.input['jobId'] === 'job-t')).toBe(true));

    packs = [icdPack];
    current = job({ status: 'succeeded', progress: { done: 175_000 } });
    await act(async () => emit({ type: 'job', job: current }));
    const reportPanel = await screen.findByTestId('terminology-report');
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(within(reportPanel).getByTestId('report-icd10-codes').textContent).toBe('98,186');
    expect(within(reportPanel).getByTestId('report-icd10-billable').textContent).toBe('74,719');
    expect(within(reportPanel).getByTestId('report-icd10-index').textContent).toContain('59,397 joined to this release, 15 dropped');
    expect(within(reportPanel).getByTestId('report-rxnorm-concepts').textContent).toBe('26,792');
    const ttyRows = [...within(reportPanel).getByTestId('report-rxnorm-tty').querySelectorAll('tbody tr')].map((row) => row.textContent);
    expect(ttyRows).toEqual(['SCD11,307', 'BN3,914', 'IN2,462']);
    expect(within(reportPanel).getAllByTestId('pack-stored').map((badge) => badge.textContent)).toEqual(['created', 'unchanged']);
    // The list is read again once the job ends: the new pack shows.
    await waitFor(() => expect(screen.getByTestId('terminology-packs').textContent).toContain('icd10cm-2026'));
    const row = screen.getByTestId('terminology-packs').querySelector('tbody tr');
    expect(row?.textContent).toContain('ICD-10-CM');
    expect(row?.textContent).toContain('98,186');
    expect(row?.textContent).toContain('1.7 MiB');
    // A pack was stored: the NLP's older results are offered for a re-run.
    expect((await screen.findByTestId('nlp-notice')).textContent).toContain('12 notes were processed by an older engine');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Re-run' }));
    });
    expect(calls.some((call) => call.channel === 'nlp.rerun')).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Import another release' }));
    expect(window.location.hash).toBe('#/terminology');
    expect(await screen.findByTestId('terminology-paths')).toBeTruthy();
  });

  it('says nothing changed when the packs were already stored (no re-run offer)', async () => {
    const { client } = fakeClient({
      ...base,
      'terminology.list': () => ok([icdPack]),
      'terminology.report': () => ok({ ...report, icd10: { ...report.icd10!, stored: 'unchanged' }, rxnorm: undefined }),
      'jobs.get': () => ok(job({ status: 'succeeded' })),
      'nlp.status': () => ok(nlpOutdated),
    });
    window.history.replaceState(null, '', '#/terminology?job=job-t');
    render(<App client={client} />);
    expect(await screen.findByText(/Nothing changed/)).toBeTruthy();
    expect(screen.queryByTestId('nlp-status')).toBeNull();
    expect(screen.queryByTestId('report-rxnorm')).toBeNull();
  });

  it('shows the OperationOutcome of a folder without releases, and of a list that cannot be read', async () => {
    let listFails = true;
    const { client } = fakeClient({
      ...base,
      'terminology.list': () => (listFails ? err(outcome('exception', 'The vault is busy')) : ok([])),
      'terminology.import': () => ok({ jobId: 'job-t' }),
      'jobs.get': () =>
        ok(
          job({
            status: 'failed',
            error: outcome('not-found', 'No terminology release found (icd10cm-order-YYYY.txt, icd10cm_index_YYYY.xml, RXNCONSO.RRF or the RxNorm partial tables)', { status: 404 }),
          }),
        ),
    });
    render(<App client={client} />);
    expect(await screen.findByText(/The vault is busy/)).toBeTruthy();
    listFails = false;
    fireEvent.click(screen.getByRole('button', { name: /Retry/i }));
    expect(await screen.findByTestId('terminology-empty')).toBeTruthy();

    type('/home/me/Downloads');
    await act(async () => {
      fireEvent.click(screen.getByTestId('start-terminology-import'));
    });
    const alert = await screen.findByTestId('terminology-job-error');
    expect(alert.textContent).toContain('No terminology release found');
    expect(screen.getByTestId('terminology-job-status').textContent).toBe('failed');
    expect(screen.queryByTestId('terminology-report')).toBeNull();
  });

  it('offers the native folder picker in Electron and appends the chosen folder', async () => {
    const { client } = fakeClient({ ...base, 'terminology.list': () => ok([]) });
    let answer: string | null = '/media/usb/RxNorm_full';
    const electron = { ...client, platform: 'electron' as const, pickFolder: async () => answer };
    render(<App client={electron} />);
    await screen.findByTestId('terminology-empty');
    type('/data/icd10cm-2026');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /Choose a folder/ }));
    });
    expect((screen.getByTestId('terminology-paths') as HTMLTextAreaElement).value).toBe('/data/icd10cm-2026\n/media/usb/RxNorm_full');
    answer = null;
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /Choose a folder/ }));
    });
    expect((screen.getByTestId('terminology-paths') as HTMLTextAreaElement).value).toBe('/data/icd10cm-2026\n/media/usb/RxNorm_full');
  });

  it('is in the navigation and the command palette', async () => {
    window.history.replaceState(null, '', '#/');
    const { client } = fakeClient({ ...base, 'terminology.list': () => ok([]), 'nlp.status': () => ok(nlpOutdated) });
    render(<App client={client} />);
    fireEvent.click(await screen.findByTestId('nav-terminology'));
    expect(window.location.hash).toBe('#/terminology');
    expect(await screen.findByRole('heading', { name: 'Terminology' })).toBeTruthy();

    fireEvent.click(screen.getByTestId('nav-home'));
    expect(window.location.hash).toBe('#/');
    act(() => openCommandPalette());
    fireEvent.click(await screen.findByText('Terminology packs…'));
    await waitFor(() => expect(window.location.hash).toBe('#/terminology'));
  });
});
