/**
 * The oracle's readings of the search features beyond one plain parameter, written from
 * https://hl7.org/fhir/R4/search.html with no code shared with Hearth:
 * - composite parameters (search.html#composite): the spec bundle's `component` list; each
 *   component's FHIRPath is evaluated on each element the composite's expression selects, typed by
 *   that element's path, and every component must match within ONE element;
 * - `_text` / `_content` (search.html#_text, #_content): words of letters and digits, case and
 *   accents folded; `_text` reads the narrative, `_content` the narrative and every `string` and
 *   `markdown` element but Reference.reference (Hearth's documented reading of "the entire
 *   content": docs/search.md); a term is a word or a `prefix*`, terms are ANDed;
 * - `:in` / `:not-in` (search.html#modifiers): ValueSets expanded from the spec's own files
 *   (../shared/data/fhir-r4/examples/ValueSet-*.json and CodeSystem-*.json), only where the
 *   compose is plain (listed concepts, or whole code systems whose CodeSystem lists its concepts);
 *   any filter, nested ValueSet or exclude leaves the ValueSet undecidable and it is never drawn.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { Resource } from '@medplum/fhirtypes';
import { repoRoot } from '../../io/paths';
import { narrowExpression } from './narrow';
import type { ParamType } from './oracle';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** search.html#string: case and accents folded. */
function fold(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** The words of a text: runs of letters and digits, folded. */
export function textWords(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The narrative's text: tags dropped, character references decoded. */
export function narrativeOf(resource: Resource): string {
  const div = (resource as { text?: { div?: unknown } }).text?.div;
  if (typeof div !== 'string') return '';
  return div
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&([a-z]+);/gi, (whole, name: string) => ENTITIES[name] ?? whole);
}

interface TypedNode {
  data: unknown;
  fhirNodeDataType?: string;
  parentResNode?: TypedNode;
}

const allDescendants = fhirpath.compile('descendants()', r4Model, { resolveInternalTypes: false });

/** Every `string` and `markdown` value in the resource (contained ones included), but Reference.reference. */
export function contentStrings(resource: Resource): string[] {
  const out: string[] = [];
  for (const node of allDescendants(resource) as TypedNode[]) {
    if (node.fhirNodeDataType !== 'string' && node.fhirNodeDataType !== 'markdown') continue;
    if (typeof node.data !== 'string') continue;
    const parent = node.parentResNode;
    if (parent?.fhirNodeDataType === 'Reference' && isObject(parent.data) && parent.data.reference === node.data) continue;
    out.push(node.data);
  }
  return out;
}

/** One `_text`/`_content` alternative (space-separated terms, each a word or `prefix*`) against a word list. */
export function textMatches(query: string, words: readonly string[]): boolean {
  const terms = query.split(/\s+/).filter((t) => t.length > 0);
  return terms.every((term) => {
    const prefix = term.endsWith('*');
    const [word] = textWords(prefix ? term.slice(0, -1) : term);
    if (word === undefined) return false;
    return words.some((w) => (prefix ? w.startsWith(word) : w === word));
  });
}

// ---------------------------------------------------------------------------------------------
// Composite parameters

export interface OracleComponent {
  type: ParamType;
  expression: string;
}

export interface OracleComposite {
  code: string;
  /** One branch per element path the composite selects (`Observation`, `Observation.component`). */
  branches: Array<{ base: string; select: (resource: object) => unknown[]; components: Array<(element: unknown) => unknown[]> }>;
  components: OracleComponent[];
}

/** The composite SearchParameters of the spec's bundle, by base type and code. */
export function loadSpecComposites(bundlePath: string): Map<string, Map<string, OracleComposite>> {
  const bundle = JSON.parse(readFileSync(bundlePath, 'utf8')) as { entry: Array<{ resource: Json }> };
  const byUrl = new Map(bundle.entry.map(({ resource }) => [String(resource.url), resource]));
  const out = new Map<string, Map<string, OracleComposite>>();
  for (const { resource } of bundle.entry) {
    if (resource.type !== 'composite' || typeof resource.expression !== 'string' || !Array.isArray(resource.component)) continue;
    const components: OracleComponent[] = [];
    for (const c of resource.component as Json[]) {
      const definition = byUrl.get(String(c.definition));
      const type = String(definition?.type);
      if (!['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri'].includes(type)) break;
      components.push({ type: type as ParamType, expression: String(c.expression) });
    }
    if (components.length !== (resource.component as unknown[]).length) continue;
    for (const base of Array.isArray(resource.base) ? resource.base.map(String) : []) {
      const narrowed = narrowExpression(resource.expression, base);
      if (!narrowed) continue;
      const paths = narrowed.split('|').map((b) => b.trim());
      if (!paths.every((p) => /^[A-Z][A-Za-z]*(\.[a-z][A-Za-z]*)*$/.test(p))) continue;
      const branches = paths.map((branch) => {
        const select = fhirpath.compile(branch, r4Model);
        return {
          base: branch,
          select: (r: object) => select(r) as unknown[],
          components: components.map((c) => {
            const evaluate = fhirpath.compile({ base: branch, expression: c.expression }, r4Model);
            return (element: unknown) => evaluate(element as object) as unknown[];
          }),
        };
      });
      const byCode = out.get(base) ?? new Map<string, OracleComposite>();
      byCode.set(String(resource.code), { code: String(resource.code), branches, components });
      out.set(base, byCode);
    }
  }
  return out;
}

/** Each element the composite selects in `resource`, as the raw values of each of its components. */
export function compositeElements(composite: OracleComposite, resource: Resource): unknown[][][] {
  const out: unknown[][][] = [];
  for (const branch of composite.branches) {
    let elements: unknown[];
    try {
      elements = branch.select(resource);
    } catch {
      continue;
    }
    for (const element of elements) {
      out.push(
        branch.components.map((evaluate) => {
          try {
            return evaluate(element);
          } catch {
            return [];
          }
        }),
      );
    }
  }
  return out;
}

/** Splits at `sep` not preceded by a backslash, keeping the escapes (split again, then unescaped). */
export function splitKeepingEscapes(value: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? '';
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + (value[i + 1] ?? '');
      i++;
    } else if (ch === sep) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

export function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

// ---------------------------------------------------------------------------------------------
// ValueSets (:in, :not-in)

const examplesDir = path.resolve(repoRoot, '../shared/data/fhir-r4/examples');

function readExample(type: 'ValueSet' | 'CodeSystem', url: string): Json | undefined {
  const id = url.split('/').pop() ?? '';
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return undefined;
  const file = path.join(examplesDir, `${type}-${id}.json`);
  if (!existsSync(file)) return undefined;
  const resource = JSON.parse(readFileSync(file, 'utf8')) as Json;
  return resource.url === url ? resource : undefined;
}

function codeSystemCodes(url: string): string[] | undefined {
  const cs = readExample('CodeSystem', url);
  if (!cs || cs.content !== 'complete' || !Array.isArray(cs.concept)) return undefined;
  const codes: string[] = [];
  const walk = (concepts: unknown[]) => {
    for (const c of concepts) {
      if (!isObject(c)) continue;
      if (typeof c.code === 'string') codes.push(c.code);
      if (Array.isArray(c.concept)) walk(c.concept);
    }
  };
  walk(cs.concept);
  return codes;
}

const expansions = new Map<string, Set<string> | null>();

/** `system|code` of every code in the ValueSet, or undefined when its compose is not plain. */
export function expandValueSet(url: string): Set<string> | undefined {
  if (!expansions.has(url)) expansions.set(url, expandUncached(url) ?? null);
  return expansions.get(url) ?? undefined;
}

function expandUncached(url: string): Set<string> | undefined {
  const vs = readExample('ValueSet', url);
  const compose = vs && isObject(vs.compose) ? vs.compose : undefined;
  if (!compose || compose.exclude !== undefined || !Array.isArray(compose.include)) return undefined;
  const out = new Set<string>();
  for (const include of compose.include) {
    if (!isObject(include) || typeof include.system !== 'string' || include.filter !== undefined || include.valueSet !== undefined) return undefined;
    const system = include.system;
    const codes = Array.isArray(include.concept)
      ? include.concept.flatMap((c) => (isObject(c) && typeof c.code === 'string' ? [c.code] : []))
      : codeSystemCodes(system);
    if (!codes) return undefined;
    for (const code of codes) out.add(`${system}|${code}`);
  }
  return out;
}

let bySystem: Map<string, string[]> | undefined;

/** URLs of the spec's ValueSets with a plain compose that include codes of `system`. */
export function valueSetsIncluding(system: string): string[] {
  if (!bySystem) {
    bySystem = new Map();
    const files = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => f.startsWith('ValueSet-')).sort() : [];
    for (const file of files) {
      const vs = JSON.parse(readFileSync(path.join(examplesDir, file), 'utf8')) as Json;
      const compose = isObject(vs.compose) ? vs.compose : undefined;
      if (typeof vs.url !== 'string' || !compose || !Array.isArray(compose.include)) continue;
      for (const include of compose.include) {
        if (!isObject(include) || typeof include.system !== 'string') continue;
        const list = bySystem.get(include.system) ?? [];
        if (!list.includes(vs.url)) list.push(vs.url);
        bySystem.set(include.system, list);
      }
    }
  }
  return (bySystem.get(system) ?? []).filter((url) => expandValueSet(url) !== undefined);
}
