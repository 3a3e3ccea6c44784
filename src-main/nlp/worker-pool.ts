/**
 * A pool of NLP worker threads (issue: "pure TypeScript in worker threads, never blocking the main
 * loop"). Each thread holds its own engine; requests go to the least busy thread, and at most
 * `pipelineDepth` wait in each so a thread never idles between two messages.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { resolveWorkerScript, startWorkerScript, type WorkerScript } from '../threads/worker-script';
import type { NlpEngineInit } from './engine';
import type { Entity, NlpVersions, TargetSpan } from './types';
import type { PoolToWorker, WorkerToPool } from './worker-protocol';

export interface NlpPoolOptions {
  /** Threads; default: the machine's parallelism, at least 1, at most 8. */
  size?: number;
  init?: NlpEngineInit;
  /** Default: nlp-worker next to this module (or the bundle). */
  script?: WorkerScript;
}

/** The engine seen through the pool: the same calls as NlpEngine, asynchronous. */
export interface AsyncNlpEngine {
  readonly versions: NlpVersions;
  analyze(text: string): Promise<Entity[]>;
  assertSpans(text: string, spans: readonly TargetSpan[]): Promise<Entity[]>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (entities: Entity[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

type Request = { kind: 'analyze'; text: string } | { kind: 'assert'; text: string; spans: TargetSpan[] };

const PIPELINE_DEPTH = 2;

export class NlpWorkerPool implements AsyncNlpEngine {
  private nextId = 1;
  private closed = false;
  private readonly waiting: Array<{ request: Request } & Pending> = [];

  private constructor(
    private readonly threads: Thread[],
    readonly versions: NlpVersions,
  ) {
    for (const thread of threads) this.listen(thread);
  }

  /** Starts the threads and waits until each has built its engine. */
  static async start(options: NlpPoolOptions = {}): Promise<NlpWorkerPool> {
    const size = Math.max(1, Math.min(8, options.size ?? availableParallelism()));
    const script = options.script ?? resolveWorkerScript('nlp-worker', import.meta.url);
    const workers = Array.from({ length: size }, () => startWorkerScript(script, { workerData: { init: options.init ?? {} } }));
    try {
      const versions = await Promise.all(workers.map((worker) => waitReady(worker)));
      return new NlpWorkerPool(
        workers.map((worker) => ({ worker, pending: new Map() })),
        versions[0]!,
      );
    } catch (e) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw e;
    }
  }

  analyze(text: string): Promise<Entity[]> {
    return this.submit({ kind: 'analyze', text });
  }

  assertSpans(text: string, spans: readonly TargetSpan[]): Promise<Entity[]> {
    return this.submit({ kind: 'assert', text, spans: [...spans] });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error('The NLP workers were closed');
    for (const item of this.waiting.splice(0)) item.reject(error);
    for (const thread of this.threads) {
      for (const pending of thread.pending.values()) pending.reject(error);
      thread.pending.clear();
    }
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private submit(request: Request): Promise<Entity[]> {
    if (this.closed) return Promise.reject(new Error('The NLP workers were closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let best: Thread | undefined;
      for (const thread of this.threads) {
        if (thread.pending.size < PIPELINE_DEPTH && (!best || thread.pending.size < best.pending.size)) best = thread;
      }
      if (!best) return;
      const item = this.waiting.shift()!;
      const id = this.nextId++;
      best.pending.set(id, { resolve: item.resolve, reject: item.reject });
      const message: PoolToWorker = { id, ...item.request };
      best.worker.postMessage(message);
    }
  }

  private listen(thread: Thread): void {
    thread.worker.on('message', (message: WorkerToPool) => {
      if (message.kind !== 'result' && message.kind !== 'error') return;
      const pending = thread.pending.get(message.id);
      if (!pending) return;
      thread.pending.delete(message.id);
      if (message.kind === 'result') pending.resolve(message.entities);
      else pending.reject(new Error(message.message));
      this.dispatch();
    });
    const fail = (error: Error) => {
      for (const pending of thread.pending.values()) pending.reject(error);
      thread.pending.clear();
    };
    thread.worker.on('error', (error) => fail(error instanceof Error ? error : new Error(String(error))));
    thread.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`An NLP worker stopped (exit code ${code})`));
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      if (!this.closed && this.threads.length === 0) {
        const error = new Error('Every NLP worker stopped');
        for (const item of this.waiting.splice(0)) item.reject(error);
      }
    });
  }
}

function waitReady(worker: Worker): Promise<NlpVersions> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerToPool) => {
      if (message.kind === 'ready') {
        cleanup();
        resolve(message.versions);
      } else if (message.kind === 'failed') {
        cleanup();
        reject(new Error(`The NLP engine could not start: ${message.message}`));
      }
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`An NLP worker stopped while starting (exit code ${code})`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
