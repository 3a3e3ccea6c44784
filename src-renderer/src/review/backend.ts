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

export interface ReviewBackend {
  reviewer: string;
  document(documentId: string): Promise<Result<ReviewDocument>>;
  apply(documentId: string, changes: AnnotationChange[], expectedRevision?: number): Promise<Result<ReviewDocument>>;
  setStatus(documentId: string, status: ReviewStatus): Promise<Result<ReviewDocument>>;
  bulkAccept(scope: BulkAcceptScope): Promise<Result<{ documents: number; accepted: number }>>;
  /** Absent when the services have no concept search. */
  searchConcepts?: (query: string, systems: ConceptSystem[]) => Promise<Result<ConceptSearchResult>>;
  queue: FetchQueuePage;
}
