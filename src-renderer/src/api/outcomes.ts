/**
 * Turning transport failures into OperationOutcome values, so that every call in the UI resolves
 * to a Result and no screen has to catch a rejected promise.
 */
import type { OperationOutcome, OperationOutcomeIssue, Result } from '../../../src-main/api/result';

/** A one-issue OperationOutcome built on the client side (transport-level problems). */
export function clientOutcome(code: OperationOutcomeIssue['code'], diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

export function failure<T>(code: OperationOutcomeIssue['code'], diagnostics: string): Result<T> {
  return { ok: false, error: clientOutcome(code, diagnostics) };
}

/** The message of anything thrown, without its stack (never shown: it may hold paths). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'Unknown error';
}

/** True when a parsed JSON value has the shape of a Result. */
export function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { ok?: unknown; error?: unknown };
  if (candidate.ok === true) return 'value' in candidate;
  if (candidate.ok === false) {
    const error = candidate.error as { resourceType?: unknown } | undefined;
    return typeof error === 'object' && error !== null && error.resourceType === 'OperationOutcome';
  }
  return false;
}
