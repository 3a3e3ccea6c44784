/**
 * "Preload sample data": generates a small synthetic population (src-main/sample) and stores it
 * in the open vault as an import job, so a new user has patients, notes and labs to look at
 * within seconds. Writes go in durable batches of 500 with skipUnchanged, so loading the same
 * seed twice creates no new versions; cancelling keeps what was stored.
 */
import type { ImportFileSummary, ImportReport, JobState } from '../api/contract';
import type { ResourceRepository, WriteOp } from '../fhir/repository';
import { samplePopulation } from '../sample/generator';
import type { JobManager } from './job-manager';

const BATCH = 500;
export const SAMPLE_FILE_LABEL = 'Synthetic sample data';

export interface SampleJobOptions {
  jobs: JobManager;
  repository: ResourceRepository;
  reports: Map<string, ImportReport>;
  patients: number;
  seed: string;
}

export function startSampleJob(options: SampleJobOptions): JobState {
  const { jobs, repository, reports, patients, seed } = options;
  // Validate before queuing: a bad count is the caller's error, not a failed job.
  samplePopulation({ patients, seed }).next();
  return jobs.start('import', `Sample data: ${patients} patient${patients === 1 ? '' : 's'}`, async (context) => {
    const summary: ImportFileSummary = { file: SAMPLE_FILE_LABEL, records: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
    const report: ImportReport = { jobId: context.jobId, status: 'running', created: 0, updated: 0, unchanged: 0, failed: 0, files: [summary], errors: [] };
    let pending: WriteOp[] = [];
    let cancelled = false;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const outcomes = await repository.writeBatch(pending);
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'created' || outcome.status === 'updated' || outcome.status === 'unchanged') summary[outcome.status]++;
        else if (outcome.status === 'failed') {
          summary.failed++;
          const op = pending[index]!;
          // A generated resource the engine refuses is a bug in the generator: report it, go on.
          report.errors.push({ file: SAMPLE_FILE_LABEL, line: summary.records - pending.length + index + 1, ...(op.kind !== 'delete' ? { resourceType: op.resource.resourceType } : {}), message: outcome.outcome.issue?.[0]?.diagnostics ?? 'refused', outcome: outcome.outcome });
        }
      });
      pending = [];
      // A store that never waits on I/O (the memory one) would otherwise hold the event loop for
      // the whole job, and a cancel or any other call could not get in until it ended.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (const batch of samplePopulation({ patients, seed })) {
      if (context.signal.aborted) {
        cancelled = true;
        break;
      }
      for (const resource of batch.resources) {
        pending.push({ kind: 'update', resource, skipUnchanged: true });
        summary.records++;
        if (pending.length >= BATCH) await flush();
      }
      const counts = { created: summary.created, updated: summary.updated, unchanged: summary.unchanged, failed: summary.failed };
      context.progress({ done: summary.records, message: `Patient ${batch.patientIndex} of ${patients}` }, counts);
    }
    if (!cancelled) await flush();
    const counts = { created: summary.created, updated: summary.updated, unchanged: summary.unchanged, failed: summary.failed };
    reports.set(context.jobId, { ...report, ...counts, status: cancelled ? 'cancelled' : 'succeeded' });
    return { counts, cancelled };
  });
}
