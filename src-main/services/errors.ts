/**
 * What the core throws, as OperationOutcome values: FHIR errors carry their outcome; vault
 * errors map by code (their messages name files, never data).
 */
import { exceptionOutcome } from '../api/dispatch';
import { err, outcome, type IssueCode, type OperationOutcome, type Result } from '../api/result';
import { VaultError, type VaultErrorCode } from '../vault/types';

const VAULT_OUTCOMES: Record<VaultErrorCode, { code: IssueCode; status: number }> = {
  'wrong-passphrase': { code: 'security', status: 401 },
  'not-a-vault': { code: 'not-found', status: 404 },
  'unsupported-version': { code: 'not-supported', status: 400 },
  damaged: { code: 'exception', status: 500 },
  'locked-by-other-process': { code: 'lock-error', status: 409 },
  exists: { code: 'duplicate', status: 409 },
  closed: { code: 'exception', status: 500 },
  io: { code: 'exception', status: 500 },
};

export function toOutcome(e: unknown): OperationOutcome {
  if (e instanceof VaultError) {
    const mapped = VAULT_OUTCOMES[e.code];
    return outcome(mapped.code, e.message, { status: mapped.status });
  }
  return exceptionOutcome(e);
}

/** Runs a service body; anything thrown becomes an error Result. */
export async function guarded<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return err(toOutcome(e));
  }
}
