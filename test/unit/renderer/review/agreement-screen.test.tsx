// @vitest-environment jsdom
/**
 * The agreement screen (#/agreement) with the fake client: figures from the real computeAgreement
 * over two reviewers' views, the side-by-side view of one note, a difference resolved from the
 * keyboard as the adjudicator's record (review.apply), and the cheat sheet.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings, VaultStatus } from '../../../../src-main/api/contract';
import { computeAgreement } from '../../../../src-main/review/agreement';
import type { AnnotationChange, ReviewDocument } from '../../../../src-main/review/types';
import { App } from '../../../../src-renderer/src/App';
import { scoreAxis } from '../../../../src-renderer/src/screens/AgreementScreen';
import { parseRoute, formatRoute } from '../../../../src-renderer/src/router/routes';
import { installDomShims } from '../dom-shims';
import { fakeClient, ok } from '../fake-client';
import { smallDocument } from './fixtures';

installDomShims();
afterEach(cleanup);
beforeEach(() => window.history.replaceState(null, '', '#/agreement?a=Ada&b=Bob'));

const vault = { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' };
const unlocked: VaultStatus = { state: 'unlocked', vault, recentVaults: ['/data/vault'] };
const settings: Settings = { autoLockMinutes: 15, theme: 'light', reviewerName: 'Ada' };

/** Ada accepted chest pain and aspirin; Bob rejected chest pain and accepted aspirin. */
function views(): Map<string, ReviewDocument> {
  const base = smallDocument();
  const decide = (reviewer: string, decisions: Record<string, 'accepted' | 'rejected'>): ReviewDocument => ({
    ...base,
    reviewer,
    annotations: base.annotations.map((a) => (decisions[a.text] ? { ...a, decision: decisions[a.text]!, reviewedBy: reviewer } : a)),
  });
  return new Map([
    ['Ada', decide('Ada', { 'chest pain': 'accepted', aspirin: 'accepted' })],
    ['Bob', decide('Bob', { 'chest pain': 'rejected', aspirin: 'accepted' })],
    ['adjudicated', { ...base, reviewer: 'adjudicated' }],
  ]);
}

function setup() {
  const docs = views();
  const fake = fakeClient({
    'vault.status': () => ok(unlocked),
    'settings.get': () => ok(settings),
    'resources.counts': () => ok([]),
    'vault.touch': () => ok({ lockInMs: 600_000 }),
    'review.reviewers': () => ok([{ name: 'Ada', documents: 1, done: 0 }, { name: 'Bob', documents: 1, done: 0 }]),
    'review.document': (input) => ok(docs.get(String(input.reviewer)) ?? { ...smallDocument(), reviewer: String(input.reviewer) }),
    'review.agreement': (input) => {
      const a = docs.get(String(input.reviewerA))!;
      const b = docs.get(String(input.reviewerB))!;
      return ok(computeAgreement(String(input.reviewerA), String(input.reviewerB), [{ documentId: a.documentId, title: a.title, a: a.annotations, b: b.annotations }]));
    },
    'review.apply': (input) => {
      const reviewer = String(input.reviewer);
      const doc = docs.get(reviewer)!;
      const changes = input.changes as AnnotationChange[];
      const annotations = doc.annotations.map((a) => {
        const change = changes.find((c) => c.id === a.id);
        return change?.after ? { ...a, ...change.after, reviewedBy: reviewer } : a;
      });
      const next = { ...doc, annotations, revision: doc.revision + 1, status: 'in-progress' as const };
      docs.set(reviewer, next);
      return ok(next);
    },
  });
  return fake;
}

describe('agreement screen', () => {
  it('keeps reviewers, notes and the open note in the route', () => {
    const route = parseRoute('#/agreement?a=Ada&b=Bob+Smith&ids=n1,n2,bad%20id&doc=n1');
    expect(route).toEqual({ screen: 'review-agreement', a: 'Ada', b: 'Bob Smith', documentIds: ['n1', 'n2'], documentId: 'n1' });
    expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute({ screen: 'review-agreement' })).toBe('#/agreement');
    expect(parseRoute('#/annotations?status=done&negated=1')).toEqual({ screen: 'review-exchange', filters: { status: ['done'], hasNegated: true } });
  });

  it('plots F1 and kappa on round ticks from 0, or from kappa\'s lowest quarter, to 1', () => {
    expect(scoreAxis([0.2, 0.9])).toEqual({ domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(scoreAxis([-0.548, 0.2])).toEqual({ domain: [-0.75, 1], ticks: [-0.75, -0.5, 0, 0.5, 1] });
    expect(scoreAxis([-0.1])).toEqual({ domain: [-0.25, 1], ticks: [-0.25, 0, 0.25, 0.5, 0.75, 1] });
    expect(scoreAxis([-3, Number.NaN])).toEqual({ domain: [-1, 1], ticks: [-1, -0.5, 0, 0.5, 1] });
    expect(scoreAxis([])).toEqual({ domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] });
  });

  it('asks for two reviewers before showing figures', async () => {
    window.history.replaceState(null, '', '#/agreement');
    const { client, calls } = setup();
    render(<App client={client} />);
    expect((await screen.findByTestId('agreement-choose')).textContent).toContain('Choose reviewer A and reviewer B');
    expect(calls.some((call) => call.channel === 'review.agreement')).toBe(false);
  });

  it('shows kappa, the categories and the notes; opens one side by side and resolves a difference with the keyboard', async () => {
    const { client, calls } = setup();
    render(<App client={client} />);
    // Items: the five engine spans. Ada: DX_NAME, GENERIC_NAME on two; Bob: GENERIC_NAME on one.
    // po = 4/5; Ada: DX 1/5, GN 1/5, none 3/5; Bob: GN 1/5, none 4/5; pe = 1/25 + 12/25 = 13/25; kappa = (20 - 13) / (25 - 13) = 7/12.
    expect((await screen.findByTestId('agreement-kappa')).textContent).toBe((7 / 12).toFixed(3));
    expect(calls.find((call) => call.channel === 'review.agreement')?.input).toEqual({ reviewerA: 'Ada', reviewerB: 'Bob' });
    const categories = screen.getByTestId('agreement-categories');
    expect(within(categories).getByText('Condition').closest('tr')!.textContent).toBe('Condition1000.0000.000');
    expect(within(categories).getByText('Medication').closest('tr')!.textContent).toBe('Medication1111.0001.000');
    expect(screen.getByTestId('agreement-difference-count').textContent).toBe('1 difference to resolve');

    fireEvent.click(screen.getByTestId('agreement-doc-doc-1'));
    await waitFor(() => expect(window.location.hash).toBe('#/agreement?a=Ada&b=Bob&doc=doc-1'));
    const first = await screen.findByTestId('difference-0');
    expect(first.textContent).toContain('only A');
    expect(first.textContent).toContain('A: “chest pain”');
    expect(first.textContent).toContain('(rejected)');
    expect(screen.getByTestId('resolved-count').textContent).toBe('0 of 1 resolved');
    expect(screen.getByTestId('agreement-cheat-sheet').textContent).toContain('Take A’s version');

    fireEvent.keyDown(window, { key: '1' });
    await waitFor(() => expect(screen.getByTestId('resolved-count').textContent).toBe('1 of 1 resolved'));
    const apply = calls.find((call) => call.channel === 'review.apply')!.input;
    expect(apply).toMatchObject({ documentId: 'doc-1', reviewer: 'adjudicated', expectedRevision: 1 });
    // The resolution, then what both agree on (aspirin), brought over with the first resolution.
    expect(apply.changes).toEqual([
      { id: expect.stringMatching(/^e:.*MEDICAL_CONDITION$/), after: expect.objectContaining({ decision: 'accepted', traits: ['NEGATION', 'SYMPTOM'] }) },
      { id: expect.stringMatching(/^e:.*MEDICATION$/), after: expect.objectContaining({ decision: 'accepted', concept: expect.objectContaining({ code: '1191' }) }) },
    ]);
    expect(screen.getByTestId('difference-resolution').textContent).toBe('took A');

    // 2 (take B) on the same difference rejects it in the adjudicator's record, with the new revision.
    fireEvent.keyDown(window, { key: '2' });
    await waitFor(() => expect(screen.getByTestId('difference-resolution').textContent).toBe('took B'));
    const second = calls.filter((call) => call.channel === 'review.apply')[1]!.input;
    expect(second).toMatchObject({ expectedRevision: 2 });
    expect(second.changes).toEqual([{ id: expect.stringMatching(/MEDICAL_CONDITION$/), after: expect.objectContaining({ decision: 'rejected' }) }]);

    fireEvent.keyDown(window, { key: '?' });
    await waitFor(() => expect(screen.queryByTestId('agreement-cheat-sheet')).toBeNull());
    fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(window.location.hash).toBe('#/agreement?a=Ada&b=Bob'));
    expect(screen.getByTestId('nav-review').getAttribute('data-active')).toBe('true');
  });
});
