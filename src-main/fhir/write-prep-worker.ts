/**
 * The write-prep worker thread (write-prep-pool.ts): runs prepareWrite (write-prep.ts), index rows
 * included, for the batches it is sent, one at a time. Resources arrive as JSON text (a string
 * copies cheaply between threads) and are parsed here; so do whole transaction Bundles, which are
 * planned here too when they hold only plain creates and updates (rest/transaction-plan.ts), and
 * the line texts of an NDJSON import's chunks (io/ndjson-prep.ts). The answers go back as columns
 * (prepared-columns.ts) with the index rows packed (search/packed-rows.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { Resource } from '@medplum/fhirtypes';
import { prepareWrite, type PrepareInput, type PreparedWrite } from './write-prep';
import { RowPacker } from './search/packed-rows';
import { preparedColumns, preparedOpColumns } from './prepared-columns';
import type { PoolToPrepWorker, PrepTransaction, PrepWorkerToPool } from './write-prep-protocol';
import type { PreparedTransactionWrite } from './repository';
import { planPlainTransaction, type PlainWrite } from './rest/transaction-plan';
import { prepareNdjsonChunk } from '../io/ndjson-prep';

const port = parentPort;
if (!port) throw new Error('write-prep-worker must run in a worker thread');

function send(message: PrepWorkerToPool, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/**
 * One write prepared, its rows packed at once (RowPacker: they die young) and not kept in the
 * result, which crosses to the store's thread without them.
 */
function prepareOne(input: PrepareInput, packer: RowPacker): PreparedWrite {
  const { rows, ...prepared } = prepareWrite(input, true);
  packer.add(rows);
  return prepared;
}

/** The plain writes of a transaction Bundle's text (undefined: not plain, or not JSON). */
function planOf(transaction: PrepTransaction): PlainWrite[] | undefined {
  let bundle: unknown;
  try {
    bundle = JSON.parse(transaction.text);
  } catch {
    return undefined;
  }
  return planPlainTransaction(bundle, transaction.foreignUrlsRelative ? { baseUrl: transaction.baseUrl, foreignUrlsRelative: true } : { baseUrl: transaction.baseUrl });
}

/**
 * A transaction Bundle's text: parsed and, when it is plain (planPlainTransaction), planned and
 * prepared write by write. Text that is not JSON is not plain: the store's thread reports it.
 * Each resource is let go once prepared (only its write's plan holds it; the parsed Bundle is
 * not kept after planning), so the collector need not keep the batch's resources to the end.
 */
function prepareTransaction(id: number, transaction: PrepTransaction): void {
  const plain: Array<PlainWrite | undefined> | undefined = planOf(transaction);
  if (!plain) {
    send({ kind: 'transaction', id });
    return;
  }
  const writes: PreparedTransactionWrite[] = [];
  const packer = new RowPacker();
  for (let i = 0; i < plain.length; i++) {
    const write = plain[i]!;
    plain[i] = undefined;
    const prepared = prepareOne({ resource: write.resource, kind: write.kind, id: write.id, text: JSON.stringify(write.resource) }, packer);
    writes.push(write.ifMatch !== undefined ? { index: write.index, kind: write.kind, type: write.type, id: write.id, ifMatch: write.ifMatch, prepared } : { index: write.index, kind: write.kind, type: write.type, id: write.id, prepared });
  }
  const packed = packer.result();
  const columns = preparedOpColumns(writes, (write) => write.index);
  send({ kind: 'transaction', id, writes: columns, packed }, [packed.values.buffer as ArrayBuffer, columns.templates.buffer]);
}

try {
  // Loads the definitions, the compiled validator and the extraction plans before the first batch;
  // `gender` (a required binding) loads the terminology the binding checks read: ~330 ms that
  // otherwise fell on the first batch with a coded element.
  prepareWrite({ resource: { resourceType: 'Patient', name: [{ family: 'Warm' }], gender: 'unknown' }, kind: 'create', id: 'warm-up' }, true);
  port.on('message', (message: PoolToPrepWorker) => {
    try {
      if ('transaction' in message) {
        prepareTransaction(message.id, message.transaction);
        return;
      }
      if ('ndjson' in message) {
        // An import chunk's lines: parsed, checked and prepared here; bad lines come back as errors.
        const packer = new RowPacker();
        const chunk = prepareNdjsonChunk(message.ndjson, (input) => prepareOne(input, packer));
        const packed = packer.result();
        const columns = preparedOpColumns(chunk.writes, (write) => write.line);
        send({ kind: 'ndjson', id: message.id, chunk: { writes: columns, errors: chunk.errors }, packed }, [packed.values.buffer as ArrayBuffer, columns.templates.buffer]);
        return;
      }
      const packer = new RowPacker();
      const results = message.items.map((item) => prepareOne({ resource: JSON.parse(item.text) as Resource, kind: item.kind, id: item.id, text: item.text }, packer));
      const packed = packer.result();
      const columns = preparedColumns(results);
      // The rows and the body templates travel in buffers that are moved, not copied.
      send({ kind: 'result', id: message.id, results: columns, packed }, [packed.values.buffer as ArrayBuffer, columns.templates.buffer]);
    } catch (e) {
      // A message, never resource content: no PHI leaves through errors.
      send({ kind: 'error', id: message.id, message: e instanceof Error ? e.name : 'error' });
    }
  });
  send({ kind: 'ready' });
} catch (e) {
  send({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}
