/**
 * Turns what the vault and the services throw into OperationOutcome values before they cross
 * a boundary (a worker message cannot carry a VaultError's class or code).
 */
import { exceptionOutcome } from '../api/dispatch';
import { outcome, type IssueCode, type OperationOutcome } from '../api/result';
import { VaultError, type VaultErrorCode } from '../vault/types';

const VAULT_ERROR_OUTCOMES: Record<VaultErrorCode, { code: IssueCode; status: number }> = {
  'wrong-passphrase': { code: 'security', status: 401 },
  'not-a-vault': { code: 'not-found', status: 404 },
  'unsupported-version': { code: 'not-supported', status: 400 },
  damaged: { code: 'exception', status: 500 },
  'locked-by-other-process': { code: 'lock-error', status: 409 },
  exists: { code: 'duplicate', status: 409 },
  closed: { code: 'exception', status: 500 },
  io: { code: 'exception', status: 500 },
};

export function errorOutcome(e: unknown): OperationOutcome {
  if (e instanceof VaultError) {
    const mapped = VAULT_ERROR_OUTCOMES[e.code];
    // The message names the file at fault (relative to the vault), never data.
    return outcome(mapped.code, e.message, { status: mapped.status });
  }
  return exceptionOutcome(e);
}

/** The error outcome every session channel answers while no vault is unlocked. */
export function lockedOutcome(): OperationOutcome {
  return outcome('login', 'The vault is locked', { status: 423 });
}
