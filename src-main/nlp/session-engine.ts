/**
 * The NLP engine an unlocked vault's processing queue uses: a worker pool (never the thread that
 * serves the vault) built with the terminology packs stored in that vault, so linking uses what
 * the user loaded and the versions stamped on each result name those packs (and the learned model, when given).
 */
import type { ResourceRepository } from '../fhir/repository';
import type { LearnedModel } from './learning/model';
import type { NoteAnalyzer } from './results/processor';
import { readTerminologyFromVault } from './terminology';
import { NlpWorkerPool } from './worker-pool';

export interface SessionEngineOptions {
  /** Worker threads; default: one per core. */
  threads?: number;
  /** What reviewers' corrections taught (nlp/learning/service.ts derives it from the vault's review records). */
  learned?: LearnedModel;
}

export async function startSessionEngine(repository: ResourceRepository, options: SessionEngineOptions = {}): Promise<NoteAnalyzer> {
  const packs = await readTerminologyFromVault(repository);
  return NlpWorkerPool.start({ init: { packs, ...(options.learned ? { learned: options.learned } : {}) }, ...(options.threads !== undefined ? { size: options.threads } : {}) });
}
