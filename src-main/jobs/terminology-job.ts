/**
 * The terminology import job: runs nlp/terminology/terminology-import.ts under the job manager,
 * turns its progress into JobProgress (records, bytes, rate, ETA) and keeps the report for
 * `terminology.report`.
 */
import path from 'node:path';
import type { JobProgress, JobState } from '../api/contract';
import type { ResourceRepository } from '../fhir/repository';
import type { TerminologyImportReport } from '../nlp/terminology/report-types';
import { runTerminologyImport, type TerminologyImportProgress } from '../nlp/terminology/terminology-import';
import { RateMeter } from './import-job';
import type { JobManager } from './job-manager';

export interface TerminologyJobOptions {
  jobs: JobManager;
  repository: ResourceRepository;
  reports: Map<string, TerminologyImportReport>;
  paths: readonly string[];
  /** Called once the packs are stored (the NLP queue then rebuilds its engine with them). */
  onStored?: () => Promise<void>;
}

function toJobProgress(p: TerminologyImportProgress, rates: { recordsPerSecond?: number; bytesPerSecond?: number }): JobProgress {
  const progress: JobProgress = { done: p.records, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal };
  if (rates.recordsPerSecond !== undefined) progress.ratePerSecond = Math.round(rates.recordsPerSecond * 10) / 10;
  if (rates.bytesPerSecond && rates.bytesPerSecond > 0 && p.bytesTotal > 0) {
    progress.etaSeconds = Math.max(0, Math.round((p.bytesTotal - p.bytesDone) / rates.bytesPerSecond));
  }
  progress.message = p.phase === 'storing' ? 'Storing the terminology packs' : `Reading ${p.currentFile ?? ''}`.trim();
  return progress;
}

/** Queues a terminology import; its report is in `reports` under the job id once it ends. */
export function startTerminologyImportJob(options: TerminologyJobOptions): JobState {
  const { jobs, repository, reports, paths } = options;
  const first = paths[0] ? path.basename(paths[0]) : '';
  return jobs.start('terminology', `Terminology import ${first}`.trim(), async (context) => {
    const meter = new RateMeter();
    const started = Date.now();
    const result = await runTerminologyImport({
      paths,
      repository,
      signal: context.signal,
      onProgress: (p) => context.progress(toJobProgress(p, meter.add(p.records, p.bytesDone))),
    });
    const report: TerminologyImportReport = {
      jobId: context.jobId,
      status: 'succeeded',
      files: result.files,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    if (result.icd10) report.icd10 = result.icd10;
    if (result.rxnorm) report.rxnorm = result.rxnorm;
    reports.set(context.jobId, report);
    if (result.icd10 || result.rxnorm) await options.onStored?.();
    return {};
  });
}
