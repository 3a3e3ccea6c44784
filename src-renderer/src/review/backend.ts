/**
 * What the review screens need from the services, for one reviewer. The screens take this rather
 * than the whole API so they can be tested with a few functions and the reviewer's name is bound
 * once (src-renderer/src/screens/ReviewScreen.tsx builds it over `review.*` and `concepts.search`).
 */
import type { Result } from '../../../src-main/api/result';
import type { EntityCategory } from '../../../src-main/nlp/types';
import type {
  AnnotationChange, ConceptSearchResult, ConceptSystem, ReviewDocument, ReviewStatus,
} from '../../../src-main/review/types';
import type { FetchQueuePage } from './queue';

export interface BulkAcceptScope {
  /** Absent: every document. */
  documentId?: string;
  minScore?: number;
  /** Same text, case-insensitive. */
  text?: string;
  category?: EntityCategory;
}

/** What a bulk accept did; over many notes it ran as a job, whose final message says it. */
export interface BulkAcceptOutcome {
  documents: number;
  accepted: number;
  /** Set when the work ran as a job: its last progress message ("Accepted 12 annotations in 9 notes"). */
  jobMessage?: string;
}

export interface ReviewBackend {
  reviewer: string;
  document(documentId: string): Promise<Result<ReviewDocument>>;
  apply(documentId: string, changes: AnnotationChange[], expectedRevision?: number): Promise<Result<ReviewDocument>>;
  setStatus(documentId: string, status: ReviewStatus): Promise<Result<ReviewDocument>>;
  /** Resolves once the work is done, also when it ran as a job. */
  bulkAccept(scope: BulkAcceptScope): Promise<Result<BulkAcceptOutcome>>;
  /** Absent when the services have no concept search. */
  searchConcepts?: (query: string, systems: ConceptSystem[]) => Promise<Result<ConceptSearchResult>>;
  queue: FetchQueuePage;
}
