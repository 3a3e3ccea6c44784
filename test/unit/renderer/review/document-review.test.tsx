// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewDocument } from '../../../../src-main/review/types';
import type { ReviewBackend } from '../../../../src-renderer/src/review/backend';
import { DocumentReview } from '../../../../src-renderer/src/review/DocumentReview';
import { accept } from '../../../../src-renderer/src/review/edits';
import { ReviewHistory } from '../../../../src-renderer/src/review/history';
import { installDomShims } from '../dom-shims';
import { fakeBackend } from './fake-backend';
import { smallDocument } from './fixtures';

installDomShims();
afterEach(cleanup);

function mount(
  backend: ReviewBackend,
  history = new ReviewHistory(),
  extra: { onNext?: (doc: ReviewDocument) => void; onPrevious?: () => void; documentId?: string; onOpenDocument?: (id: string) => void } = {},
) {
  const utils = render(
    <MantineProvider>
      <Notifications />
      <DocumentReview
        documentId={extra.documentId ?? 'doc-1'}
        backend={backend}
        history={history}
        onBack={() => undefined}
        onNext={extra.onNext ?? (() => undefined)}
        onPrevious={extra.onPrevious}
        onOpenDocument={extra.onOpenDocument ?? (() => undefined)}
      />
    </MantineProvider>,
  );
  return { ...utils, history };
}

const key = (k: string, init: KeyboardEventInit = {}): void => {
  fireEvent.keyDown(window, { key: k, ...init });
};
const entityText = (): string => screen.getByTestId('entity-text').textContent ?? '';
const decision = (): string => screen.getByTestId('entity-decision').textContent ?? '';

describe('DocumentReview', () => {
  it('is usable from the keyboard: next entity, accept, reject, toggle a trait, undo, redo, next document', async () => {
    const { backend, store } = fakeBackend([smallDocument()]);
    let nextFrom = '';
    mount(backend, undefined, { onNext: (doc) => (nextFrom = doc.documentId) });
    await screen.findByTestId('document-review');
    // Starts on the first pending entity, in text order.
    expect(entityText()).toBe('chest pain');
    key('j');
    expect(entityText()).toBe('Mass in left lung');
    key('a');
    await waitFor(() => expect(decision()).toBe('accepted'));
    await waitFor(() => expect(screen.getByTestId('save-state').textContent).toBe('Saved'));
    expect(store.get('doc-1')!.annotations.find((a) => a.text === 'Mass in left lung')!.decision).toBe('accepted');
    expect(screen.getByTestId('review-status').textContent).toBe('In progress');
    key('j');
    key('r');
    await waitFor(() => expect(decision()).toBe('rejected'));
    key('t');
    key('n');
    await waitFor(() => expect(store.get('doc-1')!.annotations.find((a) => a.text === 'left lung base')!.traits).toContain('NEGATION'));
    const chip = screen.getByTestId('trait-NEG');
    expect(chip instanceof HTMLInputElement ? chip.checked : chip.querySelector('input')?.checked).toBe(true);

    key('z', { ctrlKey: true });
    await waitFor(() => expect(store.get('doc-1')!.annotations.find((a) => a.text === 'left lung base')!.traits).not.toContain('NEGATION'));
    expect(decision()).toBe('rejected');
    key('z', { ctrlKey: true });
    await waitFor(() => expect(store.get('doc-1')!.annotations.find((a) => a.text === 'left lung base')!.decision).toBe('pending'));
    key('Z', { ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(store.get('doc-1')!.annotations.find((a) => a.text === 'left lung base')!.decision).toBe('rejected'));
    key('n');
    expect(nextFrom).toBe('doc-1');
  });

  it('shows the cheat sheet, toggled with ?, and leaves the global "g then r" alone', async () => {
    const { backend, calls } = fakeBackend([smallDocument()]);
    mount(backend);
    await screen.findByTestId('document-review');
    const shown = screen.queryByTestId('review-cheat-sheet') !== null;
    key('?');
    expect(screen.queryByTestId('review-cheat-sheet') !== null).toBe(!shown);
    key('?');
    expect(screen.queryByTestId('review-cheat-sheet') !== null).toBe(shown);
    key('g');
    key('r');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((call) => call.method === 'apply')).toHaveLength(0);
  });

  it('rolls back a failed change, says which one, and retries it', async () => {
    let failing = true;
    const { backend, store } = fakeBackend([smallDocument()], { failApply: () => failing });
    mount(backend);
    await screen.findByTestId('document-review');
    key('a');
    const alert = await screen.findByTestId('review-failure');
    expect(alert.textContent).toContain('Not saved: Accept “chest pain”');
    expect(alert.textContent).toContain('The vault could not write');
    await waitFor(() => expect(decision()).toBe('pending'));
    failing = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(decision()).toBe('accepted'));
    expect(store.get('doc-1')!.annotations[0]!.decision).toBe('accepted');
    expect(screen.queryByTestId('review-failure')).toBeNull();
  });

  it('changes the category with a digit, the concept through search, and resizes with shift/alt arrows keeping the concept', async () => {
    const { backend, store } = fakeBackend([smallDocument()]);
    const painId = smallDocument().annotations[0]!.id;
    const pain = () => store.get('doc-1')!.annotations.find((a) => a.id === painId)!;
    mount(backend);
    await screen.findByTestId('document-review');
    key('c');
    const search = await screen.findByLabelText('Concept search');
    await screen.findByText(/Chest pain, unspecified/);
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(store.get('doc-1')!.annotations[0]!.concept?.code).toBe('R07.89'));
    expect(screen.getByTestId('entity-concept').textContent).toContain('R07.89');
    key('ArrowLeft', { shiftKey: true });
    await waitFor(() => expect(entityText()).toBe(' chest pain'));
    key('ArrowRight', { shiftKey: true });
    key('ArrowLeft', { altKey: true });
    await waitFor(() => expect(pain().text).toBe('chest pai'));
    expect(pain().concept?.code).toBe('R07.89');
    key('4');
    await waitFor(() => expect(pain().category).toBe('TEST_TREATMENT_PROCEDURE'));
    // A test has no ICD-10-CM concept.
    expect(pain().concept).toBeUndefined();
  });

  it('adds an entity from selected text, and undo removes it', async () => {
    const { backend, store } = fakeBackend([smallDocument()]);
    mount(backend);
    await screen.findByTestId('document-review');
    const note = screen.getByTestId('note-view');
    const segment = [...note.querySelectorAll<HTMLElement>('[data-seg]')].find((element) => element.textContent?.includes('81 mg daily'))!;
    const node = segment.firstChild!;
    const start = segment.textContent!.indexOf('daily');
    const range = document.createRange();
    range.setStart(node, start - 1);
    range.setEnd(node, start + 6);
    window.getSelection()!.removeAllRanges();
    window.getSelection()!.addRange(range);
    fireEvent.mouseUp(note);
    expect((await screen.findByTestId('add-entity')).textContent).toContain('daily');
    key('6');
    key('e');
    await waitFor(() => expect(store.get('doc-1')!.annotations.some((a) => a.origin === 'reviewer' && a.text === 'daily')).toBe(true));
    const added = store.get('doc-1')!.annotations.find((a) => a.origin === 'reviewer')!;
    expect(added).toMatchObject({ category: 'TIME_EXPRESSION', decision: 'accepted' });
    await waitFor(() => expect(entityText()).toBe('daily'));
    key('z', { ctrlKey: true });
    await waitFor(() => expect(store.get('doc-1')!.annotations.some((a) => a.origin === 'reviewer')).toBe(false));
  });

  it('bulk accepts above a score, and undo takes back this document’s part', async () => {
    const { backend, store } = fakeBackend([smallDocument()]);
    const { history } = mount(backend);
    await screen.findByTestId('document-review');
    key('b');
    const input = await screen.findByLabelText('Minimum score');
    fireEvent.change(input, { target: { value: '0.75' } });
    fireEvent.click(screen.getByTestId('bulk-run'));
    await waitFor(() => expect(store.get('doc-1')!.annotations.filter((a) => a.decision === 'accepted').map((a) => a.text).sort()).toEqual(['aspirin', 'left lung base']));
    await waitFor(() => expect(history.getSnapshot().undoLabel).toBe('Bulk accept (2 here)'));
    await waitFor(() => expect(document.querySelector('[role="dialog"]')).toBeNull());
    await act(async () => {
      key('z', { ctrlKey: true });
    });
    await waitFor(() => expect(store.get('doc-1')!.annotations.every((a) => a.decision === 'pending')).toBe(true));
  });

  it('marks the document done, and shows an error with Retry when the note cannot be opened', async () => {
    const { backend, store } = fakeBackend([smallDocument()]);
    mount(backend);
    await screen.findByTestId('document-review');
    key('D', { shiftKey: true });
    await waitFor(() => expect(store.get('doc-1')!.status).toBe('done'));
    expect(screen.getByTestId('review-status').textContent).toBe('Done');
    cleanup();
    mount(backend, undefined, { documentId: 'missing' });
    expect(await screen.findByText('No note missing')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('undo of a change made in another note applies there and opens that note', async () => {
    const other = { ...smallDocument(), documentId: 'doc-2' };
    const { backend, store, calls } = fakeBackend([smallDocument(), other]);
    const history = new ReviewHistory();
    history.record({ documentId: 'doc-2', label: 'Accept “aspirin”', edits: [accept(other.annotations.find((a) => a.text === 'aspirin')!)] });
    await backend.apply('doc-2', [{ id: other.annotations.find((a) => a.text === 'aspirin')!.id, after: history.peekUndo()!.edits[0]!.after }]);
    let opened = '';
    mount(backend, history, { onOpenDocument: (id) => (opened = id) });
    await screen.findByTestId('document-review');
    key('z', { ctrlKey: true });
    await waitFor(() => expect(opened).toBe('doc-2'));
    expect(calls.filter((call) => call.method === 'apply').at(-1)?.documentId).toBe('doc-2');
    expect(store.get('doc-2')!.annotations.find((a) => a.text === 'aspirin')!.decision).toBe('pending');
    expect(store.get('doc-1')!.revision).toBe(1);
    expect(history.getSnapshot()).toMatchObject({ canUndo: false, canRedo: true });
  });

  it('goes back with k and ↑, opens the previous document with p, deletes with Del, and changes the type in the panel', async () => {
    const { backend, store } = fakeBackend([smallDocument()]);
    let previous = 0;
    mount(backend, undefined, { onPrevious: () => (previous += 1) });
    await screen.findByTestId('document-review');
    const find = (text: string) => store.get('doc-1')!.annotations.find((a) => a.text === text);
    expect(entityText()).toBe('chest pain');
    key('j');
    key('j');
    expect(entityText()).toBe('left lung base');
    key('k');
    expect(entityText()).toBe('Mass in left lung');
    key('ArrowDown');
    key('ArrowUp');
    expect(entityText()).toBe('Mass in left lung');
    key('p');
    expect(previous).toBe(1);

    // Del on an engine entity rejects it (the engine would find it again).
    key('Delete');
    await waitFor(() => expect(find('Mass in left lung')?.decision).toBe('rejected'));

    // The Type select changes the type within the category, and keeps the category and span.
    key('j');
    expect(entityText()).toBe('left lung base');
    // c on an anatomy entity: no concept search, and a message says why.
    key('c');
    expect(await screen.findByText(/Anatomy entities have no concept/)).toBeTruthy();
    expect(screen.queryByLabelText('Concept search')).toBeNull();
    await act(async () => {
      fireEvent.click(screen.getAllByLabelText('Type').find((element) => element instanceof HTMLInputElement)!);
    });
    await act(async () => {
      fireEvent.click(await screen.findByRole('option', { name: 'DIRECTION', hidden: true }));
    });
    await waitFor(() => expect(find('left lung base')).toMatchObject({ category: 'ANATOMY', type: 'DIRECTION', edited: true }));

    // Del on an added entity removes it.
    const note = screen.getByTestId('note-view');
    const segment = [...note.querySelectorAll<HTMLElement>('[data-seg]')].find((element) => element.textContent?.includes('81 mg daily'))!;
    const start = segment.textContent!.indexOf('daily');
    const range = document.createRange();
    range.setStart(segment.firstChild!, start);
    range.setEnd(segment.firstChild!, start + 5);
    window.getSelection()!.removeAllRanges();
    window.getSelection()!.addRange(range);
    fireEvent.mouseUp(note);
    await screen.findByTestId('add-entity');
    key('e');
    await waitFor(() => expect(find('daily')?.origin).toBe('reviewer'));
    await waitFor(() => expect(entityText()).toBe('daily'));
    key('Delete');
    await waitFor(() => expect(find('daily')).toBeUndefined());
  });

  it('chooses a ranked candidate from the panel and shows the attributes', async () => {
    const doc = smallDocument();
    const aspirin = doc.annotations.find((a) => a.text === 'aspirin')!;
    aspirin.candidates = [
      { Code: '1191', Description: 'aspirin', Score: 0.97 },
      { Code: '243670', Description: 'aspirin 81 MG Oral Tablet', Score: 0.6 },
    ];
    aspirin.attributes = [
      { Id: 1, Type: 'DOSAGE', Score: 0.9, RelationshipScore: 0.9, RelationshipType: 'DOSAGE', BeginOffset: 0, EndOffset: 5, Text: '81 mg', Traits: [] },
    ];
    const { backend, store } = fakeBackend([doc]);
    mount(backend);
    await screen.findByTestId('document-review');
    fireEvent.click(screen.getByTestId('note-view').querySelector(`[data-ann="${aspirin.id}"]`)!);
    expect(screen.getByTestId('entity-attributes').textContent).toContain('dosage81 mg');
    fireEvent.click(screen.getByText('aspirin 81 MG Oral Tablet'));
    await waitFor(() => expect(store.get('doc-1')!.annotations.find((a) => a.id === aspirin.id)!.concept).toEqual({ system: 'RXNORM', code: '243670', display: 'aspirin 81 MG Oral Tablet' }));
  });
});
