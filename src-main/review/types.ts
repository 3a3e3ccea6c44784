/**
 * The curation workspace's data (docs/review.md): a reviewer's annotations of one clinical note,
 * kept apart from the NLP engine's results so a re-run of the engine never overwrites them.
 *
 * Plain data, no Node imports: the API contract and the renderer import these types.
 */
import type { Attribute, Concept, EntityCategory, EntityType, SectionKind, TraitName } from '../nlp/types';

/** Per-document, per-reviewer review state. */
export type ReviewStatus = 'unreviewed' | 'in-progress' | 'done';

/** What the reviewer decided about an annotation; `pending` = nobody has looked at it yet. */
export type AnnotationDecision = 'pending' | 'accepted' | 'rejected';

/** Code systems a concept can come from. */
export type ConceptSystem = 'ICD10CM' | 'RXNORM';

/** The concept a reviewer chose (or the engine's first one), as a FHIR-ready coding. */
export interface ChosenConcept {
  system: ConceptSystem;
  code: string;
  display: string;
}

/**
 * One annotation as the workspace shows it: an engine entity overlaid with the reviewer's record,
 * or an entity the reviewer added.
 *
 * `id` is stable across engine re-runs: `e:<begin>-<end>-<category>` for an engine entity (so a
 * re-run that finds the same span meets the same review record), `u:<n>` for one a reviewer added.
 * An engine entity whose span the reviewer resized keeps its `e:` id (its `begin`/`end` then differ
 * from the id's).
 */
export interface ReviewAnnotation {
  id: string;
  origin: 'engine' | 'reviewer';
  begin: number;
  end: number;
  /** The note's text between begin and end. */
  text: string;
  category: EntityCategory;
  type: EntityType;
  /** The engine's Score (absent for an added entity). */
  score?: number;
  /** Asserted traits (NEGATION, PAST_HISTORY, ...). */
  traits: TraitName[];
  /** The chosen concept, if the category has one (conditions: ICD-10-CM, medications: RxNorm). */
  concept?: ChosenConcept;
  /** The engine's ranked concepts, for the side panel (absent for an added entity). */
  candidates?: Concept[];
  /** The engine's attributes (dosage, route, test value, site...). */
  attributes?: Attribute[];
  decision: AnnotationDecision;
  /** The reviewer changed span, category, type, traits or concept. */
  edited: boolean;
  reviewedBy?: string;
  reviewedAt?: string;
}

/**
 * What a reviewer may set on an annotation (`review.apply`): the whole reviewed state, not a diff,
 * so undo is "set the state from before" and redo "set the state after".
 */
export interface AnnotationState {
  begin: number;
  end: number;
  category: EntityCategory;
  type: EntityType;
  traits: TraitName[];
  concept?: ChosenConcept;
  decision: AnnotationDecision;
}

/**
 * One change of `review.apply`: `after` is the annotation's new reviewed state, or null to drop the
 * reviewer's record (an engine entity goes back to `pending` as the engine wrote it; an added one
 * disappears). An `id` not yet known with `origin: reviewer` adds an entity (ids `u:<n>` are given
 * by the service when `id` is omitted).
 */
export interface AnnotationChange {
  id?: string;
  after: AnnotationState | null;
}

export interface ReviewSection {
  kind: SectionKind;
  /** The heading's span (begin..end of the heading text). */
  begin: number;
  end: number;
  title: string;
}

/** A note opened for review by one reviewer. */
export interface ReviewDocument {
  /** DocumentReference id. */
  documentId: string;
  title: string;
  /** DocumentReference.date, when present. */
  date?: string;
  /** `Patient/<id>` from DocumentReference.subject, when present. */
  patient?: string;
  text: string;
  sections: ReviewSection[];
  reviewer: string;
  status: ReviewStatus;
  /** Annotations in text order (begin, then longer first); overlapping and nested spans allowed. */
  annotations: ReviewAnnotation[];
  /** The note's text changed since the reviewer's record was written: spans may be off. */
  textChanged: boolean;
  /** NLP processing state of the note (`none` when the engine has not read it yet). */
  nlp: 'succeeded' | 'failed' | 'none';
  /** Bumps on every apply; `review.apply` with `expectedRevision` refuses a stale view (412). */
  revision: number;
}

/** One row of the document queue. */
export interface ReviewQueueItem {
  documentId: string;
  title: string;
  date?: string;
  patient?: string;
  status: ReviewStatus;
  /** Who last worked on it (for filter `reviewer`). */
  reviewers: string[];
  entities: number;
  pending: number;
  /** Lowest engine Score of its entities (the queue's default order: lowest first). */
  minScore?: number;
  hasNegated: boolean;
  categories: Partial<Record<EntityCategory, number>>;
}

export interface ReviewQueuePage {
  total: number;
  offset: number;
  items: ReviewQueueItem[];
}

/** One hit of `concepts.search`. */
export interface ConceptHit {
  system: ConceptSystem;
  code: string;
  display: string;
  /** Where it came from: a terminology pack stored in the vault or the built-in lexicon. */
  source: 'pack' | 'lexicon';
  /** Ranking score, higher first (not a probability). */
  score: number;
  /** ICD-10-CM: billable code (a leaf); RxNorm: term type (IN, BN, SCD...). */
  billable?: boolean;
  tty?: string;
}

export interface ConceptSearchResult {
  hits: ConceptHit[];
  /** Milliseconds the search took in the service. */
  tookMs: number;
  /** The vocabularies searched (e.g. 'icd10cm-2026', 'lexicon hearth-lexicon-2'). */
  vocabularies: string[];
}

/** Agreement between two reviewers over the documents both reviewed (docs/review.md). */
export interface AgreementReport {
  reviewerA: string;
  reviewerB: string;
  documents: number;
  /** Cohen's kappa over annotation decisions (see docs/review.md for the unit of agreement). */
  kappa: number;
  perCategory: Array<{ category: EntityCategory; a: number; b: number; both: number; f1: number; kappa: number }>;
  /** Spans where the two differ (for the side-by-side view), at most 500. */
  differences: Array<{ documentId: string; a?: ReviewAnnotation; b?: ReviewAnnotation }>;
  /**
   * Every document compared, in the order given, with its title and how many differences it has
   * (all of them, also those past the 500 listed in `differences`): the agreement screen's list.
   */
  perDocument: Array<{ documentId: string; title?: string; differences: number }>;
}

/** Annotation interchange formats (docs/review.md): Comprehend Medical JSONL, spaCy spans, BRAT standoff. */
export type AnnotationFormat = 'comprehend-jsonl' | 'spacy-jsonl' | 'brat';

/** A file of an annotation export or import; BRAT gives a `.txt` and an `.ann` per document. */
export interface AnnotationFile {
  name: string;
  text: string;
}
