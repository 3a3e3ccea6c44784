/**
 * The Settings switch of the local FHIR endpoint (issue 3 §4, docs/fhir-endpoint.md): while it is
 * on and a vault is unlocked, the session serves FHIR at `http://127.0.0.1:N/fhir` with a bearer
 * token; locking stops it. The token is a secret: it lives in this object's memory only (never in
 * settings.json), is new each time the endpoint starts from stopped, and can be renewed on
 * request. Changes run one at a time.
 */
import { randomBytes } from 'node:crypto';
import type { FhirEndpointSettings, FhirEndpointStatus } from '../api/contract';
import { describeOutcome } from '../api/result';
import type { RunningFhirServer } from './session-fhir-server';
import type { SessionHandle } from './session-handle';

/** 32 random bytes, base64url: what request-guards accepts and the CLI prints. */
export function newFhirToken(): string {
  return randomBytes(32).toString('base64url');
}

export class FhirEndpoint {
  private session: SessionHandle | null = null;
  private running: RunningFhirServer | null = null;
  /** The port the running endpoint was asked for (0 = any): a change restarts it. */
  private runningRequestedPort: number | null = null;
  private token: string | null = null;
  private error: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly settings: () => FhirEndpointSettings) {}

  status(): FhirEndpointStatus {
    const { enabled, port } = this.settings();
    if (!enabled) return { state: 'off', enabled, port };
    if (this.error !== undefined) return { state: 'error', enabled, port, error: this.error };
    if (!this.running || !this.token) return { state: 'locked', enabled, port };
    return { state: 'running', enabled, port, baseUrl: this.running.baseUrl, token: this.token };
  }

  /** A vault was unlocked: start if the switch is on. */
  attach(session: SessionHandle): Promise<FhirEndpointStatus> {
    return this.serialized(async () => {
      this.session = session;
      this.error = undefined;
      await this.reconcile(false);
    });
  }

  /** The vault is about to lock: stop, and forget the token. */
  detach(): Promise<FhirEndpointStatus> {
    return this.serialized(async () => {
      const session = this.session;
      this.session = null;
      this.error = undefined;
      if (session && this.running) await session.stopFhirServer();
      this.clearRunning();
    });
  }

  /** The settings changed: start, stop, or restart on another port. */
  apply(): Promise<FhirEndpointStatus> {
    return this.serialized(async () => {
      this.error = undefined;
      await this.reconcile(false);
    });
  }

  /** A new token; a running endpoint restarts with it at once (same port). */
  renewToken(): Promise<FhirEndpointStatus> {
    return this.serialized(async () => {
      this.error = undefined;
      await this.reconcile(true);
    });
  }

  private async reconcile(renew: boolean): Promise<void> {
    const { enabled, port } = this.settings();
    const session = this.session;
    if (!session) return;
    if (!enabled) {
      if (this.running) await session.stopFhirServer();
      this.clearRunning();
      return;
    }
    if (this.running && !renew && this.runningRequestedPort === port) return;
    const token = renew || !this.running || !this.token ? newFhirToken() : this.token;
    // A restart keeps the port it had when the switch asks for "any port".
    const wanted = port === 0 && this.running && this.runningRequestedPort === 0 ? this.running.port : port;
    const started = await session.startFhirServer({ port: wanted, token });
    if (!started.ok) {
      this.clearRunning();
      this.error = describeOutcome(started.error);
      return;
    }
    this.running = started.value;
    this.runningRequestedPort = port;
    this.token = token;
  }

  private clearRunning(): void {
    this.running = null;
    this.runningRequestedPort = null;
    this.token = null;
  }

  private serialized(step: () => Promise<void>): Promise<FhirEndpointStatus> {
    const run = this.queue.then(step, step).then(() => this.status());
    this.queue = run.catch(() => undefined);
    return run;
  }
}
