/**
 * Resolving the differences between two reviewers (docs/review-agreement.md, "Differences"): each
 * resolution is written as a third reviewer's record (the adjudicator) through `review.apply`, so
 * the adjudicated set is an ordinary review that can be exported, compared and undone.
 *
 * Pure: the agreement screen calls these with the adjudicator's current view of the note.
 */
import { isAsserted } from '../../../src-main/review/agreement';
import type { AgreementReport, AnnotationChange, AnnotationState, ReviewAnnotation, ReviewDocument } from '../../../src-main/review/types';

export type Difference = AgreementReport['differences'][number];

/** What the adjudicator keeps: A's version, B's, both, or neither. */
export type Resolution = 'a' | 'b' | 'both' | 'neither';

/** How two versions differ, for the badge on each difference (most telling first). */
export type DifferenceKind = 'only-a' | 'only-b' | 'category' | 'type' | 'boundary' | 'traits' | 'concept';

export const KIND_LABEL: Record<DifferenceKind, string> = {
  'only-a': 'only A',
  'only-b': 'only B',
  category: 'category',
  type: 'type',
  boundary: 'span',
  traits: 'traits',
  concept: 'concept',
};

/** The kinds of one difference: `{a}` alone or beside B's unasserted record is "only A", and so on. */
export function differenceKinds(d: Difference): DifferenceKind[] {
  const a = d.a && isAsserted(d.a) ? d.a : undefined;
  const b = d.b && isAsserted(d.b) ? d.b : undefined;
  if (!a) return ['only-b'];
  if (!b) return ['only-a'];
  const kinds: DifferenceKind[] = [];
  if (a.category !== b.category) kinds.push('category');
  else if (a.type !== b.type) kinds.push('type');
  if (a.begin !== b.begin || a.end !== b.end) kinds.push('boundary');
  if (!sameTraits(a, b)) kinds.push('traits');
  if (a.concept?.system !== b.concept?.system || a.concept?.code !== b.concept?.code) kinds.push('concept');
  return kinds;
}

/** A stable key of a difference (its two sides), so a resolution made in this view can be remembered. */
export function differenceKey(d: Difference): string {
  const side = (x: ReviewAnnotation | undefined) => (x ? `${x.id}@${x.begin}-${x.end}:${x.type}:${x.decision}` : '-');
  return `${d.documentId}|${side(d.a)}|${side(d.b)}`;
}

function sameTraits(a: { traits: readonly string[] }, b: { traits: readonly string[] }): boolean {
  return a.traits.length === b.traits.length && a.traits.every((t) => b.traits.includes(t));
}

function stateOf(x: ReviewAnnotation, decision = x.decision): AnnotationState {
  return {
    begin: x.begin,
    end: x.end,
    category: x.category,
    type: x.type,
    traits: [...x.traits],
    decision,
    ...(x.concept ? { concept: { ...x.concept } } : {}),
  };
}

/** Same span, type, traits and concept: the adjudicator's annotation says what `x` says. */
function sameContent(y: ReviewAnnotation, x: ReviewAnnotation): boolean {
  return (
    y.begin === x.begin &&
    y.end === x.end &&
    y.category === x.category &&
    y.type === x.type &&
    sameTraits(y, x) &&
    y.concept?.system === x.concept?.system &&
    y.concept?.code === x.concept?.code
  );
}

/**
 * The adjudicator's annotation that stands for `x`: an engine annotation has the same id for every
 * reviewer; one a reviewer added has an id of that reviewer's own, so it is found by span and type.
 */
function counterpart(c: ReviewDocument, x: ReviewAnnotation): ReviewAnnotation | undefined {
  if (x.origin === 'engine') return c.annotations.find((y) => y.id === x.id);
  return c.annotations.find((y) => y.origin === 'reviewer' && y.begin === x.begin && y.end === x.end && y.category === x.category && y.type === x.type);
}

/** A change that makes the adjudicator assert `x` (accepted, with x's span, type, traits, concept). */
function assertChange(c: ReviewDocument, x: ReviewAnnotation, taken: Set<string>): AnnotationChange | undefined {
  const target = counterpart(c, x);
  if (target && !taken.has(target.id)) {
    taken.add(target.id);
    if (isAsserted(target) && sameContent(target, x) && target.decision === 'accepted') return undefined;
    return { id: target.id, after: stateOf(x, 'accepted') };
  }
  // No counterpart (or it already holds the other side): a new annotation of the adjudicator's.
  return { after: stateOf(x, 'accepted') };
}

/**
 * A change that makes the adjudicator not assert `x`: their annotation for it rejected. A span only
 * one reviewer added and the adjudicator has nothing for becomes a rejected annotation of theirs,
 * so "no entity here" is stored (and read back by currentResolution) rather than left unsaid.
 */
function dropChange(c: ReviewDocument, x: ReviewAnnotation, taken: Set<string>): AnnotationChange | undefined {
  const target = counterpart(c, x);
  if (target && taken.has(target.id)) return undefined;
  if (!target) return x.origin === 'reviewer' ? { after: stateOf(x, 'rejected') } : undefined;
  taken.add(target.id);
  if (target.decision === 'rejected') return undefined;
  return { id: target.id, after: stateOf(target, 'rejected') };
}

/**
 * The `review.apply` changes that record a resolution as the adjudicator's (`c`, their current
 * view of the note). A side the reviewer did not assert (B's rejected or untouched record beside
 * A's annotation) counts as "not there": taking it rejects the annotation.
 */
export function resolutionChanges(c: ReviewDocument, d: Difference, resolution: Resolution): AnnotationChange[] {
  const keepA = resolution === 'a' || resolution === 'both';
  const keepB = resolution === 'b' || resolution === 'both';
  const a = d.a && isAsserted(d.a) ? d.a : undefined;
  const b = d.b && isAsserted(d.b) ? d.b : undefined;
  const taken = new Set<string>();
  const changes: Array<AnnotationChange | undefined> = [];
  // Asserting first, so a side kept claims the shared engine id before the other is dropped.
  if (a && keepA) changes.push(assertChange(c, a, taken));
  if (b && keepB) changes.push(assertChange(c, b, taken));
  for (const [x, keep] of [[d.a, keepA && a !== undefined], [d.b, keepB && b !== undefined]] as const) {
    if (x && !keep) changes.push(dropChange(c, x, taken));
  }
  return changes.filter((change): change is AnnotationChange => change !== undefined);
}

/**
 * What both reviewers asserted alike (same span, type, traits and concept) and the adjudicator
 * does not assert yet: written with the first resolution in a note, so the adjudicated record
 * holds the agreed annotations as well as the resolved ones (a complete reference set).
 */
export function agreedChanges(c: ReviewDocument, a: ReviewDocument, b: ReviewDocument, skip: ReadonlySet<string> = new Set()): AnnotationChange[] {
  const taken = new Set(skip);
  const assertedB = b.annotations.filter(isAsserted);
  const changes: AnnotationChange[] = [];
  for (const x of a.annotations.filter(isAsserted)) {
    if (!assertedB.some((y) => sameContent(y, x))) continue;
    // The resolution being written decides this annotation.
    const target = counterpart(c, x);
    if (target && skip.has(target.id)) continue;
    const change = assertChange(c, x, taken);
    if (change) changes.push(change);
  }
  return changes;
}

/**
 * Which resolution the adjudicator's record already holds for this difference, if any: the sides
 * they assert as written, and for "neither" an explicit decision on both (a rejected engine
 * annotation; an added one simply absent).
 */
export function currentResolution(c: ReviewDocument, d: Difference): Resolution | undefined {
  const a = d.a && isAsserted(d.a) ? d.a : undefined;
  const b = d.b && isAsserted(d.b) ? d.b : undefined;
  const asserts = (x: ReviewAnnotation) => c.annotations.some((y) => isAsserted(y) && sameContent(y, x));
  const hasA = a ? asserts(a) : false;
  const hasB = b ? asserts(b) : false;
  if (hasA && hasB) return 'both';
  if (hasA) return 'a';
  if (hasB) return 'b';
  // Nothing asserted: a resolution only when every side was explicitly rejected (an added side by a
  // rejected annotation of the adjudicator's, or, as records made before that were, by its absence
  // beside a rejected engine side).
  const sides = [d.a, d.b].filter((x): x is ReviewAnnotation => x !== undefined);
  const rejected = (x: ReviewAnnotation) => counterpart(c, x)?.decision === 'rejected';
  const decided =
    sides.every(rejected) || (sides.some((x) => x.origin === 'engine') && sides.every((x) => x.origin !== 'engine' || rejected(x)));
  if (!decided) return undefined;
  // One side not asserted by its reviewer: leaving the annotation out is taking that side.
  if (a && !b) return 'b';
  if (b && !a) return 'a';
  return 'neither';
}
