/** Messages between the write-prep pool (write-prep-pool.ts) and its worker (write-prep-worker.ts). */
import type { ImportRecordError } from '../api/contract';
import type { NdjsonLines } from './repository';
import type { PreparedColumns, PreparedOpColumns } from './prepared-columns';
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
   * The prepared writes travel as columns (prepared-columns.ts) and their index rows packed, item
   * by item (search/packed-rows.ts), apart from them: a structured clone of the objects costs the
   * store's thread more than building them there. The pool gives each write its item of the rows.
   */
  | { kind: 'result'; id: number; results: PreparedColumns; packed?: PackedRows }
  /** A transaction's prepared writes (`at`: the entry index); no `writes`: not a plain transaction. */
  | { kind: 'transaction'; id: number; writes?: PreparedOpColumns; packed?: PackedRows }
  /** An NDJSON chunk's writes (`at`: the line) and line errors. */
  | { kind: 'ndjson'; id: number; chunk: { writes: PreparedOpColumns; errors: ImportRecordError[] }; packed: PackedRows }
  | { kind: 'error'; id: number; message: string };
