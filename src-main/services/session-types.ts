/**
 * The boundary between the app host (vault lifecycle, settings, idle lock: src-main/host) and
 * one unlocked vault's services (src-main/services), which run in the store worker under
 * Electron and web mode, and in-process in the CLI and in tests.
 */
import type { HearthEvent, HearthServices, VaultInfo } from '../api/contract';
import type { ResourceRepository } from '../fhir/repository';

/** The contract domains an unlocked vault serves. */
export type SessionServices = Pick<HearthServices, 'resources' | 'import' | 'jobs'> & {
  vault: Pick<HearthServices['vault'], 'verify' | 'changePassphrase'>;
};

/** Channels the host forwards to the session (everything else the host answers itself). */
export const SESSION_CHANNELS: readonly string[] = [
  'resources.types',
  'resources.counts',
  'resources.list',
  'resources.read',
  'resources.vread',
  'resources.history',
  'resources.create',
  'resources.update',
  'resources.delete',
  'resources.search',
  'import.start',
  'import.report',
  'jobs.list',
  'jobs.get',
  'jobs.cancel',
  'vault.verify',
  'vault.changePassphrase',
];

export interface VaultSession {
  /** The open vault (path, format version, creation time): the host answers vault.unlock/create with it. */
  readonly info: VaultInfo;
  readonly services: SessionServices;
  /** The session's FHIR store, for the local FHIR endpoint (src-main/transport/fhir-server.ts); absent in test doubles. */
  readonly repository?: ResourceRepository;
  /** Job progress and other events raised by the session. */
  onEvent(listener: (event: HearthEvent) => void): () => void;
  /** True while an import or another long job runs (idle auto-lock waits for it). */
  hasRunningJobs(): boolean;
  /** Cancels running jobs, waits for them to stop, closes the vault. */
  close(): Promise<void>;
}
