/**
 * Where the real vault sessions come from: src-main/services. Loaded lazily so the host (and
 * the transports that import it) can start without loading the FHIR engine, and so tests can
 * swap in a module of their own.
 */
import type { VaultProbe } from '../api/contract';
import type { ResourceRepository } from '../fhir/repository';
import type { LearnedModel } from '../nlp/learning/model';
import type { SessionFactories } from './session-handle';

export async function loadSessionFactories(moduleUrl?: string): Promise<SessionFactories> {
  if (moduleUrl) return (await import(/* @vite-ignore */ moduleUrl)) as SessionFactories;
  const services = await import('../services/index');
  const { startSessionEngine } = await import('../nlp/session-engine');
  // App sessions analyse notes in the background (NLP worker threads started on first use).
  const extras = { nlpAnalyzer: (repository: ResourceRepository, init?: { learned?: LearnedModel }) => startSessionEngine(repository, init) };
  return {
    openVaultSession: (folder, passphrase, options) => services.openVaultSession(folder, passphrase, options, extras),
    createVaultSession: (folder, passphrase, options) => services.createVaultSession(folder, passphrase, options, extras),
  };
}

/** vault.probe: reads the folder and the plaintext header only, never needs the passphrase. */
export async function probeVaultFolder(folder: string): Promise<VaultProbe> {
  const vault = await import('../vault/index');
  return vault.probeVault(folder);
}
