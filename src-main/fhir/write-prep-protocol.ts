/** Messages between the write-prep pool (write-prep-pool.ts) and its worker (write-prep-worker.ts). */
import type { PreparedWrite } from './write-prep';

export interface PrepItem {
  /** The resource as JSON text. */
  text: string;
  kind: 'create' | 'update';
  id: string;
}

export type PoolToPrepWorker = { id: number; items: PrepItem[] };

export type PrepWorkerToPool =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; results: PreparedWrite[] }
  | { kind: 'error'; id: number; message: string };
