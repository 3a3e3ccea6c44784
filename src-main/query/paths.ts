/**
 * Simple element paths for result columns and CSV export (docs/query.md): `code.coding.code`,
 * `subject.reference`, `name.given`, `Observation.value` — the navigation part of FHIRPath
 * (https://hl7.org/fhirpath/#path-selection) without functions: each step reads a child element,
 * arrays are flattened, and a choice element's name (`value`, `effective`, `onset`) reads its typed
 * key (`valueQuantity`, fhirpath's `Observation.value`). A leading resource type is allowed.
 *
 * Shared by the services (CSV export) and the renderer (the table), so a column shows what the CSV
 * writes. No Node imports.
 */

const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*){0,7}$/;

export function isSimplePath(path: string): boolean {
  return PATH.test(path);
}

function childValues(value: unknown, step: string): unknown[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const record = value as Record<string, unknown>;
  let child = record[step];
  if (child === undefined) {
    // A choice element (value[x]): the one key that starts with the name and a capital letter.
    const typed = Object.keys(record).find((key) => key.length > step.length && key.startsWith(step) && /[A-Z]/.test(key[step.length]!));
    if (typed) child = record[typed];
  }
  if (child === undefined || child === null) return [];
  return Array.isArray(child) ? child.filter((item) => item !== null && item !== undefined) : [child];
}

/** The values at `path` in a resource (empty when absent or the path is not simple). */
export function pathValues(resource: { resourceType?: string }, path: string): unknown[] {
  if (!isSimplePath(path)) return [];
  const steps = path.split('.');
  if (steps.length > 1 && steps[0] === resource.resourceType) steps.shift();
  let current: unknown[] = [resource];
  for (const step of steps) {
    current = current.flatMap((value) => childValues(value, step));
    if (current.length === 0) break;
  }
  return current;
}

/** One value as text: primitives as written, elements as compact JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The cell of a column: every value at the path, joined by `; ` (the CSV and the table agree). */
export function pathText(resource: { resourceType?: string }, path: string): string {
  return pathValues(resource, path).map(valueText).join('; ');
}

/** RFC 4180 field: quoted when it holds a comma, a quote, CR or LF; inner quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record (CRLF-terminated, RFC 4180 §2). */
export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Keys never offered as columns: the narrative and contained resources say little in a cell. */
const SKIPPED = new Set(['resourceType', 'text', 'contained']);

/**
 * The paths of primitive values present in `resources`, shallow ones first (at most 3 steps deep,
 * extensions left out), for the column picker: `id`, `meta.lastUpdated`, `code.coding.code`...
 */
export function suggestPaths(resources: ReadonlyArray<Record<string, unknown>>, limit = 200): string[] {
  const found = new Map<string, number>();
  const visit = (value: unknown, path: string, depth: number): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value.slice(0, 20)) visit(item, path, depth);
      return;
    }
    if (typeof value !== 'object') {
      if (path !== '' && !found.has(path)) found.set(path, depth);
      return;
    }
    if (depth >= 3) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key.startsWith('_') || key === 'extension' || key === 'modifierExtension' || (depth === 0 && SKIPPED.has(key))) continue;
      visit(child, path === '' ? key : `${path}.${key}`, depth + 1);
    }
  };
  for (const resource of resources.slice(0, 200)) visit(resource, '', 0);
  return [...found.entries()]
    .sort((a, b) => a[1] - b[1] || (a[0] === 'id' ? -1 : b[0] === 'id' ? 1 : a[0].localeCompare(b[0])))
    .slice(0, limit)
    .map(([path]) => path);
}

/** Columns shown before the user picks any: the elements a curator scans first (R4 resource pages). */
const DEFAULT_COLUMNS: Record<string, string[]> = {
  Patient: ['id', 'name.family', 'name.given', 'gender', 'birthDate'],
  Condition: ['id', 'code.coding.code', 'code.text', 'clinicalStatus.coding.code', 'onset', 'subject.reference'],
  Observation: ['id', 'code.text', 'value.value', 'value.unit', 'effective', 'subject.reference'],
  Encounter: ['id', 'class.code', 'type.text', 'period.start', 'subject.reference'],
  MedicationRequest: ['id', 'medicationCodeableConcept.text', 'status', 'authoredOn', 'subject.reference'],
  Procedure: ['id', 'code.text', 'status', 'performed', 'subject.reference'],
  DocumentReference: ['id', 'type.text', 'date', 'description', 'subject.reference'],
  Immunization: ['id', 'vaccineCode.text', 'status', 'occurrence', 'patient.reference'],
  DiagnosticReport: ['id', 'code.text', 'status', 'effective', 'subject.reference'],
};

export function defaultColumns(resourceType: string): string[] {
  return DEFAULT_COLUMNS[resourceType] ?? ['id', 'meta.lastUpdated'];
}
