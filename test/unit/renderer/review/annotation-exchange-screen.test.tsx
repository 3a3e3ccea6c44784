// @vitest-environment jsdom
/**
 * The annotation export / import screen (#/annotations) with the fake client: export of the
 * current queue filter's notes as one JSONL download, BRAT as a .zip of its files, import of an
 * uploaded file (and of a .zip) as another reviewer with the report of errors per line.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Settings, VaultStatus } from '../../../../src-main/api/contract';
import type { ReviewQueueItem } from '../../../../src-main/review/types';
import { App } from '../../../../src-renderer/src/App';
import { readZip, writeZip } from '../../../../src-renderer/src/lib/zip';
import { guessFormat } from '../../../../src-renderer/src/screens/AnnotationExchangeScreen';
import { installDomShims } from '../dom-shims';
import { fakeClient, ok } from '../fake-client';

installDomShims();
const downloads: Array<{ name: string; blob: Blob }> = [];
beforeEach(() => {
  window.history.replaceState(null, '', '#/annotations?status=done&negated=1');
  downloads.length = 0;
  const blobs = new Map<string, Blob>();
  let n = 0;
  URL.createObjectURL = (blob: Blob | MediaSource) => {
    const url = `blob:test/${n++}`;
    blobs.set(url, blob as Blob);
    return url;
  };
  URL.revokeObjectURL = () => undefined;
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ name: this.download, blob: blobs.get(this.href)! });
  });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const vault = { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' };
const unlocked: VaultStatus = { state: 'unlocked', vault, recentVaults: ['/data/vault'] };
const settings: Settings = { autoLockMinutes: 15, theme: 'light', reviewerName: 'Ada' };

function item(documentId: string): ReviewQueueItem {
  return { documentId, title: documentId, status: 'done', reviewers: ['Ada'], entities: 2, pending: 0, hasNegated: true, categories: {} };
}

function setup() {
  return fakeClient({
    'vault.status': () => ok(unlocked),
    'settings.get': () => ok(settings),
    'resources.counts': () => ok([]),
    'vault.touch': () => ok({ lockInMs: 600_000 }),
    'review.reviewers': () => ok([{ name: 'Ada', documents: 2, done: 2 }]),
    'review.queue': () => ok({ total: 2, offset: 0, items: [item('n1'), item('n2')] }),
    'review.export': (input) =>
      ok(
        input.format === 'brat'
          ? [
              { name: 'n1.txt', text: 'No chest pain.' },
              { name: 'n1.ann', text: 'T1\tDX_NAME 3 13\tchest pain\n' },
              { name: 'annotation.conf', text: '[entities]\n' },
            ]
          : [{ name: 'annotations.spacy.jsonl', text: '{"text":"No chest pain.","spans":[],"meta":{"id":"n1"}}\n' }],
      ),
    'review.import': (input) =>
      ok({ documents: 1, annotations: 2, errors: [{ file: (input.files as Array<{ name: string }>)[0]!.name, line: 2, message: 'not valid JSON' }] }),
  });
}

/** Picks an option of a Select in one of the two cards. */
async function choose(card: 'annotation-export' | 'annotation-import', label: string, option: string): Promise<void> {
  const input = within(await screen.findByTestId(card)).getByLabelText(label);
  fireEvent.click(input);
  // Every Select keeps its options in the page: take the one this input controls.
  await waitFor(() => expect(input.getAttribute('aria-controls')).toBeTruthy());
  const listbox = document.getElementById(input.getAttribute('aria-controls')!)!;
  fireEvent.click(within(listbox).getByRole('option', { name: option, hidden: true }));
}

const importFormat = () => within(screen.getByTestId('annotation-import')).getByLabelText('Format') as HTMLInputElement;

describe('annotation export / import screen', () => {
  it('guesses the format from file names', () => {
    expect(guessFormat(['annotations-brat-ada.zip'])).toBe('brat');
    expect(guessFormat(['n1.ann', 'n1.txt'])).toBe('brat');
    expect(guessFormat(['annotations.spacy-ada.jsonl'])).toBe('spacy-jsonl');
    expect(guessFormat(['annotations.comprehend.jsonl'])).toBe('comprehend-jsonl');
    expect(guessFormat(['notes.jsonl'])).toBeUndefined();
  });

  it('exports the current queue filter’s notes as one download, BRAT as a zip', async () => {
    const { client, calls } = setup();
    render(<App client={client} />);
    await screen.findByTestId('annotation-export');
    await choose('annotation-export', 'Format', 'spaCy spans JSONL');
    fireEvent.click(screen.getByRole('radio', { name: /current queue filter/ }));
    fireEvent.click(screen.getByRole('checkbox', { name: /Include rejected/ }));
    fireEvent.click(screen.getByTestId('export-annotations'));
    await waitFor(() => expect(downloads).toHaveLength(1));
    // The queue with the filters the screen came from, as Ada sees it; then the export of those notes.
    expect(calls.find((call) => call.channel === 'review.queue')?.input).toMatchObject({ status: ['done'], hasNegated: true, viewer: 'Ada', offset: 0, count: 500 });
    expect(calls.find((call) => call.channel === 'review.export')?.input).toEqual({ format: 'spacy-jsonl', reviewer: 'Ada', includeRejected: true, documentIds: ['n1', 'n2'] });
    expect(downloads[0]!.name).toBe('annotations-Ada.spacy.jsonl');
    expect(await downloads[0]!.blob.text()).toContain('"meta":{"id":"n1"}');
    expect(screen.getByTestId('export-message').textContent).toContain('2 notes');

    await choose('annotation-export', 'Format', 'BRAT standoff (.zip)');
    fireEvent.click(screen.getByRole('radio', { name: /Every note/ }));
    fireEvent.click(screen.getByTestId('export-annotations'));
    await waitFor(() => expect(downloads).toHaveLength(2));
    expect(calls.filter((call) => call.channel === 'review.export')[1]!.input).toEqual({ format: 'brat', reviewer: 'Ada', includeRejected: true });
    expect(downloads[1]!.name).toBe('annotations-brat-Ada.zip');
    const files = await readZip(new Uint8Array(await downloads[1]!.blob.arrayBuffer()));
    expect(files.map((f) => [f.name, new TextDecoder().decode(f.bytes)])).toEqual([
      ['n1.txt', 'No chest pain.'],
      ['n1.ann', 'T1\tDX_NAME 3 13\tchest pain\n'],
      ['annotation.conf', '[entities]\n'],
    ]);
  });

  it('imports uploaded files as another reviewer and reports errors per line; a zip is unpacked', async () => {
    const { client, calls } = setup();
    render(<App client={client} />);
    const input = (await screen.findByTestId('annotation-import')).querySelector('input[type="file"]') as HTMLInputElement;
    const text = '{"text":"No chest pain.","spans":[],"meta":{"id":"n1"}}\n{oops\n';
    fireEvent.change(input, { target: { files: [new File([text], 'annotations.spacy.jsonl')] } });
    await waitFor(() => expect(importFormat().value).toBe('spaCy spans JSONL'));
    fireEvent.change(within(screen.getByTestId('annotation-import')).getByLabelText(/As reviewer/), { target: { value: 'Yan' } });
    fireEvent.click(screen.getByTestId('import-annotations'));
    expect((await screen.findByTestId('import-summary')).textContent).toBe('1 note · 2 annotations written · 1 error');
    expect(calls.find((call) => call.channel === 'review.import')?.input).toEqual({ format: 'spacy-jsonl', reviewer: 'Yan', files: [{ name: 'annotations.spacy.jsonl', text }] });
    expect(screen.getByTestId('import-errors').textContent).toContain('annotations.spacy.jsonl2not valid JSON');

    const zip = writeZip([
      { name: 'n1.txt', bytes: new TextEncoder().encode('No chest pain.') },
      { name: 'n1.ann', bytes: new TextEncoder().encode('T1\tDX_NAME 3 13\tchest pain\n') },
    ]);
    fireEvent.change(input, { target: { files: [new File([zip as BlobPart], 'annotations-brat-Ada.zip')] } });
    await waitFor(() => expect(importFormat().value).toBe('BRAT standoff (.zip)'));
    fireEvent.click(screen.getByTestId('import-annotations'));
    await waitFor(() => expect(calls.filter((call) => call.channel === 'review.import')).toHaveLength(2));
    expect(calls.filter((call) => call.channel === 'review.import')[1]!.input).toEqual({
      format: 'brat',
      reviewer: 'Yan',
      files: [
        { name: 'n1.txt', text: 'No chest pain.' },
        { name: 'n1.ann', text: 'T1\tDX_NAME 3 13\tchest pain\n' },
      ],
    });
  });
});
