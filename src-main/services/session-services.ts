/**
 * The services of one open store (contract domains resources, import, jobs and vault.verify /
 * vault.changePassphrase) over a ResourceRepository. Inputs arrive validated by the dispatcher
 * (src-main/api/dispatch.ts); every method answers a Result.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ExportReport, ImportReport } from '../api/contract';
import { err, outcome } from '../api/result';
import { fhirError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import { startSampleJob } from '../jobs/sample-job';
import { startImportJob } from '../jobs/import-job';
import { startExportJob } from '../jobs/export-job';
import { startTerminologyImportJob } from '../jobs/terminology-job';
import { listTerminologyPacks } from '../nlp/terminology/pack-store';
import type { TerminologyImportReport } from '../nlp/terminology/report-types';
import type { JobManager } from '../jobs/job-manager';
import type { Vault } from '../vault/types';
import { NlpQueue } from '../nlp/results/queue';
import { ReviewService } from '../review/service';
import { LearningService } from '../nlp/learning/service';
import { summarizeModel } from '../nlp/learning/model';
import { readTerminologyFromVault } from '../nlp/terminology';
import { ConceptSearch } from '../review/concept-search';
import { agreementReview, exportReview, importReview } from '../review/exchange-service';
import { queryParameters } from '../query/parameters';
import { cohortCounts } from '../query/cohort';
import { QueryExports } from '../query/export';
import { deleteSavedQuery, listSavedQueries, saveQuery } from '../query/saved';
import { guarded } from './errors';
import { chartNote, patientChart } from '../chart/chart';
import { createSecretBox, ephemeralSecretKey, SECRET_KEY_PURPOSE } from '../sync/secrets';
import { SyncService } from '../sync/service';
import type { SessionServices } from './session-types';

export interface ServiceDependencies {
  repository: ResourceRepository;
  jobs: JobManager;
  /** Absent for stores that are not vaults (the memory repository in tests). */
  vault?: Vault;
  importChunkSize?: number;
  /** The NLP processing queue (nlp/results/queue.ts); default: one without an engine (`available: false`). */
  nlp?: NlpQueue;
  /**
   * The review backend (review/service.ts); default: one over `repository` that hears no writes
   * (vault-session.ts wires one under the write observer).
   */
  review?: ReviewService;
  /** Concept search (review/concept-search.ts); default: over the packs stored in `repository`. */
  concepts?: ConceptSearch;
  /** What the engine learns from review corrections (nlp/learning/service.ts); default: one over `repository` that restarts no engine. */
  learning?: LearningService;
  /** Sync with FHIR servers (sync/service.ts); default: over `repository`, secrets sealed with the vault's sync key (a random one without a vault). */
  sync?: SyncService;
}

/** `Patient?_id=a&_count=5` (optionally with a leading `/`) → type and parameters (search.html). */
export function parseSearchQuery(query: string): { resourceType: string; params: URLSearchParams } {
  const trimmed = query.trim().replace(/^\//, '');
  const mark = trimmed.indexOf('?');
  const resourceType = mark === -1 ? trimmed : trimmed.slice(0, mark);
  if (!/^[A-Z][A-Za-z]{1,63}$/.test(resourceType)) {
    throw fhirError('invalid', 'A search starts with a resource type, e.g. "Patient?_id=123"', 400, ['query']);
  }
  return { resourceType, params: new URLSearchParams(mark === -1 ? '' : trimmed.slice(mark + 1)) };
}

export function createSessionServices(deps: ServiceDependencies): SessionServices {
  const { repository, jobs, vault } = deps;
  const nlp = deps.nlp ?? new NlpQueue({ repository, jobs });
  const review = deps.review ?? new ReviewService({ repository, jobs });
  const learning = deps.learning ?? new LearningService({ repository });
  const concepts = deps.concepts ?? new ConceptSearch(() => readTerminologyFromVault(repository));
  const reports = new Map<string, ImportReport>();
  const exportReports = new Map<string, ExportReport>();
  const terminologyReports = new Map<string, TerminologyImportReport>();
  const queryExports = new QueryExports(jobs, repository);
  const noVault = () => err<never>(outcome('not-supported', 'This store is not a vault', { status: 400 }));
  const sync =
    deps.sync ??
    new SyncService({ repository, jobs, secrets: createSecretBox(vault ? () => vault.deriveKey(SECRET_KEY_PURPOSE) : ephemeralSecretKey) });

  return {
    resources: {
      types: () => guarded(async () => repository.types()),
      counts: () => guarded(() => repository.counts()),
      list: (input) => guarded(() => repository.list(input.resourceType, { offset: input.offset, count: input.count })),
      read: (input) => guarded(() => repository.read(input.resourceType, input.id)),
      vread: (input) => guarded(() => repository.vread(input.resourceType, input.id, input.versionId)),
      history: (input) => guarded(() => repository.history(input.resourceType, input.id)),
      // The dispatcher checked the shape loosely ({resourceType}); the repository validates the rest.
      create: (input) => guarded(() => repository.create(input.resource as Resource)),
      update: (input) =>
        guarded(() => repository.update(input.resource as Resource, input.ifMatch !== undefined ? { ifMatch: input.ifMatch } : {})),
      delete: (input) => guarded(() => repository.delete(input.resourceType, input.id)),
      search: (input) =>
        guarded(async () => {
          const { resourceType, params } = parseSearchQuery(input.query);
          return repository.search(resourceType, params);
        }),
    },
    import: {
      start: (input) =>
        guarded(async () => {
          const job = startImportJob({
            jobs,
            repository,
            reports,
            sources: input.sources,
            ...(deps.importChunkSize !== undefined ? { chunkSize: deps.importChunkSize } : {}),
          });
          return { jobId: job.id };
        }),
      sample: (input) =>
        guarded(async () => {
          const job = startSampleJob({ jobs, repository, reports, patients: input.patients, seed: input.seed });
          return { jobId: job.id };
        }),
      report: (input) =>
        guarded(async () => {
          const job = jobs.get(input.jobId);
          if (!job || job.kind !== 'import') throw fhirError('not-found', 'No such import job', 404, ['jobId']);
          const report = reports.get(input.jobId);
          if (report) return report;
          // Still running, queued, or failed before it could report: the counts known so far.
          const counts = job.counts ?? { created: 0, updated: 0, unchanged: 0, failed: 0 };
          return { jobId: job.id, status: job.status, ...counts, files: [], errors: [] };
        }),
    },
    export: {
      start: (input) =>
        guarded(async () => {
          const job = startExportJob({
            jobs,
            repository,
            reports: exportReports,
            request: {
              outDir: input.outDir,
              format: input.format,
              ...(input.types ? { types: input.types } : {}),
              ...(input.since !== undefined ? { since: input.since } : {}),
              ...(input.patients ? { patients: input.patients } : {}),
              ...(input.group !== undefined ? { group: input.group } : {}),
            },
          });
          return { jobId: job.id };
        }),
      report: (input) =>
        guarded(async () => {
          const job = jobs.get(input.jobId);
          if (!job || job.kind !== 'export') throw fhirError('not-found', 'No such export job', 404, ['jobId']);
          const report = exportReports.get(input.jobId);
          if (report) return report;
          // Queued, running, or failed before it could report: what the job says so far.
          return { jobId: job.id, status: job.status, outDir: '', format: 'ndjson' as const, resources: job.progress.done, bytes: job.progress.bytesDone ?? 0, output: [], errors: [] };
        }),
    },
    jobs: {
      list: () => guarded(async () => jobs.list()),
      get: (input) =>
        guarded(async () => {
          const job = jobs.get(input.jobId);
          if (!job) throw fhirError('not-found', 'No such job', 404, ['jobId']);
          return job;
        }),
      cancel: (input) =>
        guarded(async () => {
          const job = jobs.cancel(input.jobId);
          if (!job) throw fhirError('not-found', 'No such job', 404, ['jobId']);
          return job;
        }),
    },
    terminology: {
      import: (input) =>
        guarded(async () => {
          const job = startTerminologyImportJob({
            jobs,
            repository,
            reports: terminologyReports,
            paths: input.paths,
            onStored: () => {
              // New packs: the concept index and the NLP engine are rebuilt with them.
              concepts.invalidate();
              return nlp.engineChanged();
            },
          });
          return { jobId: job.id };
        }),
      report: (input) =>
        guarded(async () => {
          const job = jobs.get(input.jobId);
          if (!job || job.kind !== 'terminology') throw fhirError('not-found', 'No such terminology import job', 404, ['jobId']);
          // Queued, running, cancelled or failed: no counts yet, the job's status.
          return terminologyReports.get(input.jobId) ?? { jobId: job.id, status: job.status, files: [], seconds: 0 };
        }),
      list: () => guarded(() => listTerminologyPacks(repository)),
    },
    nlp: {
      status: () => guarded(async () => nlp.status()),
      start: () => guarded(async () => nlp.start()),
      rerun: (input) => guarded(async () => nlp.rerun(input.scope)),
      cancel: () => guarded(async () => nlp.cancel()),
      learning: () => guarded(() => learning.summary()),
      relearn: () => guarded(async () => summarizeModel(await learning.rebuild())),
    },
    review: {
      queue: (input) =>
        guarded(() =>
          review.queue({
            sort: input.sort,
            descending: input.descending,
            offset: input.offset,
            count: input.count,
            ...(input.status ? { status: input.status } : {}),
            ...(input.reviewer !== undefined ? { reviewer: input.reviewer } : {}),
            ...(input.viewer !== undefined ? { viewer: input.viewer } : {}),
            ...(input.category !== undefined ? { category: input.category } : {}),
            ...(input.scoreMin !== undefined ? { scoreMin: input.scoreMin } : {}),
            ...(input.scoreMax !== undefined ? { scoreMax: input.scoreMax } : {}),
            ...(input.hasNegated !== undefined ? { hasNegated: input.hasNegated } : {}),
            ...(input.text !== undefined ? { text: input.text } : {}),
          }),
        ),
      document: (input) => guarded(() => review.document(input.documentId, input.reviewer)),
      apply: (input) =>
        guarded(() =>
          review.apply({
            documentId: input.documentId,
            reviewer: input.reviewer,
            changes: input.changes.map((c) => (c.id !== undefined ? { id: c.id, after: c.after } : { after: c.after })),
            ...(input.expectedRevision !== undefined ? { expectedRevision: input.expectedRevision } : {}),
          }),
        ),
      setStatus: (input) => guarded(() => review.setStatus(input.documentId, input.reviewer, input.status)),
      bulkAccept: (input) =>
        guarded(() =>
          review.bulkAccept({
            reviewer: input.reviewer,
            ...(input.documentId !== undefined ? { documentId: input.documentId } : {}),
            ...(input.minScore !== undefined ? { minScore: input.minScore } : {}),
            ...(input.text !== undefined ? { text: input.text } : {}),
            ...(input.category !== undefined ? { category: input.category } : {}),
          }),
        ),
      reviewers: () => guarded(() => review.reviewers()),
      export: (input) =>
        guarded(() =>
          exportReview(review, {
            format: input.format,
            reviewer: input.reviewer,
            includeRejected: input.includeRejected,
            ...(input.documentIds ? { documentIds: input.documentIds } : {}),
          }),
        ),
      import: (input) => guarded(() => importReview(review, { format: input.format, reviewer: input.reviewer, files: input.files })),
      agreement: (input) =>
        guarded(() =>
          agreementReview(review, { reviewerA: input.reviewerA, reviewerB: input.reviewerB, ...(input.documentIds ? { documentIds: input.documentIds } : {}) }),
        ),
    },
    concepts: {
      search: (input) =>
        guarded(() =>
          concepts.search(input.query, {
            limit: input.limit,
            ...(input.systems ? { systems: input.systems } : {}),
            ...(input.billableOnly !== undefined ? { billableOnly: input.billableOnly } : {}),
          }),
        ),
    },
    sync: {
      servers: () => guarded(() => sync.listProfiles()),
      saveServer: (input) =>
        guarded(() =>
          sync.saveProfile({
            name: input.name,
            baseUrl: input.baseUrl,
            auth: input.auth,
            ...(input.pullTypes ? { pullTypes: input.pullTypes } : {}),
            ...(input.chunkSize !== undefined ? { chunkSize: input.chunkSize } : {}),
            ...(input.caBundle !== undefined ? { caBundle: input.caBundle } : {}),
          }),
        ),
      removeServer: (input) =>
        guarded(async () => {
          await sync.removeProfile(input.name);
          return { removed: true as const };
        }),
      test: (input) => guarded(() => sync.testConnection(input.name)),
      push: (input) =>
        guarded(async () => {
          await sync.store.requireProfile(input.name);
          return sync.startJob(input.name, {
            push: {
              mode: input.mode,
              dryRun: input.dryRun,
              ...(input.types ? { types: input.types } : {}),
              ...(input.query !== undefined ? { query: input.query } : {}),
              ...(input.reviewedOnly ? { reviewedOnly: true } : {}),
            },
          });
        }),
      pull: (input) =>
        guarded(async () => {
          await sync.store.requireProfile(input.name);
          return sync.startJob(input.name, {
            pull: {
              dryRun: input.dryRun,
              ...(input.types ? { types: input.types } : {}),
              ...(input.pageSize !== undefined ? { pageSize: input.pageSize } : {}),
              ...(input.bulk !== undefined ? { bulk: input.bulk } : {}),
            },
          });
        }),
      report: (input) =>
        guarded(async () => {
          const report = sync.reports.get(input.jobId);
          if (!report) throw fhirError('not-found', 'No sync report for this job (not a sync job, not finished, or failed: see jobs.get)', 404);
          return report;
        }),
      status: (input) => guarded(() => sync.status(input.name)),
      conflicts: (input) => guarded(() => sync.conflicts(input.name)),
      conflict: (input) => guarded(() => sync.conflictDetail(input.name, input.resourceType, input.localId)),
      resolve: (input) =>
        guarded(() =>
          sync.resolveConflict(
            input.name,
            input.resourceType,
            input.localId,
            input.action === 'merge' ? { action: 'merge', resource: input.resource as Resource } : { action: input.action },
          ),
        ),
      discard: (input) => guarded(() => sync.discardPendingPush(input.name)),
      authorize: (input) => guarded(() => sync.authorize(input.name)),
      authorization: (input) => guarded(() => sync.authorization(input.name)),
    },
    vault: {
      verify: () => (vault ? guarded(() => vault.verify()) : Promise.resolve(noVault())),
      changePassphrase: (input) =>
        vault
          ? guarded(async () => {
              await vault.changePassphrase(input.currentPassphrase, input.newPassphrase);
              return { changed: true as const };
            })
          : Promise.resolve(noVault()),
    },
    chart: {
      patient: (input) => guarded(() => patientChart(repository, input.patientId)),
      note: (input) => guarded(() => chartNote(repository, input.documentId)),
    },
    query: {
      parameters: (input) => guarded(async () => queryParameters(input.resourceType)),
      cohort: (input) =>
        guarded(() =>
          cohortCounts(repository, {
            query: input.query,
            groupBy: input.groupBy,
            nlp: input.nlp,
            ...(input.minScore !== undefined ? { minScore: input.minScore } : {}),
            describeCategory: async (code) => {
              // The category's name from the vault's ICD-10-CM pack or the lexicon, when either knows it.
              const found = await concepts.search(code, { systems: ['ICD10CM'], limit: 5 });
              return found.hits.find((hit) => hit.code === code)?.display;
            },
          }),
        ),
      export: (input) =>
        guarded(async () => {
          const job = await queryExports.start({ query: input.query, format: input.format, ...(input.columns ? { columns: input.columns } : {}) });
          return { jobId: job.id };
        }),
      exportResult: (input) => guarded(async () => queryExports.part(input.jobId, input.part)),
    },
    queries: {
      list: () => guarded(() => listSavedQueries(repository)),
      save: (input) =>
        guarded(() => saveQuery(repository, { name: input.name, query: input.query, ...(input.id !== undefined ? { id: input.id } : {}), ...(input.columns ? { columns: input.columns } : {}) })),
      delete: (input) => guarded(() => deleteSavedQuery(repository, input.id)),
    },
  };
}
