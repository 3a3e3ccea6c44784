/** Messages between the write-prep pool (write-prep-pool.ts) and its worker (write-prep-worker.ts). */
import type { NdjsonLines, PreparedNdjsonChunk, PreparedTransactionWrite } from './repository';
import type { PreparedWrite } from './write-prep';
import type { PackedRows } from './search/packed-rows';

export interface PrepItem {
  /** The resource as JSON text. */
  text: string;
  kind: 'create' | 'update';
  id: string;
}

/** A transaction Bundle's text, and what its entry URLs are read against (rest/transaction-plan.ts). */
export interface PrepTransaction {
  text: string;
  baseUrl: string;
  foreignUrlsRelative?: boolean;
}

export type PoolToPrepWorker =
  | { id: number; items: PrepItem[] }
  | { id: number; transaction: PrepTransaction }
  /** An NDJSON import chunk's lines (io/ndjson-prep.ts). */
  | { id: number; ndjson: NdjsonLines };

export type PrepWorkerToPool =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  /**
   * `packed`: the results' index rows, item by item (search/packed-rows.ts), sent apart from the
   * results (which then carry none) because a structured clone of the row objects costs more than
   * preparing them; the pool unpacks them into each result's `rows`.
   */
  | { kind: 'result'; id: number; results: PreparedWrite[]; packed?: PackedRows }
  /** A transaction's prepared writes (rows packed as above); no `writes`: not a plain transaction. */
  | { kind: 'transaction'; id: number; writes?: PreparedTransactionWrite[]; packed?: PackedRows }
  /** An NDJSON chunk's writes and line errors; the writes' rows packed as above. */
  | { kind: 'ndjson'; id: number; chunk: PreparedNdjsonChunk; packed: PackedRows }
  | { kind: 'error'; id: number; message: string };
