/**
 * A VaultSession double with the shape of src-main/services' factories, for host tests. It keeps
 * a tiny vault on disk (a header with a passphrase digest) so "wrong passphrase" and "reopen"
 * behave like the real thing across threads, and it runs a fake import job that lasts until
 * cancelled so the idle lock's "wait for jobs" rule can be tested.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { HearthEvent, JobState, NlpQueueStatus, VaultInfo } from '../../../src-main/api/contract';
import { err, ok, outcome } from '../../../src-main/api/result';
import type { SessionServices, VaultSession } from '../../../src-main/services/session-types';
import { emptyModel, summarizeModel } from '../../../src-main/nlp/learning/model';
import { VaultError } from '../../../src-main/vault/types';

const HEADER = 'fake-vault.json';

function digest(passphrase: string): string {
  return createHash('sha256').update(passphrase).digest('hex');
}

export async function createVaultSession(folder: string, passphrase: string): Promise<VaultSession> {
  const existing = await fs.readdir(folder).catch(() => [] as string[]);
  if (existing.length > 0) throw new VaultError('exists', 'The folder is not empty');
  await fs.mkdir(folder, { recursive: true });
  const info: VaultInfo = { path: folder, formatVersion: 1, createdAt: new Date().toISOString() };
  await fs.writeFile(path.join(folder, HEADER), JSON.stringify({ info, digest: digest(passphrase) }));
  return makeSession(info);
}

export async function openVaultSession(folder: string, passphrase: string): Promise<VaultSession> {
  const text = await fs.readFile(path.join(folder, HEADER), 'utf8').catch(() => {
    throw new VaultError('not-a-vault', 'The folder is not a Hearth vault');
  });
  const header = JSON.parse(text) as { info: VaultInfo; digest: string };
  if (header.digest !== digest(passphrase)) throw new VaultError('wrong-passphrase', 'Wrong passphrase');
  return makeSession(header.info);
}

function makeSession(info: VaultInfo): VaultSession {
  const listeners = new Set<(event: HearthEvent) => void>();
  const resources = new Map<string, Record<string, unknown>>();
  const jobs = new Map<string, JobState>();
  const emit = (event: HearthEvent) => listeners.forEach((l) => l(event));
  let nextId = 1;

  const noNlp: NlpQueueStatus = { available: false, scanned: false, notes: 0, current: 0, pending: 0, outdated: 0, failed: 0, paused: false, errors: [] };
  const noLearning = summarizeModel(emptyModel());
  const services: SessionServices = {
    resources: {
      types: async () => ok(['Patient']),
      counts: async () => ok([{ resourceType: 'Patient', count: resources.size }]),
      list: async ({ offset }) => ok({ total: resources.size, offset, resources: [] }),
      read: async ({ resourceType, id }) => {
        if (id === 'crash-the-worker') process.exit(3);
        const found = resources.get(`${resourceType}/${id}`);
        return found ? ok(found as never) : err(outcome('not-found', `${resourceType}/${id} is not known`, { status: 404 }));
      },
      vread: async () => err(outcome('not-supported', 'not in the fake')),
      history: async () => err(outcome('not-supported', 'not in the fake')),
      create: async ({ resource }) => {
        const stored = { ...resource, id: String(nextId++) };
        resources.set(`${stored.resourceType}/${stored.id}`, stored);
        return ok(stored as never);
      },
      update: async () => err(outcome('not-supported', 'not in the fake')),
      delete: async () => err(outcome('not-supported', 'not in the fake')),
      search: async () => {
        throw new Error('search exploded');
      },
    },
    import: {
      sample: async () => err(outcome('not-supported', 'not in the fake')),
      start: async () => {
        const job: JobState = {
          id: `job-${nextId++}`,
          kind: 'import',
          title: 'Fake import',
          status: 'running',
          startedAt: new Date().toISOString(),
          progress: { done: 0 },
        };
        jobs.set(job.id, job);
        emit({ type: 'job', job });
        return ok({ jobId: job.id });
      },
      report: async ({ jobId }) => err(outcome('not-found', `No report for ${jobId}`)),
    },
    export: {
      start: async () => err(outcome('not-supported', 'not in the fake')),
      report: async ({ jobId }) => err(outcome('not-found', `No report for ${jobId}`)),
    },
    terminology: {
      import: async () => err(outcome('not-supported', 'not in the fake')),
      report: async ({ jobId }) => err(outcome('not-found', `No report for ${jobId}`)),
      list: async () => ok([]),
    },
    jobs: {
      list: async () => ok([...jobs.values()]),
      get: async ({ jobId }) => {
        const job = jobs.get(jobId);
        return job ? ok(job) : err(outcome('not-found', 'No such job'));
      },
      cancel: async ({ jobId }) => {
        const job = jobs.get(jobId);
        if (!job) return err(outcome('not-found', 'No such job'));
        const cancelled: JobState = { ...job, status: 'cancelled', finishedAt: new Date().toISOString() };
        jobs.set(jobId, cancelled);
        emit({ type: 'job', job: cancelled });
        return ok(cancelled);
      },
    },
    // A session without an NLP engine.
    nlp: {
      status: async () => ok(noNlp),
      start: async () => ok(noNlp),
      rerun: async () => ok(noNlp),
      cancel: async () => ok(noNlp),
      learning: async () => ok(noLearning),
      relearn: async () => ok(noLearning),
    },
    // No review in the fake: the host only forwards these channels.
    review: {
      queue: async ({ offset }) => ok({ total: 0, offset, items: [] }),
      document: async ({ documentId }) => err(outcome('not-found', `DocumentReference/${documentId} is not known`, { status: 404 })),
      apply: async () => err(outcome('not-supported', 'not in the fake')),
      setStatus: async () => err(outcome('not-supported', 'not in the fake')),
      bulkAccept: async () => ok({ documents: 0, accepted: 0 }),
      reviewers: async () => ok([]),
      export: async () => ok([]),
      import: async () => ok({ documents: 0, annotations: 0, errors: [] }),
      agreement: async ({ reviewerA, reviewerB }) => ok({ reviewerA, reviewerB, documents: 0, kappa: 1, perCategory: [], differences: [], perDocument: [] }),
    },
    // A session without packs or lexicon: no concept is found.
    concepts: {
      search: async () => ok({ hits: [], tookMs: 0, vocabularies: [] }),
    },
    // A session without server profiles.
    sync: {
      servers: async () => ok([]),
      saveServer: async () => err(outcome('not-supported', 'not in the fake')),
      removeServer: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      test: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      push: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      pull: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      report: async () => err(outcome('not-found', 'No sync report for this job', { status: 404 })),
      status: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      conflicts: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      conflict: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      resolve: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      discard: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      authorize: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
      authorization: async ({ name }) => err(outcome('not-found', `No server profile named "${name}"`, { status: 404 })),
    },
    vault: {
      verify: async () => ok({ ok: true, files: [], transactions: 0, resources: resources.size, versions: resources.size, problems: [] }),
      changePassphrase: async () => ok({ changed: true as const }),
    },
    // No chart in the fake: the host only forwards these channels.
    chart: {
      patient: async ({ patientId }) => err(outcome('not-found', `Patient/${patientId} is not known`, { status: 404 })),
      note: async ({ documentId }) => err(outcome('not-found', `DocumentReference/${documentId} is not known`, { status: 404 })),
    },
    // The query screen: no parameters, nothing saved; the host only forwards these channels.
    query: {
      parameters: async ({ resourceType }) => ok({ resourceType, parameters: [], includes: [], revIncludes: [], sorts: [] }),
      cohort: async ({ groupBy }) => ok({ groupBy, resourceType: 'Patient', matched: 0, patients: 0, withoutPatient: 0, groups: [], tookMs: 0 }),
      export: async () => err(outcome('not-supported', 'not in the fake')),
      exportResult: async ({ jobId }) => err(outcome('not-found', `No export ${jobId}`)),
    },
    queries: {
      list: async () => ok([]),
      save: async () => err(outcome('not-supported', 'not in the fake')),
      delete: async ({ id }) => err(outcome('not-found', `No saved query ${id}`)),
    },
  };

  return {
    info,
    services,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    hasRunningJobs: () => [...jobs.values()].some((j) => j.status === 'running'),
    close: async () => {
      listeners.clear();
    },
  };
}
