/**
 * Element types of the R4 model (the same tables the fhirpath library navigates with), looked up
 * by the compiled extractors and the full-text walker: which JSON keys an element name stands for
 * and what type the element has (https://hl7.org/fhir/R4/formats.html#choice for `value[x]`).
 */
import r4Model from 'fhirpath/fhir-context/r4';

/** Types whose children are listed under the element's own path (`Observation.component.code`). */
const BACKBONE_TYPES: ReadonlySet<string> = new Set(['BackboneElement', 'Element']);

/** Where navigation continues from: a data type or resource name, or a backbone element's path. */
export type ModelPath = string;

export interface PlainElement {
  kind: 'element';
  /** The JSON key. */
  key: string;
  /** FHIR type name (`string`, `CodeableConcept`, `Resource`...). */
  type: string;
  /** Where the element's children are looked up. */
  path: ModelPath;
}

export interface ChoiceElement {
  kind: 'choice';
  /** The choice's name without `[x]` (`value`). */
  name: string;
  /** Type suffixes as they appear in JSON keys (`Quantity`, `DateTime`). */
  suffixes: readonly string[];
}

export type ElementInfo = PlainElement | ChoiceElement;

/** The FHIR type name a choice key suffix stands for (`DateTime` → `dateTime`, `Quantity` → `Quantity`). */
export function typeOfSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return r4Model.type2Parent[suffix] !== undefined ? suffix : lower;
}

/** The JSON key suffix of a FHIR type name inside a choice (`dateTime` → `DateTime`). */
export function suffixOfType(type: string): string {
  return type.charAt(0).toUpperCase() + type.slice(1);
}

/** The names under which `path`'s elements are listed: the path, then its type's ancestors. */
function lookupBases(path: ModelPath): string[] {
  if (path.includes('.')) return [path];
  const bases: string[] = [];
  for (let t: string | undefined = path; t !== undefined; t = r4Model.type2Parent[t]) bases.push(t);
  return bases;
}

const cache = new Map<string, ElementInfo | null>();

/** The element `name` of `path`, or undefined when the model has no such element. */
export function elementOf(path: ModelPath, name: string): ElementInfo | undefined {
  const cacheKey = `${path}.${name}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  let found: ElementInfo | null = null;
  for (const base of lookupBases(path)) {
    const full = `${base}.${name}`;
    const elsewhere = r4Model.pathsDefinedElsewhere[full];
    if (elsewhere !== undefined) {
      found = { kind: 'element', key: name, type: 'BackboneElement', path: elsewhere };
      break;
    }
    const suffixes = r4Model.choiceTypePaths[full];
    if (suffixes !== undefined) {
      found = { kind: 'choice', name, suffixes };
      break;
    }
    const type = r4Model.path2Type[full];
    if (type !== undefined) {
      found = { kind: 'element', key: name, type, path: BACKBONE_TYPES.has(type) ? full : type };
      break;
    }
  }
  cache.set(cacheKey, found);
  return found ?? undefined;
}

/** Whether `type` is a resource type (its ancestry reaches Resource). */
export function isResourceType(type: string): boolean {
  for (let t: string | undefined = type; t !== undefined; t = r4Model.type2Parent[t]) if (t === 'Resource') return true;
  return false;
}

/** Whether `type` is `ancestor` or derives from it (`Age` → `Quantity`). */
export function derivesFrom(type: string, ancestor: string): boolean {
  for (let t: string | undefined = type; t !== undefined; t = r4Model.type2Parent[t]) if (t === ancestor) return true;
  return false;
}


const byKey = new Map<ModelPath, Map<string, PlainElement | null>>();

/**
 * The element a JSON key holds, with choice keys resolved to their type (`valueString` → a
 * `string`); undefined for keys the model does not know (`resourceType`, `_given`...).
 */
export function elementForKey(path: ModelPath, key: string): PlainElement | undefined {
  let keys = byKey.get(path);
  if (!keys) {
    keys = new Map();
    byKey.set(path, keys);
  }
  const cached = keys.get(key);
  if (cached !== undefined) return cached ?? undefined;
  let found: PlainElement | null = null;
  const direct = elementOf(path, key);
  if (direct?.kind === 'element') found = direct;
  else {
    for (let i = 1; i < key.length && !found; i++) {
      const code = key.charCodeAt(i);
      if (code < 65 || code > 90) continue;
      const info = elementOf(path, key.slice(0, i));
      const suffix = key.slice(i);
      if (info?.kind === 'choice' && info.suffixes.includes(suffix)) {
        const type = typeOfSuffix(suffix);
        found = { kind: 'element', key, type, path: type };
      }
    }
  }
  keys.set(key, found);
  return found ?? undefined;
}
