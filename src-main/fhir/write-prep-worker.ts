/**
 * The write-prep worker thread (write-prep-pool.ts): runs prepareWrite (write-prep.ts), index rows
 * included, for the batches it is sent, one at a time. Resources arrive as JSON text (a string
 * copies cheaply between threads) and are parsed here.
 */
import { parentPort } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { prepareWrite } from './write-prep';
import type { PoolToPrepWorker, PrepWorkerToPool } from './write-prep-protocol';

const port = parentPort;
if (!port) throw new Error('write-prep-worker must run in a worker thread');

function send(message: PrepWorkerToPool): void {
  port!.postMessage(message);
}

try {
  // Loads the definitions, the compiled validator and the extraction plans before the first batch.
  prepareWrite({ resource: { resourceType: 'Patient', name: [{ family: 'Warm' }] }, kind: 'create', id: 'warm-up' }, true);
  port.on('message', (message: PoolToPrepWorker) => {
    try {
      const results = message.items.map((item) => prepareWrite({ resource: JSON.parse(item.text) as Resource, kind: item.kind, id: item.id }, true));
      send({ kind: 'result', id: message.id, results });
    } catch (e) {
      // A message, never resource content: no PHI leaves through errors.
      send({ kind: 'error', id: message.id, message: e instanceof Error ? e.name : 'error' });
    }
  });
  send({ kind: 'ready' });
} catch (e) {
  send({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}
