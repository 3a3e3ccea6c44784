/**
 * Medplum reports locations as element paths (`Observation.value[x].value`,
 * `Patient.name[0].given[1]`). We report FHIRPath (https://hl7.org/fhirpath/#paths-and-polymorphic-items):
 * a choice element becomes `value.ofType(Quantity)`, from the JSON key actually present, so
 * `Observation.valueQuantity.value` is reported as `Observation.value.ofType(Quantity).value`.
 */

/** One step of a path: an element name and an optional array index. */
interface Step {
  name: string;
  index?: number;
}

function parseSteps(path: string): Step[] | undefined {
  const steps: Step[] = [];
  for (const part of path.split('.')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\[x\])?)(?:\[(\d+)\])?$/.exec(part);
    if (!m?.[1]) return undefined;
    steps.push(m[2] === undefined ? { name: m[1] } : { name: m[1], index: Number(m[2]) });
  }
  return steps;
}

/** `valueQuantity` → `Quantity`; `valueString` → `string` (primitive type names start lower-case). */
function typeFromSuffix(suffix: string, primitive: boolean): string {
  return primitive ? suffix.charAt(0).toLowerCase() + suffix.slice(1) : suffix;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export interface ResolvedPath {
  /** The FHIRPath expression to report. */
  expression: string;
  /** The JSON value at the path, when the path leads to one. */
  value: unknown;
}

/** Resolves a Medplum element path against the resource: the FHIRPath to report and the value found there. */
export function resolveIssuePath(resource: unknown, path: string): ResolvedPath {
  const steps = parseSteps(path);
  if (!steps || steps.length === 0) return { expression: path.replace(/\[x\]/g, ''), value: undefined };
  const out: string[] = [steps[0]!.index === undefined ? steps[0]!.name : `${steps[0]!.name}[${steps[0]!.index}]`];
  let current: unknown = resource;
  for (const [position, step] of steps.entries()) {
    if (position === 0) continue;
    const isLast = position === steps.length - 1;
    const record = asRecord(current);
    let name = step.name;
    let shown = name;
    if (name.endsWith('[x]')) {
      const base = name.slice(0, -3);
      const key = record ? Object.keys(record).find((k) => k.length > base.length && k.startsWith(base) && /^[A-Z]/.test(k.slice(base.length))) : undefined;
      if (key) {
        const suffix = key.slice(base.length);
        const primitive = typeof record?.[key] !== 'object' || record?.[key] === null;
        name = key;
        shown = `${base}.ofType(${typeFromSuffix(suffix, primitive)})`;
      } else {
        name = base;
        shown = base;
      }
    }
    let next: unknown = record?.[name];
    // A primitive's extensions live in `_name` (json.html#primitive); follow them for `.extension` paths.
    if (!isLast && (next === undefined || typeof next !== 'object') && record && `_${name}` in record) next = record[`_${name}`];
    if (step.index !== undefined) {
      next = Array.isArray(next) ? next[step.index] : undefined;
      shown += `[${step.index}]`;
    }
    out.push(shown);
    current = next;
  }
  return { expression: out.join('.'), value: current };
}
