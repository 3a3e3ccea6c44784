/**
 * The review workspace's backend (docs/review.md): the document queue, a note opened for review,
 * and the reviewer's changes, each stored as a new version of the reviewer's `Basic` record
 * together with a `Provenance` in one atomic batch (a failed write stores nothing).
 *
 * Writes go to the store underneath the session's write observer (the service updates its own
 * queue summaries); writes by anything else (the NLP queue's results, imports, resources.*) reach
 * `written`, which marks the notes concerned for a refresh before the next queue answer.
 */
import type { Bundle, DocumentReference, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { Database } from 'sql.js';
import { outcomeStatus, type OperationOutcome } from '../api/result';
import { fhirError, OperationOutcomeError } from '../fhir/outcome-error';
import type { ResourceRepository, WriteOp } from '../fhir/repository';
import { extensionsToEntities } from '../nlp/results/extensions';
import { readNoteText } from '../nlp/results/note-text';
import type { WrittenResource } from '../nlp/results/write-observer';
import type { BulkAcceptResult } from '../api/contract';
import type { JobContext, JobManager, JobRunResult } from '../jobs/job-manager';
import { analyzeText } from '../nlp/text';
import type { Entity, EntityCategory } from '../nlp/types';
import { decidedEngineIds, engineAnnotations, isEdited, overlay, sameState, stateProblems, type EngineAnnotation } from './overlay';
import { QueueIndex, summarizeNote, nlpState, noteTitle, notePatient, type QueueQuery, type ReviewerSummary } from './queue-index';
import { loadQueueTable, QueueTableReader, type TrackedRecord } from './queue-table';
import {
  basicToRecord,
  emptyRecord,
  RESOURCE_KIND_SYSTEM,
  REVIEW_KIND_CODE,
  recordToBasic,
  reviewProvenance,
  reviewRecordId,
  stateOf,
  type AnnotationDelta,
  type ReviewAction,
  type ReviewRecord,
  type StoredAnnotation,
} from './record';
import type { AnnotationChange, AnnotationState, ReviewDocument, ReviewQueuePage, ReviewSection, ReviewStatus } from './types';

const NOTE_TYPE = 'DocumentReference';
/** More notes than this changed since the last answer: one scan is cheaper than reading each. */
const REBUILD_THRESHOLD = 2000;
/** With the queue table: marked notes re-read one by one up to this many (or a sixteenth of the notes), else the table is loaded again. */
const TABLE_RELOAD_MIN = 64;
/** Notes whose section headings are kept (the ones being reviewed now). */
const SECTION_CACHE_SIZE = 32;

export interface ReviewServiceOptions {
  /** The store underneath the write observer. */
  repository: ResourceRepository;
  /** The session's jobs: bulk accept over many notes runs as one (without: always in the call). */
  jobs?: JobManager;
  /** Bulk accept over more candidate notes than this runs as a job (default 50: about a second). */
  bulkJobThreshold?: number;
  /** Clock for reviewed-at and Provenance.recorded (tests). */
  now?: () => Date;
  /** Resources per scan page (default 500). */
  scanPageSize?: number;
  /** Called after a review record is written, by this service or anything else (what the engine learns is rebuilt: nlp/learning/service.ts). */
  onRecordsChanged?: () => void;
  /**
   * The search index holding the queue table (queue-table.ts: a vault's index, kept by the FHIR
   * projector): the summaries are loaded from it and notes changed by others re-read from it.
   * Without it (a memory store), one scan of every note and record builds them, and changed notes
   * are read back from the store.
   */
  index?: QueueTableSource;
}

/** Read access to the search index (Vault.read). */
export interface QueueTableSource {
  read<T>(fn: (db: Database) => T): Promise<T>;
}

export interface ApplyInput {
  documentId: string;
  reviewer: string;
  expectedRevision?: number;
  changes: readonly AnnotationChange[];
}

export interface BulkAcceptInput {
  reviewer: string;
  documentId?: string;
  minScore?: number;
  text?: string;
  category?: EntityCategory;
}

export interface ReviewerInfo {
  name: string;
  documents: number;
  done: number;
}

/** A note read for review: the resource, its text and the engine's annotations. */
interface NoteContext {
  doc: DocumentReference;
  text: string;
  textHash: string;
  /** The engine's entities as stored on the note. */
  entities: Entity[];
  engine: EngineAnnotation[];
}

function isGone(e: unknown): boolean {
  if (!(e instanceof OperationOutcomeError)) return false;
  const status = outcomeStatus(e.outcome);
  return status === 404 || status === 410;
}

function invalid(issues: OperationOutcomeIssue[]): OperationOutcomeError {
  // The HTTP status hint, as outcome() sets it (api/result.ts).
  const result: OperationOutcome & { status?: number } = { resourceType: 'OperationOutcome', issue: issues, status: 400 };
  return new OperationOutcomeError(result);
}

/** `W/"3"` → 3. */
function etagVersion(etag: string | undefined): number | undefined {
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(etag ?? '');
  return m ? Number(m[1]) : undefined;
}

export class ReviewService {
  private readonly index = new QueueIndex();
  /** Review Basic ids per note, and the note of each (to find a note's records and a record's note). */
  private readonly recordsByDoc = new Map<string, Set<string>>();
  private readonly docOfRecord = new Map<string, string>();
  private built = false;
  private building = false;
  private refreshing: Promise<void> | undefined;
  private readonly dirtyDocs = new Set<string>();
  /** Review records written by others whose note is not known yet. */
  private readonly dirtyRecords = new Set<string>();
  /** One change at a time per (note, reviewer): revisions and versions stay sequential. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly now: () => Date;
  private readonly scanPageSize: number;

  constructor(private readonly options: ReviewServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.scanPageSize = options.scanPageSize ?? 500;
  }

  private get repository(): ResourceRepository {
    return this.options.repository;
  }

  /** The session's write observer calls this with every write made by others. */
  readonly written = (items: readonly WrittenResource[]): void => {
    if (this.options.onRecordsChanged && items.some((item) => item.resourceType === 'Basic' && item.id.startsWith('rv-'))) this.options.onRecordsChanged();
    // Before the first queue request nothing is cached: the scan will see these writes.
    if (!this.built && !this.building) return;
    for (const item of items) {
      if (item.resourceType === NOTE_TYPE) this.noteWritten(item);
      else if (item.resourceType === 'Basic') {
        const doc = this.docOfRecord.get(item.id);
        if (doc !== undefined) this.dirtyDocs.add(doc);
        // With the queue table a record's row is one lookup: every Basic is looked up (a record may
        // have another id, or now name another note); without it, only unknown `rv-` ones are read.
        if (this.options.index ? true : doc === undefined && item.id.startsWith('rv-')) this.dirtyRecords.add(item.id);
      }
    }
  };

  /**
   * A note written by others (an import, the NLP queue's results): a note nobody reviewed is
   * summarised from the written resource at once (no read back: the NLP queue writes 100,000
   * notes); a deletion, a note with records, or any write during the first scan waits for a refresh.
   */
  private noteWritten(item: WrittenResource): void {
    const resource = item.resource;
    if (!this.built || this.building || this.recordsByDoc.get(item.id)?.size || resource?.resourceType !== NOTE_TYPE) {
      this.dirtyDocs.add(item.id);
      return;
    }
    this.index.set(summarizeNote(resource, []));
  }

  /**
   * Builds the queue's summaries ahead of the first request, but only in a vault where someone has
   * reviewed (one count query on the search index): reviewers find their queue ready, and vaults
   * nobody reviews pay nothing. True when it built them.
   */
  async warmIfReviewed(): Promise<boolean> {
    if (this.built) return false;
    const count = await this.repository.search('Basic', [
      ['code', `${RESOURCE_KIND_SYSTEM}|${REVIEW_KIND_CODE}`],
      ['_summary', 'count'],
    ]);
    if ((count.total ?? 0) === 0) return false;
    await this.fresh();
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Queue

  async queue(query: QueueQuery): Promise<ReviewQueuePage> {
    await this.fresh();
    return this.index.query(query);
  }

  async reviewers(): Promise<ReviewerInfo[]> {
    await this.fresh();
    const byName = new Map<string, ReviewerInfo>();
    for (const note of this.index.values()) {
      for (const [name, r] of note.reviewers) {
        const info = byName.get(name) ?? { name, documents: 0, done: 0 };
        info.documents++;
        if (r.status === 'done') info.done++;
        byName.set(name, info);
      }
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Builds the summaries on first use, then refreshes the notes written since. */
  private async fresh(): Promise<void> {
    if (!this.refreshing) {
      // Cleared once settled (always after this assignment, even when there was nothing to do).
      const run: Promise<void> = this.refresh().finally(() => {
        if (this.refreshing === run) this.refreshing = undefined;
      });
      this.refreshing = run;
    }
    await this.refreshing;
  }

  private async refresh(): Promise<void> {
    // With the queue table, loading it all costs about as much as re-reading a sixteenth of the notes one by one.
    const limit = this.options.index ? Math.max(TABLE_RELOAD_MIN, this.index.size / 16) : REBUILD_THRESHOLD;
    if (!this.built || this.dirtyDocs.size + this.dirtyRecords.size > limit) await this.build();
    while (this.dirtyDocs.size > 0 || this.dirtyRecords.size > 0) await this.refreshDirty();
  }

  private async scanAll(type: string, each: (resource: Resource) => void): Promise<void> {
    let after: Parameters<ResourceRepository['scan']>[1]['after'];
    do {
      const page = await this.repository.scan(type, { limit: this.scanPageSize, ...(after ? { after } : {}) });
      for (const resource of page.resources) each(resource);
      after = page.next;
    } while (after);
  }

  private async build(): Promise<void> {
    this.building = true;
    // Writes from here on mark their notes again; the scan may or may not have seen them.
    this.dirtyDocs.clear();
    this.dirtyRecords.clear();
    try {
      const index = this.options.index;
      if (index) {
        const table = await index.read(loadQueueTable);
        this.recordsByDoc.clear();
        this.docOfRecord.clear();
        for (const record of table.records) this.track(record);
        this.index.replaceAll(table.summaries);
        this.built = true;
        return;
      }
      const records = new Map<string, ReviewRecord[]>();
      this.recordsByDoc.clear();
      this.docOfRecord.clear();
      await this.scanAll('Basic', (resource) => {
        const record = resource.resourceType === 'Basic' ? basicToRecord(resource) : undefined;
        if (!record) return;
        this.track(record);
        const list = records.get(record.documentId) ?? [];
        list.push(record);
        records.set(record.documentId, list);
      });
      const summaries: ReturnType<typeof summarizeNote>[] = [];
      await this.scanAll(NOTE_TYPE, (resource) => {
        if (resource.resourceType !== NOTE_TYPE || resource.id === undefined) return;
        summaries.push(summarizeNote(resource, records.get(resource.id) ?? []));
      });
      this.index.replaceAll(summaries);
      this.built = true;
    } finally {
      this.building = false;
    }
  }

  private track(record: TrackedRecord): void {
    this.docOfRecord.set(record.id, record.documentId);
    const set = this.recordsByDoc.get(record.documentId) ?? new Set<string>();
    set.add(record.id);
    this.recordsByDoc.set(record.documentId, set);
  }

  private untrack(recordId: string): void {
    const doc = this.docOfRecord.get(recordId);
    this.docOfRecord.delete(recordId);
    if (doc !== undefined) this.recordsByDoc.get(doc)?.delete(recordId);
  }

  private async readOrUndefined(type: string, id: string): Promise<Resource | undefined> {
    try {
      return await this.repository.read(type, id);
    } catch (e) {
      if (isGone(e)) return undefined;
      throw e;
    }
  }

  private async refreshDirty(): Promise<void> {
    if (this.options.index) return this.refreshDirtyFromTable(this.options.index);
    for (const id of [...this.dirtyRecords]) {
      this.dirtyRecords.delete(id);
      const resource = await this.readOrUndefined('Basic', id);
      const record = resource?.resourceType === 'Basic' ? basicToRecord(resource) : undefined;
      if (record) {
        this.track(record);
        this.dirtyDocs.add(record.documentId);
      }
    }
    for (const docId of [...this.dirtyDocs]) {
      this.dirtyDocs.delete(docId);
      const doc = await this.readOrUndefined(NOTE_TYPE, docId);
      if (doc?.resourceType !== NOTE_TYPE) {
        this.index.delete(docId);
        continue;
      }
      const records: ReviewRecord[] = [];
      for (const recordId of [...(this.recordsByDoc.get(docId) ?? [])]) {
        const basic = await this.readOrUndefined('Basic', recordId);
        const record = basic?.resourceType === 'Basic' ? basicToRecord(basic) : undefined;
        if (record) records.push(record);
        else this.untrack(recordId);
      }
      this.index.set(summarizeNote(doc, records));
    }
  }

  /** The notes changed by others, re-read from the queue table: O(those notes and their records). */
  private async refreshDirtyFromTable(index: QueueTableSource): Promise<void> {
    const recordIds = [...this.dirtyRecords];
    const docIds = [...this.dirtyDocs];
    this.dirtyRecords.clear();
    this.dirtyDocs.clear();
    const found = await index.read((db) => {
      const reader = new QueueTableReader(db);
      try {
        const docs = new Set(docIds);
        for (const id of recordIds) {
          const record = reader.record(id);
          if (record) docs.add(record.documentId);
        }
        return [...docs].map((documentId) => ({ documentId, ...reader.note(documentId) }));
      } finally {
        reader.free();
      }
    });
    for (const { documentId, summary, records } of found) {
      for (const id of [...(this.recordsByDoc.get(documentId) ?? [])]) this.untrack(id);
      for (const record of records) this.track(record);
      if (summary) this.index.set(summary);
      else this.index.delete(documentId);
    }
  }

  // -------------------------------------------------------------------------------------------
  // One note

  private async loadNote(documentId: string): Promise<NoteContext> {
    const resource = await this.repository.read(NOTE_TYPE, documentId);
    if (resource.resourceType !== NOTE_TYPE) throw fhirError('not-found', `DocumentReference/${documentId} not found`, 404, ['documentId']);
    const note = await readNoteText(resource, async (id) => {
      const binary = await this.readOrUndefined('Binary', id);
      return binary?.resourceType === 'Binary' ? binary : undefined;
    });
    if (!note.ok) throw fhirError('not-supported', `DocumentReference/${documentId} has no text to review: ${note.problem}`, 422, ['documentId']);
    const entities = extensionsToEntities(resource);
    return { doc: resource, text: note.text, textHash: note.textHash, entities, engine: engineAnnotations(entities, note.text) };
  }

  /** The reviewer's record of a note; an empty one (with the version a deleted one reached) when there is none. */
  private async loadRecord(documentId: string, reviewer: string): Promise<ReviewRecord> {
    const id = reviewRecordId(documentId, reviewer);
    try {
      const basic = await this.repository.read('Basic', id);
      const record = basic.resourceType === 'Basic' ? basicToRecord(basic) : undefined;
      if (!record) throw fhirError('invalid', `Basic/${id} is not a review record`, 500);
      // Records are keyed by (note, reviewer): a renamed copy would not be this reviewer's.
      record.reviewer = reviewer;
      return record;
    } catch (e) {
      if (!isGone(e)) throw e;
      const record = emptyRecord(documentId, reviewer);
      if (e instanceof OperationOutcomeError && outcomeStatus(e.outcome) === 410) {
        // A deleted record: the next version follows the deletion's.
        const history: Bundle = await this.repository.history('Basic', id);
        const version = etagVersion(history.entry?.[0]?.response?.etag);
        if (version !== undefined) record.version = version;
      }
      return record;
    }
  }

  private documentOf(note: NoteContext, record: ReviewRecord, sections?: ReviewSection[]): ReviewDocument {
    const doc: ReviewDocument = {
      documentId: note.doc.id ?? '',
      title: noteTitle(note.doc),
      text: note.text,
      sections: sections ?? this.sections(note),
      reviewer: record.reviewer,
      status: record.status,
      annotations: overlay(note.engine, record, note.text),
      textChanged: record.textHash !== undefined && record.textHash !== note.textHash,
      nlp: nlpState(note.doc),
      revision: record.revision,
    };
    if (note.doc.date) doc.date = note.doc.date;
    const patient = notePatient(note.doc);
    if (patient) doc.patient = patient;
    return doc;
  }

  /** Section headings by text hash: every apply answers with the document, and a long note's text stage takes a while. */
  private readonly sectionCache = new Map<string, ReviewSection[]>();

  private sections(note: NoteContext): ReviewSection[] {
    let sections = this.sectionCache.get(note.textHash);
    if (!sections) {
      sections = sectionsOf(note.text);
      this.sectionCache.set(note.textHash, sections);
      // The oldest entry goes (a Map keeps insertion order).
      if (this.sectionCache.size > SECTION_CACHE_SIZE) this.sectionCache.delete(this.sectionCache.keys().next().value!);
    }
    return sections.map((section) => ({ ...section }));
  }

  async document(documentId: string, reviewer: string): Promise<ReviewDocument> {
    const note = await this.loadNote(documentId);
    const record = await this.loadRecord(documentId, reviewer);
    return this.documentOf(note, record);
  }

  private async locked<T>(documentId: string, reviewer: string, fn: () => Promise<T>): Promise<T> {
    const key = `${documentId}\0${reviewer}`;
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /**
   * Sets annotations' reviewed states (undo = apply the `before` states, redo = the `after` ones).
   * Every change is checked first: one bad change refuses them all, with one issue each.
   */
  async apply(input: ApplyInput): Promise<ReviewDocument> {
    return this.locked(input.documentId, input.reviewer, async () => {
      const note = await this.loadNote(input.documentId);
      const record = await this.loadRecord(input.documentId, input.reviewer);
      if (input.expectedRevision !== undefined && input.expectedRevision !== record.revision) {
        throw fhirError('conflict', `The review changed meanwhile: it is at revision ${record.revision}, not ${input.expectedRevision}; reload it`, 412, ['expectedRevision']);
      }
      const engineById = new Map(note.engine.map((e) => [e.id, e]));
      const issues: OperationOutcomeIssue[] = [];
      const problem = (index: number, field: string, message: string) =>
        issues.push({ severity: 'error', code: 'invalid', diagnostics: `changes[${index}]: ${message}`, expression: [`changes[${index}]${field}`] });
      const reviewedAt = this.now().toISOString();
      const before = new Map<string, AnnotationState | null>();
      input.changes.forEach((change, index) => {
        let id = change.id;
        if (id === undefined) {
          if (!change.after) return void problem(index, '.after', 'a new annotation needs a state');
          id = `u:${record.nextId}`;
        }
        const engine = engineById.get(id);
        const stored = record.annotations.get(id);
        if (id.startsWith('e:') && !engine && !stored) return void problem(index, '.id', `no annotation ${id} on this note`);
        if (id.startsWith('u:') && !stored && !change.after) return void problem(index, '.id', `no annotation ${id} on this note`);
        if (change.after) {
          const problems = stateProblems(change.after, note.text.length);
          if (problems.length > 0) return void problems.forEach((p) => problem(index, '.after', p));
        }
        if (!before.has(id)) before.set(id, stored ? stateOf(stored) : null);
        if (id.startsWith('u:')) record.nextId = Math.max(record.nextId, Number(id.slice(2)) + 1);
        if (!change.after) {
          record.annotations.delete(id);
          return;
        }
        if (stored && sameState(stateOf(stored), change.after)) return;
        record.annotations.set(id, storedAnnotation(id, change.after, engine, input.reviewer, reviewedAt, stored));
      });
      if (issues.length > 0) throw invalid(issues);
      const deltas = deltasOf(before, record);
      if (deltas.length === 0) return this.documentOf(note, record);
      return this.write(note, record, 'apply', deltas, record.status === 'unreviewed' ? 'in-progress' : record.status);
    });
  }

  async setStatus(documentId: string, reviewer: string, status: ReviewStatus): Promise<ReviewDocument> {
    return this.locked(documentId, reviewer, async () => {
      const note = await this.loadNote(documentId);
      const record = await this.loadRecord(documentId, reviewer);
      if (record.status === status && record.version !== undefined) return this.documentOf(note, record);
      return this.write(note, record, 'set-status', [], status);
    });
  }

  /**
   * Accepts the pending engine annotations that match (score at least minScore, category, the same
   * text case-insensitively) on one note, or on every note; one transaction per note. Many notes:
   * a job (the answer carries its id).
   */
  async bulkAccept(input: BulkAcceptInput): Promise<BulkAcceptResult> {
    let candidates: string[];
    if (input.documentId !== undefined) candidates = [input.documentId];
    else {
      await this.fresh();
      candidates = [];
      for (const s of this.index.values()) {
        const own = s.reviewers.get(input.reviewer);
        if ((own?.pending ?? s.entities) === 0) continue;
        if (input.category !== undefined && !s.categories[input.category]) continue;
        if (input.minScore !== undefined && (s.maxScore === undefined || s.maxScore < input.minScore)) continue;
        candidates.push(s.documentId);
      }
    }
    const jobs = this.options.jobs;
    if (!jobs || candidates.length <= (this.options.bulkJobThreshold ?? 50)) return this.acceptAll(input, candidates);
    const job = jobs.start('review', 'Bulk accept', (context) => this.bulkJob(input, candidates, context));
    return { documents: 0, accepted: 0, jobId: job.id };
  }

  private async bulkJob(input: BulkAcceptInput, candidates: readonly string[], context: JobContext): Promise<JobRunResult> {
    const totals = { documents: 0, accepted: 0, failed: 0 };
    const report = (done: number) =>
      context.progress({
        done,
        total: candidates.length,
        message: `Accepted ${totals.accepted} annotations in ${totals.documents} notes${totals.failed > 0 ? `; ${totals.failed} notes could not be changed` : ''}`,
      });
    for (let i = 0; i < candidates.length; i++) {
      if (context.signal.aborted) return { cancelled: true };
      try {
        const n = await this.acceptIn(input, candidates[i]!, false);
        if (n > 0) {
          totals.documents++;
          totals.accepted += n;
        }
      } catch {
        // One note's trouble (a malformed record, a refused write) does not stop the others; each note is its own transaction.
        totals.failed++;
      }
      report(i + 1);
    }
    return {};
  }

  private async acceptAll(input: BulkAcceptInput, candidates: readonly string[]): Promise<BulkAcceptResult> {
    let documents = 0;
    let accepted = 0;
    for (const documentId of candidates) {
      const n = await this.acceptIn(input, documentId, input.documentId !== undefined);
      if (n > 0) {
        documents++;
        accepted += n;
      }
    }
    return { documents, accepted };
  }

  /** Accepts the matching pending annotations of one note; the number accepted. A note gone meanwhile is skipped unless it was asked for. */
  private async acceptIn(input: BulkAcceptInput, documentId: string, asked: boolean): Promise<number> {
    const wanted = input.text?.trim().toLowerCase();
    return this.locked(documentId, input.reviewer, async () => {
      let note: NoteContext;
      try {
        note = await this.loadNote(documentId);
      } catch (e) {
        if (!asked && (isGone(e) || (e instanceof OperationOutcomeError && outcomeStatus(e.outcome) === 422))) return 0;
        throw e;
      }
      const record = await this.loadRecord(documentId, input.reviewer);
      const reviewedAt = this.now().toISOString();
      const before = new Map<string, AnnotationState | null>();
      for (const e of note.engine) {
        const stored = record.annotations.get(e.id);
        if (stored && stored.decision !== 'pending') continue;
        if (input.minScore !== undefined && e.entity.Score < input.minScore) continue;
        if (input.category !== undefined && (stored?.category ?? e.state.category) !== input.category) continue;
        if (wanted !== undefined && e.entity.Text.toLowerCase() !== wanted) continue;
        before.set(e.id, stored ? stateOf(stored) : null);
        const state = { ...(stored ? stateOf(stored) : e.state), decision: 'accepted' as const };
        record.annotations.set(e.id, storedAnnotation(e.id, state, e, input.reviewer, reviewedAt, stored));
      }
      const deltas = deltasOf(before, record);
      if (deltas.length === 0) return 0;
      await this.write(note, record, 'bulk-accept', deltas, record.status === 'unreviewed' ? 'in-progress' : record.status);
      return deltas.length;
    });
  }

  /** Stores the record's next version and its Provenance in one atomic batch, then updates the queue summary. */
  private async write(note: NoteContext, record: ReviewRecord, action: ReviewAction, deltas: AnnotationDelta[], status: ReviewStatus): Promise<ReviewDocument> {
    const statusBefore = record.status;
    const previousVersion = record.version;
    record.status = status;
    record.revision++;
    record.textHash = note.textHash;
    const newVersion = (previousVersion ?? 0) + 1;
    const provenance = reviewProvenance({
      record,
      newVersion,
      ...(previousVersion !== undefined ? { previousVersion } : {}),
      ...(note.doc.meta?.versionId !== undefined ? { documentVersion: note.doc.meta.versionId } : {}),
      recorded: this.now().toISOString(),
      action,
      deltas,
      statusBefore,
    });
    const ops: WriteOp[] = [
      { kind: 'update', resource: recordToBasic(record), ...(previousVersion !== undefined ? { ifMatch: String(previousVersion) } : {}) },
      { kind: 'create', resource: provenance },
    ];
    const outcomes = await this.repository.writeBatch(ops, { atomic: true });
    const failed = outcomes.find((o) => o.status === 'failed');
    if (failed?.status === 'failed') throw new OperationOutcomeError(failed.outcome);
    const stored = outcomes[0];
    if (stored?.status !== 'updated' && stored?.status !== 'created') throw fhirError('exception', 'The review record was not stored', 500);
    record.version = Number(stored.resource.meta?.versionId ?? newVersion);
    this.afterWrite(note, record);
    this.options.onRecordsChanged?.();
    return this.documentOf(note, record);
  }

  private afterWrite(note: NoteContext, record: ReviewRecord): void {
    if (!this.built && !this.building) return;
    this.track(record);
    const summary = this.index.get(record.documentId);
    if (!summary) {
      this.dirtyDocs.add(record.documentId);
      return;
    }
    // The same engine ids the summary counted (from the stored entities, without the text check).
    const engineIds = new Set(engineAnnotations(note.entities).map((e) => e.id));
    const reviewer: ReviewerSummary = { status: record.status, pending: engineIds.size - decidedEngineIds(record, engineIds), revision: record.revision };
    this.index.setReviewer(record.documentId, record.reviewer, reviewer);
    // With the queue table, the note is also re-read from it before the next answer (one row per
    // record): a refresh that read the table before this write committed cannot leave its older row.
    if (this.options.index) this.dirtyDocs.add(record.documentId);
  }
}

/**
 * The annotation as stored. `engineConcept` keeps the concept the engine proposed while the
 * reviewer's differs from it (a wrong link, not a wrong mention: what learning demotes): the one
 * recorded at the first such change, so a re-run that now proposes the reviewer's code (because
 * it learned it) does not erase it; gone once the reviewer goes back to it.
 */
function storedAnnotation(id: string, state: AnnotationState, engine: EngineAnnotation | undefined, reviewer: string, reviewedAt: string, previous?: StoredAnnotation): StoredAnnotation {
  const stored: StoredAnnotation = {
    id,
    origin: id.startsWith('u:') ? 'reviewer' : 'engine',
    begin: state.begin,
    end: state.end,
    category: state.category,
    type: state.type,
    traits: [...new Set(state.traits)],
    decision: state.decision,
    edited: isEdited(state, engine?.state),
    reviewedBy: reviewer,
    reviewedAt,
  };
  if (state.concept) stored.concept = { ...state.concept };
  const proposed = previous?.engineConcept ?? (id.startsWith('e:') ? engine?.state.concept : undefined);
  if (proposed && !(state.concept?.system === proposed.system && state.concept.code === proposed.code)) stored.engineConcept = { ...proposed };
  return stored;
}

/** The changes that changed something: per annotation, its state before the call and after it. */
function deltasOf(before: ReadonlyMap<string, AnnotationState | null>, record: ReviewRecord): AnnotationDelta[] {
  const deltas: AnnotationDelta[] = [];
  for (const [id, was] of before) {
    const now = record.annotations.get(id);
    const after = now ? stateOf(now) : null;
    if (!sameState(was, after)) deltas.push({ id, before: was, after });
  }
  return deltas;
}

/** The note's section headings (the NLP text stage), for the workspace's outline. */
export function sectionsOf(text: string): ReviewSection[] {
  return analyzeText(text)
    .sections.filter((s) => s.heading !== '')
    .map((s) => ({ kind: s.kind, begin: s.headingBegin, end: s.headingEnd, title: s.heading }));
}
