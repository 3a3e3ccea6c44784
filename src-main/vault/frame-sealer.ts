/**
 * Seals the blob frames of a large commit on a worker thread (frame-seal-worker.ts) while the
 * committing thread applies the commit to the index: on that thread, node:crypto costs ~5-6 us per
 * frame whatever its size (a cipher context set up per frame: key schedule, GCM tables, four calls
 * into C++), one resource per frame. The worker runs the same function (log.ts sealLogFrameInto),
 * so the frames are the same bytes; it writes them into the commit's bytes to append (shared
 * memory), and the commit appends nothing before every frame is sealed (vault.ts commit), so the
 * crash rules are those of sealing here. Until the worker is ready, and after it fails, seal()
 * answers null and the caller seals on its own thread; a batch the worker fails is sealed there too.
 * It also takes an index snapshot's sealing and re-read (snapshot.ts SnapshotSealer), on the same terms.
 * Unreferenced while idle: it never keeps a process alive.
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { resolveWorkerScript, startIdleWorker, type WorkerScript } from '../threads/worker-script';
import { IV_BYTES } from './crypto';
import type { FrameKeyring } from './frame';
import type { FromSealWorker, ToSealWorker } from './frame-seal-protocol';
import type { SnapshotChunkJob } from './snapshot';

/** Fewer blob frames than this are sealed by the committing thread: the trip costs more than they do. */
export const MIN_WORKER_SEAL_FRAMES = 32;

/** One blob frame to seal: its plaintext, its offset in the segment and its IV. */
export interface BlobFrameToSeal {
  plaintext: Uint8Array;
  offset: number;
  iv: Uint8Array<ArrayBuffer>;
}

type Answer = Exclude<FromSealWorker, { kind: 'ready' } | { kind: 'error' }>;

interface Pending {
  resolve: (answer: Answer) => void;
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
    const keyringId = this.readyKeyringId(keyring);
    if (keyringId === null) return null;
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
    return this.request((id) => ({ kind: 'seal', id, keyringId, segment, plaintexts, from, lengths, offsets, ivs, out, outStart }), [plaintexts.buffer, from.buffer, lengths.buffer, offsets.buffer, ivs.buffer]).then(
      () => undefined,
    );
  }

  /**
   * Seals the job's chunk on the worker (snapshot.ts sealSnapshotJob, the same bytes): resolves
   * with the frame's length. Its buffers are shared memory the caller leaves alone until then, and
   * keeps: after a rejection it seals the chunk itself. null when the worker is not ready.
   */
  sealSnapshotChunk(keyring: FrameKeyring, job: SnapshotChunkJob): Promise<number> | null {
    const keyringId = this.readyKeyringId(keyring);
    if (keyringId === null) return null;
    return this.request((id) => ({ ...job, kind: 'sealSnapshotChunk', id, keyringId })).then((answer) => {
      if (answer.kind !== 'sealedSnapshotChunk') throw new Error('frame-seal worker: unexpected answer');
      return answer.length;
    });
  }

  /**
   * Re-reads snapshot `seq` of `folder` and authenticates it on the worker (readSnapshot without
   * keeping data). A rejection says only that the worker did not vouch for it: the caller re-reads
   * it itself, which names the damage. null when the worker is not ready.
   */
  authenticateSnapshot(keyring: FrameKeyring, folder: string, seq: number): Promise<void> | null {
    const keyringId = this.readyKeyringId(keyring);
    if (keyringId === null) return null;
    return this.request((id) => ({ kind: 'authenticateSnapshot', id, keyringId, folder, seq })).then(() => undefined);
  }

  /** The id the ready worker knows `keyring` by (sent on first use); null when it is not ready. */
  private readyKeyringId(keyring: FrameKeyring): number | null {
    if (this.state === 'idle') this.start();
    if (this.state !== 'ready' || !this.worker) return null;
    let keyringId = this.keyringIds.get(keyring);
    if (keyringId === undefined) {
      keyringId = this.nextKeyringId++;
      this.keyringIds.set(keyring, keyringId);
      this.post({ kind: 'keyring', keyringId, key: keyring.key, vaultId: keyring.vaultId, formatVersion: keyring.formatVersion });
    }
    return keyringId;
  }

  /** Posts the request `build(id)` and resolves with the worker's answer (rejects on an error answer). */
  private request(build: (id: number) => ToSealWorker, transfer: ArrayBuffer[] = []): Promise<Answer> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('frame-seal worker stopped'));
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced while it owes an answer: an awaited commit keeps the process alive.
      if (this.pending.size === 1) worker.ref();
      this.post(build(id), transfer);
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
    else waiting.resolve(message);
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
