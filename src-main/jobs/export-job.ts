/**
 * Bulk export as a job (src-main/export/exporter.ts): queued behind imports on the session's
 * JobManager, with progress (resources written, of how many when known, bytes, rate) and
 * cancellation between pages. The ExportReport is kept for `export.report`.
 */
import type { ExportReport, JobState } from '../api/contract';
import { checkExportRequest, runExport, type ExportRequest } from '../export/exporter';
import type { ResourceRepository } from '../fhir/repository';
import type { JobManager } from './job-manager';

export interface ExportJobOptions {
  jobs: JobManager;
  repository: ResourceRepository;
  reports: Map<string, ExportReport>;
  request: ExportRequest;
}

function describe(request: ExportRequest): string {
  const scope = request.group !== undefined ? `Group ${request.group}` : request.patients ? `${request.patients.length} patient${request.patients.length === 1 ? '' : 's'}` : 'all resources';
  return `Export (${request.format === 'bundle' ? 'Bundle' : 'NDJSON'}): ${scope}`;
}

export function startExportJob(options: ExportJobOptions): JobState {
  const { jobs, repository, reports, request } = options;
  // A bad filter is the caller's error (400), not a failed job.
  checkExportRequest(request);
  return jobs.start('export', describe(request), async (context) => {
    const started = performance.now();
    const result = await runExport({
      ...request,
      repository,
      signal: context.signal,
      onProgress: (p) => {
        const seconds = (performance.now() - started) / 1000;
        const rate = seconds > 0.5 ? p.done / seconds : undefined;
        context.progress({
          done: p.done,
          bytesDone: p.bytes,
          ...(p.total !== undefined ? { total: p.total } : {}),
          ...(rate !== undefined ? { ratePerSecond: rate } : {}),
          ...(rate && p.total !== undefined ? { etaSeconds: Math.max(0, Math.round((p.total - p.done) / rate)) } : {}),
          ...(p.resourceType ? { message: `Writing ${p.resourceType}` } : {}),
        });
      },
    });
    reports.set(context.jobId, {
      jobId: context.jobId,
      status: result.cancelled ? 'cancelled' : 'succeeded',
      outDir: result.outDir,
      format: result.format,
      transactionTime: result.transactionTime,
      resources: result.resources,
      bytes: result.bytes,
      output: result.output,
      errors: result.errors,
    });
    return { cancelled: result.cancelled };
  });
}
