/**
 * The import job: runs src-main/io/importer.ts under the job manager, turns its progress into
 * JobProgress (records, bytes, rate over a sliding window, ETA) and keeps the ImportReport for
 * `import.report`.
 */
import path from 'node:path';
import type { ImportReport, ImportSource, JobProgress, JobState } from '../api/contract';
import type { ResourceRepository } from '../fhir/repository';
import { runImport, type ImportProgressSnapshot } from '../io/importer';
import type { JobManager } from './job-manager';

const RATE_WINDOW_MS = 5_000;

/** Records/second and bytes/second over the last few seconds. */
export class RateMeter {
  private readonly samples: Array<{ at: number; records: number; bytes: number }> = [];

  constructor(private readonly now: () => number = Date.now) {}

  add(records: number, bytes: number): { recordsPerSecond?: number; bytesPerSecond?: number } {
    const at = this.now();
    this.samples.push({ at, records, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    if (seconds <= 0) return {};
    return { recordsPerSecond: (records - first.records) / seconds, bytesPerSecond: (bytes - first.bytes) / seconds };
  }
}

export function importTitle(sources: readonly ImportSource[]): string {
  const first = sources[0];
  if (!first) return 'Import';
  // File names only (no folders, never content).
  const name = first.kind === 'path' ? path.basename(first.path) : first.name;
  return sources.length === 1 ? `Import ${name}` : `Import ${name} and ${sources.length - 1} more`;
}

function toJobProgress(p: ImportProgressSnapshot, rates: { recordsPerSecond?: number; bytesPerSecond?: number }): JobProgress {
  const progress: JobProgress = { done: p.recordsDone, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal };
  if (p.allFilesRead) progress.total = p.recordsKnown;
  if (rates.recordsPerSecond !== undefined) progress.ratePerSecond = Math.round(rates.recordsPerSecond * 10) / 10;
  if (rates.bytesPerSecond && rates.bytesPerSecond > 0 && p.bytesTotal > 0) {
    progress.etaSeconds = Math.max(0, Math.round((p.bytesTotal - p.bytesDone) / rates.bytesPerSecond));
  }
  if (p.currentFile !== undefined) {
    progress.message = `Importing ${p.currentFile.includes('/') || p.currentFile.includes('\\') ? path.basename(p.currentFile) : p.currentFile}`;
  }
  return progress;
}

export interface ImportJobOptions {
  jobs: JobManager;
  repository: ResourceRepository;
  reports: Map<string, ImportReport>;
  sources: readonly ImportSource[];
  chunkSize?: number;
}

/** Queues an import; its report is in `reports` under the job id once it ends. */
export function startImportJob(options: ImportJobOptions): JobState {
  const { jobs, repository, reports, sources } = options;
  return jobs.start('import', importTitle(sources), async (context) => {
    const meter = new RateMeter();
    const result = await runImport({
      repository,
      sources,
      signal: context.signal,
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      onProgress: (p) => context.progress(toJobProgress(p, meter.add(p.recordsDone, p.bytesDone)), p.counts),
    });
    const counts = { created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed };
    reports.set(context.jobId, {
      jobId: context.jobId,
      status: result.cancelled ? 'cancelled' : 'succeeded',
      ...counts,
      ...(result.read !== undefined ? { read: result.read } : {}),
      files: result.files,
      errors: result.errors,
    });
    return { counts, cancelled: result.cancelled };
  });
}
