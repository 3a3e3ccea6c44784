// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewDocument } from '../../../../src-main/review/types';
import { accept, applyLocally, toChanges } from '../../../../src-renderer/src/review/edits';
import { NoteView, textOffsetOf } from '../../../../src-renderer/src/review/NoteView';
import { installDomShims } from '../dom-shims';
import { cpuStopwatch } from './cpu-time';
import { largeDocument, smallDocument } from './fixtures';

installDomShims();
afterEach(cleanup);

function Harness({ initial, onReady }: { initial: ReviewDocument; onReady?: (api: { acceptAt: (index: number) => void }) => void }) {
  const [doc, setDoc] = useState(initial);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  onReady?.({
    acceptAt: (index) => setDoc((current) => applyLocally(current, toChanges([accept(current.annotations[index]!)]), 'Ada', 'now')),
  });
  return (
    <MantineProvider>
      <div data-testid="selected">{selected ?? ''}</div>
      <NoteView text={doc.text} sections={doc.sections} annotations={doc.annotations} selectedId={selected} onSelect={setSelected} />
    </MantineProvider>
  );
}

describe('NoteView', () => {
  it('shows the whole text, a badge per entity with trait markers, and the section heading', () => {
    const doc = smallDocument();
    render(<Harness initial={doc} />);
    const note = screen.getByTestId('note-view');
    const segments = [...note.querySelectorAll<HTMLElement>('[data-seg]')];
    expect(segments.map((segment) => segment.textContent).join('')).toBe(doc.text);
    const badges = [...note.querySelectorAll<HTMLElement>('[data-ann]')];
    expect(badges.map((badge) => badge.dataset.ann)).toEqual(doc.annotations.map((a) => a.id));
    const pain = note.querySelector<HTMLElement>(`[data-ann="${doc.annotations[0]!.id}"]`)!;
    expect(pain.textContent).toBe('CNEG');
    expect(pain.title).toContain('Condition (NEG), pending, score 0.62');
    expect(note.querySelector('[data-section]')?.textContent).toBe('PAST MEDICAL HISTORY');
    // The nested "lung" segment carries three stacked underlines.
    const lung = segments.find((segment) => segment.textContent === 'lung')!;
    expect(lung.style.backgroundImage.split('gradient(').length - 1).toBe(3);
    expect(lung.style.paddingBottom).toBe('13px');
  });

  it('selects by clicking a badge, steps outwards through nested spans on repeated clicks, and marks accepted ones', () => {
    const doc = smallDocument();
    let api: { acceptAt: (index: number) => void } | undefined;
    render(<Harness initial={doc} onReady={(ready) => (api = ready)} />);
    const note = screen.getByTestId('note-view');
    const lungId = doc.annotations.find((a) => a.text === 'lung')!.id;
    const lung = () => [...note.querySelectorAll<HTMLElement>('[data-seg]')].find((segment) => segment.textContent === 'lung')!;
    fireEvent.click(lung());
    expect(screen.getByTestId('selected').textContent).toBe(lungId);
    fireEvent.click(lung());
    const second = screen.getByTestId('selected').textContent;
    fireEvent.click(lung());
    const third = screen.getByTestId('selected').textContent;
    expect(new Set([lungId, second, third]).size).toBe(3);
    fireEvent.click(lung());
    expect(screen.getByTestId('selected').textContent).toBe(lungId);
    // Handles on both edges of the selected entity.
    expect(note.querySelectorAll('[data-handle]').length).toBe(2);
    const aspirin = doc.annotations.findIndex((a) => a.text === 'aspirin');
    fireEvent.click(note.querySelector(`[data-ann="${doc.annotations[aspirin]!.id}"]`)!);
    expect(screen.getByTestId('selected').textContent).toBe(doc.annotations[aspirin]!.id);
    act(() => api!.acceptAt(aspirin));
    expect(note.querySelector(`[data-ann="${doc.annotations[aspirin]!.id}"]`)?.textContent).toBe('M✓');
  });

  it('maps DOM positions back to text offsets', () => {
    const doc = smallDocument();
    render(<Harness initial={doc} />);
    const note = screen.getByTestId('note-view');
    const aspirin = [...note.querySelectorAll<HTMLElement>('[data-seg]')].find((segment) => segment.textContent === 'aspirin')!;
    expect(textOffsetOf(aspirin.firstChild!, 3)).toBe(doc.text.indexOf('aspirin') + 3);
    const badge = note.querySelector(`[data-ann="${doc.annotations.find((a) => a.text === 'aspirin')!.id}"]`)!;
    expect(textOffsetOf(badge, 0)).toBe(doc.text.indexOf('aspirin'));
  });

  it('renders 2,000 entities over 150 kB, and an accept re-renders far faster than the first render', () => {
    const doc = largeDocument(150_000, 2000);
    let api: { acceptAt: (index: number) => void } | undefined;
    // CPU time, not wall time: a loaded machine that deschedules the process in one of the accepts
    // (and not in the render) adds nothing to either.
    const rendering = cpuStopwatch();
    render(<Harness initial={doc} onReady={(ready) => (api = ready)} />);
    const first = rendering();
    const note = screen.getByTestId('note-view');
    expect(note.querySelectorAll('[data-ann]').length).toBe(2000);
    const times: number[] = [];
    for (const index of [5, 500, 1500]) {
      const accepting = cpuStopwatch();
      act(() => api!.acceptAt(index));
      times.push(accepting());
      expect(note.querySelector(`[data-ann="${doc.annotations[index]!.id}"]`)?.textContent).toMatch(/✓/);
    }
    const action = Math.max(...times);
    // Only the touched segments re-render: an action costs a fraction of the first render (jsdom
    // is several times slower than Chromium, so the absolute bound is loose).
    expect(action).toBeLessThan(first / 2);
    expect(action).toBeLessThan(1000);
    console.log(`NoteView 2,000 entities / ${doc.text.length} chars: first render ${first.toFixed(0)} ms CPU, accept ${times.map((t) => t.toFixed(0)).join('/')} ms CPU`);
  });

  it('draws only the blocks near the screen and the selected entity\'s block; the others are plain text', () => {
    // jsdom has no IntersectionObserver: a stand-in the test drives.
    const observers: Array<{ callback: IntersectionObserverCallback; targets: Set<Element> }> = [];
    class FakeObserver {
      readonly entry: { callback: IntersectionObserverCallback; targets: Set<Element> };
      constructor(callback: IntersectionObserverCallback) {
        this.entry = { callback, targets: new Set() };
        observers.push(this.entry);
      }
      observe(target: Element): void {
        this.entry.targets.add(target);
      }
      unobserve(target: Element): void {
        this.entry.targets.delete(target);
      }
      disconnect(): void {
        this.entry.targets.clear();
      }
    }
    const saved = (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver;
    (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver = FakeObserver;
    try {
      const doc = largeDocument(60_000, 600);
      const far = doc.annotations[500]!;
      const { rerender } = render(
        <MantineProvider>
          <NoteView text={doc.text} sections={doc.sections} annotations={doc.annotations} onSelect={() => undefined} />
        </MantineProvider>,
      );
      const note = screen.getByTestId('note-view');
      const blocks = (): HTMLElement[] => [...note.querySelectorAll<HTMLElement>('[data-block]')];
      expect(blocks().length).toBeGreaterThan(20);
      expect(blocks().filter((block) => block.dataset.plain === undefined).map((block) => block.dataset.block)).toEqual(['0', '1']);
      // A plain block holds its text as it is.
      expect(blocks().map((block) => (block.querySelector('[data-ann]') ? '' : block.textContent)).join('')).toContain(doc.text.slice(10_000, 10_100));
      expect(note.querySelector(`[data-ann="${far.id}"]`)).toBeNull();

      // Selecting a far entity draws its block (so it can be scrolled to).
      rerender(
        <MantineProvider>
          <NoteView text={doc.text} sections={doc.sections} annotations={doc.annotations} selectedId={far.id} onSelect={() => undefined} />
        </MantineProvider>,
      );
      expect(note.querySelector(`[data-ann="${far.id}"]`)).not.toBeNull();

      // Scrolled: block 10 comes near, block 0 goes away.
      const observer = observers[0]!;
      const target = (block: string): Element => [...observer.targets].find((element) => (element as HTMLElement).dataset.block === block && element.isConnected)!;
      act(() =>
        observer.callback(
          [
            { target: target('10'), isIntersecting: true },
            { target: target('0'), isIntersecting: false },
          ] as unknown as IntersectionObserverEntry[],
          observer as unknown as IntersectionObserver,
        ),
      );
      const drawn = blocks().filter((block) => block.dataset.plain === undefined).map((block) => block.dataset.block);
      expect(drawn).toContain('10');
      expect(drawn).toContain('1');
      expect(drawn).not.toContain('0');
      expect(blocks()[10]!.querySelector('[data-seg]')).not.toBeNull();
      // Every new element is observed, the replaced ones are not.
      expect([...observer.targets].every((element) => element.isConnected)).toBe(true);
      expect(observer.targets.size).toBe(blocks().length);
    } finally {
      (globalThis as { IntersectionObserver?: unknown }).IntersectionObserver = saved;
    }
  });
});
