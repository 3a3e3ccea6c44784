/**
 * FHIRPath Patch (https://hl7.org/fhir/R4/fhirpatch.html) for the patch interaction
 * (http.html#patch): a Parameters resource whose `operation` parameters add, insert, delete,
 * replace or move elements located by FHIRPath (the fhirpath library with the R4 model).
 * Applies to a copy. A malformed Parameters (unknown type, missing part, FHIRPath that does not
 * parse) is a 400; an operation that cannot apply (no or several targets, index out of range)
 * is a 422.
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { fhirError } from '../outcome-error';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type FhirPatchOperation =
  | { type: 'add'; path: string; name: string; value: Json }
  | { type: 'insert'; path: string; index: number; value: Json }
  | { type: 'delete'; path: string }
  | { type: 'replace'; path: string; value: Json }
  | { type: 'move'; path: string; source: number; destination: number };

interface ParameterPart {
  name?: unknown;
  part?: unknown;
  [key: string]: unknown;
}

function malformed(index: number, reason: string) {
  return fhirError('invalid', `FHIRPath Patch operation ${index}: ${reason}`, 400, [`Parameters.parameter[${index}]`]);
}

function unprocessable(index: number, reason: string) {
  return fhirError('processing', `FHIRPath Patch operation ${index}: ${reason}`, 422, [`Parameters.parameter[${index}]`]);
}

/** The `value[x]` of a part, or an object built from its sub-parts (fhirpatch.html: complex values without a type). */
function partValue(part: ParameterPart): Json | undefined {
  for (const [key, value] of Object.entries(part)) {
    if (/^value[A-Z]/.test(key)) return value as Json;
  }
  if (!Array.isArray(part.part)) return undefined;
  const built: JsonObject = {};
  for (const child of part.part as ParameterPart[]) {
    if (typeof child?.name !== 'string') continue;
    const value = partValue(child);
    if (value === undefined) continue;
    const existing = built[child.name];
    // A repeated name is a list (fhirpatch.html#parameters).
    built[child.name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return built;
}

function integerPart(parts: Map<string, ParameterPart>, name: string, index: number): number {
  const value = parts.get(name)?.valueInteger;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw malformed(index, `${name} must be a non-negative valueInteger`);
  return value;
}

/** Checks the Parameters shape (fhirpatch.html#parameters) and returns the operations in order. */
export function parseFhirPatch(value: unknown): FhirPatchOperation[] {
  const parameters = value as { resourceType?: unknown; parameter?: unknown } | null;
  if (typeof parameters !== 'object' || parameters === null || parameters.resourceType !== 'Parameters') {
    throw fhirError('invalid', 'A FHIRPath Patch is a Parameters resource', 400);
  }
  const list = Array.isArray(parameters.parameter) ? (parameters.parameter as ParameterPart[]) : [];
  return list.map((operation, index) => {
    if (operation?.name !== 'operation' || !Array.isArray(operation.part)) throw malformed(index, 'each parameter is an "operation" with parts');
    const parts = new Map<string, ParameterPart>();
    for (const part of operation.part as ParameterPart[]) if (typeof part?.name === 'string') parts.set(part.name, part);
    const type = parts.get('type')?.valueCode;
    const path = parts.get('path')?.valueString;
    if (typeof path !== 'string' || path.trim() === '') throw malformed(index, 'path (valueString) is required');
    const valuePart = parts.get('value');
    const requireValue = (): Json => {
      const v = valuePart ? partValue(valuePart) : undefined;
      if (v === undefined) throw malformed(index, `${String(type)} needs a value`);
      return v;
    };
    switch (type) {
      case 'add': {
        const name = parts.get('name')?.valueString;
        if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name)) throw malformed(index, 'add needs a name (an element name)');
        return { type, path, name, value: requireValue() };
      }
      case 'insert':
        return { type, path, index: integerPart(parts, 'index', index), value: requireValue() };
      case 'delete':
        return { type, path };
      case 'replace':
        return { type, path, value: requireValue() };
      case 'move':
        return { type, path, source: integerPart(parts, 'source', index), destination: integerPart(parts, 'destination', index) };
      default:
        throw malformed(index, 'type must be add, insert, delete, replace or move');
    }
  });
}

/** What the fhirpath library returns with `resolveInternalTypes: false` for a node of the resource. */
interface PathNode {
  data: unknown;
  path: string | null;
  propName: string | null;
  index: number | null;
  parentResNode: PathNode | null;
}

function isPathNode(value: unknown): value is PathNode {
  return typeof value === 'object' && value !== null && 'parentResNode' in value && 'propName' in value;
}

function evaluateNodes(resource: JsonObject, path: string, index: number): PathNode[] {
  let result: unknown;
  try {
    result = fhirpath.evaluate(resource, path, undefined, r4Model, { resolveInternalTypes: false });
  } catch {
    throw malformed(index, `"${path.slice(0, 100)}" is not a FHIRPath expression this server can evaluate`);
  }
  const nodes = Array.isArray(result) ? result : [];
  if (nodes.some((n) => !isPathNode(n))) throw unprocessable(index, 'the path must select elements of the resource');
  return nodes as PathNode[];
}

function single(nodes: PathNode[], index: number, what: string): PathNode {
  if (nodes.length !== 1) throw unprocessable(index, `${what} must match exactly one element (found ${nodes.length})`);
  return nodes[0]!;
}

function assertSafeKey(key: string, index: number): void {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw malformed(index, `"${key}" is not an element name`);
}

/** The JSON key of a node in its parent: the element name, or `nameType` for a choice element (json.html#choice). */
function keyIn(parent: JsonObject, propName: string): string | undefined {
  if (Object.hasOwn(parent, propName)) return propName;
  return Object.keys(parent).find((k) => k.startsWith(propName) && /^[A-Z]/.test(k.slice(propName.length)));
}

/** Where a node lives: its parent object, its key there, and its position when the key holds a list. */
function locate(node: PathNode, index: number): { parent: JsonObject; key: string; at: number | null } {
  const parent = node.parentResNode?.data;
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent) || node.propName === null) {
    throw unprocessable(index, 'the path must select an element inside the resource');
  }
  const object = parent as JsonObject;
  const key = keyIn(object, node.propName);
  if (key === undefined) throw unprocessable(index, 'the selected element was not found in its parent');
  return { parent: object, key, at: Array.isArray(object[key]) ? node.index : null };
}

/** `list.name` at the end of a path: the list's owner expression and the element name (insert, move). */
function splitListPath(path: string, index: number): { ownerPath: string; name: string } {
  const m = /^(.*)\.([A-Za-z][A-Za-z0-9]*)$/s.exec(path.trim());
  if (!m) throw malformed(index, 'insert and move need a path ending in a list element name');
  return { ownerPath: m[1]!, name: m[2]! };
}

function ownerObject(resource: JsonObject, ownerPath: string, index: number): JsonObject {
  const owner = single(evaluateNodes(resource, ownerPath, index), index, 'the parent of the list');
  if (typeof owner.data !== 'object' || owner.data === null || Array.isArray(owner.data)) throw unprocessable(index, 'the parent of the list is not an element');
  return owner.data as JsonObject;
}

/** Whether `name` under the node at `path` repeats (R4 model path2Repeating: HumanName.given, Patient.contact.telecom...). */
function repeats(node: PathNode, resource: JsonObject, name: string): boolean {
  const owner = node.parentResNode === null ? String(resource.resourceType) : (node.path ?? '');
  return (r4Model as { path2Repeating?: Record<string, boolean> }).path2Repeating?.[`${owner}.${name}`] === true;
}

/** Removes item `at` of `parent[key]` and the matching `_key` entry (primitive extensions, json.html#primitive). */
function removeFromList(parent: JsonObject, key: string, at: number): void {
  (parent[key] as Json[]).splice(at, 1);
  const shadow = parent[`_${key}`];
  if (Array.isArray(shadow)) shadow.splice(at, 1);
  if ((parent[key] as Json[]).length === 0) {
    delete parent[key];
    delete parent[`_${key}`];
  }
}

function applyOne(resource: JsonObject, op: FhirPatchOperation, index: number): void {
  switch (op.type) {
    case 'add': {
      const target = single(evaluateNodes(resource, op.path, index), index, 'add: the path');
      if (typeof target.data !== 'object' || target.data === null || Array.isArray(target.data)) throw unprocessable(index, 'add: the path must select an element with children');
      assertSafeKey(op.name, index);
      const object = target.data as JsonObject;
      const existing = object[op.name];
      if (Array.isArray(existing)) existing.push(structuredClone(op.value));
      else if (existing !== undefined) throw unprocessable(index, `add: ${op.name} already has a value (use replace)`);
      else object[op.name] = repeats(target, resource, op.name) ? [structuredClone(op.value)] : structuredClone(op.value);
      return;
    }
    case 'insert': {
      const { ownerPath, name } = splitListPath(op.path, index);
      assertSafeKey(name, index);
      const owner = ownerObject(resource, ownerPath, index);
      const list = owner[name] ?? [];
      if (!Array.isArray(list)) throw unprocessable(index, `insert: ${name} is not a list`);
      if (op.index > list.length) throw unprocessable(index, `insert: index ${op.index} is past the end of the list (${list.length})`);
      list.splice(op.index, 0, structuredClone(op.value));
      owner[name] = list;
      return;
    }
    case 'delete': {
      const nodes = evaluateNodes(resource, op.path, index);
      // fhirpatch.html: deleting what is not there is not an error.
      if (nodes.length === 0) return;
      const { parent, key, at } = locate(single(nodes, index, 'delete: the path'), index);
      if (at !== null) removeFromList(parent, key, at);
      else {
        delete parent[key];
        delete parent[`_${key}`];
      }
      return;
    }
    case 'replace': {
      const { parent, key, at } = locate(single(evaluateNodes(resource, op.path, index), index, 'replace: the path'), index);
      if (at !== null) (parent[key] as Json[])[at] = structuredClone(op.value);
      else parent[key] = structuredClone(op.value);
      return;
    }
    case 'move': {
      const { ownerPath, name } = splitListPath(op.path, index);
      const owner = ownerObject(resource, ownerPath, index);
      const list = owner[name];
      if (!Array.isArray(list)) throw unprocessable(index, `move: ${name} is not a list`);
      if (op.source >= list.length || op.destination >= list.length) throw unprocessable(index, `move: index out of range (the list has ${list.length})`);
      const [item] = list.splice(op.source, 1);
      list.splice(op.destination, 0, item!);
      const shadow = owner[`_${name}`];
      if (Array.isArray(shadow) && shadow.length > op.source) {
        const [extension] = shadow.splice(op.source, 1);
        shadow.splice(op.destination, 0, extension ?? null);
      }
      return;
    }
  }
}

/** Applies the operations in order to a deep copy (all or nothing: the first failure throws). */
export function applyFhirPatch<T extends object>(document: T, operations: readonly FhirPatchOperation[]): T {
  // A resource is JSON; the copy is patched through that view and handed back as the same type.
  const copy = structuredClone(document) as unknown as JsonObject;
  operations.forEach((op, index) => applyOne(copy, op, index));
  return copy as unknown as T;
}
