/**
 * The write-prep worker thread (write-prep-pool.ts): runs prepareWrite (write-prep.ts), index rows
 * included, for the batches it is sent, one at a time. Resources arrive as JSON text (a string
 * copies cheaply between threads) and are parsed here; so do whole transaction Bundles, which are
 * planned here too when they hold only plain creates and updates (rest/transaction-plan.ts), and
 * the line texts of an NDJSON import's chunks (io/ndjson-prep.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { prepareWrite } from './write-prep';
import { packRows } from './search/packed-rows';
import type { PoolToPrepWorker, PrepTransaction, PrepWorkerToPool } from './write-prep-protocol';
import type { PreparedTransactionWrite } from './repository';
import { planPlainTransaction } from './rest/transaction-plan';
import { prepareNdjsonChunk } from '../io/ndjson-prep';
import type { IndexRows } from './search/extract';

const port = parentPort;
if (!port) throw new Error('write-prep-worker must run in a worker thread');

function send(message: PrepWorkerToPool, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/**
 * A transaction Bundle's text: parsed and, when it is plain (planPlainTransaction), planned and
 * prepared write by write. Text that is not JSON is not plain: the store's thread reports it.
 */
function prepareTransaction(id: number, transaction: PrepTransaction): void {
  let bundle: unknown;
  try {
    bundle = JSON.parse(transaction.text);
  } catch {
    bundle = undefined;
  }
  const plain = planPlainTransaction(bundle, transaction.foreignUrlsRelative ? { baseUrl: transaction.baseUrl, foreignUrlsRelative: true } : { baseUrl: transaction.baseUrl });
  if (!plain) {
    send({ kind: 'transaction', id });
    return;
  }
  const writes: PreparedTransactionWrite[] = [];
  const rows: Array<IndexRows | undefined> = [];
  for (const write of plain) {
    const prepared = prepareWrite({ resource: write.resource, kind: write.kind, id: write.id, text: JSON.stringify(write.resource) }, true);
    rows.push(prepared.rows);
    delete prepared.rows;
    writes.push({ index: write.index, kind: write.kind, type: write.type, id: write.id, ...(write.ifMatch !== undefined ? { ifMatch: write.ifMatch } : {}), prepared });
  }
  const packed = packRows(rows);
  send({ kind: 'transaction', id, writes, packed }, [packed.values.buffer as ArrayBuffer]);
}

try {
  // Loads the definitions, the compiled validator and the extraction plans before the first batch.
  prepareWrite({ resource: { resourceType: 'Patient', name: [{ family: 'Warm' }] }, kind: 'create', id: 'warm-up' }, true);
  port.on('message', (message: PoolToPrepWorker) => {
    try {
      if ('transaction' in message) {
        prepareTransaction(message.id, message.transaction);
        return;
      }
      if ('ndjson' in message) {
        // An import chunk's lines: parsed, checked and prepared here; bad lines come back as errors.
        const chunk = prepareNdjsonChunk(message.ndjson, true);
        const packed = packRows(chunk.writes.map((write) => write.prepared.rows));
        for (const write of chunk.writes) delete write.prepared.rows;
        send({ kind: 'ndjson', id: message.id, chunk, packed }, [packed.values.buffer as ArrayBuffer]);
        return;
      }
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
