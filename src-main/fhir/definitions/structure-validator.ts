/**
 * Structural validation of a resource against the R4 StructureDefinitions
 * (https://hl7.org/fhir/R4/validation.html#structure): element names and types, cardinality,
 * required elements, choice types, primitive formats (https://hl7.org/fhir/R4/datatypes.html),
 * the base invariants, reference shape (https://hl7.org/fhir/R4/references.html#literal) and codes
 * of required bindings to closed value sets (https://hl7.org/fhir/R4/terminologies.html#required).
 *
 * @medplum/core's validator does the walk, the types, cardinality and invariants. Around it:
 * - it gets three primitive rules wrong against datatypes.html, so those issues are re-checked here:
 *   base64Binary may contain whitespace (#base64Binary), xhtml is not a string and has no 1 MB cap
 *   (narrative.html#xhtml), and only XML whitespace counts as whitespace in `code` and `string`, not U+00A0;
 * - it never checks required bindings (it can collect the values, too slowly): that check is here;
 * - it does not look at the reference string at all: that check is here;
 * - it lets two types of one choice element, empty values and primitives in place of objects
 *   through: here they are errors;
 * - its locations use `value[x]`; ours are FHIRPath (issue-paths.ts);
 * - it reports nearly everything as `structure`; ours say `required` / `value` where they apply.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { closedExpansion } from './required-bindings';
import { bindingSatisfied, referenceProblem, WRONG_TARGET_MESSAGE } from './value-rules';
import { resolveIssuePath } from './issue-paths';
import type { CrawlerVisitor, InternalSchemaElement, InternalTypeSchema, TypedValueWithPath } from '@medplum/core';
import { medplumCore } from './medplum-core';
import { ensureStructureDefinitions } from './structure-definitions';
import { compiledIssues } from './compiled-validator';

type IssueCode = OperationOutcomeIssue['code'];

function issue(severity: OperationOutcomeIssue['severity'], code: IssueCode, diagnostics: string, expression: string): OperationOutcomeIssue {
  return { severity, code, diagnostics, expression: [expression] };
}

/** Medplum's messages about a primitive's content (not its presence or JSON type) are `value` problems. */
const VALUE_MESSAGES = [
  /^Invalid (?!null )\S+ (format|value)$/,
  /^Expected number to be/,
  /^Invalid numeric value$/,
  /^String must contain non-whitespace content$/,
  /^String cannot be larger than 1 MB$/,
  /^base64Binary exceeds/,
];

function codeFor(message: string, medplumCode: IssueCode): IssueCode {
  if (message === 'Missing required property') return 'required';
  if (VALUE_MESSAGES.some((re) => re.test(message))) return 'value';
  return medplumCode;
}

/** datatypes.html#base64Binary: `(\s*([0-9a-zA-Z\+\=]){4}\s*)+`, padding only at the end. */
function isSpecBase64(value: string): boolean {
  const compact = value.replace(/[ \t\r\n]/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

/** datatypes.html#code: no leading, trailing or repeated XML whitespace (space, tab, CR, LF). */
function isSpecCode(value: string): boolean {
  return /^[^ \t\r\n]+( [^ \t\r\n]+)*$/.test(value);
}

/** True when Medplum's issue is one of its known departures from the spec for this value. */
function isSpuriousMedplumIssue(message: string, expression: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (message === 'Invalid base64Binary format') return isSpecBase64(value);
  if (message === 'String cannot be larger than 1 MB') return /(^|\.)div$/.test(expression);
  if (message === 'Invalid code format') return isSpecCode(value);
  // JS trim() also strips U+00A0; XML whitespace is only space, tab, CR and LF.
  if (message === 'String must contain non-whitespace content') return /[^ \t\r\n]/.test(value);
  return false;
}

/** Medplum's wrong-target warning quotes the reference; ours does not repeat what the client sent. */
function shownMessage(message: string): string {
  return message.startsWith('Invalid reference: got ') ? WRONG_TARGET_MESSAGE : message;
}

/** Converts Medplum's issues: FHIRPath locations, precise codes, spurious ones dropped. */
function fromMedplumIssues(resource: Resource, issues: readonly OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const result: OperationOutcomeIssue[] = [];
  for (const medplumIssue of issues) {
    const message = medplumIssue.details?.text ?? medplumIssue.diagnostics ?? 'Invalid resource';
    const path = medplumIssue.expression?.[0] ?? resource.resourceType;
    const resolved = resolveIssuePath(resource, path);
    if (isSpuriousMedplumIssue(message, resolved.expression, resolved.value)) continue;
    // Replaced by choiceProblem (an error, with its location).
    if (message.startsWith('Conflicting choice of type properties')) continue;
    result.push(issue(medplumIssue.severity, codeFor(message, medplumIssue.code), shownMessage(message), resolved.expression));
  }
  return result;
}

/**
 * A choice element takes one type at a time, named in its key (formats.html#choice): two
 * `value[x]` keys in one object, a bare `value` or a literal `value[x]` are errors. (Medplum reports
 * the first as a warning, with the key only, and lets the others through.)
 */
function choiceProblems(object: unknown, schema: InternalTypeSchema): { element: string; message: string }[] {
  if (typeof object !== 'object' || object === null) return [];
  const keys = Object.keys(object);
  const problems: { element: string; message: string }[] = [];
  for (const element of Object.keys(schema.elements)) {
    if (!element.endsWith('[x]')) continue;
    const base = element.slice(0, -3);
    if (keys.includes(base) || keys.includes(element)) {
      problems.push({ element: base, message: `A choice element is named with its type (e.g. ${base}String)` });
    }
    const present = keys.filter((k) => k.length > base.length && k.startsWith(base) && /^[A-Z]/.test(k.slice(base.length)));
    if (present.length > 1) problems.push({ element: base, message: `Only one of ${present.join(', ')} may be present` });
  }
  return problems;
}

/** ExampleScenario.instance has an element named `resourceType`: there it is data, not a type. */
function definesResourceType(type: string): boolean {
  try {
    return 'resourceType' in medplumCore().getDataType(type).elements;
  } catch {
    return false;
  }
}

/**
 * Medplum's typed paths name the JSON key of a choice (`Observation.valueQuantity.code`); ours say
 * `Observation.value.ofType(Quantity).code`. The walk records each choice value's path as it enters it
 * (parents before children), so any path below can be rewritten by its longest recorded prefix.
 */
class ChoicePaths {
  private readonly rewrites = new Map<string, string>();

  record(concretePath: string, base: string, jsonKey: string, type: string): void {
    const parent = concretePath.slice(0, concretePath.length - jsonKey.length - 1);
    this.rewrites.set(concretePath, `${this.fhirPath(parent)}.${base}.ofType(${type})`);
  }

  /** Longest recorded prefix first: the path itself, then each shorter prefix ending before `.` or `[`. */
  fhirPath(path: string): string {
    if (this.rewrites.size === 0) return path;
    for (let end = path.length; end > 0; end--) {
      if (end < path.length && path[end] !== '.' && path[end] !== '[') continue;
      const rewritten = this.rewrites.get(path.slice(0, end));
      if (rewritten !== undefined) return rewritten + path.slice(end);
    }
    return path;
  }
}

interface CrawlResult {
  issues: OperationOutcomeIssue[];
  /** Locations of non-objects where an object belongs: Medplum's issues below them are noise. */
  notObjects: string[];
}

/**
 * One typed walk for what Medplum's validator leaves out: reference strings, required bindings,
 * one type per choice, empty values and primitives where a complex type belongs.
 * (Its own `collect.tokens` option gathers the bound values, but in quadratic time: 14x the cost of
 * the whole validation on large Bundles, so the values are gathered here instead.)
 */
function crawlIssues(resource: Resource, isKnownType: (type: string) => boolean): CrawlResult {
  const issues: OperationOutcomeIssue[] = [];
  const notObjects: string[] = [];
  const paths = new ChoicePaths();
  const checkChoiceValue = (schema: InternalTypeSchema, key: string, value: TypedValueWithPath) => {
    const suffix = value.type.charAt(0).toUpperCase() + value.type.slice(1);
    if (!key.endsWith(suffix)) return;
    const base = key.slice(0, -suffix.length);
    const element = schema.elements[`${base}[x]`];
    if (!element) return;
    paths.record(value.path, base, key, value.type);
    checkValue(element, value);
  };
  const checkValue = (element: InternalSchemaElement, value: TypedValueWithPath) => {
    const isPlainObject = typeof value.value === 'object' && value.value !== null && !Array.isArray(value.value) && value.value.valueOf() === value.value;
    if (/^[A-Z]/.test(value.type) && !isPlainObject) {
      const at = paths.fhirPath(value.path);
      notObjects.push(at);
      issues.push(issue('error', 'structure', `Expected an object (${value.type})`, at));
      return;
    }
    const raw: unknown = value.value;
    // A boxed primitive (Medplum's form of a primitive with extensions) unboxes; a plain object does not.
    if (/^[a-z]/.test(value.type) && typeof raw === 'object' && raw !== null && (Array.isArray(raw) || raw.valueOf() === raw)) {
      issues.push(issue('error', 'structure', `Expected a primitive value (${value.type})`, paths.fhirPath(value.path)));
      return;
    }
    // Medplum takes any object with a `resourceType` for a resource; only elements typed Resource or a
    // resource type (Bundle.entry.response.outcome: OperationOutcome) hold one.
    if (isPlainObject && 'resourceType' in value.value && !element.type.some((t) => t.code === 'Resource' || isKnownType(t.code)) && !definesResourceType(value.type)) {
      issues.push(issue('error', 'structure', 'Invalid additional property "resourceType"', `${paths.fhirPath(value.path)}.resourceType`));
      return;
    }
    const binding = element.binding;
    if (binding?.strength !== 'required' || !binding.valueSet) return;
    const expansion = closedExpansion(binding.valueSet);
    if (!expansion || bindingSatisfied(value.type, value.value, expansion) !== false) return;
    const url = binding.valueSet.split('|')[0] ?? binding.valueSet;
    // The code itself is not echoed: a mistyped field could hold anything, PHI included.
    issues.push(issue('error', 'code-invalid', `Code not in the required value set ${url}`, paths.fhirPath(value.path)));
  };
  const visitor: CrawlerVisitor = {
    onEnterObject: (_path, value, schema) => {
      for (const problem of choiceProblems(value.value, schema)) {
        issues.push(issue('error', 'structure', problem.message, `${paths.fhirPath(value.path)}.${problem.element}`));
      }
      if (value.type !== 'Reference') return;
      const reference: unknown = (value.value as { reference?: unknown } | undefined)?.reference;
      if (typeof reference !== 'string') return;
      const problem = referenceProblem(reference, isKnownType);
      if (problem) issues.push(issue('error', 'value', problem, `${paths.fhirPath(value.path)}.reference`));
    },
    visitProperty: (parent, key, _path, propertyValues, schema) => {
      const element = schema.elements[key];
      if (!element) {
        // The crawler names a choice value by its JSON key (`valueQuantity`), the schema by `value[x]`.
        for (const value of propertyValues) if (!Array.isArray(value)) checkChoiceValue(schema, key, value);
        return;
      }
      for (const value of propertyValues) {
        if (Array.isArray(value)) {
          for (const v of value) checkValue(element, v);
        } else if (value.type === 'undefined') {
          // json.html: no empty strings, arrays or objects (nulls are reported by the validator).
          const raw: unknown = (parent.value as Record<string, unknown> | undefined)?.[key];
          const empty = raw === '' || (Array.isArray(raw) && raw.length === 0) || (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0);
          if (empty) issues.push(issue('error', 'structure', 'Empty values are not allowed', paths.fhirPath(`${parent.path}.${key}`)));
        } else {
          checkValue(element, value);
        }
      }
    },
  };
  const { crawlTypedValue, toTypedValue } = medplumCore();
  crawlTypedValue(toTypedValue(resource), visitor, { skipMissingProperties: true });
  return { issues, notObjects };
}

/**
 * json.html#primitive: the extensions of a primitive `x` are in `_x`, a non-empty object (or, for an array
 * `x`, an array of objects and nulls in step with it).
 */
function primitiveExtensionIssues(value: unknown, path: string): OperationOutcomeIssue[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => primitiveExtensionIssues(item, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const result: OperationOutcomeIssue[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('_')) {
      const items = Array.isArray(child) ? child : [child];
      const ok = items.length > 0 && items.every((item, i) => (typeof item === 'object' && item !== null && !Array.isArray(item) && Object.keys(item).length > 0) || (Array.isArray(child) && item === null && i >= 0));
      if (!ok) result.push(issue('error', 'structure', 'The extensions of a primitive value must be an object', `${path}.${key}`));
      continue;
    }
    result.push(...primitiveExtensionIssues(child, `${path}.${key}`));
  }
  return result;
}

/** Anything the validator cannot walk at all is refused, never a server error. */
function unreadable(resource: Resource): OperationOutcomeIssue {
  return issue('error', 'structure', 'The resource could not be read as FHIR JSON', resource.resourceType);
}

/**
 * Every structural issue of a resource whose resourceType is a known R4 type (errors, warnings).
 * Loads the definitions on first use. The compiled validator certifies the clean resources (nearly
 * all of them, at a fraction of the cost); the rest go through the reference validator below, which
 * produces the issues and their locations.
 */
export function structuralIssues(resource: Resource, isKnownType: (type: string) => boolean): OperationOutcomeIssue[] {
  ensureStructureDefinitions();
  return compiledIssues(resource, isKnownType) ?? referenceStructuralIssues(resource, isKnownType);
}

/**
 * The reference validator: @medplum/core's validator with our corrections and additions. It is kept
 * because it locates every kind of fault (the compiled validator only certifies the absence of
 * faults) and as the yardstick the compiled validator is tested against.
 */
export function referenceStructuralIssues(resource: Resource, isKnownType: (type: string) => boolean): OperationOutcomeIssue[] {
  ensureStructureDefinitions();
  // Medplum's walk throws a plain Error on these; they are reported, located, before it runs.
  const badExtensions = primitiveExtensionIssues(resource, resource.resourceType);
  if (badExtensions.length > 0) return badExtensions;
  let medplumIssues: readonly OperationOutcomeIssue[];
  const { validateResource, OperationOutcomeError } = medplumCore();
  try {
    medplumIssues = validateResource(resource);
  } catch (e) {
    if (!(e instanceof OperationOutcomeError)) return [unreadable(resource)];
    medplumIssues = e.outcome.issue ?? [];
  }
  let issues = fromMedplumIssues(resource, medplumIssues);
  try {
    const crawled = crawlIssues(resource, isKnownType);
    const below = (expression: string | undefined) => crawled.notObjects.some((at) => expression?.startsWith(`${at}.`) || expression === at);
    issues = [...issues.filter((i) => !below(i.expression?.[0])), ...crawled.issues];
  } catch {
    // The walk can trip over a shape the validator has already refused; that refusal is enough.
    if (!issues.some((i) => i.severity === 'error')) issues.push(unreadable(resource));
  }
  return issues;
}
