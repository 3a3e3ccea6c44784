// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings, VaultStatus } from '../../../../src-main/api/contract';
import type { ReviewDocument, ReviewQueueItem } from '../../../../src-main/review/types';
import { App } from '../../../../src-renderer/src/App';
import { reviewBackend } from '../../../../src-renderer/src/screens/ReviewScreen';
import { installDomShims } from '../dom-shims';
import { fakeClient, ok } from '../fake-client';
import { smallDocument } from './fixtures';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/review'));
afterEach(cleanup);
for (const [name, size] of [['clientHeight', 600], ['clientWidth', 1000]] as const) {
  Object.defineProperty(HTMLElement.prototype, name, {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'queue-list' ? size : 0;
    },
  });
}

const vault = { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' };
const unlocked: VaultStatus = { state: 'unlocked', vault, recentVaults: ['/data/vault'] };

function row(document: ReviewDocument, minScore: number): ReviewQueueItem {
  return {
    documentId: document.documentId,
    title: document.title,
    status: document.status,
    reviewers: [],
    entities: document.annotations.length,
    pending: document.annotations.length,
    minScore,
    hasNegated: true,
    categories: { MEDICAL_CONDITION: 2 },
  };
}

function setup(initial: Settings) {
  let settings = initial;
  const first = smallDocument();
  const second = { ...smallDocument(), documentId: 'doc-2', title: 'Discharge summary' };
  const docs = new Map([first, second].map((doc) => [doc.documentId, doc]));
  const fake = fakeClient({
    'vault.status': () => ok(unlocked),
    'settings.get': () => ok(settings),
    'settings.update': (input) => {
      settings = { ...settings, ...(input as Partial<Settings>) };
      return ok(settings);
    },
    'resources.counts': () => ok([]),
    'vault.touch': () => ok({ lockInMs: 600_000 }),
    'review.reviewers': () => ok([{ name: 'Ada', documents: 1, done: 0 }]),
    'review.queue': (input) => ok({ total: 2, offset: Number(input.offset), items: [row(first, 0.4), row(second, 0.6)].slice(Number(input.offset)) }),
    'review.document': (input) => ok(docs.get(String(input.documentId))!),
    'review.apply': (input) => {
      const doc = docs.get(String(input.documentId))!;
      const next = { ...doc, revision: doc.revision + 1, status: 'in-progress' as const, annotations: doc.annotations.map((a, i) => (i === 0 ? { ...a, decision: 'accepted' as const } : a)) };
      docs.set(doc.documentId, next);
      return ok(next);
    },
    'concepts.search': () => ok({ hits: [], tookMs: 1, vocabularies: ['lexicon'] }),
  });
  return fake;
}

describe('review screen', () => {
  it('asks for the reviewer name once, then shows the queue, opens a note, records a decision and moves to the next note', async () => {
    const { client, calls } = setup({ autoLockMinutes: 15, theme: 'light' });
    render(<App client={client} />);
    fireEvent.change(await screen.findByLabelText('Your name'), { target: { value: '  Ada ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start reviewing' }));
    await screen.findByTestId('queue-row-doc-1');
    expect(calls.find((call) => call.channel === 'settings.update')?.input).toEqual({ reviewerName: 'Ada' });
    expect(calls.find((call) => call.channel === 'review.queue')?.input).toMatchObject({ viewer: 'Ada', offset: 0, count: 200 });
    expect(screen.getByTestId('queue-total').textContent).toBe('2 notes');

    fireEvent.keyDown(window, { key: 'Enter' });
    await waitFor(() => expect(window.location.hash).toBe('#/review/doc-1'));
    await screen.findByTestId('document-review');
    expect(calls.find((call) => call.channel === 'review.document')?.input).toEqual({ documentId: 'doc-1', reviewer: 'Ada' });
    fireEvent.keyDown(window, { key: 'a' });
    await waitFor(() => expect(screen.getByTestId('entity-decision').textContent).toBe('accepted'));
    expect(calls.find((call) => call.channel === 'review.apply')?.input).toMatchObject({ documentId: 'doc-1', reviewer: 'Ada', expectedRevision: 1 });
    fireEvent.keyDown(window, { key: 'n' });
    await waitFor(() => expect(window.location.hash).toBe('#/review/doc-2'));
    expect(await screen.findByText('Discharge summary')).toBeTruthy();
  });

  it('filters live in the route, and the nav entry is marked on a note', async () => {
    window.history.replaceState(null, '', '#/review?negated=1');
    const { client, calls } = setup({ autoLockMinutes: 15, theme: 'light', reviewerName: 'Ada' });
    render(<App client={client} />);
    await screen.findByTestId('queue-row-doc-1');
    expect(calls.find((call) => call.channel === 'review.queue')?.input).toMatchObject({ hasNegated: true });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Done' }));
    await waitFor(() => expect(window.location.hash).toBe('#/review?status=done&negated=1'));
    fireEvent.click(screen.getByTestId('queue-row-doc-2'));
    await waitFor(() => expect(window.location.hash).toBe('#/review/doc-2?status=done&negated=1'));
    expect(screen.getByTestId('nav-review').getAttribute('data-active')).toBe('true');
  });
});

describe('reviewBackend bulk accept', () => {
  it('waits for the job that bulk accept over many notes starts, and reports its message', async () => {
    let polls = 0;
    const { client, calls } = fakeClient({
      'review.bulkAccept': () => ok({ documents: 0, accepted: 0, jobId: 'job-7' }),
      'jobs.get': () => {
        polls += 1;
        const finished = polls >= 2;
        return ok({
          id: 'job-7', kind: 'review', title: 'Bulk accept', status: finished ? 'succeeded' : 'running', startedAt: '2026-01-01T00:00:00Z',
          progress: { done: finished ? 60 : 10, total: 60, message: `Accepted ${finished ? 9 : 1} annotations in ${finished ? 4 : 1} notes` },
        });
      },
    });
    const result = await reviewBackend(client.api, 'Ada').bulkAccept({ text: 'asthma' });
    expect(result).toEqual({ ok: true, value: { documents: 0, accepted: 0, jobMessage: 'Accepted 9 annotations in 4 notes' } });
    expect(calls.filter((call) => call.channel === 'jobs.get').map((call) => call.input)).toEqual([{ jobId: 'job-7' }, { jobId: 'job-7' }]);
    expect(calls[0]).toEqual({ channel: 'review.bulkAccept', input: { reviewer: 'Ada', text: 'asthma' } });
  });

  it('gives the job’s error when it fails', async () => {
    const failure = { resourceType: 'OperationOutcome' as const, issue: [{ severity: 'error' as const, code: 'exception' as const, diagnostics: 'disk full' }] };
    const { client } = fakeClient({
      'review.bulkAccept': () => ok({ documents: 0, accepted: 0, jobId: 'job-8' }),
      'jobs.get': () => ok({ id: 'job-8', kind: 'review', title: 'Bulk accept', status: 'failed', startedAt: '2026-01-01T00:00:00Z', progress: { done: 0 }, error: failure }),
    });
    const result = await reviewBackend(client.api, 'Ada').bulkAccept({ text: 'asthma' });
    expect(result).toEqual({ ok: false, error: failure });
  });
});
