/**
 * The learned model of one open vault (docs/review.md "What the engine learns"): derived from the
 * review records stored in the vault (review/record.ts), so it needs no storage of its own and is
 * the same after a restart (derivation is deterministic: the same records give the same version,
 * and notes analysed with it stay current). Rebuilt, a few seconds after the last change, when
 * review records change; when its version changes, `onChange` restarts the NLP engine with it
 * (the queue then re-runs the notes whose learned rules changed: learning/relevance.ts). Transport-free.
 */
import type { Basic, DocumentReference } from '@medplum/fhirtypes';
import { outcomeStatus } from '../../api/result';
import { OperationOutcomeError } from '../../fhir/outcome-error';
import type { ResourceRepository } from '../../fhir/repository';
import { basicToRecord, type ReviewRecord } from '../../review/record';
import { readNoteText } from '../results/note-text';
import { deriveLearning, type CorrectionNote } from './derive';
import { emptyModel, summarizeModel, type LearnedModel, type LearningSummary } from './model';

/** Quiet time after the last review change before the model is rebuilt. */
const DEFAULT_DEBOUNCE_MS = 5000;

export interface LearningServiceOptions {
  /** The store underneath the session's write observers. */
  repository: ResourceRepository;
  /** The model's version changed (not called for the first build). */
  onChange?: (model: LearnedModel) => Promise<void> | void;
  debounceMs?: number;
  /** Resources per scan page (default 500). */
  scanPageSize?: number;
}

function isGone(e: unknown): boolean {
  if (!(e instanceof OperationOutcomeError)) return false;
  const status = outcomeStatus(e.outcome);
  return status === 404 || status === 410;
}

/**
 * Every review record whose note still has the text it was made on, as derivation input. A record
 * made on another text (the note was edited since) is left out: its spans may point elsewhere.
 */
export async function readCorrections(repository: ResourceRepository, scanPageSize = 500): Promise<CorrectionNote[]> {
  const records: ReviewRecord[] = [];
  let after: Parameters<ResourceRepository['scan']>[1]['after'];
  do {
    const page = await repository.scan('Basic', { limit: scanPageSize, ...(after ? { after } : {}) });
    for (const resource of page.resources) {
      const record = resource.resourceType === 'Basic' ? basicToRecord(resource as Basic) : undefined;
      if (record && record.annotations.size > 0) records.push(record);
    }
    after = page.next;
  } while (after);
  const notes: CorrectionNote[] = [];
  for (const record of records) {
    let doc: DocumentReference;
    try {
      const resource = await repository.read('DocumentReference', record.documentId);
      if (resource.resourceType !== 'DocumentReference') continue;
      doc = resource;
    } catch (e) {
      if (isGone(e)) continue;
      throw e;
    }
    const text = await readNoteText(doc, async (id) => {
      try {
        const binary = await repository.read('Binary', id);
        return binary.resourceType === 'Binary' ? binary : undefined;
      } catch (e) {
        if (isGone(e)) return undefined;
        throw e;
      }
    });
    if (!text.ok || (record.textHash !== undefined && record.textHash !== text.textHash)) continue;
    notes.push({
      documentId: `${record.documentId}\u0000${record.reviewer}`,
      text: text.text,
      done: record.status === 'done',
      annotations: [...record.annotations.values()],
    });
  }
  return notes;
}

export class LearningService {
  private current: LearnedModel | undefined;
  private building: Promise<LearnedModel> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: LearningServiceOptions) {}

  /** The model (derived on first use). */
  async model(): Promise<LearnedModel> {
    if (this.current) return this.current;
    return this.rebuild(false);
  }

  async summary(): Promise<LearningSummary> {
    return summarizeModel(await this.model());
  }

  /** Review records changed: rebuild once they have been quiet for a while. */
  readonly recordsChanged = (): void => {
    if (this.closed || this.current === undefined) {
      // Nothing derived yet: the first use derives from what is stored then.
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.rebuild(true).catch(() => undefined);
    }, this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.timer.unref?.();
  };

  /** Derives the model now; tells `onChange` when its version changed (and `notify`). */
  async rebuild(notify = true): Promise<LearnedModel> {
    // One derivation at a time; a rebuild asked for meanwhile runs after it (it may see newer records).
    const previous = this.building ?? Promise.resolve(undefined);
    const run = previous.then(
      () => this.derive(notify),
      () => this.derive(notify),
    );
    this.building = run;
    try {
      return await run;
    } finally {
      if (this.building === run) this.building = undefined;
    }
  }

  private async derive(notify: boolean): Promise<LearnedModel> {
    const before = this.current;
    const notes = await readCorrections(this.options.repository, this.options.scanPageSize);
    const model = notes.length === 0 ? emptyModel() : deriveLearning(notes);
    this.current = model;
    if (notify && before !== undefined && before.version !== model.version && !this.closed) await this.options.onChange?.(model);
    return model;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
