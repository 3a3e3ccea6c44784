/**
 * A brute-force search oracle: every parameter's values are read with the fhirpath library from the
 * spec's own SearchParameter bundle (../shared/data/fhir-r4/search-parameters.json) and each
 * resource is tested one by one, with the matching rules of https://hl7.org/fhir/R4/search.html
 * written out plainly (no index, no SQL). It judges the queries @medplum/fhir-router's
 * MemoryRepository cannot answer (number, quantity, :exact, :text, :[type], :above/:below, _has,
 * chains it refuses) and checks Hearth's side of every documented divergence.
 */
import { readFileSync } from 'node:fs';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { Resource } from '@medplum/fhirtypes';
import { narrowExpression } from './narrow';
import { baseUnits, convertUcum, UCUM } from './ucum-convert';
import {
  compositeElements,
  contentStrings,
  expandValueSet,
  narrativeOf,
  type OracleComposite,
  splitKeepingEscapes,
  textMatches,
  textWords,
  unescapeValue,
} from './oracle-features';

export type ParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri';
const SEARCHABLE: ReadonlySet<string> = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);

export interface OracleParam {
  code: string;
  type: ParamType;
  expression: string;
  targets: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** search.html#string: "normalized by case and accent". */
export function fold(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** [low, high) in ms: the span a FHIR date/dateTime/instant names by its precision (search.html#date). */
export function dateSpan(value: string): { low: number; high: number } | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const zoneMs = !zone || zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  const at = (yy: number, mm: number, dd: number, hh: number, mn: number, ss: number, ms: number) => Date.UTC(yy, mm, dd, hh, mn, ss, ms) - zoneMs;
  const Y = Number(y);
  if (mo === undefined) return { low: at(Y, 0, 1, 0, 0, 0, 0), high: at(Y + 1, 0, 1, 0, 0, 0, 0) };
  const M = Number(mo) - 1;
  if (d === undefined) return { low: at(Y, M, 1, 0, 0, 0, 0), high: at(Y, M + 1, 1, 0, 0, 0, 0) };
  const D = Number(d);
  if (h === undefined) return { low: at(Y, M, D, 0, 0, 0, 0), high: at(Y, M, D + 1, 0, 0, 0, 0) };
  const H = Number(h);
  const N = Number(mi);
  if (s === undefined) return { low: at(Y, M, D, H, N, 0, 0), high: at(Y, M, D, H, N + 1, 0, 0) };
  const S = Number(s);
  if (frac === undefined) return { low: at(Y, M, D, H, N, S, 0), high: at(Y, M, D, H, N, S + 1, 0) };
  const ms = Math.floor(Number(`0${frac}`) * 1000);
  return { low: at(Y, M, D, H, N, S, ms), high: at(Y, M, D, H, N, S, ms + 1) };
}

const OPEN_LOW = -Infinity;
const OPEN_HIGH = Infinity;

export interface TokenValue {
  system?: string;
  code?: string;
  texts: string[];
  /** An Identifier's type codings (search.html#modifiers `:of-type`). */
  typeCodings?: Array<{ system?: string; code?: string }>;
}
export interface QuantityValue { value: number; system?: string; code?: string; unit?: string }

/** The R4 SearchParameters of one resource type, from the spec's bundle. */
export function loadSpecParameters(bundlePath: string): Map<string, Map<string, OracleParam>> {
  const bundle = JSON.parse(readFileSync(bundlePath, 'utf8')) as { entry: Array<{ resource: Json }> };
  const byType = new Map<string, Map<string, OracleParam>>();
  for (const { resource } of bundle.entry) {
    const type = String(resource.type);
    const expression = text(resource.expression);
    if (!SEARCHABLE.has(type) || !expression) continue;
    const spec = expression
      .replace(/resolve\(\) is ([A-Za-z]+)/g, "reference.startsWith('$1/')")
      // `(x as T)` on a repeating x is an error in FHIRPath; the intent is a type filter (R5 writes `x.ofType(T)`).
      .replace(/\(([A-Za-z.]+) as ([A-Za-z]+)\)/g, '$1.ofType($2)');
    for (const base of Array.isArray(resource.base) ? resource.base.map(String) : []) {
      const narrowed = narrowExpression(spec, base);
      if (!narrowed) continue;
      const params = byType.get(base) ?? new Map<string, OracleParam>();
      params.set(String(resource.code), {
        code: String(resource.code),
        type: type as ParamType,
        expression: narrowed,
        targets: Array.isArray(resource.target) ? resource.target.map(String) : [],
      });
      byType.set(base, params);
    }
  }
  return byType;
}

type Evaluator = (resource: object) => unknown[];

export class SearchOracle {
  readonly byType = new Map<string, Resource[]>();
  private readonly byKey = new Map<string, Resource>();
  private readonly evaluators = new Map<string, Evaluator | null>();
  private readonly valueCache = new Map<string, Map<string, unknown[]>>();

  constructor(
    resources: readonly Resource[],
    private readonly params: Map<string, Map<string, OracleParam>>,
    private readonly composites: Map<string, Map<string, OracleComposite>> = new Map(),
  ) {
    for (const r of resources) {
      const list = this.byType.get(r.resourceType) ?? [];
      list.push(r);
      this.byType.set(r.resourceType, list);
      this.byKey.set(`${r.resourceType}/${r.id ?? ''}`, r);
    }
  }

  /** The parameter `code` of `type` (own, then Resource and DomainResource ones). */
  param(type: string, code: string): OracleParam | undefined {
    return this.params.get(type)?.get(code) ?? this.params.get('DomainResource')?.get(code) ?? this.params.get('Resource')?.get(code);
  }

  /** The composite parameters of `type` (search.html#composite). */
  compositesOf(type: string): OracleComposite[] {
    return [...(this.composites.get(type)?.values() ?? [])];
  }

  private readonly wordCache = new Map<string, { narrative: string[]; content: string[] }>();

  /** The words `_text` (the narrative) and `_content` (narrative and content) search in one resource. */
  words(resource: Resource): { narrative: string[]; content: string[] } {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    let words = this.wordCache.get(key);
    if (!words) {
      const narrative = textWords(narrativeOf(resource));
      words = { narrative, content: [...narrative, ...contentStrings(resource).flatMap(textWords)] };
      this.wordCache.set(key, words);
    }
    return words;
  }

  paramsOf(type: string): OracleParam[] {
    const out = new Map<string, OracleParam>();
    for (const base of ['Resource', 'DomainResource', type]) for (const [code, p] of this.params.get(base) ?? []) out.set(code, p);
    return [...out.values()];
  }

  private evaluator(expression: string): Evaluator | null {
    if (!this.evaluators.has(expression)) {
      try {
        const compiled = fhirpath.compile(expression, r4Model);
        this.evaluators.set(expression, (resource) => compiled(resource) as unknown[]);
      } catch {
        this.evaluators.set(expression, null);
      }
    }
    return this.evaluators.get(expression) ?? null;
  }

  /** id → the parameter's raw FHIRPath values, for every resource of `type` (cached). */
  values(type: string, param: OracleParam): Map<string, unknown[]> {
    const key = `${type}\u0000${param.expression}`;
    let cached = this.valueCache.get(key);
    if (!cached) {
      cached = new Map();
      const evaluate = this.evaluator(param.expression);
      for (const r of this.byType.get(type) ?? []) {
        let values: unknown[] = [];
        try {
          values = evaluate ? evaluate(r) : [];
        } catch {
          values = [];
        }
        cached.set(r.id ?? '', values);
      }
      this.valueCache.set(key, cached);
    }
    return cached;
  }

  resource(type: string, id: string): Resource | undefined {
    return this.byKey.get(`${type}/${id}`);
  }

  /**
   * The ids of `type` matching every pair (AND by repetition, OR by comma: search.html#combining).
   * Throws on a parameter the oracle does not know (the generator only draws known ones).
   */
  search(type: string, pairs: ReadonlyArray<readonly [string, string]>): Set<string> {
    let result: Set<string> | undefined;
    for (const [name, value] of pairs) {
      if (name.startsWith('_sort') || name === '_count') continue;
      const ids = this.filter(type, name, value);
      result = result ? new Set([...result].filter((id) => ids.has(id))) : ids;
    }
    return result ?? new Set((this.byType.get(type) ?? []).map((r) => r.id ?? ''));
  }

  private allIds(type: string): string[] {
    return (this.byType.get(type) ?? []).map((r) => r.id ?? '');
  }

  /** One `name=value` on `type`: plain, chained (search.html#chaining) or `_has` (search.html#has). */
  filter(type: string, name: string, value: string): Set<string> {
    if (name.startsWith('_has:')) {
      const [, source = '', code = '', ...rest] = name.split(':');
      const ref = this.requireParam(source, code);
      const sources = this.filter(source, rest.join(':'), value);
      const out = new Set<string>();
      const refs = this.values(source, ref);
      for (const id of sources) {
        for (const v of refs.get(id) ?? []) {
          const target = referenceOf(v);
          if (target?.type === type && target.id) out.add(target.id);
        }
      }
      return out;
    }
    if (name === '_text' || name === '_content') {
      const alternatives = splitComma(value);
      return new Set(
        (this.byType.get(type) ?? []).filter((r) => alternatives.some((alt) => textMatches(alt, this.words(r)[name === '_text' ? 'narrative' : 'content']))).map((r) => r.id ?? ''),
      );
    }
    const dot = name.indexOf('.');
    const head = dot >= 0 ? name.slice(0, dot) : name;
    const [code = '', modifier = ''] = head.split(':');
    const composite = this.composites.get(type)?.get(code);
    if (composite && dot < 0 && modifier === '') return this.compositeFilter(type, composite, value);
    const param = this.requireParam(type, code);
    if (dot < 0 && modifier === 'identifier' && param.type === 'reference') return this.identifierFilter(type, param, value);
    if (dot >= 0) {
      const rest = name.slice(dot + 1);
      const innerCode = rest.split(/[.:]/)[0] ?? '';
      const targets = modifier ? [modifier] : param.targets.filter((t) => this.param(t, innerCode) !== undefined);
      const matchingTargets = new Map(targets.map((t) => [t, this.filter(t, rest, value)]));
      const out = new Set<string>();
      for (const [id, values] of this.values(type, param)) {
        if (values.some((v) => {
          const target = referenceOf(v);
          return target?.id !== undefined && matchingTargets.get(target.type ?? '')?.has(target.id) === true;
        })) out.add(id);
      }
      return out;
    }
    const values = this.extractedAll(type, param);
    if (modifier === 'missing') {
      const wantMissing = value === 'true';
      return new Set(this.allIds(type).filter((id) => ((values.get(id) ?? []).length === 0) === wantMissing));
    }
    const alternatives = splitComma(value);
    if (modifier === 'in' || modifier === 'not-in') {
      // search.html#modifiers: the code is (:in) or is not (:not-in) in the ValueSet.
      const expansions = alternatives.map((url) => expandValueSet(url) ?? new Set<string>());
      const inSet = (item: Extracted) => item.kind === 'token' && item.token.system !== undefined && expansions.some((e) => e.has(`${item.token.system}|${item.token.code ?? ''}`));
      return new Set(this.allIds(type).filter((id) => (values.get(id) ?? []).some(inSet) === (modifier === 'in')));
    }
    const negate = modifier === 'not';
    const out = new Set<string>();
    for (const id of this.allIds(type)) {
      const items = values.get(id) ?? [];
      const hit = alternatives.some((alt) => items.some((item) => matches(modifier === 'not' ? '' : modifier, alt, item)));
      if (hit !== negate) out.add(id);
    }
    return out;
  }

  /** search.html#modifiers `:identifier`: Reference.identifier is `[system|]value`. */
  private identifierFilter(type: string, param: OracleParam, value: string): Set<string> {
    const alternatives = splitComma(value);
    const out = new Set<string>();
    for (const [id, raw] of this.values(type, param)) {
      const identifiers = raw.flatMap((v) => (isObject(v) && isObject(v.identifier) ? [v.identifier] : []));
      const hit = alternatives.some((alt) => {
        const bar = alt.indexOf('|');
        const system = bar < 0 ? undefined : alt.slice(0, bar);
        const code = bar < 0 ? alt : alt.slice(bar + 1);
        return identifiers.some((i) => text(i.value) === code && (system === undefined || (system === '' ? text(i.system) === undefined : text(i.system) === system)));
      });
      if (hit) out.add(id);
    }
    return out;
  }

  /**
   * search.html#composite: `c1$c2` (ORed by comma) matches when ONE element selected by the
   * composite's expression has values matching every component.
   */
  private compositeFilter(type: string, composite: OracleComposite, value: string): Set<string> {
    const alternatives = splitKeepingEscapes(value, ',').map((alt) => splitKeepingEscapes(alt, '$').map(unescapeValue));
    const out = new Set<string>();
    for (const resource of this.byType.get(type) ?? []) {
      const elements = compositeElements(composite, resource);
      const hit = alternatives.some(
        (parts) =>
          parts.length === composite.components.length &&
          elements.some((element) =>
            composite.components.every((component, i) => {
              const items = extracted({ code: composite.code, type: component.type, expression: component.expression, targets: [] }, element[i] ?? []);
              return items.some((item) => matches('', parts[i] ?? '', item));
            }),
          ),
      );
      if (hit) out.add(resource.id ?? '');
    }
    return out;
  }

  private requireParam(type: string, code: string): OracleParam {
    const param = this.param(type, code);
    if (!param) throw new Error(`oracle: no parameter ${type}.${code}`);
    return param;
  }

  /** Raw FHIRPath values as the matchers of a `type` parameter see them (a composite's components). */
  extractedFrom(type: ParamType, values: readonly unknown[]): Extracted[] {
    return extracted({ code: '', type, expression: '', targets: [] }, values);
  }

  /** A resource's values of one parameter as the matchers see them (for the generator and for sort checks). */
  extractedValues(type: string, param: OracleParam, id: string): Extracted[] {
    return this.extractedAll(type, param).get(id) ?? [];
  }

  private readonly extractedCache = new Map<string, Map<string, Extracted[]>>();

  /** id → the matcher's view of the values (cached). */
  extractedAll(type: string, param: OracleParam): Map<string, Extracted[]> {
    const key = `${type}\u0000${param.type}\u0000${param.expression}`;
    let cached = this.extractedCache.get(key);
    if (!cached) {
      cached = new Map();
      for (const [id, values] of this.values(type, param)) cached.set(id, extracted(param, values));
      this.extractedCache.set(key, cached);
    }
    return cached;
  }
}

export type Extracted =
  | { kind: 'string'; value: string }
  | { kind: 'token'; token: TokenValue }
  | { kind: 'reference'; type?: string; id?: string; url: string }
  | { kind: 'date'; low: number; high: number; text: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'quantity'; quantity: QuantityValue; text: string }
  | { kind: 'uri'; value: string };

/** `Type/id` (relative, or `.../Type/id` at the end of a URL) of a Reference or a reference string. */
export function referenceOf(value: unknown): { type?: string; id?: string; url: string } | undefined {
  const ref = typeof value === 'string' ? value : isObject(value) ? text(value.reference) : undefined;
  if (!ref) return undefined;
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref);
  return m ? { type: m[1], id: m[2], url: ref } : { url: ref };
}

function splitComma(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    if (ch === '\\' && i + 1 < value.length) {
      current += value[i + 1];
      i++;
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (!isObject(v)) return [];
  const parts = 'family' in v || 'given' in v ? NAME_PARTS : ADDRESS_PARTS;
  return parts.flatMap((p) => {
    const x = v[p];
    return typeof x === 'string' ? [x] : Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
  });
}

function tokens(v: unknown): TokenValue[] {
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return [{ code: String(v), texts: [] }];
  if (!isObject(v)) return [];
  if (Array.isArray(v.coding) || typeof v.text === 'string') {
    // CodeableConcept: each Coding; :text searches CodeableConcept.text and Coding.display (search.html#modifiers).
    const ccText = text(v.text);
    const codings = (Array.isArray(v.coding) ? v.coding : []).filter(isObject);
    const out: TokenValue[] = codings.map((c) => ({
      system: text(c.system),
      code: text(c.code),
      texts: [text(c.display), ccText].filter((t): t is string => t !== undefined),
    }));
    if (out.length === 0 && ccText) out.push({ texts: [ccText] });
    return out;
  }
  if ('code' in v) return [{ system: text(v.system), code: text(v.code), texts: [text(v.display)].filter((t): t is string => t !== undefined) }];
  if ('value' in v) {
    const typeText = isObject(v.type) ? text(v.type.text) : undefined;
    const typeCodings = isObject(v.type) && Array.isArray(v.type.coding) ? v.type.coding.filter(isObject).map((c) => ({ system: text(c.system), code: text(c.code) })) : [];
    return [{ system: text(v.system), code: text(v.value), texts: typeText ? [typeText] : [], ...(typeCodings.length > 0 ? { typeCodings } : {}) }];
  }
  return [];
}

function extracted(param: OracleParam, values: readonly unknown[]): Extracted[] {
  const out: Extracted[] = [];
  for (const v of values) {
    switch (param.type) {
      case 'string':
        for (const s of strings(v)) out.push({ kind: 'string', value: s });
        break;
      case 'uri':
        if (typeof v === 'string') out.push({ kind: 'uri', value: v });
        break;
      case 'token':
        for (const token of tokens(v)) out.push({ kind: 'token', token });
        break;
      case 'reference': {
        const ref = referenceOf(v);
        if (ref) out.push({ kind: 'reference', ...ref });
        break;
      }
      case 'date': {
        if (typeof v === 'string') {
          const span = dateSpan(v);
          if (span) out.push({ kind: 'date', ...span, text: v });
        } else if (isObject(v) && ('start' in v || 'end' in v)) {
          // Period: open ends stretch to infinity (search.html#date).
          const start = text(v.start) ? dateSpan(String(v.start)) : undefined;
          const end = text(v.end) ? dateSpan(String(v.end)) : undefined;
          if (start || end) out.push({ kind: 'date', low: start?.low ?? OPEN_LOW, high: end?.high ?? OPEN_HIGH, text: String(v.start ?? v.end) });
        } else if (isObject(v) && Array.isArray(v.event)) {
          for (const e of v.event) {
            const span = typeof e === 'string' ? dateSpan(e) : undefined;
            if (span) out.push({ kind: 'date', ...span, text: String(e) });
          }
        }
        break;
      }
      case 'number':
        if (typeof v === 'number') out.push({ kind: 'number', value: v, text: String(v) });
        break;
      case 'quantity':
        if (isObject(v) && typeof v.value === 'number') {
          out.push({
            kind: 'quantity',
            quantity: { value: v.value, system: text(v.system), code: text(v.code), unit: text(v.unit) },
            text: String(v.value),
          });
        }
        break;
    }
  }
  return out;
}

/** A search number and its implicit range: `100` is [99.5, 100.5) (search.html#number). */
export function numberRange(textValue: string): { value: number; low: number; high: number } | undefined {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(textValue);
  if (!m) return undefined;
  const value = Number(textValue);
  const half = 0.5 * 10 ** (Number(m[3] ?? 0) - (m[2]?.length ?? 0));
  return { value, low: value - half, high: value + half };
}

function splitPrefix(value: string): { prefix: string; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[\d-])/.exec(value);
  return m ? { prefix: m[1] ?? 'eq', rest: value.slice(2) } : { prefix: 'eq', rest: value };
}

/** The spec's prefix table for ranges (search.html#prefix), target [low, high) against search [pl, ph). */
export function dateMatches(prefix: string, low: number, high: number, pl: number, ph: number, nowMs = Date.now()): boolean {
  const contained = low >= pl && high <= ph;
  switch (prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return !contained;
    case 'gt':
      return high > ph;
    case 'lt':
      return low < pl;
    case 'ge':
      return high > ph || contained;
    case 'le':
      return low < pl || contained;
    case 'sa':
      return low >= ph;
    case 'eb':
      return high <= pl;
    default: {
      // ap: "recommended ... 10% of the gap between now and the date" (at least a day: our choice).
      const margin = Math.max(Math.abs(nowMs - pl) * 0.1, 86_400_000);
      return low < ph + margin && high > pl - margin;
    }
  }
}

function numberMatches(prefix: string, target: number, searchText: string): boolean {
  const range = numberRange(searchText);
  return range !== undefined && rangeMatches(prefix, target, range);
}

function rangeMatches(prefix: string, target: number, range: { value: number; low: number; high: number }): boolean {
  // A precision finer than a double holds: the range is the value itself.
  const inRange = range.high > range.value && range.low < range.value ? target >= range.low && target < range.high : target === range.value;
  switch (prefix) {
    case 'eq':
      return inRange;
    case 'ne':
      return !inRange;
    case 'gt':
      return target > range.value;
    case 'lt':
      return target < range.value;
    case 'ge':
      return target >= range.value;
    case 'le':
      return target <= range.value;
    default: {
      // ap: the spec's recommended 10% (search.html#prefix), never narrower than the precision.
      const margin = Math.max(Math.abs(range.value) * 0.1, (range.high - range.low) / 2);
      return target >= range.value - margin && target <= range.value + margin;
    }
  }
}

function matches(modifier: string, value: string, item: Extracted): boolean {
  switch (item.kind) {
    case 'string':
      if (modifier === 'exact') return item.value === value;
      if (modifier === 'contains') return fold(item.value).includes(fold(value));
      return fold(item.value).startsWith(fold(value));
    case 'uri':
      if (modifier === 'below') return item.value.startsWith(value);
      if (modifier === 'above') return value.startsWith(item.value);
      return item.value === value;
    case 'token': {
      const t = item.token;
      if (modifier === 'text') {
        const q = fold(value);
        return t.texts.some((s) => fold(s).startsWith(q) || fold(s).includes(` ${q}`));
      }
      if (modifier === 'of-type') {
        // search.html#modifiers: `type-system|type-code|value` on an Identifier.
        const [system, code, identifierValue] = splitKeepingEscapes(value, '|').map(unescapeValue);
        return t.code === identifierValue && (t.typeCodings ?? []).some((c) => c.system === system && c.code === code);
      }
      const bar = value.indexOf('|');
      if (bar < 0) return t.code === value;
      const system = value.slice(0, bar);
      const code = value.slice(bar + 1);
      if (system === '') return t.system === undefined && t.code === code;
      if (code === '') return t.system === system;
      return t.system === system && t.code === code;
    }
    case 'reference': {
      if (modifier !== '') {
        const id = value.includes('/') ? value.slice(value.indexOf('/') + 1) : value;
        return item.type === modifier && item.id === id;
      }
      const m = /^([A-Z][A-Za-z]+)\/(.+)$/.exec(value);
      if (m) return item.type === m[1] && item.id === m[2];
      if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return item.url === value;
      return item.id === value;
    }
    case 'date': {
      const { prefix, rest } = splitPrefix(value);
      const span = dateSpan(rest);
      if (span === undefined) return false;
      return dateMatches(prefix, item.low, item.high, span.low, span.high);
    }
    case 'number': {
      const { prefix, rest } = splitPrefix(value);
      return numberMatches(prefix, item.value, rest);
    }
    case 'quantity': {
      const { prefix, rest } = splitPrefix(value);
      const [num = '', system = '', code = ''] = rest.split('|');
      if (system === UCUM && code !== '' && item.quantity.system === UCUM && item.quantity.code !== undefined) {
        // Where the units convert, the comparison is in the search value's unit (search.html#quantity).
        const converted = convertUcum(item.quantity.value, item.quantity.code, code);
        if (converted !== undefined) return numberMatches(prefix, converted, num);
      }
      if (!numberMatches(prefix, item.quantity.value, num)) return false;
      if (system !== '') return item.quantity.system === system && (code === '' || item.quantity.code === code);
      if (code !== '') return item.quantity.code === code || item.quantity.unit === code;
      return true;
    }
  }
}
