/** `export.start` / `export.report` in the session services: a job with progress, a report, 400 before any job for a bad request. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HearthEvent } from '../../../src-main/api/contract';
import { outcomeStatus } from '../../../src-main/api/result';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { JobManager } from '../../../src-main/jobs/job-manager';
import { createSessionServices } from '../../../src-main/services/session-services';

describe('export services', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'hearth-export-services-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs an export job, reports its files, and refuses bad requests without a job', async () => {
    const events: HearthEvent[] = [];
    const jobs = new JobManager({ onEvent: (event) => events.push(event) });
    const repository = new MemoryRepository();
    await repository.writeBatch(
      Array.from({ length: 1200 }, (_, i) => ({ kind: 'update' as const, resource: { resourceType: 'Patient' as const, id: `p${i}` } })),
    );
    const services = createSessionServices({ repository, jobs });

    const refused = await services.export.start({ outDir: path.join(root, 'x'), format: 'ndjson', types: ['Nope'] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(outcomeStatus(refused.error)).toBe(400);
    expect(jobs.list()).toEqual([]);

    const outDir = path.join(root, 'out');
    const started = await services.export.start({ outDir, format: 'ndjson' });
    if (!started.ok) throw new Error('export.start failed');
    const finished = await jobs.whenFinished(started.value.jobId);
    expect(finished?.kind).toBe('export');
    expect(finished?.status).toBe('succeeded');
    expect(finished?.progress).toMatchObject({ done: 1200, total: 1200 });
    // The job's events go to the UI: queued, running, and the final state.
    expect(events.filter((e) => e.type === 'job').map((e) => (e.type === 'job' ? e.job.status : '')).slice(0, 2)).toEqual(['queued', 'running']);
    expect(events.at(-1)).toMatchObject({ type: 'job', job: { status: 'succeeded' } });

    const report = await services.export.report({ jobId: started.value.jobId });
    expect(report.ok && report.value).toMatchObject({ status: 'succeeded', outDir, format: 'ndjson', resources: 1200, output: [{ type: 'Patient', url: 'Patient.ndjson', count: 1200 }], errors: [] });
    const manifest = JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as { output: unknown[] };
    expect(manifest.output).toEqual([{ type: 'Patient', url: 'Patient.ndjson', count: 1200 }]);

    const unknown = await services.export.report({ jobId: 'nope' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(outcomeStatus(unknown.error)).toBe(404);
  });
});
