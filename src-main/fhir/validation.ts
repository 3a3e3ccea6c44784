/**
 * Write-time validation (https://hl7.org/fhir/R4/http.html#create, #update) and `$validate`
 * (https://hl7.org/fhir/R4/resource-operation-validate.html). Two levels:
 * - `resourceProblems`: the envelope, cheap: a JSON object of a known R4 resource type whose id, when
 *   present, is a valid FHIR id (https://hl7.org/fhir/R4/datatypes.html#id);
 * - `writeProblems`: the envelope, then the structure against the R4 StructureDefinitions
 *   (definitions/structure-validator.ts): what every write must pass.
 * Each problem becomes one OperationOutcome issue whose `expression` is its FHIRPath location.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '../api/result';
import type { Resource } from '@medplum/fhirtypes';
import { isResourceType } from './resource-types';
import { OperationOutcomeError } from './outcome-error';
import { structuralIssues } from './definitions/structure-validator';

export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export interface ValidationOptions {
  /** The type named by the URL or the caller; the body must agree. */
  expectedType?: string;
  /** Update needs an id (http.html#update); create ignores it. */
  requireId?: boolean;
}

function issue(code: OperationOutcomeIssue['code'], diagnostics: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics, expression: [expression] };
}

/** Returns the problems found (empty when the resource is acceptable). */
export function resourceProblems(value: unknown, options: ValidationOptions = {}): OperationOutcomeIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [issue('structure', 'A resource must be a JSON object', 'Resource')];
  }
  const record = value as Record<string, unknown>;
  const type = record.resourceType;
  if (typeof type !== 'string' || type.length === 0) {
    return [issue('required', 'Missing resourceType', 'Resource.resourceType')];
  }
  const problems: OperationOutcomeIssue[] = [];
  // The type name goes into messages only when it has the shape of a type name (never free text).
  const shownType = /^[A-Za-z]{1,64}$/.test(type) ? type : 'Resource';
  if (!isResourceType(type)) {
    problems.push(issue('value', `Unknown resource type "${shownType}"`, 'Resource.resourceType'));
  }
  if (options.expectedType !== undefined && type !== options.expectedType) {
    problems.push(
      issue('invalid', `Resource type "${shownType}" does not match "${options.expectedType}"`, `${shownType}.resourceType`),
    );
  }
  const id = record.id;
  if (id !== undefined && (typeof id !== 'string' || !FHIR_ID_PATTERN.test(id))) {
    problems.push(issue('value', 'Invalid id: 1 to 64 characters of A-Z, a-z, 0-9, "-" and "."', `${shownType}.id`));
  } else if (id === undefined && options.requireId) {
    problems.push(issue('required', 'Update needs the resource id', `${shownType}.id`));
  }
  const meta = record.meta;
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) {
    problems.push(issue('structure', 'meta must be an object', `${shownType}.meta`));
  }
  return problems;
}

/**
 * Every error that refuses a write (validation.html#structure): the envelope problems, or when the
 * envelope is sound, the structural errors. Warnings do not refuse a write.
 */
export function writeProblems(value: unknown, options: ValidationOptions = {}): OperationOutcomeIssue[] {
  const problems = resourceProblems(value, options);
  if (problems.length > 0) return problems;
  return structuralIssues(value as Resource, isResourceType).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/**
 * `$validate` (resource-operation-validate.html): every issue (error, warning, information); an
 * outcome with one `informational` issue when there is nothing to report (operationoutcome.html#5.8.4.1).
 */
export function validateResource(value: unknown, options: ValidationOptions = {}): OperationOutcome {
  const envelope = resourceProblems(value, options);
  const issues = envelope.length > 0 ? envelope : structuralIssues(value as Resource, isResourceType);
  if (issues.length > 0) return problemsOutcome(issues);
  return problemsOutcome([{ severity: 'information', code: 'informational', diagnostics: 'No issues detected during validation' }]);
}

export function problemsOutcome(problems: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: problems };
}

/** Throws an OperationOutcomeError (400) listing every write problem; otherwise narrows to Resource. */
export function assertValidResource(value: unknown, options: ValidationOptions = {}): asserts value is Resource {
  const problems = writeProblems(value, options);
  if (problems.length > 0) {
    const result = problemsOutcome(problems) as OperationOutcome & { status?: number };
    result.status = 400;
    throw new OperationOutcomeError(result);
  }
}
