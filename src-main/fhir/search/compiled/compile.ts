/**
 * Compiles the FHIRPath subset of parse.ts into plain functions over a resource's JSON, typed
 * with the R4 model so that choice elements (`Observation.value` → `valueQuantity`...) resolve as
 * the fhirpath library resolves them (https://hl7.org/fhirpath/N1/#path-selection,
 * https://hl7.org/fhir/R4/fhirpath.html). An expression that leaves the subset, or a path the
 * model does not know, is refused, and its parameter keeps the fhirpath library's evaluator.
 * test/unit/fhir/search-extract-compiled.test.ts checks every compiled parameter's rows against
 * the fhirpath library's on the R4 examples and Synthea.
 */
import { derivesFrom, elementOf, isResourceType, typeOfSuffix, type ModelPath } from './model';
import { parseSubset, type PathNode } from './parse';

/** Evaluates the expression on `context` (the resource, or a composite's element). */
export type CompiledExpression = (context: object, resource: object) => unknown[];

/**
 * The same evaluation written into `out` from index `from` on (items already there past it are
 * overwritten, never read); returns the index after the last value. Extraction passes one array
 * for every parameter (search/extract.ts), so no collection is made per evaluation.
 */
export type CollectingExpression = (context: object, resource: object, out: unknown[], from: number) => number;

/** What a compiled node writes for one input item (see CollectingExpression). */
type Collect = (item: unknown, resource: object, out: unknown[], from: number) => number;

/** What is known statically about a collection: the type of its items. */
type Shape =
  | { kind: 'typed'; type: string; path: ModelPath }
  /** Items of a choice element, of any of its types (one JSON key per type). */
  | { kind: 'choice'; suffixes: readonly string[] }
  | { kind: 'opaque' };

interface Compiled {
  run: (input: unknown[], resource: object) => unknown[];
  shape: Shape;
  /** The first element read from the context, when the expression starts with a path. */
  leading?: string;
  /** For a choice element: the same navigation with the one key of a type suffix (for ofType). */
  narrow?: (suffixes: readonly string[]) => Compiled['run'];
  /** When the expression so far only navigates from the context: the keys of each step. */
  steps?: ReadonlyArray<readonly string[]>;
  /** The same as `run` on one item, written into an array (nodes that filter or navigate only). */
  collect?: Collect;
}

class NotCompiled extends Error {}

const SYSTEM_TYPES: ReadonlySet<string> = new Set(['Boolean', 'String', 'Integer', 'Decimal', 'Date', 'DateTime', 'Time']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Pushes an element's value(s): arrays are flattened, absent elements add nothing. */
function pushValue(value: unknown, out: unknown[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) for (const item of value) out.push(item);
  else out.push(value);
}

function navigate(keys: readonly string[]): Compiled['run'] {
  if (keys.length === 1) {
    const key = keys[0]!;
    return (input) => {
      const out: unknown[] = [];
      for (const item of input) if (isObject(item)) pushValue(item[key], out);
      return out;
    };
  }
  return (input) => {
    const out: unknown[] = [];
    for (const item of input) {
      if (!isObject(item)) continue;
      for (const key of keys) pushValue(item[key], out);
    }
    return out;
  };
}

/**
 * A chain of navigations from the context fused into one walk (no collection per step), writing
 * into `out` (see CollectingExpression): `steps[i]` are the keys read at depth i (several for a choice).
 */
function walkInto(steps: ReadonlyArray<readonly string[]>): Collect {
  const depth = steps.length;
  const visit = (value: unknown, level: number, out: unknown[], at: number): number => {
    if (level === depth) {
      out[at] = value;
      return at + 1;
    }
    if (!isObject(value)) return at;
    const keys = steps[level]!;
    for (let k = 0; k < keys.length; k++) {
      const child = value[keys[k]!];
      if (child === undefined) continue;
      if (Array.isArray(child)) for (let i = 0; i < child.length; i++) at = visit(child[i], level + 1, out, at);
      else at = visit(child, level + 1, out, at);
    }
    return at;
  };
  return (item, _resource, out, from) => visit(item, 0, out, from);
}

/** A collecting node as a running one (a new collection per call). */
function running(collect: Collect): Compiled['run'] {
  return (input, resource) => {
    const out: unknown[] = [];
    let at = 0;
    for (const item of input) at = collect(item, resource, out, at);
    // A filter leaves the items it dropped past its end.
    if (out.length > at) out.length = at;
    return out;
  };
}

/**
 * The chain of navigations of walkInto, returning a new collection (kept for the navigations
 * the collecting form does not serve).
 */
function walk(steps: ReadonlyArray<readonly string[]>): Compiled['run'] {
  const depth = steps.length;
  const visit = (value: unknown, level: number, out: unknown[]): void => {
    if (level === depth) {
      out.push(value);
      return;
    }
    if (!isObject(value)) return;
    for (const key of steps[level]!) {
      const child = value[key];
      if (child === undefined) continue;
      if (Array.isArray(child)) for (const item of child) visit(item, level + 1, out);
      else visit(child, level + 1, out);
    }
  };
  return (input) => {
    const out: unknown[] = [];
    for (const item of input) visit(item, 0, out);
    return out;
  };
}

function then(first: Compiled['run'], second: Compiled['run']): Compiled['run'] {
  return (input, resource) => second(first(input, resource), resource);
}

/** `Type.elem` starts at the context when `Type` is the context's type or one of its ancestors. */
function startsAtContext(name: string, contextPath: ModelPath): boolean {
  return name === contextPath || (!contextPath.includes('.') && derivesFrom(contextPath, name));
}

function child(of: Compiled, name: string): Compiled {
  if (of.shape.kind !== 'typed') throw new NotCompiled();
  // A resource of unknown type (Bundle.entry.resource, contained) has no fixed element list.
  if (of.shape.type === 'Resource' || of.shape.type === 'DomainResource') throw new NotCompiled();
  const info = elementOf(of.shape.path, name);
  if (!info) throw new NotCompiled();
  const keys = info.kind === 'choice' ? info.suffixes.map((s) => name + s) : [info.key];
  const shape: Shape = info.kind === 'choice' ? { kind: 'choice', suffixes: info.suffixes } : { kind: 'typed', type: info.type, path: info.path };
  if (of.steps) {
    const steps = [...of.steps, keys];
    const collect = walkInto(steps);
    const compiled: Compiled = { run: running(collect), shape, steps, collect };
    if (info.kind === 'choice') compiled.narrow = (suffixes) => walk([...of.steps!, suffixes.map((suffix) => name + suffix)]);
    return compiled;
  }
  const compiled: Compiled = { run: then(of.run, navigate(keys)), shape };
  if (info.kind === 'choice') compiled.narrow = (suffixes) => then(of.run, navigate(suffixes.map((suffix) => name + suffix)));
  return compiled;
}

/** `x.ofType(T)` / `x as T`: on a choice, the keys of that type; on a typed collection, all or nothing. */
function ofType(of: Compiled, type: string): Compiled {
  if (of.shape.kind === 'choice') {
    // The choice was navigated with all its keys: redo it with the keys of T and its subtypes
    // (canonical is a uri, Age a Quantity). FHIRPath's System types (`DateTime`) select the FHIR
    // primitive of the same name, as the fhirpath library does (Observation's code-value-date).
    const suffixes = of.shape.suffixes.filter((s) => derivesFrom(typeOfSuffix(s), type) || (SYSTEM_TYPES.has(type) && s === type));
    if (suffixes.length === 0 || !of.narrow) throw new NotCompiled();
    const narrowed: Compiled = { run: of.narrow(suffixes), shape: { kind: 'typed', type, path: type } };
    // Several suffixes (uri: Uri and Canonical) are items of different types: navigation stops there.
    if (suffixes.length > 1) narrowed.shape = { kind: 'opaque' };
    else if (of.steps) {
      const lastKeys = of.steps[of.steps.length - 1]!;
      const key = lastKeys[of.shape.suffixes.indexOf(suffixes[0]!)];
      if (key !== undefined) {
        narrowed.steps = [...of.steps.slice(0, -1), [key]];
        narrowed.collect = walkInto(narrowed.steps);
        narrowed.run = running(narrowed.collect);
      }
    }
    return narrowed;
  }
  if (of.shape.kind === 'typed' && of.shape.type === type && !isResourceType(type)) return of;
  throw new NotCompiled();
}

function compileNode(node: PathNode, contextPath: ModelPath): Compiled {
  switch (node.kind) {
    case 'root': {
      if (startsAtContext(node.name, contextPath)) {
        return { run: (input) => input, shape: { kind: 'typed', type: contextPath, path: contextPath }, steps: [], collect: walkInto([]) };
      }
      // A bare element name navigates from the context (`name | alias`).
      const context: Compiled = { run: (input) => input, shape: { kind: 'typed', type: contextPath, path: contextPath }, steps: [] };
      return { ...child(context, node.name), leading: node.name };
    }
    case 'resource': {
      // %resource: the resource whose type heads the context's path.
      const type = contextPath.split('.')[0]!;
      return { run: (_input, resource) => [resource], shape: { kind: 'typed', type, path: type } };
    }
    case 'child': {
      const of = compileNode(node.of, contextPath);
      const compiled = child(of, node.name);
      // The leading element is the first one read from the context (`Type.elem...`).
      const leading = of.leading ?? (node.of.kind === 'root' && startsAtContext(node.of.name, contextPath) ? node.name : undefined);
      return leading !== undefined ? { ...compiled, leading } : compiled;
    }
    case 'ofType': {
      const of = compileNode(node.of, contextPath);
      if (node.operator === 'as') {
        // `as` is defined on single items; the fhirpath library throws on several, so this does too.
        const narrowed = ofType(of, node.type);
        const run: Compiled['run'] = (input, resource) => {
          const before = of.run(input, resource);
          if (before.length > 1) throw new Error('as: more than one item');
          return narrowed.run(input, resource);
        };
        return keepLeading(of, { run, shape: narrowed.shape });
      }
      return keepLeading(of, ofType(of, node.type));
    }
    case 'index': {
      const of = compileNode(node.of, contextPath);
      const index = node.index;
      return keepLeading(of, {
        run: (input, resource) => {
          const items = of.run(input, resource);
          return index < items.length ? [items[index]] : [];
        },
        shape: of.shape,
      });
    }
    case 'whereResolveIs': {
      const of = compileNode(node.of, contextPath);
      if (of.shape.kind !== 'typed' || of.shape.type !== 'Reference') throw new NotCompiled();
      // resolve() is not available at write time: the reference's own text tells the type
      // (parameters.ts withoutResolve reads it the same way for the fhirpath library).
      const prefix = `${node.type}/`;
      const inner = `/${node.type}/`;
      const keep = (item: unknown): boolean => {
        if (!isObject(item) || typeof item.reference !== 'string') return false;
        return item.reference.startsWith(prefix) || item.reference.includes(inner);
      };
      return keepLeading(of, filtered(of, keep));
    }
    case 'whereEquals': {
      const of = compileNode(node.of, contextPath);
      if (of.shape.kind !== 'typed') throw new NotCompiled();
      const info = elementOf(of.shape.path, node.element);
      // Only a primitive compared with a string literal (`system = 'email'`).
      if (!info || info.kind !== 'element' || !/^[a-z]/.test(info.type)) throw new NotCompiled();
      const key = info.key;
      const literal = node.literal;
      const keep = (item: unknown): boolean => {
        if (!isObject(item)) return false;
        const value = item[key];
        return Array.isArray(value) ? value.length === 1 && value[0] === literal : value === literal;
      };
      return keepLeading(of, filtered(of, keep));
    }
    case 'exists': {
      const of = compileNode(node.of, contextPath);
      // No leading element: exists() yields false when the element is absent, so it must run.
      return { run: (input, resource) => [of.run(input, resource).length > 0], shape: { kind: 'opaque' } };
    }
    case 'equalsBoolean': {
      const of = compileNode(node.of, contextPath);
      const { literal, negated } = node;
      // https://hl7.org/fhirpath/N1/#equals: empty if the operand is empty; a collection of
      // another size, or an item of another type, is not equal.
      return keepLeading(of, {
        run: (input, resource) => {
          const items = of.run(input, resource);
          if (items.length === 0) return [];
          const equal = items.length === 1 && items[0] === literal;
          return [equal !== negated];
        },
        shape: { kind: 'opaque' },
      });
    }
    case 'and': {
      const runs = node.parts.map((part) => compileNode(part, contextPath).run);
      // https://hl7.org/fhirpath/N1/#and: three-valued; a single non-boolean item counts as true.
      return {
        run: (input, resource) => {
          let unknown = false;
          for (const run of runs) {
            const items = run(input, resource);
            if (items.length > 1) throw new Error('and: more than one item');
            if (items.length === 0) unknown = true;
            else if (items[0] === false) return [false];
          }
          return unknown ? [] : [true];
        },
        shape: { kind: 'opaque' },
      };
    }
    case 'union': {
      const parts = node.parts.map((part) => compileNode(part, contextPath));
      const runs = parts.map((part) => part.run);
      const union: Compiled = {
        run: (input, resource) => {
          const out: unknown[] = [];
          for (const run of runs) for (const item of run(input, resource)) out.push(item);
          return out;
        },
        // Navigation on from a union is not compiled (its branches may differ in type).
        shape: { kind: 'opaque' },
      };
      // Every branch reads the context: on one item, the branches' values one after the other.
      const collects = parts.map((part) => part.collect);
      if (collects.every((collect) => collect !== undefined)) {
        union.collect = (item, resource, out, from) => {
          let at = from;
          for (const collect of collects) at = collect!(item, resource, out, at);
          return at;
        };
      }
      return union;
    }
  }
}

/** `of` filtered by `keep`, collecting in place when `of` collects. */
function filtered(of: Compiled, keep: (item: unknown) => boolean): Compiled {
  const source = of.collect;
  if (!source) return { run: (input, resource) => of.run(input, resource).filter(keep), shape: of.shape };
  const collect: Collect = (item, resource, out, from) => {
    const end = source(item, resource, out, from);
    let at = from;
    for (let i = from; i < end; i++) {
      const value = out[i];
      if (keep(value)) out[at++] = value;
    }
    return at;
  };
  return { run: running(collect), shape: of.shape, collect };
}

function keepLeading(of: Compiled, compiled: Compiled): Compiled {
  return of.leading !== undefined ? { ...compiled, leading: of.leading } : compiled;
}



/** One top-level union branch of a composite's base expression, with the type of what it selects. */
export interface CompiledBranch {
  expression: string;
  evaluate: CompiledExpression;
  path: ModelPath;
}

/** The branches of `expression`, each compiled to a typed path; undefined if one cannot be. */
export function compileBranches(expression: string, contextPath: ModelPath): CompiledBranch[] | undefined {
  const node = parseSubset(expression);
  if (!node) return undefined;
  const branches: CompiledBranch[] = [];
  for (const part of node.kind === 'union' ? node.parts : [node]) {
    try {
      const compiled = compileNode(part, contextPath);
      if (compiled.shape.kind !== 'typed') return undefined;
      const run = compiled.run;
      branches.push({ expression: printPath(part), evaluate: (context, resource) => run([context], resource), path: compiled.shape.path });
    } catch (e) {
      if (e instanceof NotCompiled) return undefined;
      throw e;
    }
  }
  return branches;
}

/** FHIRPath text of a plain path node (composite base branches are plain paths). */
function printPath(node: PathNode): string {
  switch (node.kind) {
    case 'root':
      return node.name;
    case 'child':
      return `${printPath(node.of)}.${node.name}`;
    default:
      throw new NotCompiled();
  }
}

export interface CompileResult {
  evaluate?: CompiledExpression;
  /** The same evaluation writing into an array, for the expressions whose every step can. */
  collect?: CollectingExpression;
  /** The leading element of every union branch (all read from the context), when each has one. */
  elements?: readonly string[];
  /** Why the expression was not compiled. */
  refused?: string;
}

function leadingElementsOf(node: PathNode, contextPath: ModelPath): string[] | undefined {
  const parts = node.kind === 'union' ? node.parts : [node];
  const elements = new Set<string>();
  for (const part of parts) {
    const leading = compileNode(part, contextPath).leading;
    if (leading === undefined) return undefined;
    elements.add(leading);
  }
  return [...elements];
}

/**
 * Compiles `expression` with the context typed as `contextPath` (a resource type, or a backbone
 * element's path for composite components).
 */
export function compileExpression(expression: string, contextPath: ModelPath): CompileResult {
  const node = parseSubset(expression);
  if (!node) return { refused: 'outside the compiled FHIRPath subset' };
  try {
    const compiled = compileNode(node, contextPath);
    const run = compiled.run;
    const result: CompileResult = { evaluate: (context, resource) => run([context], resource) };
    const collect = compiled.collect;
    if (collect) result.collect = collect;
    const elements = leadingElementsOf(node, contextPath);
    if (elements) result.elements = elements;
    return result;
  } catch (e) {
    if (e instanceof NotCompiled) return { refused: 'a path or type the compiler does not model' };
    throw e;
  }
}
