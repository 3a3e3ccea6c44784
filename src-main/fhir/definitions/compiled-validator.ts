/**
 * The fast path of structural validation (https://hl7.org/fhir/R4/validation.html#structure): per type,
 * built once on first use, a table of the JSON keys the type allows (choice elements expanded to
 * `valueString`, `valueQuantity`...), each with what its value must be; one walk over the keys the
 * resource actually has.
 *
 * It answers one question: "what would the reference validator (structure-validator.ts: @medplum/core's
 * validator plus our corrections and additions) report, if that is certainly nothing, or nothing but
 * wrong-target warnings?" It answers only when every rule holds: element names and JSON types, array or
 * single value, cardinality and required elements, one type per choice, no null / empty values,
 * primitive formats (datatypes.html#primitive), primitive extensions (json.html#primitive), the base
 * invariants of severity error, reference shape (references.html#literal), closed required bindings
 * (terminologies.html#required); reference target types give the reference's warnings, located here.
 * Anything else, including shapes it does not model (an `_x` without its primitive, a `resourceType`
 * element as data), answers "unsure", and the reference validator then produces the issues with their
 * locations. Being stricter than the reference only costs time; never being laxer is what keeps the
 * verdicts the same (test/unit/fhir/validation-compiled.test.ts compares the two).
 *
 * Why the walk is faster than @medplum/core's: that one visits every element the schema defines for
 * each object (present or not, resolving choice types by trying each type's key), re-walks the JSON
 * for nulls, and evaluates every invariant through FHIRPath; here only the keys present are visited,
 * ext-1 (on every extension) is a key test, and invariants guarded by an absent element are skipped.
 */
import type { FhirPathAtom, InternalSchemaElement, InternalTypeSchema, TypedValue } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { medplumCore } from './medplum-core';
import { closedExpansion, type ClosedExpansion } from './required-bindings';
import { bindingSatisfied, referenceProblem, WRONG_TARGET_MESSAGE } from './value-rules';

/** JSON type of each primitive (json.html#primitive), as @medplum/core reads them. */
type JsonType = 'string' | 'number' | 'boolean';

/** Invariants @medplum/core does not evaluate (validation.ts skippedConstraintKeys): neither do we. */
const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

/** ext-1, on every extension element: a value or child extensions, not both, not neither. */
const EXT_1 = 'extension.exists() != value.exists()';
/** txt-1 and txt-2 on Narrative.div: @medplum/core's htmlChecks() is true whatever the XHTML. */
const HTML_CHECKS = 'htmlChecks()';

const ONE_MEGABYTE = 1024 * 1024;
/** %ucum (fhir.html#vars), made only for the few walks that evaluate FHIRPath. */
const UCUM_URL = 'http://unitsofmeasure.org';
const INTEGER_MIN = -2_147_483_648;
const INTEGER_MAX = 2_147_483_647;
const HL7_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';
const MEDPLUM_PROFILE = 'https://medplum.com/fhir/StructureDefinition/';

interface Invariant {
  /** A native test for the one hot invariant (ext-1), else the parsed FHIRPath. */
  extensionXorValue: boolean;
  /** Sets of element names: when every name of one set is absent, the invariant holds (see absenceGuards). */
  guards: readonly (readonly string[])[] | undefined;
  atom: FhirPathAtom | undefined;
  expression: string;
  /**
   * Verdicts by the JSON of the value, for an expression that reads nothing but its context (see
   * contextOnly); undefined for the others.
   */
  verdicts: Map<string, boolean> | undefined;
  /**
   * The elements of its context the expression reads, when that is all it reads (see
   * contextReads): verdicts are then remembered by those elements' JSON alone, resources included.
   */
  reads: readonly string[] | undefined;
}

/**
 * FHIRPath that may read beyond its context, or answer differently from one call to the next:
 * variables (`%resource`...), resolve(), the clock, terminology and profile functions, trace().
 */
const BEYOND_CONTEXT = /%|\bresolve\(|\bnow\(|\btoday\(|\btimeOfDay\(|\bmemberOf\(|\bconformsTo\(|\bhtmlChecks\(|\btrace\(/;
/** Verdicts remembered per invariant at most (the map is emptied when full). */
const VERDICTS_MAX = 5_000;

/** Which reference targets an element allows without @medplum/core's wrong-target warning. */
interface ReferenceTargets {
  /** Any type: no target profile, `Resource`, or a profile it cannot read. */
  any: boolean;
  types: ReadonlySet<string>;
}

/** One JSON key of a type: the element it belongs to and the type its key names. */
interface KeyRule {
  element: InternalSchemaElement;
  /** The type code (`string`, `Quantity`, `Resource`, `PatientContact`...). */
  type: string;
  /** For a primitive: its JSON type; undefined for a complex type. */
  jsonType: JsonType | undefined;
  /** For a primitive: the test of its value. */
  accepts: PrimitiveTest | undefined;
  /** The choice element (`value[x]`) the key is one type of. */
  choice: string | undefined;
  /** How the key shows in a FHIRPath location: `subject`, `value.ofType(Quantity)`. */
  segment: string;
  /** Choice bases this key would be counted under by the "one type per choice" rule (see choiceProblems). */
  choiceBases: readonly string[];
  invariants: readonly Invariant[];
  /** Closed expansion of a required binding; null when open or none; undefined until first needed. */
  expansion: ClosedExpansion | null | undefined;
  references: ReferenceTargets | undefined;
  /** The schema a complex value is read with (not for `Resource`: that depends on the value). */
  child: CompiledType | undefined;
  childSchema: InternalTypeSchema | undefined;
}

interface RequiredElement {
  /** The keys any one of which satisfies the element (one per type of a choice). */
  keys: readonly string[];
}

interface CompiledType {
  keys: Map<string, KeyRule>;
  required: readonly RequiredElement[];
  invariants: readonly Invariant[];
  /** Types this fast path does not model: always deferred to the reference validator. */
  unsupported: boolean;
}

const compiled = new WeakMap<InternalTypeSchema, CompiledType>();

function capitalize(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}

function compileInvariants(constraints: InternalSchemaElement['constraints']): Invariant[] {
  const result: Invariant[] = [];
  for (const constraint of constraints ?? []) {
    if (constraint.severity !== 'error' || SKIPPED_CONSTRAINTS.has(constraint.key) || constraint.expression === HTML_CHECKS) continue;
    const native = constraint.expression === EXT_1;
    result.push({
      extensionXorValue: native,
      guards: native ? undefined : absenceGuards(constraint.expression),
      atom: undefined,
      expression: constraint.expression,
      verdicts: native || BEYOND_CONTEXT.test(constraint.expression) ? undefined : new Map(),
      reads: native || BEYOND_CONTEXT.test(constraint.expression) ? undefined : contextReads(constraint.expression),
    });
  }
  return result;
}

/** Splits at `separator` outside parentheses and quotes. */
function splitTopLevel(expression: string, separator: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && expression.startsWith(separator, i)) {
      parts.push(expression.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  if (depth !== 0 || quoted) return undefined;
  parts.push(expression.slice(start));
  return parts;
}

/** Steps that map an empty collection to an empty collection (fhirpath.html#functions). */
const EMPTY_PRESERVING_STEP = /^(?:[a-z][A-Za-z0-9]*|(?:where|select|ofType)\(.*\)|first\(\))$/s;
const ELEMENT_NAME = /^[a-z][A-Za-z0-9]*$/;

/**
 * Most invariants read "nothing here, or ...": `contained.contained.empty()`,
 * `dataAbsentReason.empty() or value.empty()`, `abatement.empty() or clinicalStatus...`. A path that
 * starts at an absent element is empty whatever follows it when each step keeps an empty collection
 * empty, so the disjunct is true and so is the invariant: no FHIRPath evaluation needed. Returns, per
 * disjunct made only of such `path.empty()` terms (joined by `and`), the first elements of its terms;
 * undefined when the expression has no such disjunct or could parse another way (`implies`, `xor`).
 * (Medplum evaluates both sides of `or`, so the other disjuncts still run there; in the R4
 * invariants of this form they are boolean tests that cannot throw when the guard element is absent.)
 */
function absenceGuards(expression: string): string[][] | undefined {
  if (/\b(implies|xor)\b/.test(expression)) return undefined;
  const guards: string[][] = [];
  for (const disjunct of splitTopLevel(expression, ' or ') ?? []) {
    const names: string[] = [];
    for (const term of splitTopLevel(disjunct.trim(), ' and ') ?? [disjunct]) {
      const steps = splitTopLevel(term.trim(), '.');
      const first = steps?.[0];
      if (!steps || steps.length < 2 || steps[steps.length - 1] !== 'empty()' || !first || !ELEMENT_NAME.test(first)) break;
      if (!steps.slice(1, -1).every((step) => EMPTY_PRESERVING_STEP.test(step))) break;
      names.push(first);
    }
    const termCount = splitTopLevel(disjunct.trim(), ' and ')?.length ?? 0;
    if (names.length > 0 && names.length === termCount) guards.push(names);
  }
  return guards.length > 0 ? guards : undefined;
}

/**
 * The context elements an expression reads, when it is made only of terms `name(.step)*.empty()` or
 * `.exists()` joined by `and` / `or`, each step one that stays within what it is applied to (a child
 * element, where/select/ofType, first()): `verificationStatus.coding.where(system = '...' and
 * code = 'entered-in-error').empty() or clinicalStatus.empty()` reads verificationStatus and
 * clinicalStatus. (Arguments of where() and select() see only their own item, or a variable, which
 * BEYOND_CONTEXT rules out before this is asked.) Undefined for any other form.
 */
function contextReads(expression: string): string[] | undefined {
  if (/\b(implies|xor)\b/.test(expression)) return undefined;
  const names = new Set<string>();
  for (const disjunct of splitTopLevel(expression, ' or ') ?? []) {
    const terms = splitTopLevel(disjunct.trim(), ' and ');
    if (!terms) return undefined;
    for (const term of terms) {
      const steps = splitTopLevel(term.trim(), '.');
      const first = steps?.[0];
      const last = steps?.[steps.length - 1];
      if (!steps || steps.length < 2 || !first || !ELEMENT_NAME.test(first) || (last !== 'empty()' && last !== 'exists()')) return undefined;
      if (!steps.slice(1, -1).every((step) => EMPTY_PRESERVING_STEP.test(step))) return undefined;
      names.add(first);
    }
  }
  return names.size > 0 ? [...names] : undefined;
}

/** Whether JSON key `key` holds element `name` (`name`, a choice `nameQuantity`, or `_name...`). */
function namesElement(key: string, name: string): boolean {
  const start = key.charCodeAt(0) === 95 ? 1 : 0;
  if (!key.startsWith(name, start)) return false;
  if (key.length === start + name.length) return true;
  const next = key.charCodeAt(start + name.length);
  return next >= 65 && next <= 90;
}

/**
 * The memo key of an invariant that reads only `reads` (contextReads) on `value`: its type and the
 * keys holding those elements with their JSON. Equal keys mean equal inputs to the expression, so
 * equal verdicts (another key order only misses the memo).
 */
function readsKey(type: string, value: Record<string, unknown>, reads: readonly string[]): string {
  // \u0001 after the type: never the start of a whole value's key (`${type}\u0000${JSON}`).
  let key = `${type}\u0001`;
  for (const name in value) {
    for (const read of reads) {
      if (!namesElement(name, read)) continue;
      key += `\u0000${name}\u0000${JSON.stringify(value[name])}`;
      break;
    }
  }
  return key;
}

/** No key of `value` names the element `name` (`name`, a choice `nameQuantity`, or `_name...`). */
function elementAbsent(value: Record<string, unknown>, name: string): boolean {
  // Own keys only (as Object.keys), without an array of them: `value` is a plain object (guardedTrue).
  for (const key in value) if (namesElement(key, name)) return false;
  return true;
}

function guardedTrue(guards: readonly (readonly string[])[], value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  // Loops rather than some/every: no two closures per guarded invariant of every element checked.
  for (let g = 0; g < guards.length; g++) {
    const names = guards[g]!;
    let allAbsent = true;
    for (let n = 0; n < names.length; n++) {
      if (!elementAbsent(value, names[n]!)) {
        allAbsent = false;
        break;
      }
    }
    if (allAbsent) return true;
  }
  return false;
}

function referenceTargets(element: InternalSchemaElement): ReferenceTargets | undefined {
  const profiles = element.type.find((t) => t.code === 'Reference')?.targetProfile;
  if (!profiles) return { any: true, types: new Set() };
  const types = new Set<string>();
  for (const profile of profiles) {
    if (profile === `${HL7_PROFILE}Resource`) return { any: true, types };
    if (profile.startsWith(HL7_PROFILE)) types.add(profile.slice(HL7_PROFILE.length));
    else if (profile.startsWith(MEDPLUM_PROFILE)) types.add(profile.slice(MEDPLUM_PROFILE.length));
    // A profile it cannot read (US Core...): @medplum/core gives up checking the target.
    else return { any: true, types };
  }
  return { any: false, types };
}

function compileType(schema: InternalTypeSchema): CompiledType {
  const existing = compiled.get(schema);
  if (existing) return existing;
  const { fhirTypeToJsType } = medplumCore();
  const jsTypes: Record<string, JsonType> = fhirTypeToJsType;
  const keys = new Map<string, KeyRule>();
  const required: RequiredElement[] = [];
  const elementNames = Object.keys(schema.elements);
  // A `resourceType` element (ExampleScenario.instance) and nested element keys are rare shapes: deferred.
  const unsupported = elementNames.some((name) => name === 'resourceType' || name.includes('.'));
  const choiceBases = elementNames.filter((name) => name.endsWith('[x]')).map((name) => name.slice(0, -3));
  const basesOf = (key: string) => choiceBases.filter((base) => key.length > base.length && key.startsWith(base) && /^[A-Z]/.test(key.charAt(base.length)));
  for (const name of elementNames) {
    const element = schema.elements[name]!;
    const isChoice = name.endsWith('[x]');
    const base = isChoice ? name.slice(0, -3) : name;
    const invariants = compileInvariants(element.constraints);
    const elementKeys: string[] = [];
    for (const type of element.type) {
      const key = isChoice ? base + capitalize(type.code) : base;
      // A non-choice element has one type; @medplum/core reads it as the first.
      if (keys.has(key)) continue;
      elementKeys.push(key);
      keys.set(key, {
        element,
        type: type.code,
        jsonType: jsTypes[type.code],
        accepts: jsTypes[type.code] ? primitiveTest(type.code, jsTypes[type.code]!) : undefined,
        choice: isChoice ? name : undefined,
        segment: isChoice ? `${base}.ofType(${type.code})` : base,
        choiceBases: basesOf(key),
        invariants,
        expansion: undefined,
        references: type.code === 'Reference' ? referenceTargets(element) : undefined,
        child: undefined,
        childSchema: undefined,
      });
      if (!isChoice) break;
    }
    if (element.min > 0) required.push({ keys: elementKeys });
  }
  const result: CompiledType = { keys, required, invariants: compileInvariants(schema.constraints), unsupported };
  compiled.set(schema, result);
  return result;
}

let elementCompiled: { schema: InternalTypeSchema; type: CompiledType } | null | undefined;

/** The `Element` data type, the schema of a primitive's `_x` (id and extensions). */
function elementType(): { schema: InternalTypeSchema; type: CompiledType } | null {
  if (elementCompiled === undefined) {
    const schema = medplumCore().tryGetDataType('Element');
    elementCompiled = schema ? { schema, type: compileType(schema) } : null;
  }
  return elementCompiled;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** @medplum/core's base64Binary check (no whitespace, padding only at the end) and its 1 MB cap. */
function isStrictBase64(value: string): boolean {
  if (value.length === 0 || value.length % 4 !== 0) return false;
  if (!/^[A-Za-z\d+/]+={0,2}$/.test(value)) return false;
  return Math.floor((value.length * 3) / 4) <= ONE_MEGABYTE;
}

/**
 * The test a primitive value must pass to be accepted by every check of the reference validator
 * (datatypes.html#primitive), built once per type: JSON type, then @medplum/core's format regex,
 * calendar day, integer ranges, non-blank strings under 1 MB.
 */
type PrimitiveTest = (value: unknown) => boolean;

const primitiveTests = new Map<string, PrimitiveTest>();

function primitiveTest(type: string, jsonType: JsonType): PrimitiveTest {
  const key = `${type} ${jsonType}`;
  let test = primitiveTests.get(key);
  if (test) return test;
  const core = medplumCore();
  const regex = core.validationRegexes[type];
  const calendar = type === 'date' || type === 'dateTime' || type === 'instant';
  if (jsonType === 'string') {
    test = (value) => {
      if (typeof value !== 'string') return false;
      if (type === 'base64Binary') return isStrictBase64(value);
      if (value.length > ONE_MEGABYTE || value.trim() === '') return false;
      if (regex && !regex.test(value)) return false;
      return !calendar || core.isValidCalendarDate(value);
    };
  } else if (jsonType === 'number') {
    const range = type === 'integer' ? [INTEGER_MIN, INTEGER_MAX] : type === 'positiveInt' ? [1, INTEGER_MAX] : type === 'unsignedInt' ? [0, INTEGER_MAX] : undefined;
    test = (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      return !range || (Number.isInteger(value) && value >= range[0]! && value <= range[1]!);
    };
  } else {
    test = (value) => typeof value === 'boolean';
  }
  primitiveTests.set(key, test);
  return test;
}

/** One walk over one resource (and the resources inside it); false as soon as anything is doubtful. */
class Walk {
  private readonly root: TypedValue;
  /** Typed forms of the resources invariants were evaluated on (rarely any: made when first needed). */
  private resourceValues: Map<Resource, TypedValue> | undefined;
  /** The location being walked, as FHIRPath steps and array indexes (-1: none), joined only when needed. */
  private readonly steps: string[] = [];
  private readonly indexes: number[] = [];
  /** @medplum/core's wrong-target warnings, the one issue a certified resource may carry. */
  readonly warnings: OperationOutcomeIssue[] = [];
  /** Depth inside primitive extensions, where the reference locates warnings its own way: those defer. */
  private insidePrimitiveExtension = 0;

  constructor(
    resource: Resource,
    private readonly isKnownType: (type: string) => boolean,
  ) {
    this.root = { type: resource.resourceType, value: resource };
    this.steps.push(resource.resourceType);
    this.indexes.push(-1);
  }

  run(): boolean {
    const resource = this.root.value as Resource;
    const schema = medplumCore().tryGetDataType(resource.resourceType);
    if (!schema) return false;
    const type = compileType(schema);
    if (!this.invariantsHold(type.invariants, this.root.type, resource, resource)) return false;
    return this.object(resource as unknown as Record<string, unknown>, schema, type, true, resource);
  }

  /** An object of a complex type: its keys, then its required elements. */
  private object(value: Record<string, unknown>, schema: InternalTypeSchema, type: CompiledType, isResource: boolean, resource: Resource): boolean {
    if (type.unsupported) return false;
    let choicesSeen: string[] | undefined;
    let basesSeen: string[] | undefined;
    for (const key in value) {
      if (key === 'resourceType') {
        if (isResource) continue;
        return false;
      }
      if (key.charCodeAt(0) === 95 /* _ */) {
        if (!this.primitiveExtensions(value, key, type, resource)) return false;
        continue;
      }
      const rule = type.keys.get(key);
      if (!rule) return false;
      if (rule.choice !== undefined) {
        choicesSeen ??= [];
        if (choicesSeen.includes(rule.choice)) return false;
        choicesSeen.push(rule.choice);
      }
      for (const base of rule.choiceBases) {
        basesSeen ??= [];
        if (basesSeen.includes(base)) return false;
        basesSeen.push(base);
      }
      this.steps.push(rule.segment);
      this.indexes.push(-1);
      const accepted = this.property(value[key], rule, schema, resource);
      this.steps.pop();
      this.indexes.pop();
      if (!accepted) return false;
    }
    for (const element of type.required) {
      let present = false;
      for (const key of element.keys) if (value[key] !== undefined) present = true;
      if (!present) return false;
    }
    return true;
  }

  /**
   * `_x`, the id and extensions of the primitive `x` (json.html#primitive): an object, or for an array
   * `x` an array in step with it of objects and nulls, each read as an `Element` at the location of its
   * value (as @medplum/core does). Only with `x` present, on an element without invariants: an
   * extension without its value, or on a complex element, is left to the reference validator.
   */
  private primitiveExtensions(parent: Record<string, unknown>, key: string, type: CompiledType, resource: Resource): boolean {
    const rule = type.keys.get(key.slice(1));
    if (!rule || rule.jsonType === undefined || rule.invariants.length > 0) return false;
    const primitive = parent[key.slice(1)];
    const extensions = parent[key];
    if (primitive === undefined || primitive === null) return false;
    const element = elementType();
    if (!element) return false;
    this.steps.push(rule.segment);
    this.indexes.push(-1);
    this.insidePrimitiveExtension++;
    let accepted = true;
    if (Array.isArray(primitive)) {
      if (!Array.isArray(extensions) || extensions.length !== primitive.length) accepted = false;
      else {
        const top = this.indexes.length - 1;
        for (let i = 0; i < extensions.length && accepted; i++) {
          const item: unknown = extensions[i];
          if (item === null) continue;
          this.indexes[top] = i;
          accepted = isPlainObject(item) && Object.keys(item).length > 0 && this.object(item, element.schema, element.type, false, resource);
        }
      }
    } else {
      accepted = isPlainObject(extensions) && Object.keys(extensions).length > 0 && this.object(extensions, element.schema, element.type, false, resource);
    }
    this.insidePrimitiveExtension--;
    this.steps.pop();
    this.indexes.pop();
    return accepted;
  }

  /** The value of one key: array or single as the element says, cardinality, then each item. */
  private property(raw: unknown, rule: KeyRule, schema: InternalTypeSchema, resource: Resource): boolean {
    const element = rule.element;
    if (Array.isArray(raw)) {
      if (!element.isArray || raw.length === 0 || raw.length < element.min || raw.length > element.max) return false;
      const top = this.indexes.length - 1;
      for (let i = 0; i < raw.length; i++) {
        this.indexes[top] = i;
        if (!this.item(raw[i], rule, schema, resource)) return false;
      }
      return true;
    }
    if (element.isArray || element.max < 1) return false;
    return this.item(raw, rule, schema, resource);
  }

  private item(value: unknown, rule: KeyRule, schema: InternalTypeSchema, resource: Resource): boolean {
    if (value === null || value === undefined) return false;
    if (rule.jsonType !== undefined) {
      if (!rule.accepts!(value)) return false;
      if (!this.bindingHolds(rule, value)) return false;
      return rule.invariants.length === 0 || this.invariantsHold(rule.invariants, rule.type, value, resource);
    }
    if (!isPlainObject(value)) return false;
    let childType = rule.type;
    let childSchema: InternalTypeSchema | undefined;
    let child: CompiledType | undefined;
    let isResource = false;
    if (rule.type === 'Resource' || this.isKnownType(rule.type)) {
      const resourceType = value.resourceType;
      if (typeof resourceType !== 'string' || !this.isKnownType(resourceType)) return false;
      if (rule.type !== 'Resource' && resourceType !== rule.type) return false;
      childType = resourceType;
      childSchema = medplumCore().tryGetDataType(resourceType);
      if (!childSchema) return false;
      child = compileType(childSchema);
      isResource = true;
    } else {
      if (!rule.childSchema) {
        // @medplum/core's crawler: a backbone type of the enclosing schema first, then the data type.
        rule.childSchema = schema.innerTypes?.find((t) => t.name === rule.type) ?? medplumCore().tryGetDataType(rule.type);
        if (!rule.childSchema) return false;
        rule.child = compileType(rule.childSchema);
      }
      childSchema = rule.childSchema;
      child = rule.child!;
    }
    // An empty object is refused (json.html); so is an object whose only key is `resourceType`.
    let hasKey = false;
    for (const key in value) {
      if (key !== 'resourceType') {
        hasKey = true;
        break;
      }
    }
    if (!hasKey) return false;
    if (rule.references && !this.referenceHolds(value, rule)) return false;
    if (!this.bindingHolds(rule, value)) return false;
    if (rule.invariants.length > 0 && !this.invariantsHold(rule.invariants, childType, value, resource)) return false;
    return this.object(value, childSchema, child, isResource, isResource ? (value as unknown as Resource) : resource);
  }

  /** Reference shape (ours: a bad one defers) and target type (@medplum/core's warning, recorded). */
  private referenceHolds(value: Record<string, unknown>, rule: KeyRule): boolean {
    const reference = value.reference;
    if (typeof reference !== 'string') return true;
    if (referenceProblem(reference, this.isKnownType) !== undefined) return false;
    const targets = rule.references!;
    if (targets.any || reference.startsWith('#')) return true;
    // The type before `?` (a conditional reference) or else before the first `/` (split's first part).
    const question = reference.indexOf('?');
    const slash = question >= 0 ? question : reference.indexOf('/');
    const target = slash >= 0 ? reference.slice(0, slash) : reference;
    if (!target) return true;
    if (reference === 'system' && rule.element.path === 'AuditEvent.agent.who') return true;
    if (!targets.types.has(target)) {
      if (this.insidePrimitiveExtension > 0) return false;
      this.warnings.push({ severity: 'warning', code: 'structure', diagnostics: WRONG_TARGET_MESSAGE, expression: [this.location()] });
    }
    return true;
  }

  private location(): string {
    let path = '';
    for (let i = 0; i < this.steps.length; i++) {
      path += i === 0 ? this.steps[i] : `.${this.steps[i]}`;
      if (this.indexes[i]! >= 0) path += `[${this.indexes[i]}]`;
    }
    return path;
  }

  private bindingHolds(rule: KeyRule, value: unknown): boolean {
    const binding = rule.element.binding;
    if (binding?.strength !== 'required' || !binding.valueSet) return true;
    if (rule.expansion === undefined) rule.expansion = closedExpansion(binding.valueSet);
    return rule.expansion === null || bindingSatisfied(rule.type, value, rule.expansion) !== false;
  }

  /**
   * @medplum/core's invariant evaluation (validation.ts isExpressionTrue), same variables, on the
   * value `value` of type `type` (its typed form is made only when FHIRPath runs).
   */
  private invariantsHold(invariants: readonly Invariant[], type: string, value: unknown, resource: Resource): boolean {
    for (const invariant of invariants) {
      if (invariant.extensionXorValue) {
        if (!this.extensionXorValue(value)) return false;
        continue;
      }
      if (invariant.guards && guardedTrue(invariant.guards, value)) continue;
      // A value whose verdict is known from an equal one: equal in the elements the expression reads,
      // or else (not for a resource: those rarely repeat) equal as a whole.
      const memoKey = !invariant.verdicts
        ? undefined
        : invariant.reads && isPlainObject(value)
          ? readsKey(type, value, invariant.reads)
          : value !== resource && value !== this.root.value
            ? `${type}\u0000${JSON.stringify(value)}`
            : undefined;
      if (memoKey !== undefined) {
        const known = invariant.verdicts!.get(memoKey);
        if (known === false) return false;
        if (known === true) continue;
      }
      const holds = this.invariantHolds(invariant, value === this.root.value && type === this.root.type ? this.root : { type, value }, resource);
      if (memoKey !== undefined) {
        if (invariant.verdicts!.size >= VERDICTS_MAX) invariant.verdicts!.clear();
        invariant.verdicts!.set(memoKey, holds);
      }
      if (!holds) return false;
    }
    return true;
  }

  /** One invariant through @medplum/core's FHIRPath. */
  private invariantHolds(invariant: Invariant, value: TypedValue, resource: Resource): boolean {
    const core = medplumCore();
    invariant.atom ??= core.parseFhirPath(invariant.expression);
    this.resourceValues ??= new Map();
    let resourceValue = this.resourceValues.get(resource);
    if (!resourceValue) {
      resourceValue = core.toTypedValue(resource);
      this.resourceValues.set(resource, resourceValue);
    }
    const variables: Record<string, TypedValue> = { '%context': value, '%ucum': { type: 'string', value: UCUM_URL }, '%resource': resourceValue, '%rootResource': this.root };
    try {
      const result = core.evalFhirPathTyped(invariant.atom, [value], variables);
      return result.length === 1 && result[0]!.value === true;
    } catch {
      return false;
    }
  }

  /**
   * ext-1 on an Extension whose keys the walk will check: `extension` present, or a `value[x]`, not both.
   * (Keys it does not know make the walk defer anyway, so only known ones count here.)
   */
  private extensionXorValue(value: unknown): boolean {
    if (!isPlainObject(value)) return false;
    let hasValue = false;
    for (const key in value) if (key.length > 5 && key.startsWith('value')) hasValue = true;
    const hasExtension = Array.isArray(value.extension) && value.extension.length > 0;
    return hasExtension !== hasValue;
  }
}

/**
 * What the reference validator would report for this resource when that is certain: nothing, or only
 * wrong-target warnings (errors never). Undefined means "not certain": ask the reference validator.
 * The resource's envelope (validation.ts resourceProblems) must already be sound.
 */
export function compiledIssues(resource: Resource, isKnownType: (type: string) => boolean): OperationOutcomeIssue[] | undefined {
  try {
    const walk = new Walk(resource, isKnownType);
    return walk.run() ? walk.warnings : undefined;
  } catch {
    // A shape the walk did not foresee: the reference validator reports it.
    return undefined;
  }
}
