/** Messages between the write-prep pool (write-prep-pool.ts) and its worker (write-prep-worker.ts). */
import type { PreparedWrite } from './write-prep';
import type { PackedRows } from './search/packed-rows';

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
  /**
   * `packed`: the results' index rows, item by item (search/packed-rows.ts), sent apart from the
   * results (which then carry none) because a structured clone of the row objects costs more than
   * preparing them; the pool unpacks them into each result's `rows`.
   */
  | { kind: 'result'; id: number; results: PreparedWrite[]; packed?: PackedRows }
  | { kind: 'error'; id: number; message: string };
