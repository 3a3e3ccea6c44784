import { describe, expect, it } from 'vitest';
import type { HearthEvent, JobState } from '../../../src-main/api/contract';
import { JobManager } from '../../../src-main/jobs/job-manager';
import { RateMeter, importTitle } from '../../../src-main/jobs/import-job';

function recorder() {
  const events: JobState[] = [];
  return { events, onEvent: (e: HearthEvent) => (e.type === 'job' ? events.push(e.job) : undefined) };
}

describe('JobManager', () => {
  it('throttles progress events to one per 100 ms, each with the latest count, and always sends the final state', async () => {
    // Not bound to a wall-clock total (the work below takes 200 ms idle, seconds on a loaded
    // machine): every gap between two events is checked against the interval instead, on the
    // clock the manager itself reads.
    const events: Array<{ job: JobState; at: number }> = [];
    const now = (): number => Date.now();
    const jobs = new JobManager({ onEvent: (e) => void (e.type === 'job' && events.push({ job: e.job, at: now() })), now });
    const started = jobs.start('import', 'Import x', async (context) => {
      for (let i = 1; i <= 5000; i++) {
        context.progress({ done: i, total: 5000 });
        if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { counts: { created: 5000, updated: 0, unchanged: 0, failed: 0 } };
    });
    const final = await jobs.whenFinished(started.id);
    expect(final?.status).toBe('succeeded');
    expect(final?.counts?.created).toBe(5000);
    expect(events.map((e) => e.job.status)).toEqual(['queued', 'running', ...Array<string>(events.length - 3).fill('running'), 'succeeded']);
    expect(events.at(-1)?.job.progress.done).toBe(5000);
    // Between "running" and the final state: progress events, at least one (the job outlasts the
    // first interval: ten 20 ms waits), at least 100 ms apart (a timer may fire a millisecond
    // early on a clock of whole milliseconds), with counts that only go up.
    const progress = events.slice(1, -1);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(98);
      expect(progress[i]!.job.progress.done).toBeGreaterThan(progress[i - 1]!.job.progress.done);
    }
    expect(jobs.hasRunning()).toBe(false);
  });

  it('runs jobs one at a time, cancels queued and running jobs, and records failures', async () => {
    const { onEvent } = recorder();
    const jobs = new JobManager({ onEvent });
    let chunks = 0;
    const long = jobs.start('import', 'long', async (context) => {
      while (!context.signal.aborted) {
        chunks++;
        context.progress({ done: chunks });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return { cancelled: true };
    });
    const queued = jobs.start('import', 'queued', async () => ({}));
    const failing = jobs.start('import', 'failing', async () => {
      throw new Error('disk on fire');
    });
    expect(jobs.get(queued.id)?.status).toBe('queued');
    expect(jobs.cancel(queued.id)?.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(jobs.get(long.id)?.status).toBe('running');
    jobs.cancel(long.id);
    expect((await jobs.whenFinished(long.id))?.status).toBe('cancelled');
    const failed = await jobs.whenFinished(failing.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.issue[0]?.diagnostics).toBe('disk on fire');
    expect(jobs.list().map((j) => j.title)).toEqual(['long', 'queued', 'failing']);
    expect(jobs.get('nope')).toBeUndefined();
  });
});

describe('import job helpers', () => {
  it('measures a rate over a sliding window', () => {
    let now = 0;
    const meter = new RateMeter(() => now);
    expect(meter.add(0, 0)).toEqual({});
    now = 2000;
    expect(meter.add(100, 1000)).toEqual({ recordsPerSecond: 50, bytesPerSecond: 500 });
  });

  it('names jobs by file name only', () => {
    expect(importTitle([{ kind: 'path', path: '/home/x/secret-folder/a.ndjson' }])).toBe('Import a.ndjson');
    expect(importTitle([{ kind: 'text', name: 'b.json', text: '{}' }, { kind: 'text', name: 'c.json', text: '{}' }])).toBe(
      'Import b.json and 1 more',
    );
  });
});
