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
import { memo, useEffect, useMemo, useRef, type CSSProperties, type MouseEvent as ReactMouseEvent } from 'react';
import type { ReviewAnnotation, ReviewSection } from '../../../src-main/review/types';
import { CATEGORY_STYLES, traitMarkers, underlineImage } from './categories';
import { layoutNote, type NoteLayout, type Spanned } from './layout';
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
export function segmentVisuals(
  layout: NoteLayout,
  annotations: readonly ReviewAnnotation[],
  sections: readonly ReviewSection[],
  selectedId: string | undefined,
): SegmentVisual[] {
  const selected = selectedId === undefined ? -1 : annotations.findIndex((annotation) => annotation.id === selectedId);
  const sectionShown = new Set<number>();
  return layout.segments.map((segment, index) => {
    const images: string[] = [];
    const positions: string[] = [];
    const parts: string[] = [];
    let maxLane = -1;
    for (const i of segment.covering) maxLane = Math.max(maxLane, layout.lane[i]!);
    const padding = maxLane < 0 ? 0 : (maxLane + 1) * LANE_STEP + 1;
    let negated = false;
    let tint: string | undefined;
    for (const i of segment.covering) {
      const annotation = annotations[i]!;
      const style = CATEGORY_STYLES[annotation.category];
      const lane = layout.lane[i]!;
      const rejected = annotation.decision === 'rejected';
      images.push(underlineImage(style.pattern, rejected ? hexAlpha(style.color, 0.35) : style.color));
      // Line top at content bottom + 1 + lane * step, whatever this segment's own padding is.
      positions.push(`0 calc(100% - ${padding - 1 - lane * LANE_STEP - LINE}px)`);
      if (!rejected) {
        if (annotation.traits.includes('NEGATION')) negated = true;
        tint = hexAlpha(style.color, annotation.decision === 'accepted' ? 0.24 : 0.12);
      }
      parts.push(`${lane}${style.letter}${annotation.decision[0]}`);
    }
    const covered = segment.covering.length > 0;
    const isSelected = selected !== -1 && segment.covering.includes(selected);
    const classNames = [classes.segment];
    if (covered) classNames.push(classes.entity);
    if (negated) classNames.push(classes.negated);
    if (isSelected) classNames.push(classes.selected);
    if (segment.heading !== -1) classNames.push(classes.heading);
    const style: CSSProperties | undefined = covered
      ? {
          backgroundImage: images.join(', '),
          backgroundPosition: positions.join(', '),
          backgroundSize: images.map(() => `100% ${LINE}px`).join(', '),
          backgroundColor: tint,
          paddingBottom: padding,
        }
      : undefined;
    const badges = segment.starting.map((i): BadgeVisual => {
      const annotation = annotations[i]!;
      const categoryStyle = CATEGORY_STYLES[annotation.category];
      const markers = traitMarkers(annotation.traits);
      return {
        id: annotation.id,
        letter: categoryStyle.letter,
        color: categoryStyle.color,
        ink: categoryStyle.ink,
        markers,
        decision: annotation.decision,
        label: `${categoryStyle.label}${markers.length ? ` (${markers.join(', ')})` : ''}, ${annotation.decision}${
          annotation.score === undefined ? '' : `, score ${annotation.score.toFixed(2)}`
        }`,
      };
    });
    let section: string | undefined;
    if (segment.heading !== -1 && !sectionShown.has(segment.heading)) {
      sectionShown.add(segment.heading);
      const heading = sections[segment.heading];
      if (heading) section = sectionTag(heading);
    }
    const selectedAnnotation = selected === -1 ? undefined : annotations[selected];
    const handleBefore = selectedAnnotation !== undefined && segment.starting.includes(selected);
    const handleAfter = selectedAnnotation !== undefined && isSelected && selectedAnnotation.end === segment.end;
    const className = classNames.join(' ');
    const signature = [
      className,
      tint ?? '',
      parts.join(','),
      padding,
      badges.map((badge) => `${badge.id}:${badge.letter}${badge.decision}${badge.markers.join('')}:${badge.label}`).join(';'),
      section ?? '',
      handleBefore ? 'B' : '',
      handleAfter ? 'A' : '',
    ].join('|');
    return {
      index,
      begin: segment.begin,
      end: segment.end,
      className,
      style,
      badges,
      ...(section ? { section } : {}),
      handleBefore,
      handleAfter,
      signature,
    };
  });
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
  (previous, next) => previous.text === next.text && previous.visual.signature === next.visual.signature,
);

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
  const layout = useMemo(() => layoutNote(text.length, annotations, headings), [text.length, annotations, headings]);
  const visuals = useMemo(() => segmentVisuals(layout, annotations, headings, selectedId), [layout, annotations, headings, selectedId]);
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
      {visuals.map((visual) => (
        <SegmentView key={`${visual.begin}:${visual.end}`} visual={visual} text={text.slice(visual.begin, visual.end)} />
      ))}
    </div>
  );
}
