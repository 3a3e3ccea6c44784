/**
 * Long-running work of one vault session (imports): a FIFO queue (one job runs at a time: the
 * vault has one writer anyway), typed progress events throttled per job, cancellation through an
 * AbortSignal, and the list of jobs for `jobs.list` / `jobs.get`.
 */
import { randomUUID } from 'node:crypto';
import type { HearthEvent, ImportCounts, JobProgress, JobState, JobStatus } from '../api/contract';
import { exceptionOutcome } from '../api/dispatch';

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Reports progress; events go out at most `maxEventsPerSecond` times a second per job. */
  progress(progress: JobProgress, counts?: ImportCounts): void;
}

export interface JobRunResult {
  counts?: ImportCounts;
  /** True when the job noticed the cancellation and stopped early. */
  cancelled?: boolean;
}

export interface JobManagerOptions {
  onEvent: (event: HearthEvent) => void;
  maxEventsPerSecond?: number;
  now?: () => number;
}

interface JobEntry {
  state: JobState;
  controller: AbortController;
  run: (context: JobContext) => Promise<JobRunResult>;
  lastEmitMs: number;
  trailing: ReturnType<typeof setTimeout> | null;
  finished: Promise<void>;
  resolveFinished: () => void;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly queue: JobEntry[] = [];
  private running: JobEntry | null = null;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: JobManagerOptions) {
    this.minIntervalMs = 1000 / (options.maxEventsPerSecond ?? 10);
    this.now = options.now ?? Date.now;
  }

  /** Queues a job; it starts when the ones before it are done. */
  start(kind: JobState['kind'], title: string, run: (context: JobContext) => Promise<JobRunResult>): JobState {
    let resolveFinished = (): void => undefined;
    const finished = new Promise<void>((resolve) => {
      resolveFinished = resolve;
    });
    const entry: JobEntry = {
      state: { id: randomUUID(), kind, title, status: 'queued', startedAt: new Date(this.now()).toISOString(), progress: { done: 0 } },
      controller: new AbortController(),
      run,
      lastEmitMs: 0,
      trailing: null,
      finished,
      resolveFinished,
    };
    this.jobs.set(entry.state.id, entry);
    this.queue.push(entry);
    this.emitNow(entry);
    this.pump();
    return this.snapshot(entry);
  }

  list(): JobState[] {
    return [...this.jobs.values()].map((e) => this.snapshot(e));
  }

  get(jobId: string): JobState | undefined {
    const entry = this.jobs.get(jobId);
    return entry ? this.snapshot(entry) : undefined;
  }

  /** Cancels a queued job at once, a running one between its chunks. Finished jobs are unchanged. */
  cancel(jobId: string): JobState | undefined {
    const entry = this.jobs.get(jobId);
    if (!entry) return undefined;
    if (entry.state.status === 'queued') {
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.finish(entry, 'cancelled');
    } else if (entry.state.status === 'running') {
      entry.controller.abort();
    }
    return this.snapshot(entry);
  }

  /** Jobs waiting for the running one (a background job gives way to them between its chunks). */
  queuedCount(): number {
    return this.queue.length;
  }

  hasRunning(): boolean {
    return this.running !== null || this.queue.length > 0;
  }

  /** Resolves once the job has finished (any terminal status). */
  async whenFinished(jobId: string): Promise<JobState | undefined> {
    const entry = this.jobs.get(jobId);
    if (!entry) return undefined;
    await entry.finished;
    return this.snapshot(entry);
  }

  /** Cancels everything and waits for the running job to stop. */
  async cancelAll(): Promise<void> {
    for (const entry of [...this.queue]) this.cancel(entry.state.id);
    const running = this.running;
    if (running) {
      running.controller.abort();
      await running.finished;
    }
  }

  private snapshot(entry: JobEntry): JobState {
    return structuredClone(entry.state);
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = next;
    void this.execute(next);
  }

  private async execute(entry: JobEntry): Promise<void> {
    entry.state.status = 'running';
    this.emitNow(entry);
    const context: JobContext = {
      jobId: entry.state.id,
      signal: entry.controller.signal,
      progress: (progress, counts) => {
        entry.state.progress = progress;
        if (counts) entry.state.counts = counts;
        this.emitThrottled(entry);
      },
    };
    try {
      const result = await entry.run(context);
      if (result.counts) entry.state.counts = result.counts;
      this.finish(entry, result.cancelled || entry.controller.signal.aborted ? 'cancelled' : 'succeeded');
    } catch (e) {
      entry.state.error = exceptionOutcome(e);
      this.finish(entry, entry.controller.signal.aborted ? 'cancelled' : 'failed');
    } finally {
      this.running = null;
      this.pump();
    }
  }

  private finish(entry: JobEntry, status: JobStatus): void {
    if (TERMINAL.has(entry.state.status)) return;
    entry.state.status = status;
    entry.state.finishedAt = new Date(this.now()).toISOString();
    if (entry.trailing) clearTimeout(entry.trailing);
    entry.trailing = null;
    this.emitNow(entry);
    entry.resolveFinished();
  }

  private emitNow(entry: JobEntry): void {
    entry.lastEmitMs = this.now();
    this.options.onEvent({ type: 'job', job: this.snapshot(entry) });
  }

  /** At most one event per interval; the latest state is sent when the interval ends. */
  private emitThrottled(entry: JobEntry): void {
    const wait = entry.lastEmitMs + this.minIntervalMs - this.now();
    if (wait <= 0) {
      this.emitNow(entry);
      return;
    }
    entry.trailing ??= setTimeout(() => {
      entry.trailing = null;
      if (!TERMINAL.has(entry.state.status)) this.emitNow(entry);
    }, wait);
  }
}
