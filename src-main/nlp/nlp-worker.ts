/**
 * One NLP worker thread: builds an engine once (lexicon, loaded terminology) and answers analyze /
 * assert requests one at a time, so the thread that asked (main loop, store worker, CLI) never
 * blocks on NLP work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createNlpEngine } from './engine';
import type { NlpWorkerData, PoolToWorker, WorkerToPool } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('nlp-worker must run in a worker thread');

function send(message: WorkerToPool): void {
  port!.postMessage(message);
}

try {
  const { init } = workerData as NlpWorkerData;
  const engine = createNlpEngine(init);
  port.on('message', (message: PoolToWorker) => {
    try {
      const entities = message.kind === 'analyze' ? engine.analyze(message.text) : engine.assertSpans(message.text, message.spans);
      send({ id: message.id, kind: 'result', entities });
    } catch (e) {
      // A message, never the note's text: no PHI leaves through errors.
      send({ id: message.id, kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
  send({ kind: 'ready', versions: engine.versions });
} catch (e) {
  send({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}
