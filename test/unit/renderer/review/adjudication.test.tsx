/**
 * Resolving differences as a third reviewer's record (src-renderer/src/review/adjudication.ts):
 * which `review.apply` changes each choice writes, and how the adjudicator's record is read back
 * as a resolution.
 */
import { describe, expect, it } from 'vitest';
import type { ReviewAnnotation, ReviewDocument } from '../../../../src-main/review/types';
import { agreedChanges, currentResolution, differenceKinds, resolutionChanges, type Difference } from '../../../../src-renderer/src/review/adjudication';
import { annotation, smallDocument } from './fixtures';

const base = smallDocument();
const text = base.text;
const chestPain = base.annotations.find((a) => a.text === 'chest pain')!;
const aspirin = base.annotations.find((a) => a.text === 'aspirin')!;

/** The adjudicator's view: the engine's annotations, pending, plus what is given. */
function adjudicator(extra: ReviewAnnotation[] = [], replace: Record<string, Partial<ReviewAnnotation>> = {}): ReviewDocument {
  const annotations = base.annotations.map((a) => (replace[a.id] ? { ...a, ...replace[a.id] } : a));
  return { ...base, reviewer: 'adjudicated', annotations: [...annotations, ...extra] };
}

/** Applies changes to a view the way the service would (enough for the read-back). */
function applied(c: ReviewDocument, changes: ReturnType<typeof resolutionChanges>): ReviewDocument {
  let next = 1;
  let annotations = [...c.annotations];
  for (const change of changes) {
    if (change.after === null) {
      annotations = annotations.filter((a) => a.id !== change.id);
      continue;
    }
    const after = change.after;
    const existing = change.id ? annotations.find((a) => a.id === change.id) : undefined;
    const updated: ReviewAnnotation = {
      ...(existing ?? { id: `u:${next++}`, origin: 'reviewer' as const, edited: false, score: undefined }),
      ...after,
      text: text.slice(after.begin, after.end),
      edited: existing ? existing.origin === 'engine' && (existing.begin !== after.begin || existing.type !== after.type) : false,
    } as ReviewAnnotation;
    annotations = existing ? annotations.map((a) => (a.id === existing.id ? updated : a)) : [...annotations, updated];
  }
  return { ...c, annotations };
}

describe('resolutionChanges', () => {
  const accepted = { ...chestPain, decision: 'accepted' as const };
  const rejected = { ...chestPain, decision: 'rejected' as const };

  it('one accepted, the other rejected (same engine id): take A accepts, take B and neither reject, both accepts', () => {
    const d: Difference = { documentId: 'doc-1', a: accepted, b: rejected };
    expect(differenceKinds(d)).toEqual(['only-a']);
    const c = adjudicator();
    expect(resolutionChanges(c, d, 'a')).toEqual([{ id: chestPain.id, after: expect.objectContaining({ decision: 'accepted', traits: ['NEGATION', 'SYMPTOM'] }) }]);
    expect(resolutionChanges(c, d, 'b')).toEqual([{ id: chestPain.id, after: expect.objectContaining({ decision: 'rejected' }) }]);
    expect(resolutionChanges(c, d, 'neither')).toEqual(resolutionChanges(c, d, 'b'));
    expect(resolutionChanges(c, d, 'both')).toEqual(resolutionChanges(c, d, 'a'));
    expect(currentResolution(c, d)).toBeUndefined();
    expect(currentResolution(applied(c, resolutionChanges(c, d, 'a')), d)).toBe('a');
    expect(currentResolution(applied(c, resolutionChanges(c, d, 'b')), d)).toBe('b');
  });

  it('same span, other traits: take B writes B’s traits on the shared id, both adds B’s as a second annotation', () => {
    const b = { ...accepted, traits: ['SYMPTOM' as const], edited: true };
    const d: Difference = { documentId: 'doc-1', a: accepted, b };
    expect(differenceKinds(d)).toEqual(['traits']);
    const c = adjudicator();
    expect(resolutionChanges(c, d, 'b')).toEqual([{ id: chestPain.id, after: expect.objectContaining({ traits: ['SYMPTOM'], decision: 'accepted' }) }]);
    const both = resolutionChanges(c, d, 'both');
    expect(both).toEqual([
      { id: chestPain.id, after: expect.objectContaining({ traits: ['NEGATION', 'SYMPTOM'] }) },
      { after: expect.objectContaining({ traits: ['SYMPTOM'], begin: chestPain.begin }) },
    ]);
    expect(currentResolution(applied(c, both), d)).toBe('both');
    const neither = resolutionChanges(c, d, 'neither');
    expect(neither).toEqual([{ id: chestPain.id, after: expect.objectContaining({ decision: 'rejected' }) }]);
    expect(currentResolution(applied(c, neither), d)).toBe('neither');
  });

  it('A added a span B does not have: take A adds it for the adjudicator once; neither drops the adjudicator’s copy', () => {
    const added: ReviewAnnotation = { ...annotation(text, 0, 7, 'MEDICAL_CONDITION'), id: 'u:4', origin: 'reviewer', decision: 'accepted', score: undefined };
    const d: Difference = { documentId: 'doc-1', a: added };
    expect(differenceKinds(d)).toEqual(['only-a']);
    const c = adjudicator();
    const take = resolutionChanges(c, d, 'a');
    expect(take).toEqual([{ after: expect.objectContaining({ begin: 0, end: 7, decision: 'accepted' }) }]);
    const after = applied(c, take);
    expect(currentResolution(after, d)).toBe('a');
    // Taking it again writes nothing: the adjudicator already has it, under their own id.
    expect(resolutionChanges(after, d, 'a')).toEqual([]);
    const own = after.annotations.find((a) => a.origin === 'reviewer')!;
    // Neither: the adjudicator's copy is rejected (kept as "no entity here"), and read back as such.
    const neither = resolutionChanges(after, d, 'neither');
    expect(neither).toEqual([{ id: own.id, after: expect.objectContaining({ begin: 0, end: 7, decision: 'rejected' }) }]);
    expect(currentResolution(applied(after, neither), d)).toBe('b');
    // Taking B (nothing) on a fresh adjudicator stores a rejected annotation for the span: the
    // resolved result is "no entity", and it survives a reload.
    expect(currentResolution(c, d)).toBeUndefined();
    const takeB = resolutionChanges(c, d, 'b');
    expect(takeB).toEqual([{ after: expect.objectContaining({ begin: 0, end: 7, category: 'MEDICAL_CONDITION', decision: 'rejected' }) }]);
    const resolved = applied(c, takeB);
    expect(currentResolution(resolved, d)).toBe('b');
    expect(resolutionChanges(resolved, d, 'b')).toEqual([]);
    // Changing one's mind: take A accepts that same annotation.
    expect(resolutionChanges(resolved, d, 'a')).toEqual([{ id: 'u:1', after: expect.objectContaining({ decision: 'accepted' }) }]);
  });

  it('different types on overlapping spans: take A asserts A’s and rejects B’s engine annotation', () => {
    const a = { ...aspirin, decision: 'accepted' as const };
    const b: ReviewAnnotation = { ...annotation(text, aspirin.begin, aspirin.end + 6, 'TEST_TREATMENT_PROCEDURE'), decision: 'accepted' };
    const c = adjudicator([b].map((x) => ({ ...x, decision: 'pending' as const })));
    const d: Difference = { documentId: 'doc-1', a, b };
    expect(differenceKinds(d)).toEqual(['category', 'boundary', 'concept']);
    expect(resolutionChanges(c, d, 'a')).toEqual([
      { id: aspirin.id, after: expect.objectContaining({ category: 'MEDICATION', decision: 'accepted', concept: aspirin.concept }) },
      { id: b.id, after: expect.objectContaining({ category: 'TEST_TREATMENT_PROCEDURE', decision: 'rejected' }) },
    ]);
    const both = applied(c, resolutionChanges(c, d, 'both'));
    expect(currentResolution(both, d)).toBe('both');
    // Already as chosen: nothing to write.
    expect(resolutionChanges(both, d, 'both')).toEqual([]);
  });

  it('brings over what both asserted alike, once, and not what only one asserted', () => {
    const a = { ...base, reviewer: 'A', annotations: base.annotations.map((x) => (x.id === aspirin.id || x.id === chestPain.id ? { ...x, decision: 'accepted' as const } : x)) };
    const b = { ...base, reviewer: 'B', annotations: base.annotations.map((x) => (x.id === aspirin.id ? { ...x, decision: 'accepted' as const } : x.id === chestPain.id ? { ...x, decision: 'accepted' as const, traits: [] } : x)) };
    const c = adjudicator();
    const changes = agreedChanges(c, a, b);
    expect(changes).toEqual([{ id: aspirin.id, after: expect.objectContaining({ decision: 'accepted', concept: aspirin.concept }) }]);
    expect(agreedChanges(applied(c, changes), a, b)).toEqual([]);
    // An id the resolution already writes is left to it.
    expect(agreedChanges(c, a, b, new Set([aspirin.id]))).toEqual([]);
  });
});
