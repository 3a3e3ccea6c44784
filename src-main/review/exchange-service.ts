/**
 * `review.export`, `review.import` and `review.agreement` (docs/annotation-formats.md,
 * docs/review-agreement.md) over the review service: a reviewer's annotations written in an
 * interchange format, files read back as a reviewer's records (through `apply`, so every change
 * is stored with its Provenance), and agreement between two reviewers.
 */
import { describeOutcome } from '../api/result';
import { OperationOutcomeError } from '../fhir/outcome-error';
import { computeAgreement, type AgreementDocument } from './agreement';
import { selectForExport } from './exchange';
import { sameState } from './overlay';
import { stateOf } from './record';
import { exportAnnotations, importAnnotations, type ReviewImportResult } from './formats';
import type { ReviewService } from './service';
import type { AgreementReport, AnnotationChange, AnnotationFile, AnnotationFormat, AnnotationState, ReviewAnnotation, ReviewDocument } from './types';

/** Queue page size when listing a reviewer's notes (the queue answers at most 500). */
const PAGE = 500;

export interface ReviewExportInput {
  format: AnnotationFormat;
  reviewer: string;
  /** Default: every note the reviewer has a record for, in title order. */
  documentIds?: readonly string[];
  includeRejected?: boolean;
}

export interface ReviewImportInput {
  format: AnnotationFormat;
  reviewer: string;
  files: readonly AnnotationFile[];
}

export interface ReviewAgreementInput {
  reviewerA: string;
  reviewerB: string;
  /** Default: every note both have a record for. */
  documentIds?: readonly string[];
}

/** The notes a reviewer has a record for (review.queue's `reviewer` filter), in title order. */
export async function reviewedDocumentIds(service: ReviewService, reviewer: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await service.queue({ reviewer, sort: 'title', descending: false, offset, count: PAGE });
    ids.push(...page.items.map((item) => item.documentId));
    if (page.items.length < PAGE || ids.length >= page.total) return ids;
  }
}

export async function exportReview(service: ReviewService, input: ReviewExportInput): Promise<AnnotationFile[]> {
  const ids = input.documentIds ?? (await reviewedDocumentIds(service, input.reviewer));
  const documents = [];
  for (const id of ids) {
    const document = await service.document(id, input.reviewer);
    documents.push(selectForExport(document, { includeRejected: input.includeRejected === true }));
  }
  return exportAnnotations(input.format, documents);
}

const ENGINE_ID = /^e:\d{1,9}-\d{1,9}-[A-Z_]{1,40}(?:~\d{1,4})?$/;
const ADDED_ID = /^u:\d{1,9}$/;

/**
 * The `review.apply` changes that make the file's annotations the reviewer's on this note:
 * - an engine annotation (`e:` id) the note still has: its state, under its id;
 * - an added one (`u:` id): under its id when the reviewer has no annotation of that id or has
 *   the same one (same span and category: a re-import updates it); otherwise, and for an engine
 *   annotation the engine no longer finds or an id from another tool, a new added annotation;
 * - nothing for an annotation already in that state (a re-import writes nothing).
 * Annotations of the reviewer that the file does not mention are left as they are.
 */
export function importChanges(current: ReviewDocument, imported: readonly ReviewAnnotation[]): AnnotationChange[] {
  const byId = new Map(current.annotations.map((a) => [a.id, a]));
  const changes: AnnotationChange[] = [];
  for (const annotation of imported) {
    const after = stateOf(annotation);
    const existing = byId.get(annotation.id);
    if (ENGINE_ID.test(annotation.id) && existing) {
      if (!sameState(stateOf(existing), after)) changes.push({ id: annotation.id, after });
    } else if (ADDED_ID.test(annotation.id) && (!existing || (existing.begin === annotation.begin && existing.end === annotation.end && existing.category === annotation.category))) {
      if (!existing || !sameState(stateOf(existing), after)) changes.push({ id: annotation.id, after });
    } else {
      changes.push({ after });
    }
  }
  return changes;
}

export async function importReview(service: ReviewService, input: ReviewImportInput): Promise<ReviewImportResult> {
  const read = importAnnotations(input.format, input.files);
  const errors = [...read.errors];
  let documents = 0;
  let annotations = 0;
  for (const [i, document] of read.documents.entries()) {
    const source = read.sources[i] ?? { file: '', line: 0 };
    const fail = (message: string) => errors.push({ file: source.file, line: source.line, message: `document ${document.documentId}: ${message}` });
    try {
      const current = await service.document(document.documentId, input.reviewer);
      if (current.text !== document.text) {
        fail("the note's text in the vault differs from the file's: its annotations were not imported");
        continue;
      }
      const changes = importChanges(current, document.annotations);
      if (changes.length > 0) await service.apply({ documentId: document.documentId, reviewer: input.reviewer, changes });
      documents++;
      annotations += changes.length;
    } catch (e) {
      // One note failing (not in the vault, no text, a change refused) does not stop the others.
      fail(e instanceof OperationOutcomeError ? describeOutcome(e.outcome) : e instanceof Error ? e.message : String(e));
    }
  }
  return { documents, annotations, errors };
}

export async function agreementReview(service: ReviewService, input: ReviewAgreementInput): Promise<AgreementReport> {
  let ids: readonly string[];
  if (input.documentIds) ids = input.documentIds;
  else {
    const ofB = new Set(await reviewedDocumentIds(service, input.reviewerB));
    ids = (await reviewedDocumentIds(service, input.reviewerA)).filter((id) => ofB.has(id));
  }
  const documents: AgreementDocument[] = [];
  for (const documentId of ids) {
    const a = await service.document(documentId, input.reviewerA);
    const b = await service.document(documentId, input.reviewerB);
    documents.push({ documentId, title: a.title, a: a.annotations, b: b.annotations });
  }
  return computeAgreement(input.reviewerA, input.reviewerB, documents);
}
