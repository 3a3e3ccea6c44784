/** Inter-annotator agreement (src-main/review/agreement.ts) on hand-made reviews with hand-computed numbers. */
import { describe, expect, it } from 'vitest';
import { cohensKappa, computeAgreement, isAsserted, MAX_DIFFERENCES, type AgreementDocument } from '../../../src-main/review/agreement';
import type { EntityCategory, EntityType } from '../../../src-main/nlp/types';
import type { AnnotationDecision, ReviewAnnotation } from '../../../src-main/review/types';

function ann(begin: number, end: number, type: EntityType, category: EntityCategory, decision: AnnotationDecision, extra: Partial<ReviewAnnotation> = {}): ReviewAnnotation {
  return {
    id: `e:${begin}-${end}-${category}`,
    origin: 'engine',
    begin,
    end,
    text: 'x'.repeat(end - begin),
    category,
    type,
    traits: [],
    decision,
    edited: false,
    ...extra,
  };
}
const dx = (begin: number, decision: AnnotationDecision, extra: Partial<ReviewAnnotation> = {}) => ann(begin, begin + 5, 'DX_NAME', 'MEDICAL_CONDITION', decision, extra);
const med = (begin: number, type: 'GENERIC_NAME' | 'BRAND_NAME', decision: AnnotationDecision, extra: Partial<ReviewAnnotation> = {}) => ann(begin, begin + 5, type, 'MEDICATION', decision, extra);

function pairs(counts: Array<[string, string, number]>): Array<[string, string]> {
  return counts.flatMap(([a, b, n]) => Array.from({ length: n }, (): [string, string] => [a, b]));
}

describe('cohensKappa', () => {
  it('matches the textbook examples', () => {
    // 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po = 0.7, pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4.
    expect(cohensKappa(pairs([['yes', 'yes', 20], ['yes', 'no', 5], ['no', 'yes', 10], ['no', 'no', 15]]))).toBeCloseTo(0.4, 12);
    // 45/15/25/15: po = 0.6, pe = 0.6 * 0.7 + 0.4 * 0.3 = 0.54, kappa = 0.06 / 0.46.
    expect(cohensKappa(pairs([['yes', 'yes', 45], ['yes', 'no', 15], ['no', 'yes', 25], ['no', 'no', 15]]))).toBeCloseTo(0.06 / 0.46, 12);
  });

  it('is 0 for chance agreement, negative below it, 1 for perfect agreement or no items', () => {
    expect(cohensKappa(pairs([['y', 'y', 1], ['y', 'n', 1], ['n', 'y', 1], ['n', 'n', 1]]))).toBe(0);
    // Always disagreeing on two balanced labels: po = 0, pe = 0.5, kappa = -1.
    expect(cohensKappa(pairs([['y', 'n', 2], ['n', 'y', 2]]))).toBe(-1);
    expect(cohensKappa(pairs([['y', 'y', 3]]))).toBe(1);
    expect(cohensKappa([])).toBe(1);
  });
});

describe('isAsserted', () => {
  it('counts accepted, edited and added annotations that are not rejected', () => {
    expect(isAsserted(dx(0, 'accepted'))).toBe(true);
    expect(isAsserted(dx(0, 'pending'))).toBe(false);
    expect(isAsserted(dx(0, 'pending', { edited: true }))).toBe(true);
    expect(isAsserted(dx(0, 'pending', { origin: 'reviewer', id: 'u:1' }))).toBe(true);
    expect(isAsserted(dx(0, 'rejected', { edited: true }))).toBe(false);
  });
});

describe('computeAgreement', () => {
  it('reproduces the textbook kappa from span decisions (0.4), with F1 = 2 * 20 / (25 + 30)', () => {
    // 50 engine suggestions: both accept 20; A accepts and B rejects 5; B accepts and A leaves pending 10; neither 15.
    const a: ReviewAnnotation[] = [];
    const b: ReviewAnnotation[] = [];
    let at = 0;
    const add = (da: AnnotationDecision, db: AnnotationDecision, n: number) => {
      for (let i = 0; i < n; i++, at += 10) {
        a.push(dx(at, da));
        b.push(dx(at, db));
      }
    };
    add('accepted', 'accepted', 20);
    add('accepted', 'rejected', 5);
    add('pending', 'accepted', 10);
    add('rejected', 'pending', 8);
    add('pending', 'pending', 7);
    const report = computeAgreement('ada', 'bob', [{ documentId: 'n1', a, b }]);
    expect(report.reviewerA).toBe('ada');
    expect(report.documents).toBe(1);
    expect(report.kappa).toBeCloseTo(0.4, 12);
    expect(report.perCategory).toEqual([{ category: 'MEDICAL_CONDITION', a: 25, b: 30, both: 20, f1: expect.closeTo(40 / 55, 12), kappa: expect.closeTo(0.4, 12) }]);
    // 15 spans asserted by one reviewer only: A's 5 shown beside B's rejection, B's 10 beside A's pending record.
    expect(report.differences).toHaveLength(15);
    expect(report.differences[0]).toEqual({ documentId: 'n1', a: dx(200, 'accepted'), b: dx(200, 'rejected') });
    expect(report.differences[5]).toEqual({ documentId: 'n1', a: dx(250, 'pending'), b: dx(250, 'accepted') });
  });

  it('labels spans by type: three labels, kappa 11/23 by hand', () => {
    // Six medication spans. Labels (A, B): (G,G) (G,G) (B,B) (G,B) (none,none) (none,G).
    // po = 4/6; A: G 3, B 1, none 2; B: G 3, B 2, none 1; pe = (9 + 2 + 2) / 36 = 13/36; kappa = (24 - 13) / (36 - 13) = 11/23.
    const document: AgreementDocument = {
      documentId: 'n',
      a: [med(0, 'GENERIC_NAME', 'accepted'), med(10, 'GENERIC_NAME', 'accepted'), med(20, 'BRAND_NAME', 'accepted'), med(30, 'GENERIC_NAME', 'accepted'), med(40, 'GENERIC_NAME', 'rejected'), med(50, 'GENERIC_NAME', 'pending')],
      b: [
        med(0, 'GENERIC_NAME', 'accepted'),
        med(10, 'GENERIC_NAME', 'accepted'),
        med(20, 'BRAND_NAME', 'accepted'),
        med(30, 'BRAND_NAME', 'accepted', { edited: true }),
        med(40, 'GENERIC_NAME', 'pending'),
        med(50, 'GENERIC_NAME', 'accepted'),
      ],
    };
    const report = computeAgreement('a', 'b', [document]);
    expect(report.kappa).toBeCloseTo(11 / 23, 12);
    // F1: A asserts 4, B 5, 3 match by span and type: 2 * 3 / 9.
    expect(report.perCategory).toEqual([{ category: 'MEDICATION', a: 4, b: 5, both: 3, f1: expect.closeTo(6 / 9, 12), kappa: expect.closeTo(11 / 23, 12) }]);
    // The type disagreement at 30 is one paired difference; the span only B asserted shows A's pending record.
    expect(report.differences).toEqual([
      { documentId: 'n', a: document.a[3], b: document.b[3] },
      { documentId: 'n', a: document.a[5], b: document.b[5] },
    ]);
  });

  it('per category: a category confusion is a disagreement in both categories, and F1 is symmetric', () => {
    // Same span: A says MEDICATION/GENERIC_NAME, B says TEST_TREATMENT_PROCEDURE/TREATMENT_NAME; plus one agreed condition.
    const aMed = med(0, 'GENERIC_NAME', 'accepted', { origin: 'reviewer', id: 'u:1' });
    const bTreat = ann(0, 5, 'TREATMENT_NAME', 'TEST_TREATMENT_PROCEDURE', 'accepted', { origin: 'reviewer', id: 'u:1' });
    const document: AgreementDocument = { documentId: 'n', a: [aMed, dx(10, 'accepted')], b: [bTreat, dx(10, 'accepted')] };
    const report = computeAgreement('a', 'b', [document]);
    // Overall: 2 spans, (GENERIC_NAME, TREATMENT_NAME) and (DX_NAME, DX_NAME): po = 1/2, pe = 1/4, kappa = 1/3.
    expect(report.kappa).toBeCloseTo(1 / 3, 12);
    expect(report.perCategory).toEqual([
      { category: 'MEDICAL_CONDITION', a: 1, b: 1, both: 1, f1: 1, kappa: 1 },
      // One item each, (GENERIC_NAME, none) / (none, TREATMENT_NAME): po = 0, pe = 0, kappa = 0.
      { category: 'MEDICATION', a: 1, b: 0, both: 0, f1: 0, kappa: 0 },
      { category: 'TEST_TREATMENT_PROCEDURE', a: 0, b: 1, both: 0, f1: 0, kappa: 0 },
    ]);
    expect(report.differences).toEqual([{ documentId: 'n', a: aMed, b: bTreat }]);
    const swapped = computeAgreement('b', 'a', [{ documentId: 'n', a: document.b, b: document.a }]);
    expect(swapped.kappa).toBeCloseTo(report.kappa, 12);
    expect(swapped.perCategory.map((c) => c.f1)).toEqual(report.perCategory.map((c) => c.f1));
  });

  it('lists same-span differences in traits or concept and boundary differences, but they do not change kappa over types', () => {
    const icd = (code: string) => ({ system: 'ICD10CM' as const, code, display: code });
    const a = [dx(0, 'accepted', { traits: ['NEGATION'] }), dx(10, 'accepted', { concept: icd('I10') }), dx(20, 'accepted')];
    const b = [dx(0, 'accepted'), dx(10, 'accepted', { concept: icd('I11.9') }), ann(21, 25, 'DX_NAME', 'MEDICAL_CONDITION', 'accepted', { id: 'e:20-25-MEDICAL_CONDITION', edited: true })];
    const report = computeAgreement('a', 'b', [{ documentId: 'n', a, b }]);
    expect(report.differences).toEqual([
      { documentId: 'n', a: a[0], b: b[0] },
      { documentId: 'n', a: a[1], b: b[1] },
      { documentId: 'n', a: a[2], b: b[2] },
    ]);
    // Spans 0, 10 agree (DX_NAME); 20-25 is (DX_NAME, none) and 21-25 (none, DX_NAME): po = 2/4, pe = 3/4 * 3/4 + 1/4 * 1/4 = 10/16, kappa = -1/3.
    expect(report.kappa).toBeCloseTo((0.5 - 10 / 16) / (1 - 10 / 16), 12);
    expect(report.perCategory[0]).toMatchObject({ a: 3, b: 3, both: 2, f1: expect.closeTo(2 / 3, 12) });
  });

  it('pools items over documents and caps the differences', () => {
    const many = Array.from({ length: 60 }, (_, d): AgreementDocument => ({
      documentId: `d${d}`,
      a: Array.from({ length: 20 }, (_, i) => dx(i * 10, 'accepted')),
      b: Array.from({ length: 20 }, (_, i) => dx(i * 10, i % 2 === 0 ? 'accepted' : 'rejected')),
    }));
    const report = computeAgreement('a', 'b', many);
    expect(report.documents).toBe(60);
    // 1,200 items: 600 (DX, DX), 600 (DX, none): po = 1/2, pe = 1 * 1/2 = 1/2, kappa = 0.
    expect(report.kappa).toBe(0);
    // 10 differences per document, 600 in all: the first 500 are kept.
    expect(report.differences).toHaveLength(MAX_DIFFERENCES);
    expect(report.differences[MAX_DIFFERENCES - 1]!.documentId).toBe('d49');
    expect(report.differences[0]!.documentId).toBe('d0');
    // The per-document list counts every difference, also those past the cap.
    expect(report.perDocument).toHaveLength(60);
    expect(report.perDocument.every((row) => row.differences === 10)).toBe(true);
    expect(report.perDocument.at(-1)).toEqual({ documentId: 'd59', differences: 10 });
  });

  it('gives kappa 1 and no categories when nothing was suggested or asserted', () => {
    expect(computeAgreement('a', 'b', [{ documentId: 'n', a: [], b: [] }])).toEqual({ reviewerA: 'a', reviewerB: 'b', documents: 1, kappa: 1, perCategory: [], differences: [], perDocument: [{ documentId: 'n', differences: 0 }] });
  });
});

describe('computeAgreement on random reviews', () => {
  it('is 1 everywhere for identical reviews, and symmetric in kappa and F1 when swapped', async () => {
    const { randomDocuments } = await import('./formats/random-documents');
    for (let seed = 1; seed <= 20; seed++) {
      const a = randomDocuments(seed, 4);
      const b = randomDocuments(seed + 1000, 4);
      const same = computeAgreement('a', 'a', a.map((d) => ({ documentId: d.documentId, a: d.annotations, b: d.annotations })));
      expect(same.kappa).toBe(1);
      expect(same.differences).toEqual([]);
      for (const row of same.perCategory) expect(row).toMatchObject({ f1: 1, kappa: 1, both: row.a });
      // Different texts do not matter to the arithmetic: pair documents by position.
      const docs = a.map((d, i) => ({ documentId: d.documentId, a: d.annotations, b: b[i]!.annotations }));
      const ab = computeAgreement('a', 'b', docs);
      const ba = computeAgreement('b', 'a', docs.map((d) => ({ documentId: d.documentId, a: d.b, b: d.a })));
      expect(ba.kappa).toBeCloseTo(ab.kappa, 12);
      expect(ba.perCategory.map((r) => [r.category, r.b, r.a, r.both, r.f1])).toEqual(ab.perCategory.map((r) => [r.category, r.a, r.b, r.both, expect.closeTo(r.f1, 12)]));
      expect(ab.kappa).toBeLessThanOrEqual(1);
    }
  });
});
