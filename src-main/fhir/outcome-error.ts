/**
 * Inside the core, FHIR failures are thrown as OperationOutcomeError (as Medplum does); the API
 * dispatcher turns them into `{ok:false, error}` values at the boundary.
 */
import { outcome, type IssueCode, type OperationOutcome } from '../api/result';

export class OperationOutcomeError extends Error {
  constructor(readonly outcome: OperationOutcome) {
    super(outcome.issue?.[0]?.diagnostics ?? 'FHIR error');
    this.name = 'OperationOutcomeError';
  }
}

export function fhirError(code: IssueCode, diagnostics: string, status?: number, expression?: string[]): OperationOutcomeError {
  return new OperationOutcomeError(
    outcome(code, diagnostics, { ...(status !== undefined ? { status } : {}), ...(expression ? { expression } : {}) }),
  );
}
