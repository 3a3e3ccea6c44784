/** Messages between the NLP worker pool (nlp/worker-pool.ts) and its threads (nlp/nlp-worker.ts). */
import type { Entity, NlpVersions, TargetSpan } from './types';
import type { NlpEngineInit } from './engine';

export interface NlpWorkerData {
  init: NlpEngineInit;
}

export type PoolToWorker =
  | { id: number; kind: 'analyze'; text: string }
  | { id: number; kind: 'assert'; text: string; spans: TargetSpan[] };

export type WorkerToPool =
  | { kind: 'ready'; versions: NlpVersions }
  | { kind: 'failed'; message: string }
  | { id: number; kind: 'result'; entities: Entity[] }
  | { id: number; kind: 'error'; message: string };
