/**
 * Lays a note out for display with overlapping and nested spans: the text is cut at every span and
 * heading boundary into segments, each knowing the annotations that cover it, and every annotation
 * gets a lane (a stacked underline level) so that overlapping ones never share a line.
 *
 * O((n + s) log n) for n annotations and s segments: 2,000 entities over 150 kB lay out in a few
 * milliseconds, so the note view can redo it on every change and leave the diffing to React.
 */

export interface Spanned {
  begin: number;
  end: number;
}

export interface Segment {
  begin: number;
  end: number;
  /** Indices into the annotations given, ordered by lane. */
  covering: number[];
  /** Annotations beginning exactly here (badges are drawn before the segment's text). */
  starting: number[];
  /** Index of the section whose heading this segment belongs to, or -1. */
  heading: number;
}

export interface NoteLayout {
  segments: Segment[];
  /** lane[i] is annotation i's underline level, 0 nearest the text. */
  lane: number[];
  /** Highest lane used + 1. */
  lanes: number;
}

/**
 * Annotations with an empty or out-of-range span are clamped to the text; an empty one covers no
 * segment but still gets a badge where it starts, so it stays visible and selectable.
 */
export function layoutNote(
  textLength: number,
  annotations: readonly Spanned[],
  headings: readonly Spanned[] = [],
  /** Extra offsets where a segment must end (the note view's block boundaries). */
  breaks: readonly number[] = [],
): NoteLayout {
  const clamp = (value: number): number => Math.max(0, Math.min(textLength, value));
  const count = annotations.length;
  const begins = new Array<number>(count);
  const ends = new Array<number>(count);
  for (let i = 0; i < count; i += 1) {
    const annotation = annotations[i]!;
    begins[i] = clamp(annotation.begin);
    ends[i] = Math.max(begins[i]!, clamp(annotation.end));
  }

  // Lanes: greedy interval colouring in (begin, longer first) order, optimal for intervals.
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (a, b) => begins[a]! - begins[b]! || ends[b]! - ends[a]! || a - b,
  );
  const lane = new Array<number>(count).fill(0);
  const laneEnd: number[] = [];
  for (const i of order) {
    let chosen = laneEnd.findIndex((end) => end <= begins[i]!);
    if (chosen === -1) {
      chosen = laneEnd.length;
      laneEnd.push(0);
    }
    laneEnd[chosen] = ends[i]!;
    lane[i] = chosen;
  }

  const cuts = new Set<number>([0, textLength]);
  for (const at of breaks) cuts.add(clamp(at));
  for (let i = 0; i < count; i += 1) {
    cuts.add(begins[i]!);
    cuts.add(ends[i]!);
  }
  const headingBegins: number[] = [];
  const headingEnds: number[] = [];
  for (const heading of headings) {
    const begin = clamp(heading.begin);
    const end = Math.max(begin, clamp(heading.end));
    headingBegins.push(begin);
    headingEnds.push(end);
    cuts.add(begin);
    cuts.add(end);
  }
  const points = [...cuts].sort((a, b) => a - b);

  // Annotations by begin, to open them as the sweep passes their start.
  let next = 0;
  const active: number[] = [];
  const segments: Segment[] = [];
  const byHeadingBegin = headingBegins.map((_, index) => index).sort((a, b) => headingBegins[a]! - headingBegins[b]!);
  let headingCursor = 0;
  let currentHeading = -1;
  for (let p = 0; p < points.length; p += 1) {
    const at = points[p]!;
    const starting: number[] = [];
    while (next < count && begins[order[next]!]! === at) {
      const index = order[next]!;
      starting.push(index);
      if (ends[index]! > at) active.push(index);
      next += 1;
    }
    for (let a = active.length - 1; a >= 0; a -= 1) if (ends[active[a]!]! <= at) active.splice(a, 1);
    while (headingCursor < byHeadingBegin.length && headingBegins[byHeadingBegin[headingCursor]!]! <= at) {
      const index = byHeadingBegin[headingCursor]!;
      if (headingEnds[index]! > at) currentHeading = index;
      headingCursor += 1;
    }
    if (currentHeading !== -1 && headingEnds[currentHeading]! <= at) currentHeading = -1;
    const end = points[p + 1];
    if (end === undefined) {
      // Badges of empty spans at the very end of the text still need a (zero-length) segment.
      if (starting.length > 0) segments.push({ begin: at, end: at, covering: [], starting, heading: -1 });
      break;
    }
    const covering = active.slice().sort((a, b) => lane[a]! - lane[b]!);
    segments.push({ begin: at, end, covering, starting, heading: currentHeading });
  }
  return { segments, lane, lanes: laneEnd.length };
}

/**
 * Block boundaries for a long note: just after the first line break past every `every` characters,
 * so each block holds whole lines and the browser lays out (and skips, off screen) one block at a
 * time instead of the whole note.
 */
export function blockBreaks(text: string, every: number): number[] {
  const breaks: number[] = [];
  for (let from = every; from < text.length; ) {
    const newline = text.indexOf('\n', from);
    if (newline === -1 || newline + 1 >= text.length) break;
    breaks.push(newline + 1);
    from = newline + 1 + every;
  }
  return breaks;
}

/** Index of the segment holding text offset `offset` (the last one for the end of the text). */
export function segmentAt(segments: readonly Segment[], offset: number): number {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (segments[mid]!.begin <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Trims whitespace and trailing punctuation off a span a reviewer selected with the mouse, which
 * usually catches a space or a full stop at either end. Null when nothing is left.
 */
export function trimSelection(text: string, begin: number, end: number): Spanned | null {
  let from = Math.max(0, Math.min(begin, end));
  let to = Math.min(text.length, Math.max(begin, end));
  while (from < to && /\s/.test(text[from]!)) from += 1;
  while (to > from && /[\s.,;:]/.test(text[to - 1]!)) to -= 1;
  return to > from ? { begin: from, end: to } : null;
}
