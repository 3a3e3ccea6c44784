/**
 * Seals the blob frames of a large commit on a worker thread (frame-seal-worker.ts) while the
 * committing thread applies the commit to the index: on that thread, node:crypto costs ~5-6 us per
 * frame whatever its size (a cipher context set up per frame: key schedule, GCM tables, four calls
 * into C++), one resource per frame. The worker runs the same function (log.ts sealLogFrameInto),
 * so the frames are the same bytes; it writes them into the commit's bytes to append (shared
 * memory), and the commit appends nothing before every frame is sealed (vault.ts commit), so the
 * crash rules are those of sealing here. Until the worker is ready, and after it fails, seal()
 * answers null and the caller seals on its own thread; a batch the worker fails is sealed there too.
 * Unreferenced while idle: it never keeps a process alive.
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { resolveWorkerScript, startIdleWorker, type WorkerScript } from '../threads/worker-script';
import { IV_BYTES } from './crypto';
import type { FrameKeyring } from './frame';
import type { FromSealWorker, ToSealWorker } from './frame-seal-protocol';

/** Fewer blob frames than this are sealed by the committing thread: the trip costs more than they do. */
export const MIN_WORKER_SEAL_FRAMES = 32;

/** One blob frame to seal: its plaintext, its offset in the segment and its IV. */
export interface BlobFrameToSeal {
  plaintext: Uint8Array;
  offset: number;
  iv: Uint8Array<ArrayBuffer>;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class FrameSealer {
  private worker: Worker | null = null;
  private state: 'idle' | 'starting' | 'ready' | 'failed' = 'idle';
  private nextId = 1;
  private nextKeyringId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The keyrings the worker holds, by the id it knows them by. */
  private keyringIds = new WeakMap<FrameKeyring, number>();

  constructor(
    private readonly script?: WorkerScript,
    private readonly options: WorkerOptions = {},
  ) {}

  /** Starts the thread now (it is ready a little later); does nothing once started or failed. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    try {
      this.worker = startIdleWorker(
        this.script ?? resolveWorkerScript('frame-seal-worker', import.meta.url),
        this.options,
        (message: FromSealWorker) => this.receive(message),
        () => this.fail(),
      );
    } catch {
      this.state = 'failed';
    }
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /**
   * Seals `frames` (log blob frames of `segment`) into `out`, whose first byte is at `outStart` of
   * the segment: resolves once every frame is written there. null when the worker is not ready
   * (the caller seals them itself); a rejection leaves `out` partly written.
   */
  seal(keyring: FrameKeyring, segment: number, frames: readonly BlobFrameToSeal[], out: Uint8Array<SharedArrayBuffer>, outStart: number): Promise<void> | null {
    if (this.state === 'idle') this.start();
    const worker = this.worker;
    if (this.state !== 'ready' || !worker) return null;
    let keyringId = this.keyringIds.get(keyring);
    if (keyringId === undefined) {
      keyringId = this.nextKeyringId++;
      this.keyringIds.set(keyring, keyringId);
      this.post({ kind: 'keyring', keyringId, key: keyring.key, vaultId: keyring.vaultId, formatVersion: keyring.formatVersion });
    }
    // The plaintexts in one buffer, moved to the worker (not copied again).
    let total = 0;
    for (const frame of frames) total += frame.plaintext.length;
    const plaintexts = new Uint8Array(total);
    const from = new Float64Array(frames.length);
    const lengths = new Float64Array(frames.length);
    const offsets = new Float64Array(frames.length);
    const ivs = new Uint8Array(frames.length * IV_BYTES);
    let at = 0;
    frames.forEach((frame, i) => {
      if (frame.iv.length !== IV_BYTES) throw new RangeError(`An IV is ${IV_BYTES} bytes`);
      plaintexts.set(frame.plaintext, at);
      from[i] = at;
      lengths[i] = frame.plaintext.length;
      offsets[i] = frame.offset;
      ivs.set(frame.iv, i * IV_BYTES);
      at += frame.plaintext.length;
    });
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while it owes an answer: an awaited commit keeps the process alive.
      if (this.pending.size === 1) worker.ref();
      this.post({ kind: 'seal', id, keyringId, segment, plaintexts, from, lengths, offsets, ivs, out, outStart }, [plaintexts.buffer, from.buffer, lengths.buffer, offsets.buffer, ivs.buffer]);
    });
  }

  /** The keyring's vault closed: the worker drops its key. */
  forget(keyring: FrameKeyring): void {
    const keyringId = this.keyringIds.get(keyring);
    if (keyringId === undefined) return;
    this.keyringIds.delete(keyring);
    this.post({ kind: 'forget', keyringId });
  }

  /** Ends the thread; batches still waiting are rejected (their callers seal them). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fail();
    await worker?.terminate();
  }

  private post(message: ToSealWorker, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(message, transfer);
  }

  private receive(message: FromSealWorker): void {
    if (message.kind === 'ready') {
      if (this.state === 'starting') this.state = 'ready';
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (message.kind === 'error') waiting.reject(new Error(`frame-seal worker: ${message.message}`));
    else waiting.resolve();
  }

  private fail(): void {
    this.state = 'failed';
    this.worker = null;
    this.keyringIds = new WeakMap();
    for (const waiting of this.pending.values()) waiting.reject(new Error('frame-seal worker stopped'));
    this.pending.clear();
  }
}

let shared: FrameSealer | null = null;

/** This thread's sealer (one worker however many vaults it has open). */
export function sharedFrameSealer(): FrameSealer {
  shared ??= new FrameSealer();
  return shared;
}
