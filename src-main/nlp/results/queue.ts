/**
 * The NLP processing queue of one open store (docs/nlp-results.md "The processing queue"):
 * DocumentReferences that are new or whose text changed are processed in the background, as a job
 * of the session's JobManager (progress: notes done/total, rate, time left; cancellable).
 *
 * Nothing is persisted besides the results: the queue's state is derived from the store (a note
 * without Hearth's NLP extension, or with one for another text, is waiting; one with other engine
 * versions is `outdated`; one whose stamp differs only in the learned rules that touch its text is
 * `relearned` and waits), by a scan at the first job after the vault opens, then kept up to date
 * from the writes the session reports (write-observer.ts). So a restart resumes where it stopped.
 *
 * Results are written back as an update of the DocumentReference (If-Match on the version read,
 * `skipUnchanged`: the same result makes no new version) through the repository the write
 * observer wraps, so the queue never hears of its own writes; a note edited meanwhile fails the
 * If-Match and stays waiting. Outdated notes are not redone on their own: status says how many
 * there are and `rerun` redoes them. Relearned ones are (a new learned model touches few notes).
 *
 * A note whose text is kept in a Binary (attachment.url `Binary/<id>`) waits again when that Binary
 * is written or deleted: the queue keeps an index Binary id → notes, filled as it classifies and
 * processes notes (a note written since is waiting anyway, and is indexed when processed).
 */
import type { DocumentReference, Resource } from '@medplum/fhirtypes';
import type { NlpNoteError, NlpQueueStatus } from '../../api/contract';
import { outcomeStatus } from '../../api/result';
import { OperationOutcomeError } from '../../fhir/outcome-error';
import type { ResourceRepository, WriteOp } from '../../fhir/repository';
import type { JobContext, JobManager, JobRunResult } from '../../jobs/job-manager';
import { RateMeter } from '../../jobs/import-job';
import { readNlpStamp } from './extensions';
import { noteBinaryId, type BinaryReader } from './note-text';
import { noteState, processNote, type NoteAnalyzer, type NoteState } from './processor';
import type { WrittenResource } from './write-observer';

const NOTE_TYPE = 'DocumentReference';
const MAX_ERRORS = 20;
const EMIT_INTERVAL_MS = 200;

/** What the queue knows of one note: its state, and whether its result is a failure. */
interface NoteEntry {
  state: NoteState;
  failed: boolean;
}

export interface NlpQueueOptions {
  /** The store underneath the write observer: the queue's own writes are not reported back. */
  repository: ResourceRepository;
  jobs: JobManager;
  /** Starts (once) the engine; undefined: this session has none and processes nothing. */
  analyzer?: () => Promise<NoteAnalyzer>;
  /** Called when the status changes (the session turns it into an `nlp` event). */
  onStatus?: (status: NlpQueueStatus) => void;
  /** Notes analysed concurrently and written in one batch (default 16). */
  batchSize?: number;
  /** Notes per page of the initial scan (default 200). */
  scanPageSize?: number;
  /** Start paused: nothing runs until start() (the CLI processes the notes after its import). */
  paused?: boolean;
}

/** A read of a resource that does not exist (404) or was deleted (410). */
function isGone(e: unknown): boolean {
  if (!(e instanceof OperationOutcomeError)) return false;
  const status = outcomeStatus(e.outcome);
  return status === 404 || status === 410;
}

export class NlpQueue {
  private readonly notes = new Map<string, NoteEntry>();
  /** Notes to process now: new, changed, and those a rerun asked for. */
  private readonly waiting = new Set<string>();
  /** Binary id → the notes whose text it holds, and the reverse (to unindex a note that changed). */
  private readonly binaryNotes = new Map<string, Set<string>>();
  private readonly noteBinary = new Map<string, string>();
  private scanned = false;
  private paused = false;
  private closed = false;
  private jobId: string | undefined;
  private analyzer: Promise<NoteAnalyzer> | undefined;
  private versions: NoteAnalyzer['versions'] | undefined;
  private errors: NlpNoteError[] = [];
  private processedNotes = 0;
  private processedFailed = 0;
  /** A rerun asked for before the first scan. */
  private rerunScope: 'outdated' | 'all' | undefined;
  private emitTimer: ReturnType<typeof setTimeout> | undefined;
  private lastEmitMs = 0;
  private readonly batchSize: number;
  private readonly scanPageSize: number;

  constructor(private readonly options: NlpQueueOptions) {
    this.batchSize = options.batchSize ?? 16;
    this.scanPageSize = options.scanPageSize ?? 200;
    this.paused = options.paused === true;
  }

  /** Begins the background work (a scan, then the waiting notes) if the session has an engine. */
  open(): void {
    this.schedule();
  }

  /** The write observer's listener: new and changed notes wait; deleted ones are forgotten. */
  readonly noteWritten = (written: readonly WrittenResource[]): void => {
    let changed = false;
    for (const item of written) {
      if (item.resourceType === 'Binary') {
        // The text of these notes changed (or is gone: they get a failed result when processed).
        for (const id of this.binaryNotes.get(item.id) ?? []) {
          changed = true;
          this.notes.set(id, { state: 'changed', failed: false });
          this.waiting.add(id);
        }
        continue;
      }
      if (item.resourceType !== NOTE_TYPE) continue;
      changed = true;
      if (item.change === 'deleted') {
        this.notes.delete(item.id);
        this.waiting.delete(item.id);
        this.indexBinary(item.id, undefined);
      } else {
        // Classified when processed: an update that kept the text and the result is skipped then.
        this.notes.set(item.id, { state: 'new', failed: false });
        this.waiting.add(item.id);
      }
    }
    if (!changed) return;
    this.emit();
    this.schedule();
  };

  /**
   * Records which Binary holds the note's text (undefined: none). Called before the text is read,
   * so a Binary written while it is being read still finds the note.
   */
  private indexBinary(noteId: string, binaryId: string | undefined): void {
    const old = this.noteBinary.get(noteId);
    if (old === binaryId) return;
    if (old !== undefined) {
      const ids = this.binaryNotes.get(old);
      ids?.delete(noteId);
      if (ids?.size === 0) this.binaryNotes.delete(old);
    }
    if (binaryId === undefined) {
      this.noteBinary.delete(noteId);
      return;
    }
    this.noteBinary.set(noteId, binaryId);
    let ids = this.binaryNotes.get(binaryId);
    if (!ids) this.binaryNotes.set(binaryId, (ids = new Set()));
    ids.add(noteId);
  }

  status(): NlpQueueStatus {
    const counts = { current: 0, pending: 0, outdated: 0, failed: 0 };
    for (const entry of this.notes.values()) {
      if (entry.state === 'current') counts.current++;
      else if (entry.state === 'outdated') counts.outdated++;
      else counts.pending++;
      if (entry.failed && entry.state === 'current') counts.failed++;
    }
    const status: NlpQueueStatus = {
      available: this.options.analyzer !== undefined,
      scanned: this.scanned,
      notes: this.notes.size,
      ...counts,
      paused: this.paused,
      errors: [...this.errors],
      processed: { notes: this.processedNotes, failed: this.processedFailed },
    };
    if (this.versions) status.versions = { engine: this.versions.engine, lexicon: this.versions.lexicon, packs: [...this.versions.packs] };
    if (this.jobId !== undefined) status.jobId = this.jobId;
    if (counts.outdated > 0) {
      status.notice = `${counts.outdated} ${counts.outdated === 1 ? 'note was' : 'notes were'} processed by an older engine, lexicon or terminology pack`;
    }
    return status;
  }

  /** Resumes automatic processing (after cancel) and starts a job if there is work. */
  start(): NlpQueueStatus {
    this.paused = false;
    this.schedule();
    return this.status();
  }

  /** Queues the outdated notes (or every note) for processing, and resumes. */
  rerun(scope: 'outdated' | 'all'): NlpQueueStatus {
    // Before the first scan the notes are not known yet: the job applies it after its scan.
    if (this.rerunScope !== 'all') this.rerunScope = scope;
    if (this.scanned) this.applyRerun();
    return this.start();
  }

  private applyRerun(): void {
    const scope = this.rerunScope;
    this.rerunScope = undefined;
    if (!scope) return;
    for (const [id, entry] of this.notes) {
      if (scope === 'all' && entry.state === 'current') entry.state = 'outdated';
      if (entry.state === 'outdated') this.waiting.add(id);
    }
  }

  /** Stops the job (between batches) and pauses automatic processing until start(). */
  cancel(): NlpQueueStatus {
    this.paused = true;
    if (this.jobId !== undefined) {
      // A job cancelled while still queued never runs (nor run()'s finally that forgets it).
      if (this.options.jobs.cancel(this.jobId)?.status === 'cancelled') this.jobId = undefined;
    }
    this.emit();
    return this.status();
  }

  /**
   * What the engine is built from changed (a terminology pack was stored). Called from another job,
   * so this queue's job is usually not running (jobs run one at a time; if it is, it is cancelled
   * and awaited first): the old engine stops, and the
   * next job starts a new one and scans again, so notes stamped with the old versions show as
   * outdated and nlp.rerun is offered.
   */
  async engineChanged(): Promise<void> {
    // The next job starts the new engine; the running one finishes its batch with the old one,
    // which is closed only then (closing it under the batch would store "the engine failed").
    const old = this.analyzer;
    this.analyzer = undefined;
    this.versions = undefined;
    this.scanned = false;
    const running = this.jobId;
    if (running !== undefined) {
      this.options.jobs.cancel(running);
      await this.options.jobs.whenFinished(running);
    }
    if (old) await old.then((a) => a.close?.(), () => undefined);
    this.emit();
    this.schedule();
  }

  /** The session is closing (after the JobManager stopped the running job): no new job, the engine stops. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.emitTimer) clearTimeout(this.emitTimer);
    const analyzer = this.analyzer;
    this.analyzer = undefined;
    if (analyzer) await analyzer.then((a) => a.close?.(), () => undefined);
  }

  /** Status events at most every EMIT_INTERVAL_MS (an import reports every chunk), the latest one last. */
  private emit(): void {
    const onStatus = this.options.onStatus;
    if (!onStatus || this.closed) return;
    const wait = this.lastEmitMs + EMIT_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.lastEmitMs = Date.now();
      onStatus(this.status());
      return;
    }
    this.emitTimer ??= setTimeout(() => {
      this.emitTimer = undefined;
      this.lastEmitMs = Date.now();
      if (!this.closed) onStatus(this.status());
    }, wait);
  }

  private engine(): Promise<NoteAnalyzer> {
    const start = this.options.analyzer;
    if (!start) throw new Error('No NLP engine in this session');
    this.analyzer ??= start().then((analyzer) => {
      this.versions = analyzer.versions;
      return analyzer;
    });
    return this.analyzer;
  }

  private schedule(): void {
    if (this.closed || this.paused || !this.options.analyzer || this.jobId !== undefined) return;
    if (this.scanned && this.waiting.size === 0 && !this.rerunScope) return;
    const job = this.options.jobs.start('nlp', 'Clinical NLP', (context) => this.run(context));
    this.jobId = job.id;
    this.emit();
  }

  private readonly readBinary: BinaryReader = async (id) => {
    try {
      const binary = await this.options.repository.read('Binary', id);
      return binary.resourceType === 'Binary' ? binary : undefined;
    } catch (e) {
      if (isGone(e)) return undefined;
      throw e;
    }
  };

  /** Classifies every stored note (the queue's state after a restart). */
  private async scanAll(signal?: AbortSignal, onPage?: (seen: number) => void): Promise<boolean> {
    const analyzer = await this.engine();
    let after: Parameters<ResourceRepository['scan']>[1]['after'];
    let seen = 0;
    do {
      if (signal?.aborted) return false;
      const page = await this.options.repository.scan(NOTE_TYPE, { limit: this.scanPageSize, ...(after ? { after } : {}) });
      for (const resource of page.resources) {
        const id = resource.id;
        if (id === undefined || resource.resourceType !== NOTE_TYPE) continue;
        this.indexBinary(id, noteBinaryId(resource));
        const state = await noteState(resource, analyzer, this.readBinary);
        this.notes.set(id, { state, failed: readNlpStamp(resource)?.status === 'failed' });
        if (state === 'new' || state === 'changed' || state === 'relearned') this.waiting.add(id);
        else this.waiting.delete(id);
      }
      seen += page.resources.length;
      onPage?.(seen);
      after = page.next;
    } while (after);
    this.scanned = true;
    this.emit();
    return true;
  }

  private async run(context: JobContext): Promise<JobRunResult> {
    let failed = false;
    try {
      if (!this.scanned) {
        context.progress({ done: 0, message: 'Looking for notes to process' });
        const complete = await this.scanAll(context.signal, (seen) => context.progress({ done: 0, message: `Looked at ${seen} notes` }));
        if (!complete) return { cancelled: true };
      }
      this.applyRerun();
      return await this.processWaiting(context);
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      this.jobId = undefined;
      this.emit();
      // Notes written while the job ran, or left when it gave way to another job, get a new job.
      // Not after a failure (the store or the engine is in trouble): the next write or nlp.start retries.
      if (!failed) queueMicrotask(() => this.schedule());
    }
  }

  private async processWaiting(context: JobContext): Promise<JobRunResult> {
    const analyzer = await this.engine();
    const meter = new RateMeter();
    let done = 0;
    while (this.waiting.size > 0) {
      if (context.signal.aborted) return { cancelled: true };
      // Another job (an import, an export) waits: give way; this queue gets a new job after it.
      if (this.options.jobs.queuedCount() > 0) break;
      const batch = [...this.waiting].slice(0, this.batchSize);
      for (const id of batch) this.waiting.delete(id);
      await this.processBatch(batch, analyzer, context.signal);
      done += batch.length;
      const total = done + this.waiting.size;
      const { recordsPerSecond } = meter.add(done, 0);
      context.progress({
        done,
        total,
        message: `Processed ${done} of ${total} notes`,
        ...(recordsPerSecond !== undefined ? { ratePerSecond: Math.round(recordsPerSecond * 10) / 10 } : {}),
        ...(recordsPerSecond ? { etaSeconds: Math.round((total - done) / recordsPerSecond) } : {}),
      });
      this.emit();
    }
    return {};
  }

  private async processBatch(ids: readonly string[], analyzer: NoteAnalyzer, signal: AbortSignal): Promise<void> {
    const ops: WriteOp[] = [];
    const results = await Promise.all(
      ids.map(async (id) => {
        let doc: Resource;
        try {
          doc = await this.options.repository.read(NOTE_TYPE, id);
        } catch (e) {
          // Deleted meanwhile: nothing to do.
          if (isGone(e)) {
            this.notes.delete(id);
            this.indexBinary(id, undefined);
            return undefined;
          }
          throw e;
        }
        if (doc.resourceType !== NOTE_TYPE) return undefined;
        this.indexBinary(id, noteBinaryId(doc));
        const state = await noteState(doc, analyzer, this.readBinary);
        const entry = this.notes.get(id);
        if (state === 'current' && entry?.state !== 'outdated') {
          // Written without a change of text (or imported with a current result): nothing to redo.
          this.notes.set(id, { state, failed: readNlpStamp(doc)?.status === 'failed' });
          return undefined;
        }
        if (signal.aborted) {
          // Stopped before its turn: it waits for the next job.
          this.waiting.add(id);
          return undefined;
        }
        const processed = await processNote(doc, analyzer, this.readBinary);
        return { id, doc: processed.doc, failed: processed.result.status === 'failed', message: processed.result.message, versionId: doc.meta?.versionId };
      }),
    );
    const written = results.filter((r): r is NonNullable<typeof r> => r !== undefined);
    for (const r of written) ops.push({ kind: 'update', resource: r.doc as DocumentReference, skipUnchanged: true, ...(r.versionId !== undefined ? { ifMatch: r.versionId } : {}) });
    if (ops.length === 0) return;
    const outcomes = await this.options.repository.writeBatch(ops);
    outcomes.forEach((outcome, index) => {
      const r = written[index]!;
      if (outcome.status === 'updated' || outcome.status === 'unchanged' || outcome.status === 'created') {
        this.notes.set(r.id, { state: 'current', failed: r.failed });
        this.processedNotes++;
        if (r.failed) {
          this.processedFailed++;
          this.addError({ id: r.id, message: r.message ?? 'failed' });
        }
      } else if (outcome.status === 'failed') {
        // Edited since it was read (If-Match) or refused: it waits for the next pass.
        const conflict = outcome.outcome.issue[0]?.code === 'conflict';
        if (!conflict) this.addError({ id: r.id, message: outcome.outcome.issue[0]?.diagnostics ?? 'the result could not be stored' });
        this.notes.set(r.id, { state: 'changed', failed: !conflict });
        if (conflict) this.waiting.add(r.id);
      }
    });
  }

  private addError(error: NlpNoteError): void {
    this.errors.push(error);
    if (this.errors.length > MAX_ERRORS) this.errors = this.errors.slice(-MAX_ERRORS);
  }
}
