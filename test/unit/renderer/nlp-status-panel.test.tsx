// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobState, NlpQueueStatus } from '../../../src-main/api/contract';
import { outcome } from '../../../src-main/api/result';
import { ApiProvider } from '../../../src-renderer/src/api/context';
import { NlpStatusPanel } from '../../../src-renderer/src/components/NlpStatusPanel';
import { VaultDataProvider } from '../../../src-renderer/src/shell/vault-data';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok, type Handlers } from './fake-client';

installDomShims();
afterEach(cleanup);

function nlpStatus(extra: Partial<NlpQueueStatus>): NlpQueueStatus {
  return { available: true, scanned: true, notes: 10, current: 10, pending: 0, outdated: 0, failed: 0, paused: false, errors: [], ...extra };
}

function renderPanel(handlers: Handlers) {
  const fake = fakeClient({ 'resources.counts': () => ok([]), ...handlers });
  render(
    <MantineProvider>
      <ApiProvider client={fake.client}>
        <VaultDataProvider>
          <NlpStatusPanel />
        </VaultDataProvider>
      </ApiProvider>
    </MantineProvider>,
  );
  return fake;
}

describe('NLP status panel', () => {
  it('shows the counts and the older-engine notice, and re-runs on request', async () => {
    let status = nlpStatus({ current: 4, outdated: 6, notice: '6 notes were processed by an older engine, lexicon or terminology pack', versions: { engine: '2', lexicon: 'L3', packs: [] } });
    const { calls } = renderPanel({
      'nlp.status': () => ok(status),
      'nlp.rerun': () => {
        status = nlpStatus({ current: 4, outdated: 6, jobId: 'j1' });
        return ok(status);
      },
      'jobs.get': () => ok<JobState>({ id: 'j1', kind: 'nlp', title: 'Clinical NLP', status: 'running', startedAt: '2026-01-01T00:00:00Z', progress: { done: 3, total: 6, ratePerSecond: 12, etaSeconds: 1, message: 'Processed 3 of 6 notes' } }),
    });
    expect(await screen.findByText('6 notes were processed by an older engine, lexicon or terminology pack.')).toBeTruthy();
    expect(screen.getByTestId('nlp-counts').textContent).toBe('4 of 10 notes processed');
    expect(screen.getByText('engine 2, lexicon L3')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Re-run' }));
    await waitFor(() => expect(calls.some((c) => c.channel === 'nlp.rerun' && c.input.scope === 'outdated')).toBe(true));
    expect(await screen.findByText('Processed 3 of 6 notes')).toBeTruthy();
    expect(screen.getByText('12 notes/s')).toBeTruthy();
    expect(screen.queryByTestId('nlp-notice')).toBeNull();
  });

  it('follows nlp events, cancels the job, offers Resume when paused and lists failures', async () => {
    const { calls, emit } = renderPanel({
      'nlp.status': () => ok(nlpStatus({ current: 2, pending: 8 })),
      'nlp.cancel': () => ok(nlpStatus({ current: 5, pending: 5, paused: true })),
      'nlp.start': () => ok(nlpStatus({ current: 5, pending: 5, jobId: 'j2' })),
      'jobs.get': (input) => ok<JobState>({ id: String(input.jobId), kind: 'nlp', title: 'Clinical NLP', status: 'running', startedAt: '2026-01-01T00:00:00Z', progress: { done: 0 } }),
    });
    expect((await screen.findByTestId('nlp-counts')).textContent).toBe('2 of 10 notes processed, 8 waiting');
    act(() => emit({ type: 'nlp', status: nlpStatus({ current: 4, pending: 5, failed: 1, jobId: 'j1', errors: [{ id: 'n7', message: 'no text/plain attachment' }] }) }));
    expect(screen.getByTestId('nlp-counts').textContent).toBe('4 of 10 notes processed, 5 waiting, 1 failed');
    expect(screen.getByText('DocumentReference/n7: no text/plain attachment')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Paused: new notes wait.')).toBeTruthy();
    expect(calls.filter((c) => c.channel === 'nlp.cancel')).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(screen.queryByText('Paused: new notes wait.')).toBeNull());
    expect(calls.filter((c) => c.channel === 'nlp.start')).toHaveLength(1);
  });

  it('says so when the session has no engine, and shows an error it cannot read', async () => {
    renderPanel({ 'nlp.status': () => ok(nlpStatus({ available: false, notes: 0, current: 0 })) });
    expect(await screen.findByText('No NLP engine in this session: notes are not analysed.')).toBeTruthy();
    cleanup();
    renderPanel({ 'nlp.status': () => err(outcome('exception', 'store worker stopped')) });
    expect(await screen.findByText('Cannot read the NLP status')).toBeTruthy();
  });

  it('says what the engine learned from review corrections, asking again when the engine changes', async () => {
    let learned = { version: 'learned-aaa', suppressions: 3, terms: 12, concepts: 4, triggers: 1, pseudoTriggers: 2, rejectedConcepts: 6, records: 5, notes: 5, corrections: 40 };
    const { emit, calls } = renderPanel({
      'nlp.status': () => ok(nlpStatus({ versions: { engine: '2', lexicon: 'L3', packs: ['learned-aaa'] } })),
      'nlp.learning': () => ok(learned),
      'nlp.relearn': () => ok(learned),
    });
    expect((await screen.findByTestId('nlp-learning')).textContent).toBe(
      'Learned from 40 review corrections: 3 suppressed mentions, 12 terms, 4 concept choices, 6 corrected concept links, 1 trigger phrases, 2 non-trigger phrases',
    );
    learned = { ...learned, version: 'learned-bbb', corrections: 41, terms: 13 };
    act(() => emit({ type: 'nlp', status: nlpStatus({ versions: { engine: '2', lexicon: 'L3', packs: ['learned-bbb'] } }) }));
    await waitFor(() => expect(screen.getByTestId('nlp-learning').textContent).toContain('41 review corrections'));
    expect(calls.filter((c) => c.channel === 'nlp.learning')).toHaveLength(2);
    // Relearn: derives again now and says whether the model changed.
    fireEvent.click(screen.getByTestId('nlp-relearn'));
    expect((await screen.findByTestId('nlp-relearned')).textContent).toBe('Nothing new from 5 review records.');
    learned = { ...learned, version: 'learned-ccc', corrections: 43, suppressions: 4 };
    fireEvent.click(screen.getByTestId('nlp-relearn'));
    await waitFor(() => expect(screen.getByTestId('nlp-relearned').textContent).toContain('New model from 5 review records'));
    expect(screen.getByTestId('nlp-learning').textContent).toContain('43 review corrections: 4 suppressed mentions');
    expect(calls.filter((c) => c.channel === 'nlp.relearn')).toHaveLength(2);
    cleanup();
    // Nothing learned: no line.
    renderPanel({ 'nlp.status': () => ok(nlpStatus({})), 'nlp.learning': () => ok({ ...learned, corrections: 0 }) });
    await screen.findByTestId('nlp-counts');
    expect(screen.queryByTestId('nlp-learning')).toBeNull();
  });
});
