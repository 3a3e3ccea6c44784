/**
 * The write-prep worker thread (write-prep-pool.ts): runs prepareWrite (write-prep.ts), index rows
 * included, for the batches it is sent, one at a time. Resources arrive as JSON text (a string
 * copies cheaply between threads) and are parsed here.
 */
import { parentPort } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { prepareWrite } from './write-prep';
import { packRows } from './search/packed-rows';
import type { PoolToPrepWorker, PrepWorkerToPool } from './write-prep-protocol';

const port = parentPort;
if (!port) throw new Error('write-prep-worker must run in a worker thread');

function send(message: PrepWorkerToPool, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

try {
  // Loads the definitions, the compiled validator and the extraction plans before the first batch.
  prepareWrite({ resource: { resourceType: 'Patient', name: [{ family: 'Warm' }] }, kind: 'create', id: 'warm-up' }, true);
  port.on('message', (message: PoolToPrepWorker) => {
    try {
      const results = message.items.map((item) => prepareWrite({ resource: JSON.parse(item.text) as Resource, kind: item.kind, id: item.id, text: item.text }, true));
      // The rows travel packed (write-prep-protocol.ts): their numbers in a buffer that is moved, not copied.
      const packed = packRows(results.map((result) => result.rows));
      for (const result of results) delete result.rows;
      send({ kind: 'result', id: message.id, results, packed }, [packed.values.buffer as ArrayBuffer]);
    } catch (e) {
      // A message, never resource content: no PHI leaves through errors.
      send({ kind: 'error', id: message.id, message: e instanceof Error ? e.name : 'error' });
    }
  });
  send({ kind: 'ready' });
} catch (e) {
  send({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}
