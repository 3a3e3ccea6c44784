/**
 * The text of a resource for `_text` and `_content` (https://hl7.org/fhir/R4/search.html#_text,
 * #_content), extracted at write time for the full-text index.
 * - narrative: Resource.text.div (XHTML, narrative.html) with its tags removed, its character
 *   references decoded and its whitespace collapsed.
 * - content: the values of every element of FHIR type `string` or `markdown` in the resource,
 *   contained resources included (HumanName and Address parts, Coding.display,
 *   CodeableConcept.text, Annotation.text, Identifier.value, ContactPoint.value, extension
 *   valueString...), in document order, one per line. Not included: the narrative (its own
 *   field; the FTS table searched as a whole covers both), Reference.reference (a URL), and
 *   elements of other types (id, uri, url, canonical, code, dates, numbers, booleans,
 *   base64Binary), nor extensions of primitive values (`_given`).
 */
import { elementForKey, isResourceType, type ModelPath } from './compiled/model';

/** HTML 4 Latin-1 entity names, for code points 160 to 255 in order. */
const LATIN1_NAMES =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';

/** Named character references: XML's five, the Latin-1 set and common punctuation. */
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ...LATIN1_NAMES.split(' ').map((name, i): [string, string] => [name, String.fromCharCode(160 + i)]),
  ['ndash', '\u2013'],
  ['mdash', '\u2014'],
  ['lsquo', '\u2018'],
  ['rsquo', '\u2019'],
  ['ldquo', '\u201c'],
  ['rdquo', '\u201d'],
  ['bull', '\u2022'],
  ['hellip', '\u2026'],
  ['trade', '\u2122'],
  ['euro', '\u20ac'],
]);

function decodeEntity(entity: string, body: string): string {
  if (body.startsWith('#x') || body.startsWith('#X')) {
    const code = Number.parseInt(body.slice(2), 16);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  }
  if (body.startsWith('#')) {
    const code = Number.parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  }
  return NAMED_ENTITIES.get(body) ?? entity;
}

/** Plain text of an XHTML fragment: tags become spaces (block boundaries separate words). */
export function xhtmlToText(xhtml: string): string {
  return xhtml
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, decodeEntity)
    .replace(/\s+/g, ' ')
    .trim();
}

/** search.html#_text: the narrative's text, '' without one. */
export function narrativeText(resource: object): string {
  const text = (resource as { text?: unknown }).text;
  if (typeof text !== 'object' || text === null) return '';
  const div = (text as { div?: unknown }).div;
  return typeof div === 'string' ? xhtmlToText(div) : '';
}

const TEXT_TYPES: ReadonlySet<string> = new Set(['string', 'markdown']);

/** What the walk does with one JSON key of one type, worked out once per (type, key). */
interface KeyAction {
  /** Collect its string values. */
  text: boolean;
  /** Walk into it with this type (undefined: leaf, or resources typed by their resourceType). */
  into?: TypeNode;
  /** Contained or entry resources: walk each with its own type. */
  resource: boolean;
}

interface TypeNode {
  path: ModelPath;
  keys: Map<string, KeyAction | null>;
}

const nodes = new Map<ModelPath, TypeNode>();

function nodeOf(path: ModelPath): TypeNode {
  let node = nodes.get(path);
  if (!node) {
    node = { path, keys: new Map() };
    nodes.set(path, node);
  }
  return node;
}

function actionOf(node: TypeNode, key: string): KeyAction | null {
  const element = elementForKey(node.path, key);
  if (!element || element.type === 'xhtml') return null;
  if (TEXT_TYPES.has(element.type)) return node.path === 'Reference' && key === 'reference' ? null : { text: true, resource: false };
  if (element.type === 'Resource') return { text: false, resource: true };
  // Other primitives (lower-case types and System.*) hold no text of their own.
  if (/^[a-z]/.test(element.type) || element.type.startsWith('System.')) return null;
  return { text: false, resource: false, into: nodeOf(element.path) };
}

function collect(value: unknown, node: TypeNode, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, node, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const child = record[key];
    if (child === undefined || child === null) continue;
    let action = node.keys.get(key);
    if (action === undefined) {
      action = actionOf(node, key);
      node.keys.set(key, action);
    }
    if (action === null) continue;
    if (action.text) {
      if (typeof child === 'string') out.push(child);
      else if (Array.isArray(child)) for (const item of child) if (typeof item === 'string') out.push(item);
    } else if (action.into) {
      collect(child, action.into, out);
    } else if (action.resource) {
      // contained, Bundle.entry.resource: typed by their own resourceType.
      for (const item of Array.isArray(child) ? child : [child]) {
        const type = typeof item === 'object' && item !== null ? (item as { resourceType?: unknown }).resourceType : undefined;
        if (typeof type === 'string' && isResourceType(type)) collect(item, nodeOf(type), out);
      }
    }
  }
}

/** search.html#_content: the resource's string and markdown values (see the module comment). */
export function contentText(resource: { resourceType: string }): string {
  if (!isResourceType(resource.resourceType)) return '';
  const out: string[] = [];
  collect(resource, nodeOf(resource.resourceType), out);
  return out.join('\n');
}
