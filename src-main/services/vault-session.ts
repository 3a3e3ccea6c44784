/**
 * Opening a vault as a session: the vault engine with the FHIR projector, the repository over
 * it, the job manager and the services. Used in-process by the CLI and tests, and inside the
 * store worker by the app host (which loads this module through its SessionFactories).
 */
import type { HearthEvent, VaultInfo } from '../api/contract';
import { fhirProjector } from '../fhir/fhir-projector';
import { MemoryRepository } from '../fhir/memory-repository';
import type { ResourceRepository } from '../fhir/repository';
import { createVaultRepository } from '../fhir/vault-repository';
import { sharedWritePrepPool } from '../fhir/write-prep-pool';
import { JobManager } from '../jobs/job-manager';
import { createVault, openVault } from '../vault';
import type { CreateOptions, Vault } from '../vault/types';
import { createSessionServices } from './session-services';
import { NlpQueue } from '../nlp/results/queue';
import type { NoteAnalyzer } from '../nlp/results/processor';
import { observeWrites } from '../nlp/results/write-observer';
import type { VaultSession } from './session-types';
import { ReviewService } from '../review/service';
import { LearningService } from '../nlp/learning/service';
import type { LearnedModel } from '../nlp/learning/model';
import { withLearnedStamps } from '../nlp/learning/relevance';

/** How long after opening a vault the review queue is built when the vault has reviews. */
const REVIEW_WARM_DELAY_MS = 3000;

/** What the process opening the session adds that is not a flat option (it does not cross the worker boundary). */
export interface SessionExtras {
  /**
   * Starts the clinical NLP engine (e.g. the worker pool of nlp/worker-pool.ts) on first use. With
   * it, notes are processed in the background (nlp/results/queue.ts); without it, nlp.status says
   * the engine is not available.
   */
  nlpAnalyzer?: (repository: ResourceRepository, init?: { learned?: LearnedModel }) => Promise<NoteAnalyzer>;
  /** The NLP queue waits for nlp.start instead of starting when the vault opens (`hearth import` runs it after the import). */
  nlpStartPaused?: boolean;
}

/** Options the host or a test may pass (a flat record: it crosses the worker boundary). */
export type VaultSessionOptions = Readonly<Record<string, string | number | boolean>>;

interface ParsedOptions {
  kdfIterations?: number;
  allowWeakKdfForTests?: boolean;
  importChunkSize?: number;
  snapshotAfterBytes?: number;
  snapshotAfterTransactions?: number;
}

function parseOptions(options: VaultSessionOptions = {}): ParsedOptions {
  const parsed: ParsedOptions = {};
  const int = (name: string) => {
    const value = options[name];
    return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
  };
  const kdf = int('kdfIterations');
  if (kdf !== undefined) parsed.kdfIterations = kdf;
  if (options.allowWeakKdfForTests === true) parsed.allowWeakKdfForTests = true;
  const chunk = int('importChunkSize');
  if (chunk !== undefined) parsed.importChunkSize = chunk;
  const bytes = int('snapshotAfterBytes');
  if (bytes !== undefined) parsed.snapshotAfterBytes = bytes;
  const txs = int('snapshotAfterTransactions');
  if (txs !== undefined) parsed.snapshotAfterTransactions = txs;
  return parsed;
}

function vaultOptions(parsed: ParsedOptions): CreateOptions {
  const options: CreateOptions = { projector: fhirProjector };
  if (parsed.kdfIterations !== undefined) options.kdfIterations = parsed.kdfIterations;
  if (parsed.allowWeakKdfForTests) options.allowWeakKdfForTests = true;
  if (parsed.snapshotAfterBytes !== undefined) options.snapshotAfterBytes = parsed.snapshotAfterBytes;
  if (parsed.snapshotAfterTransactions !== undefined) options.snapshotAfterTransactions = parsed.snapshotAfterTransactions;
  return options;
}

function buildSession(store: ResourceRepository, info: VaultInfo, parsed: ParsedOptions, vault?: Vault, extras: SessionExtras = {}): VaultSession {
  const listeners = new Set<(event: HearthEvent) => void>();
  const emit = (event: HearthEvent) => {
    for (const listener of listeners) listener(event);
  };
  const jobs = new JobManager({ onEvent: emit });
  // What reviewers' corrections teach the engine: derived from the review records, rebuilt when
  // they change; a new version restarts the engine with it (the notes its rules can change are re-run).
  const learning: LearningService = new LearningService({ repository: store, onChange: (): Promise<void> => nlp.engineChanged() });
  // The review service writes to the store itself (and updates its queue from its own writes);
  // it hears every other write, the NLP queue's results included, through this observer.
  const review = new ReviewService({ repository: store, jobs, onRecordsChanged: learning.recordsChanged, ...(vault ? { index: vault } : {}) });
  const observed = observeWrites(store, review.written);
  // The NLP queue hears of every note written through the session's repository, and writes its
  // results to the store underneath (so it does not hear of its own writes).
  const nlp: NlpQueue = new NlpQueue({
    repository: observed,
    jobs,
    ...(extras.nlpAnalyzer
      ? {
          analyzer: async (): Promise<NoteAnalyzer> => {
            // A vault whose records cannot be read for learning still gets its notes analysed (without it).
            const learned = await learning.model().catch(() => undefined);
            // Results are stamped with the learned rules that can touch each note: a new model re-runs only the notes it can change.
            return withLearnedStamps(await extras.nlpAnalyzer!(store, learned ? { learned } : {}), learned);
          },
        }
      : {}),
    ...(extras.nlpStartPaused ? { paused: true } : {}),
    onStatus: (status) => emit({ type: 'nlp', status }),
  });
  const repository = observeWrites(observed, nlp.noteWritten);
  const services = createSessionServices({
    repository,
    jobs,
    nlp,
    review,
    learning,
    ...(vault ? { vault } : {}),
    ...(parsed.importChunkSize !== undefined ? { importChunkSize: parsed.importChunkSize } : {}),
  });
  let closed = false;
  nlp.open();
  // A few seconds after opening (the unlock and the first screen come first), a vault with reviews
  // gets its review queue ready; not while an import or export runs (the CLI's `hearth import`:
  // the scan would only slow it); a failure here only means the first queue request builds it.
  const warmReview = setTimeout(() => {
    if (!jobs.hasRunning(['nlp'])) void review.warmIfReviewed().catch(() => undefined);
  }, REVIEW_WARM_DELAY_MS);
  warmReview.unref?.();
  return {
    info,
    services,
    repository,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // The NLP queue resumes after a lock (its state is derived from the store): it does not hold
    // the idle auto-lock back the way an import does.
    hasRunningJobs: () => jobs.hasRunning(['nlp']),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(warmReview);
      learning.close();
      nlp.cancel();
      await jobs.cancelAll();
      await nlp.close();
      listeners.clear();
      await vault?.close();
    },
  };
}

/** Unlocks an existing vault. Throws VaultError (wrong passphrase, not a vault, damaged...). */
export async function openVaultSession(path: string, passphrase: string, options?: VaultSessionOptions, extras?: SessionExtras): Promise<VaultSession> {
  const parsed = parseOptions(options);
  const vault = await openVault(path, passphrase, vaultOptions(parsed));
  return buildSession(createVaultRepository(vault, { preparer: sharedWritePrepPool() }), vault.info, parsed, vault, extras);
}

/** Creates a vault in a missing or empty folder and opens it. */
export async function createVaultSession(path: string, passphrase: string, options?: VaultSessionOptions, extras?: SessionExtras): Promise<VaultSession> {
  const parsed = parseOptions(options);
  const vault = await createVault(path, passphrase, vaultOptions(parsed));
  return buildSession(createVaultRepository(vault, { preparer: sharedWritePrepPool() }), vault.info, parsed, vault, extras);
}

/** A session over any repository (tests, tools); vault.verify/changePassphrase answer not-supported. */
export function createSessionFromRepository(
  repository: ResourceRepository = new MemoryRepository(),
  options?: VaultSessionOptions,
  extras?: SessionExtras,
): VaultSession {
  const info: VaultInfo = { path: ':memory:', formatVersion: 0, createdAt: new Date().toISOString() };
  return buildSession(repository, info, parseOptions(options), undefined, extras);
}
