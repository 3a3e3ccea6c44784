/** Which annotations an export holds (src-main/review/exchange.ts). */
import { describe, expect, it } from 'vitest';
import { selectForExport } from '../../../src-main/review/exchange';
import type { AnnotationDecision, ReviewAnnotation, ReviewDocument } from '../../../src-main/review/types';

const TEXT = 'fever cough rash itch pain';
function dx(begin: number, end: number, decision: AnnotationDecision, extra: Partial<ReviewAnnotation> = {}): ReviewAnnotation {
  return { id: `e:${begin}-${end}-MEDICAL_CONDITION`, origin: 'engine', begin, end, text: TEXT.slice(begin, end), category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: [], decision, edited: false, ...extra };
}
const annotations = [
  dx(0, 5, 'accepted'),
  dx(6, 11, 'pending'),
  dx(12, 16, 'rejected'),
  dx(17, 21, 'pending', { edited: true }),
  dx(22, 26, 'accepted', { origin: 'reviewer', id: 'u:1' }),
];
const document: ReviewDocument = {
  documentId: 'n1', title: 'Note', text: TEXT, sections: [], reviewer: 'ada', status: 'done', annotations, textChanged: false, nlp: 'succeeded', revision: 3,
};

describe('selectForExport', () => {
  it('keeps accepted, edited and added annotations; rejected ones only when asked; never untouched suggestions', () => {
    expect(selectForExport(document)).toEqual({ documentId: 'n1', text: TEXT, title: 'Note', reviewer: 'ada', annotations: [annotations[0], annotations[3], annotations[4]] });
    expect(selectForExport(document, { includeRejected: true }).annotations).toEqual([annotations[0], annotations[2], annotations[3], annotations[4]]);
  });

  it('leaves out annotations whose text is no longer at their offsets', () => {
    const changed = { ...document, text: 'fever COUGH rash itch pain', textChanged: true, annotations: [annotations[0]!, dx(6, 11, 'accepted')] };
    expect(selectForExport(changed).annotations).toEqual([annotations[0]]);
  });
});
