/**
 * "Preload sample data" (issue 4 §1): the `import.sample` job stores a generated population in
 * the vault through the repository (every resource validated and indexed), reports like an
 * import, creates no new versions when the same seed is loaded again, and stops on cancel with
 * what it stored kept.
 */
import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../src-main/api/contract';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { JobManager } from '../../../src-main/jobs/job-manager';
import { startSampleJob } from '../../../src-main/jobs/sample-job';
import { samplePopulation } from '../../../src-main/sample/generator';

function expectedResources(patients: number, seed: string): number {
  let total = 0;
  for (const batch of samplePopulation({ patients, seed })) total += batch.resources.length;
  return total;
}

describe('sample job', () => {
  it('stores the population, then finds it unchanged on a second load', async () => {
    const repository = new MemoryRepository();
    const jobs = new JobManager({ onEvent: () => undefined });
    const reports = new Map<string, ImportReport>();
    const expected = expectedResources(3, 'job');

    const first = startSampleJob({ jobs, repository, reports, patients: 3, seed: 'job' });
    expect(first.title).toBe('Sample data: 3 patients');
    expect((await jobs.whenFinished(first.id))?.status).toBe('succeeded');
    expect(reports.get(first.id)).toMatchObject({ status: 'succeeded', created: expected, failed: 0, errors: [] });
    const counts = await repository.counts();
    expect(counts.find((c) => c.resourceType === 'Patient')?.count).toBe(3);
    const notes = await repository.search('DocumentReference', new URLSearchParams({ _count: '1', _total: 'accurate' }));
    expect(notes.total).toBeGreaterThan(0);

    const again = startSampleJob({ jobs, repository, reports, patients: 3, seed: 'job' });
    await jobs.whenFinished(again.id);
    expect(reports.get(again.id)).toMatchObject({ created: 0, updated: 0, unchanged: expected, failed: 0 });
  }, 60_000);

  it('stops when cancelled, keeping what it stored', async () => {
    const repository = new MemoryRepository();
    // Cancelled from its own progress event once 1,000 resources are stored, whatever the speed
    // (polling on a timer raced the job's end); the events are not throttled here, so each
    // patient's progress reaches the listener as it is reported.
    const jobs: JobManager = new JobManager({
      maxEventsPerSecond: Number.POSITIVE_INFINITY,
      onEvent: (event) => {
        if (event.type === 'job' && event.job.status === 'running' && event.job.progress.done >= 1000) jobs.cancel(event.job.id);
      },
    });
    const reports = new Map<string, ImportReport>();
    const job = startSampleJob({ jobs, repository, reports, patients: 60, seed: 'cancel' });
    const finished = await jobs.whenFinished(job.id);
    expect(finished?.status).toBe('cancelled');
    const report = reports.get(job.id)!;
    expect(report.created).toBeGreaterThan(0);
    expect(report.created).toBeLessThan(expectedResources(60, 'cancel'));
    const stored = (await repository.counts()).reduce((sum, c) => sum + c.count, 0);
    expect(stored).toBe(report.created);
  }, 60_000);

  it('refuses a bad patient count before queuing anything', () => {
    const jobs = new JobManager({ onEvent: () => undefined });
    expect(() => startSampleJob({ jobs, repository: new MemoryRepository(), reports: new Map(), patients: 0, seed: 'x' })).toThrow(RangeError);
    expect(jobs.list()).toEqual([]);
  });
});
