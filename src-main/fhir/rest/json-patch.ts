/**
 * JSON Patch (RFC 6902) for the FHIR patch interaction (https://hl7.org/fhir/R4/http.html#patch).
 * Applies to a copy; the input is never changed. A malformed patch document is a 400; a patch
 * that cannot be applied (missing path, failed `test`) is a 422, as http.html#patch allows.
 */
import { fhirError } from '../outcome-error';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string[];
  from?: string[];
  value?: Json;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function malformed(index: number, reason: string) {
  return fhirError('invalid', `JSON Patch operation ${index}: ${reason}`, 400, [`Patch[${index}]`]);
}

function unprocessable(index: number, reason: string) {
  return fhirError('processing', `JSON Patch operation ${index}: ${reason}`, 422, [`Patch[${index}]`]);
}

/** RFC 6901 JSON Pointer → tokens. */
function pointer(text: unknown, index: number): string[] {
  if (typeof text !== 'string' || (text !== '' && !text.startsWith('/'))) throw malformed(index, 'path must be a JSON Pointer');
  if (text === '') return [];
  return text
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Checks the patch document's shape (RFC 6902 §4). */
export function parsePatch(value: unknown): PatchOperation[] {
  if (!Array.isArray(value)) throw fhirError('invalid', 'A JSON Patch document is a JSON array of operations', 400);
  return value.map((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed(index, 'not an object');
    const record = raw as Record<string, unknown>;
    if (typeof record.op !== 'string' || !OPS.has(record.op)) throw malformed(index, 'op must be add, remove, replace, move, copy or test');
    const op: PatchOperation = { op: record.op as PatchOperation['op'], path: pointer(record.path, index) };
    if (op.op === 'move' || op.op === 'copy') op.from = pointer(record.from, index);
    if (op.op === 'add' || op.op === 'replace' || op.op === 'test') {
      if (!('value' in record)) throw malformed(index, `${op.op} needs a value`);
      op.value = record.value as Json;
    }
    return op;
  });
}

function isContainer(value: Json | undefined): value is Json[] | { [key: string]: Json } {
  return typeof value === 'object' && value !== null;
}

/** The parent container of a path and the last token; every step must exist. */
function parentOf(doc: Json, path: string[], index: number): { parent: Json[] | { [key: string]: Json }; last: string } {
  if (path.length === 0) throw unprocessable(index, 'the whole document cannot be replaced');
  let node: Json = doc;
  for (const token of path.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[arrayIndex(node, token, index, false)] : isContainer(node) && Object.hasOwn(node, token) ? node[token] : undefined;
    if (!isContainer(next ?? null)) throw unprocessable(index, `path /${path.join('/')} does not exist`);
    node = next as Json;
  }
  if (!isContainer(node)) throw unprocessable(index, `path /${path.join('/')} does not exist`);
  return { parent: node, last: path[path.length - 1]! };
}

function arrayIndex(array: Json[], token: string, index: number, forAdd: boolean): number {
  if (forAdd && token === '-') return array.length;
  if (!/^(0|[1-9]\d{0,8})$/.test(token)) throw unprocessable(index, `"${token.slice(0, 20)}" is not an array index`);
  const at = Number(token);
  if (at > array.length || (!forAdd && at === array.length)) throw unprocessable(index, `array index ${at} is out of range`);
  return at;
}

/** Guards objects against prototype pollution through patch paths. */
function assertSafeKey(key: string, index: number): void {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw malformed(index, `"${key}" is not allowed in a path`);
}

function get(doc: Json, path: string[], index: number): Json {
  if (path.length === 0) return doc;
  const { parent, last } = parentOf(doc, path, index);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, index, false)]!;
  if (!Object.hasOwn(parent, last)) throw unprocessable(index, `path /${path.join('/')} does not exist`);
  return parent[last]!;
}

function add(doc: Json, path: string[], value: Json, index: number): void {
  const { parent, last } = parentOf(doc, path, index);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, index, true), 0, value);
  else {
    assertSafeKey(last, index);
    parent[last] = value;
  }
}

function remove(doc: Json, path: string[], index: number): Json {
  const { parent, last } = parentOf(doc, path, index);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, index, false), 1)[0]!;
  if (!Object.hasOwn(parent, last)) throw unprocessable(index, `path /${path.join('/')} does not exist`);
  const old = parent[last]!;
  delete parent[last];
  return old;
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  }
  if (!isContainer(a) || !isContainer(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k]!, b[k]!));
}

/** Applies the operations in order to a deep copy of `document` (RFC 6902 §5: all or nothing). */
export function applyJsonPatch<T extends object>(document: T, operations: readonly PatchOperation[]): T {
  const doc = structuredClone(document) as unknown as Json;
  operations.forEach((op, index) => {
    for (const token of op.path) assertSafeKey(token, index);
    switch (op.op) {
      case 'add':
        add(doc, op.path, structuredClone(op.value!), index);
        break;
      case 'remove':
        remove(doc, op.path, index);
        break;
      case 'replace':
        remove(doc, op.path, index);
        add(doc, op.path, structuredClone(op.value!), index);
        break;
      case 'move': {
        const from = op.from!;
        if (op.path.length > from.length && from.every((t, i) => op.path[i] === t)) throw unprocessable(index, 'cannot move a value into itself');
        add(doc, op.path, remove(doc, from, index), index);
        break;
      }
      case 'copy':
        add(doc, op.path, structuredClone(get(doc, op.from!, index)), index);
        break;
      case 'test':
        if (!deepEqual(get(doc, op.path, index), op.value!)) throw unprocessable(index, `test failed at /${op.path.join('/')}`);
        break;
    }
  });
  // The caller checks the patched document is still a valid resource of the same type and id.
  return doc as unknown as T;
}
