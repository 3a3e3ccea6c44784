/**
 * Runs each vault session in its own worker thread (Electron and web mode). Lock = close the
 * session, then terminate the thread, so keys and decrypted data leave memory with it.
 */
import type { Worker } from 'node:worker_threads';
import { resolveWorkerScript, startWorkerScript, type WorkerScript } from '../threads/worker-script';
import type { HearthEvent, VaultInfo } from '../api/contract';
import { err, ok, outcome, type Result } from '../api/result';
import type { RunningFhirServer } from './session-fhir-server';
import type { SessionHandle, SessionLauncher, SessionRequest } from './session-handle';
import type { HostToWorker, StoreWorkerData, WorkerToHost } from './worker-protocol';

/** How to start the worker: a built script, or (under vitest/tsx) the TypeScript source through tsx. */
export type StoreWorkerScript = WorkerScript;

export interface WorkerLauncherOptions {
  /** The worker script; default: found next to the running bundle (see resolveStoreWorker). */
  workerScript?: StoreWorkerScript;
  /** Test-only: a module URL exporting fake session factories, loaded inside the worker. */
  sessionModule?: string;
  /** How long `close` waits for the session to close before terminating anyway (default 30 s). */
  closeTimeoutMs?: number;
}

/** The store worker script next to the code that is running (see threads/worker-script.ts). */
export function resolveStoreWorker(fromUrl: string = import.meta.url): StoreWorkerScript {
  return resolveWorkerScript('store-worker', fromUrl);
}

function startWorker(script: StoreWorkerScript, workerData: StoreWorkerData): Worker {
  return startWorkerScript(script, { workerData });
}

/** The reply type the worker sends for each request type. */
const REPLY_TO = {
  open: 'opened',
  call: 'result',
  hasRunningJobs: 'runningJobs',
  fhirStart: 'fhirStarted',
  fhirStop: 'fhirStopped',
  close: 'closed',
} as const;

interface Pending {
  reply: WorkerToHost['type'];
  resolve: (value: unknown) => void;
  /** What the call resolves to if the worker dies first. */
  onExit: unknown;
}

class WorkerChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: HearthEvent) => void>();
  private readonly failureListeners = new Set<(message: string) => void>();
  private exited = false;
  private closing = false;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: WorkerToHost) => this.receive(message));
    worker.on('error', (error: Error) => this.fail(`The store worker failed: ${error.message}`));
    worker.on('exit', (code) => this.fail(`The store worker stopped (exit code ${code})`));
  }

  onEvent(listener: (event: HearthEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onFailure(listener: (message: string) => void): void {
    this.failureListeners.add(listener);
  }

  /** Sends one request; resolves with the worker's answer, or `onExit` if the worker is gone. */
  request<T>(message: DistributiveOmit<HostToWorker, 'id'>, onExit: T): Promise<T> {
    if (this.exited) return Promise.resolve(onExit);
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, { reply: REPLY_TO[message.type], resolve: resolve as (value: unknown) => void, onExit });
      this.worker.postMessage({ ...message, id });
    });
  }

  markClosing(): void {
    this.closing = true;
  }

  private receive(message: WorkerToHost): void {
    if (message.type === 'event') {
      for (const listener of this.eventListeners) listener(message.event);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting || waiting.reply !== message.type) return;
    this.pending.delete(message.id);
    waiting.resolve(message.type === 'runningJobs' ? message.running : message.result);
  }

  private fail(message: string): void {
    if (this.exited) return;
    this.exited = true;
    const failure = err(outcome('exception', message, { status: 500 }));
    for (const waiting of this.pending.values()) {
      // Pending calls answer with an error value; a pending close simply completes.
      waiting.resolve(waiting.reply === 'runningJobs' || waiting.reply === 'closed' || waiting.reply === 'fhirStopped' ? waiting.onExit : failure);
    }
    this.pending.clear();
    if (!this.closing) for (const listener of this.failureListeners) listener(message);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function workerLauncher(options: WorkerLauncherOptions = {}): SessionLauncher {
  const closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
  return async (request: SessionRequest): Promise<Result<SessionHandle>> => {
    let script: StoreWorkerScript;
    try {
      script = options.workerScript ?? resolveStoreWorker();
    } catch (e) {
      return err(outcome('exception', e instanceof Error ? e.message : String(e), { status: 500 }));
    }
    const workerData: StoreWorkerData = options.sessionModule ? { sessionModule: options.sessionModule } : {};
    const worker = startWorker(script, workerData);
    const channel = new WorkerChannel(worker);
    const opened = await channel.request<Result<VaultInfo>>(
      { type: 'open', mode: request.mode, path: request.path, passphrase: request.passphrase, ...(request.options ? { options: request.options } : {}) },
      err(outcome('exception', 'The store worker stopped before the vault opened', { status: 500 })),
    );
    if (!opened.ok) {
      channel.markClosing();
      await worker.terminate();
      return opened;
    }
    const info = opened.value;
    let closed: Promise<void> | null = null;
    const handle: SessionHandle = {
      info,
      call: (channelName, input) =>
        channel.request<Result<unknown>>({ type: 'call', channel: channelName, input }, err(outcome('exception', 'The vault session has ended', { status: 500 }))),
      onEvent: (listener) => channel.onEvent(listener),
      hasRunningJobs: () => channel.request({ type: 'hasRunningJobs' }, false),
      startFhirServer: (fhirRequest) =>
        channel.request<Result<RunningFhirServer>>(
          { type: 'fhirStart', port: fhirRequest.port, token: fhirRequest.token },
          err(outcome('exception', 'The vault session has ended', { status: 500 })),
        ),
      stopFhirServer: async () => {
        await channel.request<Result<null>>({ type: 'fhirStop' }, ok(null));
      },
      onFailure: (listener) => channel.onFailure(listener),
      close: () => {
        closed ??= (async () => {
          channel.markClosing();
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, closeTimeoutMs);
          });
          await Promise.race([channel.request<Result<null>>({ type: 'close' }, ok(null)), timeout]);
          clearTimeout(timer);
          // Terminating drops the thread's heap: the data key and the decrypted index with it.
          await worker.terminate();
        })();
        return closed;
      },
    };
    return ok(handle);
  };
}
