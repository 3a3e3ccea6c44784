/**
 * Write-time extraction of search index values (https://hl7.org/fhir/R4/search.html#table):
 * every search parameter of the resource's type is evaluated (with its compiled extractor from
 * search/compiled/, or with the fhirpath library for expressions outside the compiled subset) and
 * its values are turned into typed rows. The JSON shape of a value tells its data type (FHIRPath
 * results on plain JSON do not carry one): `coding` → CodeableConcept, `reference` → Reference...
 * Also: composite rows (search.html#composite), `:identifier` and `:of-type` token rows, UCUM
 * canonical quantities (search/ucum.ts) and the text for `_text`/`_content` (search/full-text.ts).
 */
import type { Resource } from '@medplum/fhirtypes';
import { parseInstantSpan, type InstantSpan } from '../instant';
import type { CollectingExpression } from './compiled/compile';
import { BUILT_IN_PARAMETERS, searchParamsFor, type CompositeBranch, type SearchParamDef, type SearchParamType } from './parameters';
import { resourceTypes } from '../resource-types';
import { canonicalQuantity, UCUM_SYSTEM } from './ucum';
import { contentText, narrativeText } from './full-text';
import { positionRows, type PositionRow } from './near';
import { foldText } from './text-query';

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
  /** Location.position for `near` (search/near.ts). */
  position?: PositionRow[];
}

/** search.html#string: case- and accent-insensitive comparison form. */
export function normalizeString(text: string): string {
  // Most text is ASCII, where NFD changes nothing (and costs most of the time).
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
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

function stringRow(param: string, text: string, out: StringRow[]): void {
  out.push({ param, norm: normalizeString(text), value: text });
}

/** The rows of one string-parameter value, in the order of its parts. */
function stringRows(param: string, value: unknown, out: StringRow[]): void {
  if (typeof value === 'string') stringRow(param, value, out);
  else if (isObject(value)) {
    // HumanName and Address are searched by each of their parts (search.html#string).
    const parts = 'family' in value || 'given' in value ? HUMAN_NAME_PARTS : ADDRESS_PARTS;
    for (const part of parts) {
      const v = value[part];
      if (typeof v === 'string') stringRow(param, v, out);
      else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') stringRow(param, item, out);
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

/**
 * parseInstantSpan by text, remembered: a patient's encounters, observations and reports share a
 * few dates. Bounded (cleared when full); the spans are read here only, never handed out.
 */
const spanMemo = new Map<string, InstantSpan | null>();
const SPAN_MEMO_MAX = 20_000;

function spanOf(text: string): InstantSpan | undefined {
  let span = spanMemo.get(text);
  if (span === undefined) {
    span = parseInstantSpan(text) ?? null;
    if (spanMemo.size >= SPAN_MEMO_MAX) spanMemo.clear();
    spanMemo.set(text, span);
  }
  return span ?? undefined;
}

function dateRows(param: string, value: unknown, out: DateRow[]): void {
  if (typeof value === 'string') {
    const span = spanOf(value);
    if (span) out.push({ param, low: span.startMs, high: span.endMs });
    return;
  }
  if (!isObject(value)) return;
  if ('start' in value || 'end' in value) {
    // Period: an open end is unbounded (search.html#date).
    const start = typeof value.start === 'string' ? spanOf(value.start) : undefined;
    const end = typeof value.end === 'string' ? spanOf(value.end) : undefined;
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

/**
 * canonicalQuantity by (code, value), remembered: special units (Cel, [degF]) convert per value
 * through ucum-lhc's parser, and a corpus repeats the same few hundred readings. Bounded: cleared
 * when full. The results are the function's own (it is deterministic), so the rows are the same.
 */
const canonicalMemo = new Map<string, { value: number; code: string } | null>();
const CANONICAL_MEMO_MAX = 20_000;

function canonicalOf(amount: number, code: string): { value: number; code: string } | null {
  // 0 and -0 share a key text: zero is not remembered.
  if (amount === 0) return canonicalQuantity(amount, code);
  const memoKey = `${code}\u0000${amount}`;
  let canonical = canonicalMemo.get(memoKey);
  if (canonical === undefined) {
    canonical = canonicalQuantity(amount, code);
    if (canonicalMemo.size >= CANONICAL_MEMO_MAX) canonicalMemo.clear();
    canonicalMemo.set(memoKey, canonical);
  }
  return canonical;
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
  const system = currency ? 'urn:iso:std:iso:4217' : str(value.system);
  const code = currency ?? str(value.code);
  const canonical = system === UCUM_SYSTEM && code !== null ? canonicalOf(amount, code) : null;
  out.push({
    param,
    value: amount,
    system,
    code,
    unit: str(value.unit),
    canonValue: canonical?.value ?? null,
    canonCode: canonical?.code ?? null,
  });
}

/** `p:identifier` rows (search.html#modifiers): the identifier a Reference carries, system|value. */
function referenceIdentifierRows(param: string, values: readonly unknown[], count: number, out: TokenRow[]): void {
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (!isObject(value) || !isObject(value.identifier)) continue;
    const identifier = value.identifier;
    const code = str(identifier.value);
    const system = str(identifier.system);
    if (code !== null || system !== null) out.push({ param: `${param}:identifier`, system, code, display: null });
  }
}

/**
 * `p:of-type` rows (search.html#modifiers `:of-type`, Identifier only): for each coding of the
 * identifier's type, system = the coding's system and code = `<coding code>|<identifier value>`.
 */
function identifierTypeRows(param: string, values: readonly unknown[], count: number, out: TokenRow[]): void {
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (!isObject(value) || !isObject(value.type) || !Array.isArray(value.type.coding)) continue;
    const identifierValue = str(value.value);
    if (identifierValue === null) continue;
    for (const coding of value.type.coding) {
      if (!isObject(coding)) continue;
      const code = str(coding.code);
      if (code !== null) out.push({ param: `${param}:of-type`, system: str(coding.system), code: `${code}|${identifierValue}`, display: null });
    }
  }
}


function emptyRows(): IndexRows {
  return { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [] };
}

/** The rows of `values[0..count)` (a collecting extractor's array holds stale items past `count`). */
function addValues(param: string, type: SearchParamType, values: readonly unknown[], count: number, rows: IndexRows): void {
  switch (type) {
    case 'string':
      for (let i = 0; i < count; i++) stringRows(param, values[i], rows.string);
      break;
    case 'token':
      for (let i = 0; i < count; i++) tokenRows(param, values[i], rows.token);
      identifierTypeRows(param, values, count, rows.token);
      break;
    case 'reference':
      for (let i = 0; i < count; i++) referenceRows(param, values[i], rows.reference);
      referenceIdentifierRows(param, values, count, rows.token);
      break;
    case 'date':
      for (let i = 0; i < count; i++) dateRows(param, values[i], rows.date);
      break;
    case 'number':
      for (let i = 0; i < count; i++) {
        const n = numberOf(values[i]);
        if (n !== null) rows.number.push({ param, value: n });
      }
      break;
    case 'quantity':
      for (let i = 0; i < count; i++) quantityRows(param, values[i], rows.quantity);
      break;
    case 'uri':
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (typeof v === 'string') rows.uri.push({ param, value: v });
      }
      break;
    default:
      // composite parameters are expanded by their components; `near` (special) is not indexed.
      break;
  }
}

/** Whether a parameter's values come from extracted index rows of its own code. */
export function isIndexed(def: SearchParamDef): boolean {
  return def.evaluate !== undefined && !BUILT_IN_PARAMETERS.has(def.code) && def.type !== 'composite' && def.type !== 'special';
}

/** Which evaluator extraction uses: compiled where available (the default), or FHIRPath only (the reference). */
export type ExtractionMode = 'compiled' | 'fhirpath';

export interface ExtractionOptions {
  mode?: ExtractionMode;
  /**
   * Skip parameters whose leading elements the resource lacks (default true). Without it every
   * parameter is evaluated: the reference the shortcut is tested against.
   */
  skipAbsent?: boolean;
}

/** Identity keys of rows, without `param`/`group` (equal within one de-duplicated run) except for tokens. */
const NULL_KEY = '\u0001';
const rowKeys: { [K in keyof Omit<IndexRows, 'text' | 'position'>]: (row: IndexRows[K][number]) => string } = {
  string: (r) => r.value,
  // A reference run also adds `p:identifier` token rows: the param is part of a token's identity.
  token: (r) => `${r.param}\u0000${r.system ?? NULL_KEY}\u0000${r.code ?? NULL_KEY}\u0000${r.display ?? NULL_KEY}`,
  reference: (r) => `${r.targetType ?? NULL_KEY}\u0000${r.url}`,
  date: (r) => `${r.low}\u0000${r.high}`,
  number: (r) => String(r.value),
  quantity: (r) => `${r.value}\u0000${r.system ?? NULL_KEY}\u0000${r.code ?? NULL_KEY}\u0000${r.unit ?? NULL_KEY}`,
  uri: (r) => r.value,
};

/** Removes duplicates among `rows[from..]` in place (unions and repeated codings repeat values). */
function dedupeTail<T>(rows: T[], from: number, key: (row: T) => string): void {
  if (rows.length - from < 2) return;
  const seen = new Set<string>();
  let write = from;
  for (let read = from; read < rows.length; read++) {
    const row = rows[read]!;
    const k = key(row);
    if (seen.has(k)) continue;
    seen.add(k);
    rows[write++] = row;
  }
  rows.length = write;
}

type Marks = [number, number, number, number, number, number, number];

/**
 * The row counts before one run, in one array reused by every run (runs never nest: a run's marks
 * are read by its dedupeSince before the next run takes them): no array per parameter.
 */
const runMarks: Marks = [0, 0, 0, 0, 0, 0, 0];

function marks(rows: IndexRows): Marks {
  runMarks[0] = rows.string.length;
  runMarks[1] = rows.token.length;
  runMarks[2] = rows.reference.length;
  runMarks[3] = rows.date.length;
  runMarks[4] = rows.number.length;
  runMarks[5] = rows.quantity.length;
  runMarks[6] = rows.uri.length;
  return runMarks;
}

function dedupeSince(rows: IndexRows, since: Marks, group?: number): void {
  // Each kind by name (a run adds rows of one kind, two for tokens of a reference): no keyed access per kind.
  if (rows.string.length !== since[0]) dedupeList(rows.string, since[0], rowKeys.string, group);
  if (rows.token.length !== since[1]) dedupeList(rows.token, since[1], rowKeys.token, group);
  if (rows.reference.length !== since[2]) dedupeList(rows.reference, since[2], rowKeys.reference, group);
  if (rows.date.length !== since[3]) dedupeList(rows.date, since[3], rowKeys.date, group);
  if (rows.number.length !== since[4]) dedupeList(rows.number, since[4], rowKeys.number, group);
  if (rows.quantity.length !== since[5]) dedupeList(rows.quantity, since[5], rowKeys.quantity, group);
  if (rows.uri.length !== since[6]) dedupeList(rows.uri, since[6], rowKeys.uri, group);
}

function dedupeList<T extends { group?: number }>(list: T[], from: number, key: (row: T) => string, group: number | undefined): void {
  dedupeTail(list, from, key);
  if (group !== undefined) for (let j = from; j < list.length; j++) list[j]!.group = group;
}

/** One parameter as extraction runs it for one resource type. */
interface ParamRun {
  def: SearchParamDef;
  /** The evaluator (compiled, else FHIRPath), on (context, resource); undefined for composites. */
  evaluate?: (context: object, resource: object) => unknown[];
  /** The compiled evaluator writing into an array, when it has that form. */
  collect?: CollectingExpression;
  composite?: readonly CompositeBranch[];
  /** The extraction pass that last ran it (a parameter reached by two keys runs once). */
  pass: number;
}

interface TypePlan {
  /** Parameters that cannot be skipped by looking at the resource's keys. */
  always: ParamRun[];
  /** Parameters with leading elements, reached through the JSON keys that hold them. */
  keyed: ParamRun[];
  byKey: Map<string, ParamRun[]>;
}

const plans = new Map<string, TypePlan>();
let passCounter = 0;

function planFor(resourceType: string): TypePlan {
  let plan = plans.get(resourceType);
  if (plan) return plan;
  plan = { always: [], keyed: [], byKey: new Map() };
  for (const def of searchParamsFor(resourceType, resourceTypes()).values()) {
    let run: ParamRun | undefined;
    if (def.composite) run = { def, composite: def.composite, pass: 0 };
    else if (isIndexed(def)) {
      const library = def.evaluate;
      const evaluate = def.compiled ?? (library ? (resource: object) => library(resource) : undefined);
      if (evaluate) run = def.compiled && def.collect ? { def, evaluate, collect: def.collect, pass: 0 } : { def, evaluate, pass: 0 };
    }
    if (!run) continue;
    (def.elements ? plan.keyed : plan.always).push(run);
  }
  plans.set(resourceType, plan);
  return plan;
}

/** Whether JSON key `key` holds element `element`, or a choice form of it (`value` → `valueQuantity`). */
function keyHolds(key: string, element: string): boolean {
  if (key === element) return true;
  if (key.length <= element.length || !key.startsWith(element)) return false;
  const next = key.charCodeAt(element.length);
  return next >= 65 && next <= 90;
}

function runsForKey(plan: TypePlan, key: string): ParamRun[] {
  let runs = plan.byKey.get(key);
  if (!runs) {
    runs = plan.keyed.filter((run) => run.def.elements?.some((element) => keyHolds(key, element)));
    plan.byKey.set(key, runs);
  }
  return runs;
}

/** A failing expression contributes no rows (validation passed; it is a definitions problem). */
function valuesOf(evaluate: (context: object, resource: object) => unknown[], context: object, resource: object): unknown[] {
  try {
    return evaluate(context, resource);
  } catch {
    return [];
  }
}

function runParam(run: ParamRun, resource: object, mode: ExtractionMode, rows: IndexRows): void {
  const def = run.def;
  if (run.composite) {
    compositeRows(run.composite, resource, mode, rows);
    return;
  }
  if (mode === 'compiled' && run.collect) {
    let count: number;
    try {
      count = run.collect(resource, resource, scratch, 0);
    } catch {
      // As valuesOf: a failing expression contributes no rows.
      return;
    }
    if (count === 0) return;
    if (count > scratchUsed) scratchUsed = count;
    const since = marks(rows);
    addValues(def.code, def.type, scratch, count, rows);
    dedupeSince(rows, since);
    return;
  }
  const library = def.evaluate;
  const evaluate = mode === 'compiled' ? run.evaluate : library && ((context: object) => library(context));
  if (!evaluate) return;
  const values = valuesOf(evaluate, resource, resource);
  if (values.length === 0) return;
  const since = marks(rows);
  addValues(def.code, def.type, values, values.length, rows);
  dedupeSince(rows, since);
}

/**
 * The one array collecting extractors write each parameter's values into (runs never nest), and
 * how far the current resource's runs have filled it: emptied after each resource, so that it
 * holds no part of a resource once its rows are made.
 */
const scratch: unknown[] = [];
let scratchUsed = 0;

function releaseScratch(): void {
  for (let i = 0; i < scratchUsed; i++) scratch[i] = undefined;
  scratchUsed = 0;
}

/**
 * search.html#composite: for each element the composite selects (`group` = its index among
 * them, in the order of the expression's branches), each component's rows evaluated on that
 * element, with param `<code>$<component index>`; none for an element lacking a component.
 */
function compositeRows(branches: readonly CompositeBranch[], resource: object, mode: ExtractionMode, rows: IndexRows): void {
  let next = 0;
  for (const branch of branches) {
    for (const element of valuesOf(branch.select, resource, resource)) {
      if (typeof element !== 'object' || element === null) continue;
      const index = next++;
      // An element lacking a component can never match the composite: it gets no rows.
      const valuesByComponent: unknown[][] = [];
      for (const component of branch.components) {
        const evaluate = mode === 'compiled' ? (component.compiled ?? component.evaluate) : component.evaluate;
        const values = evaluate ? valuesOf(evaluate, element, resource) : [];
        if (values.length === 0) break;
        valuesByComponent.push(values);
      }
      if (valuesByComponent.length < branch.components.length) continue;
      for (const [i, component] of branch.components.entries()) {
        const since = marks(rows);
        const values = valuesByComponent[i]!;
        addValues(component.param, component.type, values, values.length, rows);
        dedupeSince(rows, since, index);
      }
    }
  }
}

/**
 * Index rows of one resource. Options other than the defaults give the reference that
 * test/unit/fhir/search-extract-compiled.test.ts checks the defaults against.
 */
export function extractIndexRows(resource: Resource, options: ExtractionOptions = {}): IndexRows {
  const mode = options.mode ?? 'compiled';
  const rows = emptyRows();
  const plan = planFor(resource.resourceType);
  if (options.skipAbsent === false) {
    for (const run of plan.always) runParam(run, resource, mode, rows);
    for (const run of plan.keyed) runParam(run, resource, mode, rows);
  } else {
    const pass = ++passCounter;
    for (const run of plan.always) runParam(run, resource, mode, rows);
    for (const key in resource) {
      for (const run of runsForKey(plan, key)) {
        if (run.pass === pass) continue;
        run.pass = pass;
        runParam(run, resource, mode, rows);
      }
    }
  }
  releaseScratch();
  // Folded once here so that queries (folded alike) ignore case and accents (search/text-query.ts).
  const narrative = foldText(narrativeText(resource));
  const content = foldText(contentText(resource));
  if (narrative || content) rows.text = { narrative, content };
  const positions = positionRows(resource);
  if (positions.length > 0) rows.position = positions;
  return rows;
}
