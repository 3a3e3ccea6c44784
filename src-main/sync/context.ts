/** What push and pull work with: one profile, its transport, the stores and the job's signal. */
import type { ResourceRepository } from '../fhir/repository';
import type { RetryPolicy } from './retry';
import type { StoredProfile, SyncStore } from './store';
import type { SyncTransport } from './transport';

export interface SyncProgress {
  done: number;
  total?: number;
  message?: string;
}

export interface SyncContext {
  profile: StoredProfile;
  /** The session's repository (writes reach the NLP queue and the review service like any other). */
  repository: ResourceRepository;
  store: SyncStore;
  transport: SyncTransport;
  retry: RetryPolicy;
  signal?: AbortSignal;
  now: () => Date;
  onProgress?: (progress: SyncProgress) => void;
}

/** Throws the signal's reason when the job was cancelled (between requests and chunks). */
export function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('Cancelled', 'AbortError');
}
