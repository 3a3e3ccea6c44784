/**
 * A worker thread of `hearth sample` (generator.ts populationBlocks): makes the blocks of patients
 * it is asked for and hands back their NDJSON bytes (transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { blockTransferList, Population, type PopulationOptions, type SampleWorkerReply, type SampleWorkerRequest } from './generator';

const port = parentPort;
if (!port) throw new Error('sample-worker must run in a worker thread');
const population = new Population(workerData as PopulationOptions);

port.on('message', (request: SampleWorkerRequest) => {
  let reply: SampleWorkerReply;
  try {
    reply = { index: request.index, ok: true, block: population.encode(request.first, request.last) };
  } catch (error) {
    reply = { index: request.index, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, reply.ok ? blockTransferList(reply.block) : []);
});
