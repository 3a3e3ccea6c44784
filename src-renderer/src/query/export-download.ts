/**
 * Export of a query's results (query.export): waits for the job, reads its parts and hands them
 * to the browser as one file download (a Blob and an `<a download>`), which works in web mode and
 * in Electron alike (the main process lets blob: downloads through; lib/download.ts does the same).
 */
import type { HearthApi, JobState } from '../../../src-main/api/contract';
import { err, ok, outcome, type Result } from '../../../src-main/api/result';
import type { QueryExportFormat } from '../../../src-main/query/types';

const FINISHED: ReadonlySet<JobState['status']> = new Set(['succeeded', 'failed', 'cancelled']);

export interface ExportDone {
  fileName: string;
  resources: number;
  bytes: number;
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the export to the end; `onProgress` hears the job's progress. */
export async function exportQuery(
  api: HearthApi,
  input: { query: string; format: QueryExportFormat; columns?: string[] },
  onProgress: (job: JobState) => void,
  save: (fileName: string, parts: string[], mimeType: string) => void = saveFile,
): Promise<Result<ExportDone>> {
  const started = await api.query.export(input);
  if (!started.ok) return started;
  const { jobId } = started.value;
  let job: JobState | undefined;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const state = await api.jobs.get({ jobId });
    if (!state.ok) return state;
    job = state.value;
    onProgress(job);
    if (FINISHED.has(job.status)) break;
    await wait(delay);
  }
  if (job.status !== 'succeeded') return err(job.error ?? outcome('incomplete', `The export was ${job.status}`));
  const parts: string[] = [];
  let fileName = 'export';
  let mimeType = 'text/plain';
  let resources = 0;
  for (let part = 0; ; part++) {
    const result = await api.query.exportResult({ jobId, part });
    if (!result.ok) return result;
    parts.push(result.value.text);
    ({ fileName, mimeType, resources } = result.value);
    if (part + 1 >= result.value.parts) break;
  }
  save(fileName, parts, mimeType);
  return ok({ fileName, resources, bytes: parts.reduce((n, p) => n + new Blob([p]).size, 0) });
}

export function saveFile(fileName: string, parts: string[], mimeType: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: `${mimeType};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Give the download a moment to start before the blob goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
