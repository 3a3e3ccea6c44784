/**
 * The note under review with its entities drawn in place: a coloured, patterned underline per
 * entity (stacked when spans overlap or nest), a badge with the category's letter where each starts
 * (✓ accepted, ✗ rejected), trait markers (NEG, HX, FAM, HYP, FUT), negated text struck through,
 * section headings in bold with their kind. The selected entity is outlined and has drag handles
 * on both edges.
 *
 * Speed (issue 6 §5: 2,000 entities, each action under 100 ms): the layout is recomputed on every
 * change (a few ms), each segment's look is summed up in a signature string, and a segment whose
 * signature and text are unchanged is not re-rendered. Clicks, selections and drags are handled once
 * on the container and mapped back through data attributes.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type MouseEvent as ReactMouseEvent, type RefObject } from 'react';
import type { ReviewAnnotation, ReviewSection } from '../../../src-main/review/types';
import { CATEGORY_STYLES, traitMarkers, underlineImage } from './categories';
import { blockBreaks, layoutNote, segmentAt, type NoteLayout, type Spanned } from './layout';
import classes from './NoteView.module.css';

export interface NoteViewProps {
  text: string;
  sections: readonly ReviewSection[];
  annotations: readonly ReviewAnnotation[];
  selectedId?: string | undefined;
  onSelect: (id: string) => void;
  /** The reviewer selected text with the mouse (null: the selection was cleared). */
  onTextSelected?: (span: Spanned | null) => void;
  /** The reviewer dragged an edge of the selected entity to a text offset. */
  onDragEdge?: (id: string, edge: 'begin' | 'end', offset: number) => void;
}

const LANE_STEP = 4;
const LINE = 2;

interface BadgeVisual {
  id: string;
  letter: string;
  color: string;
  ink: string;
  markers: string[];
  decision: ReviewAnnotation['decision'];
  label: string;
}

interface SegmentVisual {
  index: number;
  begin: number;
  end: number;
  className: string;
  style: CSSProperties | undefined;
  badges: BadgeVisual[];
  section?: string;
  handleBefore: boolean;
  handleAfter: boolean;
  /** Everything above, as a string: equal signatures render the same. */
  signature: string;
}

function hexAlpha(color: string, alpha: number): string {
  return `${color}${Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')}`;
}

function sectionTag(section: ReviewSection): string {
  return section.kind === 'unknown' ? 'SECTION' : section.kind.replace(/_/g, ' ').toUpperCase();
}

/** Each segment's look, from the layout and the annotations (pure, exported for tests). */
interface AnnotationLook {
  image: string;
  tint: string | undefined;
  negated: boolean;
  part: string;
  badge: BadgeVisual;
  badgeSignature: string;
}

const LOOKS = new WeakMap<ReviewAnnotation, { lane: number; look: AnnotationLook }>();

/** Unchanged annotations keep their object across an optimistic update: their look is reused. */
function cachedLook(annotation: ReviewAnnotation, lane: number): AnnotationLook {
  const cached = LOOKS.get(annotation);
  if (cached && cached.lane === lane) return cached.look;
  const look = annotationLook(annotation, lane);
  LOOKS.set(annotation, { lane, look });
  return look;
}

/** What an annotation contributes to any segment it covers, computed once per annotation. */
function annotationLook(annotation: ReviewAnnotation, lane: number): AnnotationLook {
  const style = CATEGORY_STYLES[annotation.category];
  const rejected = annotation.decision === 'rejected';
  const markers = traitMarkers(annotation.traits);
  const label = `${style.label}${markers.length ? ` (${markers.join(', ')})` : ''}, ${annotation.decision}${
    annotation.score === undefined ? '' : `, score ${annotation.score.toFixed(2)}`
  }`;
  return {
    image: underlineImage(style.pattern, rejected ? hexAlpha(style.color, 0.35) : style.color),
    tint: rejected ? undefined : hexAlpha(style.color, annotation.decision === 'accepted' ? 0.24 : 0.12),
    negated: !rejected && annotation.traits.includes('NEGATION'),
    part: `${lane}${style.letter}${annotation.decision[0]}`,
    badge: { id: annotation.id, letter: style.letter, color: style.color, ink: style.ink, markers, decision: annotation.decision, label },
    badgeSignature: `${annotation.id}:${label}`,
  };
}

/** The last visuals computed for a layout, with the looks they were made from. */
const PREVIOUS = new WeakMap<NoteLayout, { sections: readonly ReviewSection[]; looks: AnnotationLook[]; visuals: SegmentVisual[] }>();

/** Each segment's look, from the layout and the annotations (pure, exported for tests). */
export function segmentVisuals(layout: NoteLayout, annotations: readonly ReviewAnnotation[], sections: readonly ReviewSection[]): SegmentVisual[] {
  const looks = annotations.map((annotation, i) => cachedLook(annotation, layout.lane[i]!));
  // An action changes one or a few annotations: a segment whose annotations all kept their look
  // keeps its visual (same object), so only the segments of the changed ones are rebuilt.
  const previous = PREVIOUS.get(layout);
  const reusable = previous && previous.sections === sections && previous.looks.length === looks.length ? previous : undefined;
  const sectionShown = new Set<number>();
  const visuals = layout.segments.map((segment, index) => {
    if (reusable) {
      let same = true;
      for (const i of segment.covering) if (reusable.looks[i] !== looks[i]) same = false;
      for (const i of segment.starting) if (reusable.looks[i] !== looks[i]) same = false;
      if (same) {
        if (segment.heading !== -1) sectionShown.add(segment.heading);
        return reusable.visuals[index]!;
      }
    }
    const covered = segment.covering.length > 0;
    let style: CSSProperties | undefined;
    let negated = false;
    let tint: string | undefined;
    let parts = '';
    let padding = 0;
    if (covered) {
      let maxLane = 0;
      for (const i of segment.covering) maxLane = Math.max(maxLane, layout.lane[i]!);
      padding = (maxLane + 1) * LANE_STEP + 1;
      const images: string[] = [];
      const positions: string[] = [];
      const sizes: string[] = [];
      for (const i of segment.covering) {
        const look = looks[i]!;
        images.push(look.image);
        // Line top at content bottom + 1 + lane * step, whatever this segment's own padding is.
        positions.push(`0 calc(100% - ${padding - 1 - layout.lane[i]! * LANE_STEP - LINE}px)`);
        sizes.push(`100% ${LINE}px`);
        if (look.negated) negated = true;
        if (look.tint) tint = look.tint;
        parts += look.part;
      }
      style = {
        backgroundImage: images.join(', '),
        backgroundPosition: positions.join(', '),
        backgroundSize: sizes.join(', '),
        backgroundColor: tint,
        paddingBottom: padding,
      };
    }
    let className = classes.segment ?? '';
    if (covered) className += ` ${classes.entity}`;
    if (negated) className += ` ${classes.negated}`;
    if (segment.heading !== -1) className += ` ${classes.heading}`;
    const badges = segment.starting.map((i) => looks[i]!.badge);
    let section: string | undefined;
    if (segment.heading !== -1 && !sectionShown.has(segment.heading)) {
      sectionShown.add(segment.heading);
      const heading = sections[segment.heading];
      if (heading) section = sectionTag(heading);
    }
    let badgeSignature = '';
    for (const i of segment.starting) badgeSignature += `${looks[i]!.badgeSignature};`;
    const signature = `${className}|${tint ?? ''}|${parts}|${padding}|${badgeSignature}|${section ?? ''}`;
    return {
      index,
      begin: segment.begin,
      end: segment.end,
      className,
      style,
      badges,
      ...(section ? { section } : {}),
      handleBefore: false,
      handleAfter: false,
      signature,
    };
  });
  PREVIOUS.set(layout, { sections, looks, visuals });
  return visuals;
}

/**
 * The visuals with the selected entity outlined and its drag handles: only the segments it covers
 * are replaced, so moving the selection (j / k) leaves every other segment as it was.
 */
export function withSelection(
  visuals: SegmentVisual[],
  layout: NoteLayout,
  annotations: readonly ReviewAnnotation[],
  selectedId: string | undefined,
): SegmentVisual[] {
  const selected = selectedId === undefined ? -1 : annotations.findIndex((annotation) => annotation.id === selectedId);
  const annotation = annotations[selected];
  if (!annotation) return visuals;
  const out = visuals.slice();
  for (let i = segmentAt(layout.segments, annotation.begin); i < layout.segments.length; i += 1) {
    const segment = layout.segments[i]!;
    const covering = segment.covering.includes(selected);
    const starting = segment.starting.includes(selected);
    if (!covering && !starting) {
      if (segment.begin >= annotation.end) break;
      continue;
    }
    const visual = out[i]!;
    const handleAfter = covering && annotation.end === segment.end;
    out[i] = {
      ...visual,
      className: covering ? `${visual.className} ${classes.selected}` : visual.className,
      handleBefore: starting,
      handleAfter,
      signature: `${visual.signature}|S${covering ? 'c' : ''}${starting ? 'B' : ''}${handleAfter ? 'A' : ''}`,
    };
  }
  return out;
}

const DECISION_MARK: Record<ReviewAnnotation['decision'], string> = { pending: '', accepted: '✓', rejected: '✗' };

const SegmentView = memo(
  function SegmentView({ visual, text }: { visual: SegmentVisual; text: string }) {
    return (
      <>
        {visual.section && (
          <span className={classes.section} data-section="">
            {visual.section}
          </span>
        )}
        {visual.badges.map((badge) => (
          <span key={badge.id} data-ann={badge.id} title={badge.label}>
            <span
              className={classes.badge}
              style={{ background: badge.color, color: badge.ink, opacity: badge.decision === 'rejected' ? 0.55 : 1 }}
              aria-label={badge.label}
            >
              {badge.letter}
              {DECISION_MARK[badge.decision]}
            </span>
            {badge.markers.map((marker) => (
              <span key={marker} className={classes.marker}>
                {marker}
              </span>
            ))}
          </span>
        ))}
        {visual.handleBefore && <span className={classes.handle} data-handle="begin" title="Drag to move the start" />}
        {visual.end > visual.begin && (
          <span data-seg={visual.index} data-begin={visual.begin} className={visual.className} style={visual.style}>
            {text}
          </span>
        )}
        {visual.handleAfter && <span className={classes.handle} data-handle="end" title="Drag to move the end" />}
      </>
    );
  },
  // The index too: after a resize the segments behind it shift, and clicks map data-seg to the layout.
  (previous, next) => previous.text === next.text && previous.visual.signature === next.visual.signature && previous.visual.index === next.visual.index,
);

/** About this many characters per block (whole lines): the unit of re-rendering and of layout. */
const CHUNK_CHARS = 2048;

/**
 * A run of segments re-rendered only when one of them looks different: React then compares ~75
 * chunks of a 150 kB note instead of thousands of segments on every action.
 */
const ChunkView = memo(
  function ChunkView({ block, visuals, text }: { block: number; visuals: SegmentVisual[]; text: string }) {
    return (
      <div className={classes.block} data-block={block}>
        {visuals.map((visual) => (
          <SegmentView key={`${visual.begin}:${visual.end}`} visual={visual} text={text.slice(visual.begin, visual.end)} />
        ))}
      </div>
    );
  },
  (previous, next) =>
    previous.text === next.text &&
    previous.block === next.block &&
    previous.visuals.length === next.visuals.length &&
    previous.visuals.every((visual, index) => {
      const other = next.visuals[index]!;
      return visual === other || (visual.signature === other.signature && visual.index === other.index && visual.begin === other.begin && visual.end === other.end);
    }),
);

/**
 * A block off screen: its text alone, one text node, so the note keeps its length, its scroll height
 * (near enough: badges and markers are left out) and what the browser's find sees, at almost no cost.
 * It is drawn in full once it comes within a screen of the visible part.
 */
const PlainBlock = memo(function PlainBlock({ block, text }: { block: number; text: string }) {
  return (
    <div className={classes.block} data-block={block} data-plain="">
      {text}
    </div>
  );
});

/** The nearest scrolling ancestor (the note's scroll box), the root of the visibility observer. */
function scrollParent(element: HTMLElement): HTMLElement | null {
  for (let parent = element.parentElement; parent; parent = parent.parentElement) {
    if (/(auto|scroll)/.test(getComputedStyle(parent).overflowY)) return parent;
  }
  return null;
}

/**
 * Which blocks are within a screen of the visible part of the note (null: everything, where the
 * browser has no IntersectionObserver). The blocks carry `data-block`; every render observes the
 * new ones (a block drawn in full replaces its plain element) and forgets the removed ones.
 */
function useNearBlocks(rootRef: RefObject<HTMLDivElement | null>, initial: () => number[]): ReadonlySet<number> | null {
  const supported = typeof IntersectionObserver !== 'undefined';
  const [near, setNear] = useState<ReadonlySet<number> | null>(() => (supported ? new Set(initial()) : null));
  const observer = useRef<IntersectionObserver | null>(null);
  const observed = useRef(new Set<Element>());
  useLayoutEffect(() => {
    const root = rootRef.current;
    if (!supported || !root) return;
    if (!observer.current) {
      observer.current = new IntersectionObserver(
        (entries) => {
          setNear((previous) => {
            let next: Set<number> | undefined;
            for (const entry of entries) {
              // An element replaced since (plain ↔ full) reports too: only the one in the page counts.
              if (!entry.target.isConnected) continue;
              const block = Number((entry.target as HTMLElement).dataset.block);
              if (entry.isIntersecting === (next ?? previous)?.has(block)) continue;
              next ??= new Set(previous);
              if (entry.isIntersecting) next.add(block);
              else next.delete(block);
            }
            return next ?? previous;
          });
        },
        { root: scrollParent(root), rootMargin: '100% 0px 100% 0px' },
      );
    }
    const io = observer.current;
    for (const element of observed.current) {
      if (!element.isConnected) {
        io.unobserve(element);
        observed.current.delete(element);
      }
    }
    for (const element of root.children) {
      if (!observed.current.has(element)) {
        io.observe(element);
        observed.current.add(element);
      }
    }
  });
  useEffect(
    () => () => {
      observer.current?.disconnect();
      observer.current = null;
      observed.current.clear();
    },
    [],
  );
  return near;
}

/** Index of the block holding text offset `offset` (blocks end at `breaks`). */
function blockAt(breaks: readonly number[], offset: number): number {
  let low = 0;
  let high = breaks.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (breaks[mid]! <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Segments grouped by block (breaks from blockBreaks: the layout cuts segments there). */
function chunked(visuals: SegmentVisual[], breaks: readonly number[]): Array<{ key: number; visuals: SegmentVisual[] }> {
  const chunks: Array<{ key: number; visuals: SegmentVisual[] }> = [];
  let block = 0;
  for (const visual of visuals) {
    while (block < breaks.length && visual.begin >= breaks[block]!) block += 1;
    const key = block;
    const last = chunks.at(-1);
    if (last && last.key === key) last.visuals.push(visual);
    else chunks.push({ key, visuals: [visual] });
  }
  return chunks;
}

/** Text offset of a DOM position inside the note (a point in a badge maps to the next segment). */
export function textOffsetOf(node: Node, offset: number): number | null {
  const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node instanceof Element ? node : null;
  if (!element) return null;
  const segment = element.closest<HTMLElement>('[data-seg]');
  if (segment) {
    const begin = Number(segment.dataset.begin);
    if (node.nodeType === Node.TEXT_NODE) return begin + offset;
    return begin + (offset > 0 ? (segment.textContent ?? '').length : 0);
  }
  // A container position (child index) or a badge: the start of the next segment.
  let probe: Element | null = node instanceof Element && node.childNodes[offset] instanceof Element ? (node.childNodes[offset] as Element) : element;
  while (probe) {
    if (probe instanceof HTMLElement && probe.dataset.seg !== undefined) return Number(probe.dataset.begin);
    const inner = probe.querySelector<HTMLElement>('[data-seg]');
    if (inner) return Number(inner.dataset.begin);
    probe = probe.nextElementSibling ?? probe.parentElement?.nextElementSibling ?? null;
  }
  return null;
}

function offsetAtPoint(x: number, y: number): number | null {
  const withPosition = document as Document & { caretPositionFromPoint?: (x: number, y: number) => CaretPosition | null };
  const position = withPosition.caretPositionFromPoint?.(x, y);
  if (position) return textOffsetOf(position.offsetNode, position.offset);
  const range = document.caretRangeFromPoint?.(x, y);
  return range ? textOffsetOf(range.startContainer, range.startOffset) : null;
}

export function NoteView({ text, sections, annotations, selectedId, onSelect, onTextSelected, onDragEdge }: NoteViewProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const headings = useMemo(() => sections.filter((section) => section.end > section.begin), [sections]);
  const breaks = useMemo(() => blockBreaks(text, CHUNK_CHARS), [text]);
  // Accepting or rejecting leaves every span where it was: the layout is kept then.
  const spanKey = useMemo(() => annotations.map((annotation) => `${annotation.begin}-${annotation.end}`).join(','), [annotations]);
  const layoutAnnotations = useRef(annotations);
  layoutAnnotations.current = annotations;
  const layout = useMemo(
    () => layoutNote(text.length, layoutAnnotations.current, headings, breaks),
    [text.length, spanKey, headings, breaks],
  );
  const visuals = useMemo(() => segmentVisuals(layout, annotations, headings), [layout, annotations, headings]);
  const chunks = useMemo(
    () => chunked(withSelection(visuals, layout, annotations, selectedId), breaks),
    [visuals, layout, annotations, selectedId, breaks],
  );
  // Only the blocks near the visible part are drawn in full (first render of a 50-page note), and
  // always the selected entity's, so keyboard navigation can scroll to it.
  const selectedBegin = selectedId === undefined ? undefined : annotations.find((annotation) => annotation.id === selectedId)?.begin;
  const selectedBlock = selectedBegin === undefined ? -1 : blockAt(breaks, selectedBegin);
  const near = useNearBlocks(rootRef, () => [0, 1]);
  const dragging = useRef<'begin' | 'end' | null>(null);
  const latest = useRef({ selectedId, onDragEdge });
  latest.current = { selectedId, onDragEdge };

  // Keep the selected entity on screen (keyboard navigation moves through a 50-page note).
  useEffect(() => {
    if (!selectedId) return;
    rootRef.current?.querySelector(`[data-ann="${selectedId.replace(/["\\]/g, '')}"]`)?.scrollIntoView?.({ block: 'nearest' });
  }, [selectedId]);

  useEffect(() => {
    const onUp = (event: MouseEvent): void => {
      const edge = dragging.current;
      if (!edge) return;
      dragging.current = null;
      document.body.style.cursor = '';
      const { selectedId: id, onDragEdge: drag } = latest.current;
      const offset = offsetAtPoint(event.clientX, event.clientY);
      if (id && drag && offset !== null) drag(id, edge, offset);
    };
    document.addEventListener('mouseup', onUp);
    return () => document.removeEventListener('mouseup', onUp);
  }, []);

  const onMouseDown = (event: ReactMouseEvent): void => {
    const handle = (event.target as Element).closest<HTMLElement>('[data-handle]');
    if (!handle) return;
    event.preventDefault();
    dragging.current = handle.dataset.handle === 'begin' ? 'begin' : 'end';
    document.body.style.cursor = 'col-resize';
  };

  const onClick = (event: ReactMouseEvent): void => {
    const target = event.target as Element;
    if (target.closest('[data-handle]')) return;
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return;
    const badge = target.closest<HTMLElement>('[data-ann]');
    if (badge?.dataset.ann) {
      onSelect(badge.dataset.ann);
      return;
    }
    const segment = target.closest<HTMLElement>('[data-seg]');
    if (!segment) return;
    const covering = layout.segments[Number(segment.dataset.seg)]?.covering ?? [];
    if (covering.length === 0) return;
    // Clicking again where spans nest steps outwards through them.
    const ids = covering.map((i) => annotations[i]!.id).reverse();
    const current = selectedId === undefined ? -1 : ids.indexOf(selectedId);
    onSelect(ids[(current + 1) % ids.length]!);
  };

  const onMouseUp = (): void => {
    if (!onTextSelected || dragging.current) return;
    const selection = window.getSelection();
    const root = rootRef.current;
    if (!selection || selection.isCollapsed || selection.rangeCount === 0 || !root) {
      onTextSelected(null);
      return;
    }
    const range = selection.getRangeAt(0);
    if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return;
    const begin = textOffsetOf(range.startContainer, range.startOffset);
    const end = textOffsetOf(range.endContainer, range.endOffset);
    onTextSelected(begin !== null && end !== null && end > begin ? { begin, end } : null);
  };

  return (
    <div ref={rootRef} className={classes.note} onClick={onClick} onMouseDown={onMouseDown} onMouseUp={onMouseUp} data-testid="note-view">
      {chunks.map((chunk) =>
        near === null || near.has(chunk.key) || chunk.key === selectedBlock ? (
          <ChunkView key={chunk.key} block={chunk.key} visuals={chunk.visuals} text={text} />
        ) : (
          <PlainBlock key={chunk.key} block={chunk.key} text={text.slice(chunk.visuals[0]!.begin, chunk.visuals.at(-1)!.end)} />
        ),
      )}
    </div>
  );
}
