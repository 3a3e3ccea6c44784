/**
 * One write-prep worker thread per thread that writes (the store worker, or the CLI's process),
 * started on first use: FhirRepository hands it the next batch's validation, hash, body template
 * and index rows while the store thread commits the batch before (fhir-repository.ts). Until the
 * thread has loaded its definitions, and after it fails, prepare() answers null and the planner
 * prepares on the store's thread. The thread holds no key; it is unreferenced while idle so it
 * never keeps a process alive, and ends with the thread that started it.
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { resolveWorkerScript, startIdleWorker, type WorkerScript } from '../threads/worker-script';
import type { WritePreparer } from './fhir-repository';
import type { PrepareInput, PreparedWrite } from './write-prep';
import type { NdjsonLines, PreparedNdjsonChunk, PreparedTransactionWrite } from './repository';
import type { PoolToPrepWorker, PrepTransaction, PrepWorkerToPool } from './write-prep-protocol';
import { splitPackedRows, type PackedRows } from './search/packed-rows';
import { lineWritesFromColumns, preparedFromColumns, transactionWritesFromColumns } from './prepared-columns';

type Answer = Extract<PrepWorkerToPool, { kind: 'result' | 'transaction' | 'ndjson' }>;

interface Pending {
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
}

export class WritePrepPool implements WritePreparer {
  private worker: Worker | null = null;
  private state: 'idle' | 'starting' | 'ready' | 'failed' = 'idle';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** `options`: the thread's (resourceLimits...), for measuring; by default none. */
  constructor(
    private readonly script?: WorkerScript,
    private readonly options: WorkerOptions = {},
  ) {}

  /** Starts the thread now (it loads its definitions in the background). */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    try {
      this.worker = startIdleWorker(
        this.script ?? resolveWorkerScript('write-prep-worker', import.meta.url),
        this.options,
        (message: PrepWorkerToPool) => this.receive(message),
        () => this.fail(),
      );
    } catch {
      this.state = 'failed';
    }
  }

  /** Whether batches go to the thread now. */
  get ready(): boolean {
    return this.state === 'ready';
  }

  prepare(items: readonly PrepareInput[]): Promise<PreparedWrite[]> | null {
    const asked = this.ask((id) => ({ id, items: items.map((item) => ({ text: JSON.stringify(item.resource), kind: item.kind, id: item.id })) }));
    return asked?.then((answer) => {
      if (answer.kind !== 'result') throw new Error('write-prep worker: answered another question');
      return withRows(preparedFromColumns(answer.results), answer.packed);
    }) ?? null;
  }

  prepareTransaction(text: string, base: { baseUrl: string; foreignUrlsRelative?: boolean }): Promise<PreparedTransactionWrite[] | undefined> | null {
    const transaction: PrepTransaction = base.foreignUrlsRelative ? { text, baseUrl: base.baseUrl, foreignUrlsRelative: true } : { text, baseUrl: base.baseUrl };
    const asked = this.ask((id) => ({ id, transaction }));
    return asked?.then((answer) => {
      if (answer.kind !== 'transaction') throw new Error('write-prep worker: answered another question');
      if (!answer.writes) return undefined;
      const writes = transactionWritesFromColumns(answer.writes);
      withRows(
        writes.map((write) => write.prepared),
        answer.packed,
      );
      return writes;
    }) ?? null;
  }

  /** An NDJSON import chunk's lines parsed, checked and prepared, rows included (io/ndjson-prep.ts). */
  prepareNdjson(chunk: NdjsonLines): Promise<PreparedNdjsonChunk> | null {
    const asked = this.ask((id) => ({ id, ndjson: chunk }));
    return asked?.then((answer) => {
      if (answer.kind !== 'ndjson') throw new Error('write-prep worker: answered another question');
      const writes = lineWritesFromColumns(answer.chunk.writes);
      withRows(
        writes.map((write) => write.prepared),
        answer.packed,
      );
      return { writes, errors: answer.chunk.errors };
    }) ?? null;
  }

  /** Sends the worker a question; null when it is not ready. */
  private ask(message: (id: number) => PoolToPrepWorker): Promise<Answer> | null {
    if (this.state === 'idle') this.start();
    const worker = this.worker;
    if (this.state !== 'ready' || !worker) return null;
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while it owes an answer: an awaited batch keeps the process alive.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(message(id));
    });
  }

  /** Ends the thread; batches still waiting fall back to the store's thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fail();
    await worker?.terminate();
  }

  private receive(message: PrepWorkerToPool): void {
    if (message.kind === 'ready') {
      if (this.state === 'starting') this.state = 'ready';
      return;
    }
    if (message.kind === 'failed') {
      this.fail();
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (message.kind === 'error') {
      waiting.reject(new Error(`write-prep worker: ${message.message}`));
      return;
    }
    waiting.resolve(message);
  }

  private fail(): void {
    this.state = 'failed';
    this.worker = null;
    for (const waiting of this.pending.values()) waiting.reject(new Error('write-prep worker stopped'));
    this.pending.clear();
  }
}

/**
 * The results with their index rows (write-prep-protocol.ts): each its item's place in the packed
 * batch, read from there by IndexWriter; no row objects are built on this thread.
 */
function withRows(results: PreparedWrite[], packed: PackedRows | undefined): PreparedWrite[] {
  if (!packed) return results;
  const rows = splitPackedRows(packed);
  if (rows.length !== results.length) throw new Error('write-prep worker: rows for another batch');
  results.forEach((result, i) => {
    const itemRows = rows[i];
    if (itemRows) result.rows = itemRows;
  });
  return results;
}

let shared: WritePrepPool | null = null;

/** This thread's pool (one worker however many vaults it has open). */
export function sharedWritePrepPool(): WritePrepPool {
  shared ??= new WritePrepPool();
  return shared;
}
