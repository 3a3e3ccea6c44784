/**
 * Inter-annotator agreement between two reviewers of the same notes (docs/review-agreement.md):
 * F1 and Cohen's kappa per category and overall, and the differences for the side-by-side view.
 *
 * - What a reviewer asserts: the annotations they accepted, edited or added and did not reject
 *   (`isAsserted`). An engine suggestion they never touched (pending) is not theirs.
 * - F1 per category treats A as the reference: strict matching (same span, same type), one to one
 *   (nlp/eval/metrics.ts matchSpans). F1 is symmetric, so swapping A and B gives the same F1.
 * - Cohen's kappa needs items both raters labelled. The items are the candidate spans: every span
 *   either reviewer asserted, plus every span the engine suggested (in either reviewer's view,
 *   whatever its decision). Each reviewer's label for a span is the type they asserted there, or
 *   `none`; so rejecting or ignoring a suggestion the other also left out is agreement on `none`,
 *   and a span only one of them marked is a disagreement. Two types asserted on one exact span
 *   make one joined label. Per category, the items are the spans where that category occurs
 *   (asserted by either, or suggested), labelled with the type of that category or `none`.
 *   Items are pooled over all documents.
 * - Kappa is 1 when the raters agree on every item (including when there is none: nothing to
 *   disagree on, like precision with no predictions in metrics.ts); otherwise (po - pe) / (1 - pe).
 */
import { matchSpans, scoresOf } from '../nlp/eval/metrics';
import { ENTITY_CATEGORIES, type EntityCategory } from '../nlp/types';
import type { AgreementReport, ReviewAnnotation } from './types';

/** One note both reviewers worked on: each one's annotations (the whole view, pending engine entities included). */
export interface AgreementDocument {
  documentId: string;
  /** The note's title, for the per-document list. */
  title?: string;
  a: readonly ReviewAnnotation[];
  b: readonly ReviewAnnotation[];
}

/** At most this many differences are listed (AgreementReport.differences). */
export const MAX_DIFFERENCES = 500;

const NONE = 'none';

/** The reviewer stands behind this annotation: accepted, or edited or added by them, and not rejected. */
export function isAsserted(annotation: ReviewAnnotation): boolean {
  if (annotation.decision === 'rejected') return false;
  return annotation.decision === 'accepted' || annotation.edited || annotation.origin === 'reviewer';
}

/**
 * Cohen's kappa of paired labels (Cohen 1960): (po - pe) / (1 - pe), po the observed agreement,
 * pe the agreement expected from each rater's label frequencies. 1 when po = 1 (also for no items).
 */
export function cohensKappa(pairs: ReadonlyArray<readonly [string, string]>): number {
  const n = pairs.length;
  let agree = 0;
  const countA = new Map<string, number>();
  const countB = new Map<string, number>();
  for (const [a, b] of pairs) {
    if (a === b) agree++;
    countA.set(a, (countA.get(a) ?? 0) + 1);
    countB.set(b, (countB.get(b) ?? 0) + 1);
  }
  if (agree === n) return 1;
  const po = agree / n;
  let pe = 0;
  for (const [label, count] of countA) pe += (count / n) * ((countB.get(label) ?? 0) / n);
  return (po - pe) / (1 - pe);
}

interface Located {
  BeginOffset: number;
  EndOffset: number;
  annotation: ReviewAnnotation;
}

function located(annotations: readonly ReviewAnnotation[]): Located[] {
  return annotations.map((annotation) => ({ BeginOffset: annotation.begin, EndOffset: annotation.end, annotation }));
}

const spanKey = (a: ReviewAnnotation) => `${a.begin}-${a.end}`;

/** A reviewer's label of each span: the types asserted there, joined when more than one. */
function labels(asserted: readonly ReviewAnnotation[], category?: EntityCategory): Map<string, string> {
  const types = new Map<string, string[]>();
  for (const a of asserted) {
    if (category !== undefined && a.category !== category) continue;
    const key = spanKey(a);
    const list = types.get(key);
    if (list) list.push(a.type);
    else types.set(key, [a.type]);
  }
  return new Map([...types].map(([key, list]) => [key, [...new Set(list)].sort().join('+')]));
}

/** The candidate spans of a document (for one category, or all): asserted by either reviewer, or suggested by the engine. */
function candidateSpans(document: AgreementDocument, assertedA: readonly ReviewAnnotation[], assertedB: readonly ReviewAnnotation[], category?: EntityCategory): Set<string> {
  const spans = new Set<string>();
  const fits = (a: ReviewAnnotation) => category === undefined || a.category === category;
  for (const a of [...assertedA, ...assertedB]) if (fits(a)) spans.add(spanKey(a));
  for (const a of [...document.a, ...document.b]) if (a.origin === 'engine' && fits(a)) spans.add(spanKey(a));
  return spans;
}

function sameTraits(a: ReviewAnnotation, b: ReviewAnnotation): boolean {
  return a.traits.length === b.traits.length && a.traits.every((t) => b.traits.includes(t));
}

function sameConcept(a: ReviewAnnotation, b: ReviewAnnotation): boolean {
  return a.concept?.system === b.concept?.system && a.concept?.code === b.concept?.code;
}

type Difference = AgreementReport['differences'][number];

/**
 * Where the two differ, for the side-by-side view, in text order: same span and type but other
 * traits or concept; overlapping spans that differ in boundary, type or category (paired, largest
 * overlap first, same category before any other); and what only one of them asserted, shown beside
 * the other's record of the same annotation id (rejected or left pending) when there is one.
 */
function differencesOf(document: AgreementDocument, assertedA: ReviewAnnotation[], assertedB: ReviewAnnotation[]): Difference[] {
  const out: Difference[] = [];
  const la = located(assertedA);
  const lb = located(assertedB);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const pairUp = (mode: 'strict' | 'overlap', key: (x: Located) => string, keep: (a: ReviewAnnotation, b: ReviewAnnotation) => boolean) => {
    const restA = la.map((_, i) => i).filter((i) => !usedA.has(i));
    const restB = lb.map((_, i) => i).filter((i) => !usedB.has(i));
    for (const [i, j] of matchSpans(restA.map((i) => la[i]!), restB.map((j) => lb[j]!), mode, key)) {
      const ia = restA[i]!;
      const ib = restB[j]!;
      usedA.add(ia);
      usedB.add(ib);
      const a = la[ia]!.annotation;
      const b = lb[ib]!.annotation;
      if (keep(a, b)) out.push({ documentId: document.documentId, a, b });
    }
  };
  pairUp('strict', (x) => x.annotation.type, (a, b) => !sameTraits(a, b) || !sameConcept(a, b));
  pairUp('overlap', (x) => x.annotation.category, () => true);
  pairUp('overlap', () => '', () => true);
  const byIdB = new Map(document.b.map((x) => [x.id, x]));
  const byIdA = new Map(document.a.map((x) => [x.id, x]));
  la.forEach(({ annotation: a }, i) => {
    if (usedA.has(i)) return;
    const b = byIdB.get(a.id);
    out.push(b && !isAsserted(b) ? { documentId: document.documentId, a, b } : { documentId: document.documentId, a });
  });
  lb.forEach(({ annotation: b }, j) => {
    if (usedB.has(j)) return;
    const a = byIdA.get(b.id);
    out.push(a && !isAsserted(a) ? { documentId: document.documentId, a, b } : { documentId: document.documentId, b });
  });
  const at = (d: Difference) => Math.min(d.a?.begin ?? Infinity, d.b?.begin ?? Infinity);
  return out.sort((x, y) => at(x) - at(y));
}

/** Agreement of reviewer A and reviewer B over the given documents (each with both reviewers' annotations). */
export function computeAgreement(reviewerA: string, reviewerB: string, documents: readonly AgreementDocument[]): AgreementReport {
  const overallPairs: Array<[string, string]> = [];
  const categoryPairs = new Map<EntityCategory, Array<[string, string]>>(ENTITY_CATEGORIES.map((c) => [c, []]));
  const counts = new Map<EntityCategory, { a: number; b: number; both: number }>(ENTITY_CATEGORIES.map((c) => [c, { a: 0, b: 0, both: 0 }]));
  const differences: Difference[] = [];
  const perDocument: AgreementReport['perDocument'] = [];

  for (const document of documents) {
    const assertedA = document.a.filter(isAsserted);
    const assertedB = document.b.filter(isAsserted);

    const labelsA = labels(assertedA);
    const labelsB = labels(assertedB);
    for (const span of candidateSpans(document, assertedA, assertedB)) overallPairs.push([labelsA.get(span) ?? NONE, labelsB.get(span) ?? NONE]);

    for (const category of ENTITY_CATEGORIES) {
      const inA = assertedA.filter((x) => x.category === category);
      const inB = assertedB.filter((x) => x.category === category);
      const count = counts.get(category)!;
      count.a += inA.length;
      count.b += inB.length;
      count.both += matchSpans(located(inA), located(inB), 'strict', (x) => x.annotation.type).length;
      const catA = labels(inA, category);
      const catB = labels(inB, category);
      const pairs = categoryPairs.get(category)!;
      for (const span of candidateSpans(document, inA, inB, category)) pairs.push([catA.get(span) ?? NONE, catB.get(span) ?? NONE]);
    }

    // Counted for every document (the list shows them all); kept only up to MAX_DIFFERENCES.
    const found = differencesOf(document, assertedA, assertedB);
    perDocument.push({ documentId: document.documentId, ...(document.title !== undefined ? { title: document.title } : {}), differences: found.length });
    if (differences.length < MAX_DIFFERENCES) differences.push(...found);
  }

  const perCategory: AgreementReport['perCategory'] = [];
  for (const category of ENTITY_CATEGORIES) {
    const { a, b, both } = counts.get(category)!;
    const pairs = categoryPairs.get(category)!;
    // A category neither reviewer asserted and the engine never suggested says nothing.
    if (pairs.length === 0) continue;
    perCategory.push({ category, a, b, both, f1: scoresOf({ tp: both, fp: b - both, fn: a - both }).f1, kappa: cohensKappa(pairs) });
  }

  return {
    reviewerA,
    reviewerB,
    documents: documents.length,
    kappa: cohensKappa(overallPairs),
    perCategory,
    differences: differences.slice(0, MAX_DIFFERENCES),
    perDocument,
  };
}
