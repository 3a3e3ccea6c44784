/**
 * The boundary between the app host (vault lifecycle, settings, idle lock: src-main/host) and
 * one unlocked vault's services (src-main/services), which run in the store worker under
 * Electron and web mode, and in-process in the CLI and in tests.
 */
import type { HearthEvent, HearthServices, VaultInfo } from '../api/contract';
import type { ResourceRepository } from '../fhir/repository';

/** The contract domains an unlocked vault serves. */
export type SessionServices = Pick<HearthServices, 'resources' | 'import' | 'export' | 'jobs' | 'terminology' | 'nlp' | 'review' | 'concepts' | 'chart' | 'query' | 'queries' | 'sync'> & {
  vault: Pick<HearthServices['vault'], 'verify' | 'changePassphrase'>;
};

/** `"resources.read"`... every method of SessionServices as a channel name. */
type SessionChannel = { [D in keyof SessionServices]: `${D}.${keyof SessionServices[D] & string}` }[keyof SessionServices];

/**
 * Every session channel, as the keys of a record typed by SessionServices: a method added to a
 * session domain and not listed here is a compile error (it would otherwise answer "not
 * implemented" at run time, as import.sample once did).
 */
const SESSION_CHANNEL_SET: Record<SessionChannel, true> = {
  'resources.types': true,
  'resources.counts': true,
  'resources.list': true,
  'resources.read': true,
  'resources.vread': true,
  'resources.history': true,
  'resources.create': true,
  'resources.update': true,
  'resources.delete': true,
  'resources.search': true,
  'import.start': true,
  'import.report': true,
  'import.sample': true,
  'export.start': true,
  'export.report': true,
  'jobs.list': true,
  'jobs.get': true,
  'jobs.cancel': true,
  'terminology.import': true,
  'terminology.report': true,
  'terminology.list': true,
  'nlp.status': true,
  'nlp.start': true,
  'nlp.rerun': true,
  'nlp.cancel': true,
  'review.queue': true,
  'review.document': true,
  'review.apply': true,
  'review.setStatus': true,
  'review.bulkAccept': true,
  'review.reviewers': true,
  'concepts.search': true,
  'review.export': true,
  'review.import': true,
  'review.agreement': true,
  'vault.verify': true,
  'vault.changePassphrase': true,
  'nlp.learning': true,
  'nlp.relearn': true,
  'chart.patient': true,
  'chart.note': true,
  'query.parameters': true,
  'query.cohort': true,
  'query.export': true,
  'query.exportResult': true,
  'queries.list': true,
  'queries.save': true,
  'queries.delete': true,
  'sync.servers': true,
  'sync.saveServer': true,
  'sync.removeServer': true,
  'sync.test': true,
  'sync.push': true,
  'sync.pull': true,
  'sync.report': true,
  'sync.status': true,
  'sync.conflicts': true,
  'sync.conflict': true,
  'sync.resolve': true,
  'sync.discard': true,
  'sync.authorize': true,
  'sync.authorization': true,
};

/** Channels the host forwards to the session (everything else the host answers itself). */
export const SESSION_CHANNELS: readonly string[] = Object.keys(SESSION_CHANNEL_SET);

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
