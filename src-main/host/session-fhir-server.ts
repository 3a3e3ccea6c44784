/**
 * The local FHIR endpoint of one vault session (src-main/transport/fhir-server.ts over the
 * session's repository). It runs where the session runs: in the store worker (Electron, web
 * mode) or on the host's thread (in-process), so FHIR requests reach the store without crossing
 * threads, and ending the worker on lock ends the endpoint with it.
 */
import { err, ok, outcome, type Result } from '../api/result';
import type { VaultSession } from '../services/session-types';
import { errorOutcome } from './error-outcome';

export interface FhirServerRequest {
  /** 0: any free port. */
  port: number;
  token: string;
}

export interface RunningFhirServer {
  baseUrl: string;
  port: number;
}

interface RunningServer extends RunningFhirServer {
  setToken(token: string): void;
  close(): Promise<void>;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class SessionFhirServer {
  private server: RunningServer | null = null;

  constructor(private readonly session: VaultSession) {}

  /**
   * Starts the endpoint, or restarts it on another port; on the port it already has, only the
   * token changes (open connections stay usable). A taken port is a 409 `conflict` outcome.
   */
  async start(request: FhirServerRequest): Promise<Result<RunningFhirServer>> {
    if (this.server && this.server.port === request.port) {
      this.server.setToken(request.token);
      return ok({ baseUrl: this.server.baseUrl, port: this.server.port });
    }
    await this.stop();
    const repo = this.session.repository;
    if (!repo) return err(outcome('not-supported', 'This vault session has no FHIR store', { status: 501 }));
    try {
      const { startFhirServer } = await import('../transport/fhir-server');
      // No warm-up: the session's thread also answers the app, and the first /metadata can pay for it.
      const server = await startFhirServer({ repo, port: request.port, token: request.token, warmCapabilities: false });
      this.server = server;
      return ok({ baseUrl: server.baseUrl, port: server.port });
    } catch (e) {
      const code = errorCode(e);
      if (code === 'EADDRINUSE') return err(outcome('conflict', `Port ${request.port} is already in use`, { status: 409 }));
      if (code === 'EACCES') return err(outcome('forbidden', `Port ${request.port} needs privileges this app does not have`, { status: 403 }));
      return err(errorOutcome(e));
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.close();
  }
}
