/**
 * The host's view of one unlocked vault, wherever its services run (a worker thread or this
 * thread). Calls arrive already validated by the host, so the far side runs the service
 * method directly and validation happens exactly once.
 */
import type { HearthEvent, VaultInfo } from '../api/contract';
import type { Result } from '../api/result';
import type { VaultSession } from '../services/session-types';
import type { FhirServerRequest, RunningFhirServer } from './session-fhir-server';

export interface SessionHandle {
  readonly info: VaultInfo;
  /** Runs one session method with an input the host already parsed with the contract schema. */
  call(channel: string, input: unknown): Promise<Result<unknown>>;
  onEvent(listener: (event: HearthEvent) => void): () => void;
  hasRunningJobs(): Promise<boolean>;
  /** Starts (or restarts) the local FHIR endpoint over this session's store. */
  startFhirServer(request: FhirServerRequest): Promise<Result<RunningFhirServer>>;
  stopFhirServer(): Promise<void>;
  /** Cancels jobs, stops the FHIR endpoint, closes the vault and (for a worker) ends the thread. */
  close(): Promise<void>;
  /** Called once if the session dies on its own (a worker crash); the host then counts it as locked. */
  onFailure(listener: (message: string) => void): void;
}

export type SessionMode = 'open' | 'create';

/** Options passed through to the services (e.g. test-only KDF settings); structured-cloneable. */
export type SessionOptions = Readonly<Record<string, string | number | boolean>>;

export interface SessionRequest {
  mode: SessionMode;
  path: string;
  passphrase: string;
  options?: SessionOptions;
}

/** Opens or creates a vault session; failures are outcome values (wrong passphrase...). */
export type SessionLauncher = (request: SessionRequest) => Promise<Result<SessionHandle>>;

/** The two entry points of src-main/services, or a test double with the same shape. */
export interface SessionFactories {
  openVaultSession(path: string, passphrase: string, options?: SessionOptions): Promise<VaultSession>;
  createVaultSession(path: string, passphrase: string, options?: SessionOptions): Promise<VaultSession>;
}
