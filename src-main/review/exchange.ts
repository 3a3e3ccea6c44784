/**
 * Between the review store and the interchange formats (docs/annotation-formats.md): which of a
 * reviewer's annotations an export holds. Pure; the `review.export` service calls it per document.
 */
import { isAsserted } from './agreement';
import type { ExportDocument } from './formats/common';
import type { ReviewAnnotation, ReviewDocument } from './types';

export interface ExportSelection {
  /** Also write the annotations the reviewer rejected (their decision says so): negatives for training. */
  includeRejected?: boolean;
}

/**
 * What the reviewer stands behind (accepted, edited or added, not rejected: `isAsserted`), and the
 * rejected ones when asked. Untouched engine suggestions are the engine's, not the reviewer's,
 * and stay out. When the note's text changed since the review, an annotation whose text is no
 * longer at its offsets stays out too: its place in the new text is unknown.
 */
export function selectForExport(document: ReviewDocument, selection: ExportSelection = {}): ExportDocument {
  const keep = (a: ReviewAnnotation) =>
    (isAsserted(a) || (selection.includeRejected === true && a.decision === 'rejected')) && document.text.slice(a.begin, a.end) === a.text;
  return {
    documentId: document.documentId,
    text: document.text,
    title: document.title,
    reviewer: document.reviewer,
    annotations: document.annotations.filter(keep),
  };
}
