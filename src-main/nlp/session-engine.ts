/**
 * The NLP engine an unlocked vault's processing queue uses: a worker pool (never the thread that
 * serves the vault) built with the terminology packs stored in that vault, so linking uses what
 * the user loaded and the versions stamped on each result name those packs.
 */
import type { ResourceRepository } from '../fhir/repository';
import type { NoteAnalyzer } from './results/processor';
import { readTerminologyFromVault } from './terminology';
import { NlpWorkerPool } from './worker-pool';

export interface SessionEngineOptions {
  /** Worker threads; default: one per core. */
  threads?: number;
}

export async function startSessionEngine(repository: ResourceRepository, options: SessionEngineOptions = {}): Promise<NoteAnalyzer> {
  const packs = await readTerminologyFromVault(repository);
  return NlpWorkerPool.start({ init: { packs }, ...(options.threads !== undefined ? { size: options.threads } : {}) });
}
