/** Runs the vault session on this thread: the CLI, tests and simple setups. */
import { err, ok, type Result } from '../api/result';
import { callSessionService } from './session-call';
import { errorOutcome } from './error-outcome';
import { SessionFhirServer } from './session-fhir-server';
import type { SessionFactories, SessionHandle, SessionLauncher, SessionRequest } from './session-handle';

export function inProcessLauncher(loadFactories: () => Promise<SessionFactories>): SessionLauncher {
  return async (request: SessionRequest): Promise<Result<SessionHandle>> => {
    try {
      const factories = await loadFactories();
      const open = request.mode === 'create' ? factories.createVaultSession : factories.openVaultSession;
      const session = await open.call(factories, request.path, request.passphrase, request.options);
      const fhirServer = new SessionFhirServer(session);
      const handle: SessionHandle = {
        info: session.info,
        call: (channel, input) => callSessionService(session, channel, input),
        onEvent: (listener) => session.onEvent(listener),
        hasRunningJobs: async () => session.hasRunningJobs(),
        startFhirServer: (fhirRequest) => fhirServer.start(fhirRequest),
        stopFhirServer: () => fhirServer.stop(),
        close: async () => {
          await fhirServer.stop();
          await session.close();
        },
        // An in-process session has no separate life that could end on its own.
        onFailure: () => undefined,
      };
      return ok(handle);
    } catch (e) {
      return err(errorOutcome(e));
    }
  };
}
