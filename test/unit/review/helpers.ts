/**
 * Sessions for the review tests: services over a memory store or an encrypted vault, with the
 * NLP results tests' deterministic analyzer, so every note's engine entities are known.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { reviewContract, type InputOf, type NlpQueueStatus, type OutputOf } from '../../../src-main/api/contract';
import { validationOutcome } from '../../../src-main/api/dispatch';
import type { Result } from '../../../src-main/api/result';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import type { NoteAnalyzer } from '../../../src-main/nlp/results/processor';
import { createSessionFromRepository, createVaultSession, openVaultSession } from '../../../src-main/services/vault-session';
import type { VaultSession } from '../../../src-main/services/session-types';
import { testAnalyzer } from '../nlp/results/fixtures';

export { noteWithText, testAnalyzer, TEST_VERSIONS } from '../nlp/results/fixtures';

export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

/** The error of a failed call (fails the test when the call succeeded). */
export function failure<T>(result: Result<T>) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error;
}

export function body(resource: Resource): { resourceType: string; [key: string]: unknown } {
  return { ...resource };
}

export interface StoreKind {
  name: string;
  /** A new session over an empty store; `reopen` closes it and opens the same store again (vault only). */
  open(analyzer?: NoteAnalyzer): Promise<VaultSession>;
  reopen?(session: VaultSession, analyzer?: NoteAnalyzer): Promise<VaultSession>;
}

const sessions: VaultSession[] = [];
const dirs: string[] = [];

export async function closeAll(): Promise<void> {
  for (const s of sessions.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

const VAULT_OPTIONS = { kdfIterations: 1000, allowWeakKdfForTests: true };
const vaultPaths = new WeakMap<VaultSession, string>();

export const STORES: StoreKind[] = [
  {
    name: 'memory',
    async open(analyzer = testAnalyzer()) {
      const session = createSessionFromRepository(new MemoryRepository(), {}, { nlpAnalyzer: async () => analyzer });
      sessions.push(session);
      return session;
    },
  },
  {
    name: 'vault',
    async open(analyzer = testAnalyzer()) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-review-'));
      dirs.push(dir);
      const vaultPath = path.join(dir, 'vault');
      const session = await createVaultSession(vaultPath, 'pass phrase', VAULT_OPTIONS, { nlpAnalyzer: async () => analyzer });
      sessions.push(session);
      vaultPaths.set(session, vaultPath);
      return session;
    },
    async reopen(session, analyzer = testAnalyzer()) {
      const vaultPath = vaultPaths.get(session);
      if (vaultPath === undefined) throw new Error('not a vault session of these helpers');
      await session.close();
      const next = await openVaultSession(vaultPath, 'pass phrase', VAULT_OPTIONS, { nlpAnalyzer: async () => analyzer });
      sessions.push(next);
      vaultPaths.set(next, vaultPath);
      return next;
    },
  },
];

/** Waits until the NLP queue has processed every note (bounded for a slow machine, under the 60 s test timeout). */
export async function settled(session: VaultSession, timeoutMs = 45_000): Promise<NlpQueueStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = value(await session.services.nlp.status({}));
    if (status.jobId === undefined && status.scanned && status.pending === 0 && status.outdated === 0) return status;
    if (Date.now() > until) throw new Error(`NLP queue did not settle: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type ReviewMethod = keyof typeof reviewContract;

/**
 * The review API as a UI calls it: inputs validated and defaulted by the contract's schemas (as the
 * dispatcher does), a validation failure answered as the dispatcher's OperationOutcome.
 */
export function reviewApi(session: VaultSession): { [M in ReviewMethod]: (input: InputOf<'review', M>) => Promise<Result<OutputOf<'review', M>>> } {
  const call =
    <M extends ReviewMethod>(name: M) =>
    async (input: InputOf<'review', M>): Promise<Result<OutputOf<'review', M>>> => {
      const parsed = reviewContract[name].input.safeParse(input);
      if (!parsed.success) return { ok: false, error: validationOutcome(`review.${name}`, parsed.error) };
      const fn = session.services.review[name] as (input: unknown) => Promise<Result<OutputOf<'review', M>>>;
      return fn(parsed.data);
    };
  return {
    queue: call('queue'),
    document: call('document'),
    apply: call('apply'),
    setStatus: call('setStatus'),
    bulkAccept: call('bulkAccept'),
    reviewers: call('reviewers'),
    export: call('export'),
    import: call('import'),
    agreement: call('agreement'),
  };
}
