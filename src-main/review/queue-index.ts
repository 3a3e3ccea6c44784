/**
 * The document queue's in-memory summaries (docs/review.md §3): one small record per note (title,
 * date, engine counts, each reviewer's status and pending count), built once per session by a scan
 * and kept up to date from writes, so `review.queue` filters and sorts without reading the store.
 * Sorted orders are cached and rebuilt only after a change.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import { extensionsToEntities, readNlpStamp } from '../nlp/results/extensions';
import type { Entity, EntityCategory } from '../nlp/types';
import { engineAnnotations, TRAIT_THRESHOLD } from './overlay';
import type { ReviewRecord } from './record';
import type { ReviewQueueItem, ReviewQueuePage, ReviewStatus } from './types';

export interface ReviewerSummary {
  status: ReviewStatus;
  /** Engine entities this reviewer has not decided. */
  pending: number;
  revision: number;
}

/**
 * What the queue keeps of one note, from the note alone (no review record): the queue table of the
 * search index (queue-table.ts) stores it per note, the scan computes it.
 */
export interface NoteFacts {
  title: string;
  date?: string;
  patient?: string;
  /** Engine annotations (their ids: engineAnnotations without the text check). */
  entities: number;
  minScore?: number;
  maxScore?: number;
  hasNegated: boolean;
  categories: Partial<Record<EntityCategory, number>>;
  nlp: 'succeeded' | 'failed' | 'none';
}

export interface NoteSummary extends NoteFacts {
  documentId: string;
  titleLower: string;
  /** `date` as epoch ms, NaN without one. */
  dateMs: number;
  /** By reviewer name. */
  reviewers: Map<string, ReviewerSummary>;
  /** overallStatus(), kept with `reviewers` (the status filter reads it for every note). */
  overall: ReviewStatus;
}

export type QueueSort = 'score' | 'date' | 'title';

export interface QueueQuery {
  status?: readonly ReviewStatus[];
  /** Notes this reviewer has a record for. */
  reviewer?: string;
  /** Status and pending as this reviewer sees them (their own record); default: over every reviewer. */
  viewer?: string;
  category?: EntityCategory;
  /** The note's lowest engine score lies in [scoreMin, scoreMax] (notes without entities are left out). */
  scoreMin?: number;
  scoreMax?: number;
  hasNegated?: boolean;
  /** Title contains (case-insensitive). */
  text?: string;
  sort: QueueSort;
  descending: boolean;
  offset: number;
  count: number;
}

const STATUS_RANK: Record<ReviewStatus, number> = { unreviewed: 0, 'in-progress': 1, done: 2 };

/** The title the queue shows: description, the attachment's title, the type's text or display, else the reference. */
export function noteTitle(doc: DocumentReference): string {
  const attachmentTitle = doc.content?.find((c) => c.attachment.title)?.attachment.title;
  return doc.description ?? attachmentTitle ?? doc.type?.text ?? doc.type?.coding?.find((c) => c.display)?.display ?? `DocumentReference/${doc.id ?? ''}`;
}

export function notePatient(doc: DocumentReference): string | undefined {
  const ref = doc.subject?.reference;
  return ref?.startsWith('Patient/') ? ref : undefined;
}

export function nlpState(doc: DocumentReference): NoteSummary['nlp'] {
  return readNlpStamp(doc)?.status ?? 'none';
}

/** What the queue keeps of one review record. */
export interface RecordFacts {
  reviewer: string;
  status: ReviewStatus;
  revision: number;
  /** Ids of the annotations decided (accepted or rejected) that may be engine ones (`e:`). */
  decided: string[];
}

/** The note's facts and its engine annotation ids. */
export function noteFacts(doc: DocumentReference, entities: readonly Entity[] = extensionsToEntities(doc)): { facts: NoteFacts; engineIds: string[] } {
  const engineIds = engineAnnotations(entities).map((e) => e.id);
  let minScore: number | undefined;
  let maxScore: number | undefined;
  let hasNegated = false;
  const categories: Partial<Record<EntityCategory, number>> = {};
  for (const e of entities) {
    if (minScore === undefined || e.Score < minScore) minScore = e.Score;
    if (maxScore === undefined || e.Score > maxScore) maxScore = e.Score;
    if (e.Traits.some((t) => t.Name === 'NEGATION' && t.Score >= TRAIT_THRESHOLD)) hasNegated = true;
    categories[e.Category] = (categories[e.Category] ?? 0) + 1;
  }
  const facts: NoteFacts = { title: noteTitle(doc), entities: engineIds.length, hasNegated, categories, nlp: nlpState(doc) };
  if (doc.date) facts.date = doc.date;
  const patient = notePatient(doc);
  if (patient) facts.patient = patient;
  if (minScore !== undefined) facts.minScore = minScore;
  if (maxScore !== undefined) facts.maxScore = maxScore;
  return { facts, engineIds };
}

export function recordFacts(record: ReviewRecord): RecordFacts {
  const decided: string[] = [];
  for (const a of record.annotations.values()) if (a.decision !== 'pending' && a.id.startsWith('e:')) decided.push(a.id);
  return { reviewer: record.reviewer, status: record.status, revision: record.revision, decided };
}

/** A reviewer's part of a note's summary: pending = the note's engine annotations this record has not decided. */
export function reviewerSummary(record: RecordFacts, engineIds: ReadonlySet<string>): ReviewerSummary {
  let decided = 0;
  for (const id of record.decided) if (engineIds.has(id)) decided++;
  return { status: record.status, pending: engineIds.size - decided, revision: record.revision };
}

/** The summary of one note from its facts and its reviewers' parts (by name; a later record of the same name wins). */
export function summaryOf(documentId: string, facts: NoteFacts, reviewers: Map<string, ReviewerSummary>): NoteSummary {
  const summary: NoteSummary = {
    documentId,
    title: facts.title,
    titleLower: facts.title.toLowerCase(),
    dateMs: facts.date ? Date.parse(facts.date) : NaN,
    entities: facts.entities,
    hasNegated: facts.hasNegated,
    categories: facts.categories,
    nlp: facts.nlp,
    reviewers,
    overall: 'unreviewed',
  };
  summary.overall = overallStatus(summary);
  if (facts.date !== undefined) summary.date = facts.date;
  if (facts.patient !== undefined) summary.patient = facts.patient;
  if (facts.minScore !== undefined) summary.minScore = facts.minScore;
  if (facts.maxScore !== undefined) summary.maxScore = facts.maxScore;
  return summary;
}

/** The summary of one note and its reviewers' records. */
export function summarizeNote(doc: DocumentReference, records: readonly ReviewRecord[], entities: readonly Entity[] = extensionsToEntities(doc)): NoteSummary {
  const { facts, engineIds } = noteFacts(doc, entities);
  const ids = new Set(engineIds);
  const reviewers = new Map<string, ReviewerSummary>();
  for (const r of records) reviewers.set(r.reviewer, reviewerSummary(recordFacts(r), ids));
  return summaryOf(doc.id ?? '', facts, reviewers);
}

/** Status over every reviewer: done if anyone finished it, in progress if anyone started. */
export function overallStatus(summary: NoteSummary): ReviewStatus {
  let best: ReviewStatus = 'unreviewed';
  for (const r of summary.reviewers.values()) if (STATUS_RANK[r.status] > STATUS_RANK[best]) best = r.status;
  return best;
}

/** Pending over every reviewer: the fewest any reviewer left (all of them when nobody reviewed it). */
function overallPending(summary: NoteSummary): number {
  let pending = summary.entities;
  for (const r of summary.reviewers.values()) pending = Math.min(pending, r.pending);
  return pending;
}

function item(summary: NoteSummary, viewer: string | undefined): ReviewQueueItem {
  const own = viewer !== undefined ? summary.reviewers.get(viewer) : undefined;
  const out: ReviewQueueItem = {
    documentId: summary.documentId,
    title: summary.title,
    status: viewer !== undefined ? (own?.status ?? 'unreviewed') : summary.overall,
    reviewers: [...summary.reviewers.keys()].sort(),
    entities: summary.entities,
    pending: viewer !== undefined ? (own?.pending ?? summary.entities) : overallPending(summary),
    hasNegated: summary.hasNegated,
    categories: { ...summary.categories },
  };
  if (summary.date !== undefined) out.date = summary.date;
  if (summary.patient !== undefined) out.patient = summary.patient;
  if (summary.minScore !== undefined) out.minScore = summary.minScore;
  return out;
}

function compareId(a: NoteSummary, b: NoteSummary): number {
  return a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : 0;
}

/** Ascending orders; notes without a score or date come last either way. */
const COMPARATORS: Record<QueueSort, (a: NoteSummary, b: NoteSummary) => number> = {
  score: (a, b) => (a.minScore ?? Infinity) - (b.minScore ?? Infinity) || compareId(a, b),
  date: (a, b) => (Number.isNaN(a.dateMs) ? Infinity : a.dateMs) - (Number.isNaN(b.dateMs) ? Infinity : b.dateMs) || compareId(a, b),
  title: (a, b) => (a.titleLower < b.titleLower ? -1 : a.titleLower > b.titleLower ? 1 : 0) || compareId(a, b),
};

function hasSortKey(summary: NoteSummary, sort: QueueSort): boolean {
  if (sort === 'score') return summary.minScore !== undefined;
  if (sort === 'date') return !Number.isNaN(summary.dateMs);
  return true;
}

/** The summaries of every note, with cached sorted orders. */
export class QueueIndex {
  private readonly notes = new Map<string, NoteSummary>();
  private readonly sorted = new Map<QueueSort, NoteSummary[]>();

  get size(): number {
    return this.notes.size;
  }

  get(documentId: string): NoteSummary | undefined {
    return this.notes.get(documentId);
  }

  values(): IterableIterator<NoteSummary> {
    return this.notes.values();
  }

  set(summary: NoteSummary): void {
    this.notes.set(summary.documentId, summary);
    this.sorted.clear();
  }

  delete(documentId: string): void {
    if (this.notes.delete(documentId)) this.sorted.clear();
  }

  replaceAll(summaries: Iterable<NoteSummary>): void {
    this.notes.clear();
    for (const s of summaries) this.notes.set(s.documentId, s);
    this.sorted.clear();
  }

  /** One reviewer's part of a note changed (after the service's own write). */
  setReviewer(documentId: string, reviewer: string, summary: ReviewerSummary): void {
    const note = this.notes.get(documentId);
    if (!note) return;
    note.reviewers.set(reviewer, summary);
    note.overall = overallStatus(note);
    // Status and pending are not sort keys: the cached orders stay valid.
  }

  private order(sort: QueueSort): NoteSummary[] {
    let list = this.sorted.get(sort);
    if (!list) {
      list = [...this.notes.values()].sort(COMPARATORS[sort]);
      this.sorted.set(sort, list);
    }
    return list;
  }

  query(q: QueueQuery): ReviewQueuePage {
    const statuses = q.status && q.status.length > 0 ? new Set(q.status) : undefined;
    const text = q.text?.trim().toLowerCase() || undefined;
    const scoreFilter = q.scoreMin !== undefined || q.scoreMax !== undefined;
    const matches = (s: NoteSummary): boolean => {
      if (q.reviewer !== undefined && !s.reviewers.has(q.reviewer)) return false;
      if (q.category !== undefined && !s.categories[q.category]) return false;
      if (q.hasNegated !== undefined && s.hasNegated !== q.hasNegated) return false;
      if (scoreFilter) {
        if (s.minScore === undefined) return false;
        if (q.scoreMin !== undefined && s.minScore < q.scoreMin) return false;
        if (q.scoreMax !== undefined && s.minScore > q.scoreMax) return false;
      }
      if (text !== undefined && !s.titleLower.includes(text)) return false;
      if (statuses) {
        const status = q.viewer !== undefined ? (s.reviewers.get(q.viewer)?.status ?? 'unreviewed') : s.overall;
        if (!statuses.has(status)) return false;
      }
      return true;
    };
    const list = this.order(q.sort);
    // Counts every match, keeps only the page's.
    const page: NoteSummary[] = [];
    let total = 0;
    const visit = (s: NoteSummary) => {
      if (!matches(s)) return;
      if (total >= q.offset && page.length < q.count) page.push(s);
      total++;
    };
    if (q.descending) {
      // Descending keeps the notes without a key last, as ascending does.
      for (let i = list.length - 1; i >= 0; i--) if (hasSortKey(list[i]!, q.sort)) visit(list[i]!);
      for (const s of list) if (!hasSortKey(s, q.sort)) visit(s);
    } else {
      for (const s of list) visit(s);
    }
    return { total, offset: q.offset, items: page.map((s) => item(s, q.viewer)) };
  }
}
