/**
 * Turns what the vault and the services throw into OperationOutcome values before they cross
 * a boundary (a worker message cannot carry a VaultError's class or code). The mapping itself
 * lives with the services (services/errors.ts), so the host and the sessions answer alike.
 */
import { outcome, type OperationOutcome } from '../api/result';
import { toOutcome } from '../services/errors';

export function errorOutcome(e: unknown): OperationOutcome {
  return toOutcome(e);
}

/** The error outcome every session channel answers while no vault is unlocked. */
export function lockedOutcome(): OperationOutcome {
  return outcome('login', 'The vault is locked', { status: 423 });
}
