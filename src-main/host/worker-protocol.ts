/**
 * Messages between the host and the store worker (one worker per unlocked vault). Payloads
 * are structured-cloned by worker_threads; errors travel as OperationOutcome values.
 */
import type { HearthEvent, VaultInfo } from '../api/contract';
import type { Result } from '../api/result';
import type { FhirServerRequest, RunningFhirServer } from './session-fhir-server';
import type { SessionMode, SessionOptions } from './session-handle';

/** Given to the worker at start-up. */
export interface StoreWorkerData {
  /**
   * A module URL exporting `openVaultSession`/`createVaultSession` to use instead of
   * src-main/services (tests only: a fake session). Never reachable from the API.
   */
  sessionModule?: string;
}

export type HostToWorker =
  | { type: 'open'; id: number; mode: SessionMode; path: string; passphrase: string; options?: SessionOptions }
  | { type: 'call'; id: number; channel: string; input: unknown }
  | { type: 'hasRunningJobs'; id: number }
  | ({ type: 'fhirStart'; id: number } & FhirServerRequest)
  | { type: 'fhirStop'; id: number }
  | { type: 'close'; id: number };

export type WorkerToHost =
  | { type: 'opened'; id: number; result: Result<VaultInfo> }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'runningJobs'; id: number; running: boolean }
  | { type: 'fhirStarted'; id: number; result: Result<RunningFhirServer> }
  | { type: 'fhirStopped'; id: number; result: Result<null> }
  | { type: 'closed'; id: number; result: Result<null> }
  | { type: 'event'; event: HearthEvent };
