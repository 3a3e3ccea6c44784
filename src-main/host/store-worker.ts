/**
 * The store worker: owns one vault session (keys, decrypted index) on its own thread. The
 * host terminates the thread on lock, so nothing decrypted outlives the session. Built to
 * out/cli/store-worker.mjs (esbuild) and out/main/store-worker.js (electron-vite).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { err, ok } from '../api/result';
import type { VaultSession } from '../services/session-types';
import { errorOutcome } from './error-outcome';
import { callSessionService } from './session-call';
import { loadSessionFactories } from './session-factories';
import { SessionFhirServer } from './session-fhir-server';
import type { HostToWorker, StoreWorkerData, WorkerToHost } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('store-worker must run in a worker thread');
const data = (workerData ?? {}) as StoreWorkerData;

let session: VaultSession | null = null;
let fhirServer: SessionFhirServer | null = null;

function send(message: WorkerToHost): void {
  port!.postMessage(message);
}

async function handle(message: HostToWorker): Promise<void> {
  switch (message.type) {
    case 'open': {
      if (session) {
        send({ type: 'opened', id: message.id, result: err(errorOutcome(new Error('This worker already holds a vault'))) });
        return;
      }
      try {
        const factories = await loadSessionFactories(data.sessionModule);
        const open = message.mode === 'create' ? factories.createVaultSession : factories.openVaultSession;
        session = await open.call(factories, message.path, message.passphrase, message.options);
        session.onEvent((event) => send({ type: 'event', event }));
        fhirServer = new SessionFhirServer(session);
        send({ type: 'opened', id: message.id, result: ok(session.info) });
      } catch (e) {
        send({ type: 'opened', id: message.id, result: err(errorOutcome(e)) });
      }
      return;
    }
    case 'call': {
      const result = session
        ? await callSessionService(session, message.channel, message.input)
        : err(errorOutcome(new Error('No vault is open in this worker')));
      try {
        send({ type: 'result', id: message.id, result });
      } catch (e) {
        // A value that cannot be structured-cloned must still answer the call.
        send({ type: 'result', id: message.id, result: err(errorOutcome(e)) });
      }
      return;
    }
    case 'hasRunningJobs':
      send({ type: 'runningJobs', id: message.id, running: session?.hasRunningJobs() ?? false });
      return;
    case 'fhirStart': {
      const result = fhirServer
        ? await fhirServer.start({ port: message.port, token: message.token })
        : err(errorOutcome(new Error('No vault is open in this worker')));
      send({ type: 'fhirStarted', id: message.id, result });
      return;
    }
    case 'fhirStop':
      try {
        await fhirServer?.stop();
        send({ type: 'fhirStopped', id: message.id, result: ok(null) });
      } catch (e) {
        send({ type: 'fhirStopped', id: message.id, result: err(errorOutcome(e)) });
      }
      return;
    case 'close': {
      try {
        await fhirServer?.stop();
        fhirServer = null;
        await session?.close();
        session = null;
        send({ type: 'closed', id: message.id, result: ok(null) });
      } catch (e) {
        send({ type: 'closed', id: message.id, result: err(errorOutcome(e)) });
      }
      return;
    }
  }
}

port.on('message', (message: HostToWorker) => {
  void handle(message);
});
