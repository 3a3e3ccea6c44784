/**
 * Errors cross every boundary (IPC, HTTP, worker, CLI) as values, never as thrown strings.
 * The error value is a FHIR OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html),
 * so the same shape serves the UI, the CLI and the FHIR REST endpoint.
 *
 * This module is imported by the renderer: it must stay free of Node imports.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type { OperationOutcome, OperationOutcomeIssue };

/** The outcome of every API call. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: OperationOutcome };

export type IssueCode = OperationOutcomeIssue['code'];

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(error: OperationOutcome): Result<T> {
  return { ok: false, error };
}

/** Builds a one-issue OperationOutcome. `expression` holds FHIRPath locations. */
export function outcome(
  code: IssueCode,
  diagnostics: string,
  options: { severity?: OperationOutcomeIssue['severity']; expression?: string[]; status?: number } = {},
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity: options.severity ?? 'error', code, diagnostics };
  if (options.expression?.length) issue.expression = options.expression;
  const result: OperationOutcome = { resourceType: 'OperationOutcome', issue: [issue] };
  if (options.status !== undefined) {
    // The HTTP status that the FHIR REST face answers with; kept as an extension-free hint.
    (result as OperationOutcome & { status?: number }).status = options.status;
  }
  return result;
}

/** The first issue's diagnostics: a one-line reason for the CLI and toasts. */
export function describeOutcome(o: OperationOutcome): string {
  const issues = o.issue ?? [];
  if (issues.length === 0) return 'Unknown error';
  const first = issues[0]!;
  const text = first.diagnostics ?? first.details?.text ?? first.code;
  const where = first.expression?.length ? ` (at ${first.expression.join(', ')})` : '';
  const more = issues.length > 1 ? ` (+${issues.length - 1} more)` : '';
  return `${text}${where}${more}`;
}

/** The HTTP status an outcome maps to (http.html#rejecting-updates and friends). */
export function outcomeStatus(o: OperationOutcome): number {
  const explicit = (o as OperationOutcome & { status?: number }).status;
  if (typeof explicit === 'number') return explicit;
  const code = o.issue?.[0]?.code;
  switch (code) {
    case 'not-found':
      return 404;
    case 'deleted':
      return 410;
    case 'conflict':
      return 409;
    case 'security':
    case 'login':
      return 401;
    case 'forbidden':
      return 403;
    case 'invalid':
    case 'structure':
    case 'required':
    case 'value':
    case 'invariant':
    case 'not-supported':
      return 400;
    case 'timeout':
      return 408;
    case 'too-costly':
      return 413;
    default:
      return 500;
  }
}

export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { resourceType?: unknown }).resourceType === 'OperationOutcome'
  );
}
