import { describe, expect, it } from 'vitest';
import { blockBreaks, layoutNote, segmentAt, trimSelection } from '../../../../src-renderer/src/review/layout';
import { cpuStopwatch } from './cpu-time';
import { largeDocument, smallDocument } from './fixtures';

describe('note layout', () => {
  it('cuts the text at every span and heading boundary and lists what covers each piece', () => {
    const doc = smallDocument();
    const layout = layoutNote(doc.text.length, doc.annotations, doc.sections);
    const pieces = layout.segments.map((segment) => ({
      text: doc.text.slice(segment.begin, segment.end),
      covering: segment.covering.map((i) => doc.annotations[i]!.text),
      heading: segment.heading,
    }));
    expect(pieces.map((piece) => piece.text).join('')).toBe(doc.text);
    expect(pieces[0]).toEqual({ text: 'HISTORY', covering: [], heading: 0 });
    // "Mass in left lung base": Mass-in-left-lung (condition) overlaps left-lung-base (anatomy), lung nests in both.
    const lung = pieces.find((piece) => piece.text === 'lung');
    expect(lung?.covering.sort()).toEqual(['Mass in left lung', 'left lung base', 'lung'].sort());
    expect(pieces.find((piece) => piece.text === ' base')?.covering).toEqual(['left lung base']);
    expect(pieces.find((piece) => piece.text === 'Mass in ')?.covering).toEqual(['Mass in left lung']);
  });

  it('gives overlapping spans different lanes and reuses a lane once a span has ended', () => {
    const doc = smallDocument();
    const layout = layoutNote(doc.text.length, doc.annotations, doc.sections);
    const laneOf = (text: string): number => layout.lane[doc.annotations.findIndex((a) => a.text === text)]!;
    const stacked = [laneOf('Mass in left lung'), laneOf('left lung base'), laneOf('lung')];
    expect(new Set(stacked).size).toBe(3);
    expect(laneOf('chest pain')).toBe(0);
    expect(laneOf('aspirin')).toBe(0);
    expect(layout.lanes).toBe(3);
    // Within a segment, covering annotations are ordered by lane.
    for (const segment of layout.segments) {
      const lanes = segment.covering.map((i) => layout.lane[i]!);
      expect(lanes).toEqual([...lanes].sort((a, b) => a - b));
    }
  });

  it('marks where each annotation starts, clamps spans to the text, and keeps empty ones visible', () => {
    const layout = layoutNote(10, [
      { begin: 2, end: 5 },
      { begin: 8, end: 40 },
      { begin: 10, end: 10 },
    ]);
    expect(layout.segments.map((s) => [s.begin, s.end])).toEqual([[0, 2], [2, 5], [5, 8], [8, 10], [10, 10]]);
    expect(layout.segments[1]!.starting).toEqual([0]);
    expect(layout.segments[3]!.covering).toEqual([1]);
    expect(layout.segments[4]!.starting).toEqual([2]);
    expect(segmentAt(layout.segments, 6)).toBe(2);
    expect(segmentAt(layout.segments, 0)).toBe(0);
  });

  it('lays out 2,000 entities over 150 kB quickly and covers every entity exactly over its span', () => {
    const doc = largeDocument(150_000, 2000);
    expect(doc.annotations.length).toBe(2000);
    const elapsed = cpuStopwatch();
    const layout = layoutNote(doc.text.length, doc.annotations, doc.sections);
    const took = elapsed();
    const covered = new Array<number>(doc.annotations.length).fill(0);
    for (const segment of layout.segments) for (const i of segment.covering) covered[i]! += segment.end - segment.begin;
    doc.annotations.forEach((a, i) => expect(covered[i]).toBe(a.end - a.begin));
    // A few ms of CPU; the bound only catches a regression by orders of magnitude.
    expect(took).toBeLessThan(250);
  });

  it('trims spaces and trailing punctuation off a mouse selection', () => {
    const text = 'Has  chest pain. ';
    expect(trimSelection(text, 3, 16)).toEqual({ begin: 5, end: 15 });
    expect(trimSelection(text, 16, 3)).toEqual({ begin: 5, end: 15 });
    expect(trimSelection(text, 15, 17)).toBeNull();
  });

  it('breaks a long note into blocks of whole lines, and the layout cuts segments there', () => {
    const text = 'aaaa\nbbbbbbbb\ncc\ndddd\n';
    expect(blockBreaks(text, 3)).toEqual([5, 14]);
    expect(blockBreaks(text, 1)).toEqual([5, 14, 17]);
    expect(blockBreaks('no newline at all', 3)).toEqual([]);
    const layout = layoutNote(text.length, [{ begin: 2, end: 8 }], [], [5]);
    expect(layout.segments.map((s) => [s.begin, s.end])).toEqual([[0, 2], [2, 5], [5, 8], [8, 22]]);
    expect(layout.segments[2]!.covering).toEqual([0]);
  });
});
