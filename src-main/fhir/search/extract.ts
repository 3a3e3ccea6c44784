/**
 * Write-time extraction of search index values (https://hl7.org/fhir/R4/search.html#table):
 * every search parameter of the resource's type is evaluated with FHIRPath and its values are
 * turned into typed rows. The JSON shape of a value tells its data type (FHIRPath results on
 * plain JSON do not carry one): `coding` → CodeableConcept, `reference` → Reference, and so on.
 */
import type { Resource } from '@medplum/fhirtypes';
import { parseInstantSpan } from '../instant';
import { BUILT_IN_PARAMETERS, searchParamsFor, type SearchParamDef } from './parameters';
import { resourceTypes } from '../resource-types';

/** Ends of open date ranges (beyond any real date, inside the safe integer range). */
export const DATE_MIN_MS = -8.64e15;
export const DATE_MAX_MS = 8.64e15;

/**
 * Every row may belong to a composite parameter's component (search.html#composite): then its
 * `param` is `<composite code>$<component index>` and `group` numbers the composite's base element
 * within the resource, so that the components of one element can be matched together.
 */
interface RowBase { param: string; group?: number }
export interface StringRow extends RowBase { norm: string; value: string }
/**
 * Besides each parameter's own rows, a reference parameter `p` has token rows `p:identifier`
 * (Reference.identifier system|value, search.html#modifiers `:identifier`), and an Identifier-valued
 * token parameter `p` has rows `p:of-type` with system = type coding system and code =
 * `<type code>|<identifier value>` (`:of-type`).
 */
export interface TokenRow extends RowBase { system: string | null; code: string | null; display: string | null }
export interface ReferenceRow extends RowBase { targetType: string | null; targetId: string | null; url: string }
export interface DateRow extends RowBase { low: number; high: number }
export interface NumberRow extends RowBase { value: number }
/** `canonValue`/`canonCode`: the value in UCUM canonical units when the unit is UCUM and converts. */
export interface QuantityRow extends RowBase {
  value: number;
  system: string | null;
  code: string | null;
  unit: string | null;
  canonValue?: number | null;
  canonCode?: string | null;
}
export interface UriRow extends RowBase { value: string }

/** Full text of one resource (search.html#_text: the narrative; #_content: all its text). */
export interface TextRow { narrative: string; content: string }

export interface IndexRows {
  string: StringRow[];
  token: TokenRow[];
  reference: ReferenceRow[];
  date: DateRow[];
  number: NumberRow[];
  quantity: QuantityRow[];
  uri: UriRow[];
  text?: TextRow;
}

/** search.html#string: case- and accent-insensitive comparison form. */
export function normalizeString(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

const HUMAN_NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function stringValues(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (isObject(value)) {
    // HumanName and Address are searched by each of their parts (search.html#string).
    const parts = 'family' in value || 'given' in value ? HUMAN_NAME_PARTS : ADDRESS_PARTS;
    for (const part of parts) {
      const v = value[part];
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') out.push(item);
    }
  }
}

function tokenRows(param: string, value: unknown, out: TokenRow[]): void {
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    out.push({ param, system: null, code: String(value), display: null });
    return;
  }
  if (!isObject(value)) return;
  if (Array.isArray(value.coding) || typeof value.text === 'string') {
    // CodeableConcept: each coding, and its text for :text.
    const text = str(value.text);
    for (const coding of Array.isArray(value.coding) ? value.coding : []) {
      if (!isObject(coding)) continue;
      const display = str(coding.display) ?? text;
      out.push({ param, system: str(coding.system), code: str(coding.code), display: display ? normalizeString(display) : null });
    }
    if (text && !Array.isArray(value.coding)) out.push({ param, system: null, code: null, display: normalizeString(text) });
    return;
  }
  if ('code' in value) {
    // Coding
    const display = str(value.display);
    out.push({ param, system: str(value.system), code: str(value.code), display: display ? normalizeString(display) : null });
    return;
  }
  if ('value' in value) {
    // Identifier and ContactPoint: system|value.
    const type = isObject(value.type) ? str(value.type.text) : null;
    out.push({ param, system: str(value.system), code: str(value.value), display: type ? normalizeString(type) : null });
  }
}

/**
 * A relative reference `Type/id` (or `Type/id/_history/n`) names a resource of this store; an
 * absolute URL names one elsewhere and is matched by its URL only (search.html#reference).
 */
function referenceRow(param: string, reference: string): ReferenceRow {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference);
  return { param, targetType: m?.[1] ?? null, targetId: m?.[2] ?? null, url: reference };
}

function referenceRows(param: string, value: unknown, out: ReferenceRow[]): void {
  if (typeof value === 'string') {
    // canonical / uri: the URL, and the URL without its |version.
    out.push({ param, targetType: null, targetId: null, url: value });
    const bar = value.indexOf('|');
    if (bar > 0) out.push({ param, targetType: null, targetId: null, url: value.slice(0, bar) });
  } else if (isObject(value) && typeof value.reference === 'string') {
    out.push(referenceRow(param, value.reference));
  }
}

function dateRows(param: string, value: unknown, out: DateRow[]): void {
  if (typeof value === 'string') {
    const span = parseInstantSpan(value);
    if (span) out.push({ param, low: span.startMs, high: span.endMs });
    return;
  }
  if (!isObject(value)) return;
  if ('start' in value || 'end' in value) {
    // Period: an open end is unbounded (search.html#date).
    const start = typeof value.start === 'string' ? parseInstantSpan(value.start) : undefined;
    const end = typeof value.end === 'string' ? parseInstantSpan(value.end) : undefined;
    out.push({ param, low: start?.startMs ?? DATE_MIN_MS, high: end?.endMs ?? DATE_MAX_MS });
    return;
  }
  if (Array.isArray(value.event)) {
    // Timing: each event.
    for (const event of value.event) dateRows(param, event, out);
  }
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function quantityRows(param: string, value: unknown, out: QuantityRow[]): void {
  if (!isObject(value)) return;
  if (isObject(value.low) || isObject(value.high)) {
    // Range: its bounds.
    quantityRows(param, value.low, out);
    quantityRows(param, value.high, out);
    return;
  }
  const amount = numberOf(value.value);
  if (amount === null) return;
  // Money has a currency and no system: ISO 4217 codes are its units.
  const currency = str(value.currency);
  out.push({
    param,
    value: amount,
    system: currency ? 'urn:iso:std:iso:4217' : str(value.system),
    code: currency ?? str(value.code),
    unit: str(value.unit),
  });
}

function emptyRows(): IndexRows {
  return { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [] };
}

function addValues(def: SearchParamDef, values: unknown[], rows: IndexRows): void {
  const param = def.code;
  switch (def.type) {
    case 'string': {
      const texts: string[] = [];
      for (const v of values) stringValues(v, texts);
      for (const text of texts) rows.string.push({ param, norm: normalizeString(text), value: text });
      break;
    }
    case 'token':
      for (const v of values) tokenRows(param, v, rows.token);
      break;
    case 'reference':
      for (const v of values) referenceRows(param, v, rows.reference);
      break;
    case 'date':
      for (const v of values) dateRows(param, v, rows.date);
      break;
    case 'number':
      for (const v of values) {
        const n = numberOf(v);
        if (n !== null) rows.number.push({ param, value: n });
      }
      break;
    case 'quantity':
      for (const v of values) quantityRows(param, v, rows.quantity);
      break;
    case 'uri':
      for (const v of values) if (typeof v === 'string') rows.uri.push({ param, value: v });
      break;
    default:
      // composite and special parameters are not indexed (docs/search-coverage.md).
      break;
  }
}

/** Drops duplicate rows (unions and repeated codings often yield the same value twice). */
function unique<T extends object>(rows: T[]): T[] {
  if (rows.length < 2) return rows;
  const seen = new Set<string>();
  return rows.filter((row) => {
    const k = Object.values(row).join('\u0000');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether the resource has the element, or a choice form of it (`value` → `valueQuantity`). */
function hasElement(resource: object, keys: readonly string[], element: string): boolean {
  if (element in resource) return true;
  for (const key of keys) {
    if (key.length > element.length && key.startsWith(element)) {
      const next = key.charCodeAt(element.length);
      if (next >= 65 && next <= 90) return true;
    }
  }
  return false;
}

/** Whether a parameter's values come from extracted index rows. */
export function isIndexed(def: SearchParamDef): boolean {
  return def.evaluate !== undefined && !BUILT_IN_PARAMETERS.has(def.code) && def.type !== 'composite' && def.type !== 'special';
}

/**
 * Index rows of one resource. A parameter whose expression fails on this resource contributes
 * no rows (the resource passed validation; a failing expression is a definitions problem and
 * must not make the write fail).
 */
export function extractIndexRows(resource: Resource): IndexRows {
  const rows = emptyRows();
  const params = searchParamsFor(resource.resourceType, resourceTypes());
  const keys = Object.keys(resource);
  for (const def of params.values()) {
    if (!isIndexed(def) || !def.evaluate) continue;
    if (def.elements && !def.elements.some((element) => hasElement(resource, keys, element))) continue;
    let values: unknown[];
    try {
      values = def.evaluate(resource);
    } catch {
      continue;
    }
    if (values.length > 0) addValues(def, values, rows);
  }
  return {
    string: unique(rows.string),
    token: unique(rows.token),
    reference: unique(rows.reference),
    date: unique(rows.date),
    number: unique(rows.number),
    quantity: unique(rows.quantity),
    uri: unique(rows.uri),
  };
}
