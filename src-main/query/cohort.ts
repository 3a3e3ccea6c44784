/**
 * `query.cohort`: the distinct patients a query is about, counted by sex, age band or condition
 * (docs/query.md). The cohort of a Patient query is its matches; of any other type, the patients
 * its matches point to through `subject` or `patient` (the Patient compartment's usual links,
 * compartmentdefinition-patient.html). Conditions are grouped by ICD-10-CM category (the
 * 3-character code, https://www.cdc.gov/nchs/icd/icd-10-cm/): coded Conditions, and with `nlp`
 * the asserted (not negated) ICD-10-CM concepts of the patients' notes (docs/nlp-results.md).
 */
import type { Condition, DocumentReference, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { ResourceRepository, ScanPage } from '../fhir/repository';
import { extensionsToEntities, ICD10CM_SYSTEM } from '../nlp/results/extensions';
import { isNegated } from '../nlp/results/search-parameters';
import { matchPages, matchQuery } from './pages';
import type { CohortGroup, CohortGroupBy, CohortReport } from './types';

/** Matches a cohort reads at most (the counts then cover the first ones, and say so). */
export const COHORT_LIMIT = 200_000;
/** Patients per `_id` / `subject` list of one search. */
const BATCH = 100;

export interface CohortOptions {
  query: string;
  groupBy: CohortGroupBy;
  /** Condition grouping: also count NLP concepts of the patients' notes. */
  nlp?: boolean;
  /** NLP concepts scoring at least this count (default 0.5). */
  minScore?: number;
  /** Today, for ages (tests). */
  now?: Date;
  /** A label for an ICD-10-CM category code, when a terminology knows it. */
  describeCategory?: (code: string) => Promise<string | undefined>;
  limit?: number;
  /** Above this many patients, Conditions and notes are read by a scan of the type (default 20). */
  scanAbove?: number;
}

const PATIENT_REF = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

/** The patient a resource is about (`subject` or `patient` referring to a Patient), if any. */
export function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const record = resource as { subject?: Reference; patient?: Reference };
  for (const ref of [record.subject, record.patient]) {
    const match = ref?.reference ? PATIENT_REF.exec(ref.reference) : null;
    if (match) return match[1];
  }
  return undefined;
}

/** The age bands in order (ageBand's keys but 'unknown'). */
export const AGE_BANDS: readonly string[] = ['0-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80+'];

/** Age bands of ten years (0-9... 80+): wide enough to keep small cohorts readable. */
export function ageBand(birthDate: string | undefined, at: Date): string {
  const match = birthDate ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(birthDate) : null;
  if (!match) return 'unknown';
  const year = Number(match[1]);
  const month = match[2] ? Number(match[2]) : 1;
  const day = match[3] ? Number(match[3]) : 1;
  let age = at.getUTCFullYear() - year;
  if (at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day)) age--;
  if (age < 0) return 'unknown';
  if (age >= 80) return '80+';
  const low = Math.floor(age / 10) * 10;
  return `${low}-${low + 9}`;
}

/** The age at death for the deceased (patient.html#deceased), else today. */
function ageDate(patient: Patient, now: Date): Date {
  const died = patient.deceasedDateTime ? new Date(patient.deceasedDateTime) : undefined;
  return died && !Number.isNaN(died.getTime()) ? died : now;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The ICD-10-CM category of a code: its first three characters (`E11.9` → `E11`). */
export function icd10Category(code: string): string | undefined {
  const match = /^([A-Z][0-9][0-9A-Z])/.exec(code.trim().toUpperCase());
  return match?.[1];
}

async function readPatients(repository: ResourceRepository, ids: readonly string[]): Promise<Patient[]> {
  const out: Patient[] = [];
  for (const batch of chunks(ids, BATCH)) {
    for await (const page of matchPages(repository, 'Patient', [['_id', batch.join(',')]])) {
      out.push(...(page.resources as Patient[]));
    }
  }
  return out;
}

/** Above this many patients, reading every resource of the type beats searching per batch of patients. */
const SCAN_ABOVE = 20;

/**
 * Resources of `type` about the given patients (their `param` reference), page by page: a search
 * per batch of patients for a small cohort, else a keyset scan of the whole type (each page as
 * cheap as the first, src-main/fhir/scan.ts) filtered here.
 */
async function* aboutPatients(repository: ResourceRepository, type: string, param: string, ids: readonly string[], scanAbove = SCAN_ABOVE): AsyncGenerator<Resource[]> {
  if (ids.length > scanAbove) {
    const wanted = new Set(ids);
    let after: ScanPage['next'];
    do {
      const page: ScanPage = await repository.scan(type, { limit: 1000, ...(after ? { after } : {}) });
      yield page.resources.filter((r) => {
        const patient = patientOf(r);
        return patient !== undefined && wanted.has(patient);
      });
      after = page.next;
    } while (after);
    return;
  }
  for (const batch of chunks(ids, BATCH)) {
    const value = batch.map((id) => `Patient/${id}`).join(',');
    for await (const page of matchPages(repository, type, [[param, value]])) yield page.resources;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, patient: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(patient);
}

export async function cohortCounts(repository: ResourceRepository, options: CohortOptions): Promise<CohortReport> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const limit = options.limit ?? COHORT_LIMIT;
  const { resourceType, pairs } = matchQuery(options.query, false);
  const patients = new Set<string>();
  const matchedPatients: Patient[] = [];
  let matched = 0;
  let withoutPatient = 0;
  let truncated = false;
  let total: number | undefined;
  for await (const page of matchPages(repository, resourceType, pairs, { limit })) {
    total ??= page.total;
    for (const resource of page.resources) {
      matched++;
      const patient = patientOf(resource);
      if (patient === undefined) withoutPatient++;
      else patients.add(patient);
      if (resource.resourceType === 'Patient') matchedPatients.push(resource);
    }
  }
  if (total !== undefined && total > matched && matched >= limit) truncated = true;

  const ids = [...patients].sort();
  const groups: CohortGroup[] = [];
  if (options.groupBy === 'sex' || options.groupBy === 'ageBand') {
    const records = resourceType === 'Patient' ? matchedPatients : await readPatients(repository, ids);
    const byKey = new Map<string, Set<string>>();
    const seen = new Set<string>();
    for (const patient of records) {
      if (!patient.id) continue;
      seen.add(patient.id);
      const key = options.groupBy === 'sex' ? (patient.gender ?? 'unknown') : ageBand(patient.birthDate, ageDate(patient, now));
      addTo(byKey, key, patient.id);
    }
    // Referenced patients that are not in the vault (deleted, never imported): unknown.
    for (const id of ids) if (!seen.has(id)) addTo(byKey, 'unknown', id);
    // Every age band is listed, an empty one as zero, so the plot's axis is whole and the same for every cohort.
    if (options.groupBy === 'ageBand' && byKey.size > 0) for (const band of AGE_BANDS) if (!byKey.has(band)) byKey.set(band, new Set());
    for (const [key, set] of byKey) groups.push({ key, label: key === 'unknown' ? 'Unknown' : options.groupBy === 'sex' ? key[0]!.toUpperCase() + key.slice(1) : key, patients: set.size });
    groups.sort(options.groupBy === 'sex' ? (a, b) => b.patients - a.patients || a.key.localeCompare(b.key) : (a, b) => bandOrder(a.key) - bandOrder(b.key));
  } else {
    const coded = new Map<string, Set<string>>();
    const fromNotes = new Map<string, Set<string>>();
    const displays = new Map<string, string>();
    for await (const page of aboutPatients(repository, 'Condition', 'subject', ids, options.scanAbove)) {
      for (const condition of page as Condition[]) {
        const patient = patientOf(condition);
        if (!patient) continue;
        for (const coding of condition.code?.coding ?? []) {
          if (coding.system !== ICD10CM_SYSTEM || !coding.code) continue;
          const category = icd10Category(coding.code);
          if (!category) continue;
          addTo(coded, category, patient);
          // The category's own display when a Condition is coded with it, else the first one seen.
          if (coding.display && (coding.code === category || !displays.has(category))) displays.set(category, coding.display);
        }
      }
    }
    if (options.nlp) {
      const minScore = options.minScore ?? 0.5;
      for await (const page of aboutPatients(repository, 'DocumentReference', 'subject', ids, options.scanAbove)) {
        for (const note of page as DocumentReference[]) {
          const patient = patientOf(note);
          if (!patient) continue;
          for (const entity of extensionsToEntities(note)) {
            if (isNegated(entity)) continue;
            for (const concept of entity.ICD10CMConcepts ?? []) {
              const category = concept.Score >= minScore ? icd10Category(concept.Code) : undefined;
              if (!category) continue;
              addTo(fromNotes, category, patient);
              if (!displays.has(category) && concept.Description) displays.set(category, concept.Description);
            }
          }
        }
      }
    }
    for (const key of new Set([...coded.keys(), ...fromNotes.keys()])) {
      const union = new Set([...(coded.get(key) ?? []), ...(fromNotes.get(key) ?? [])]);
      const described = options.describeCategory ? await options.describeCategory(key) : undefined;
      const group: CohortGroup = { key, label: `${key} ${described ?? displays.get(key) ?? ''}`.trim(), patients: union.size, coded: coded.get(key)?.size ?? 0 };
      if (options.nlp) group.nlp = fromNotes.get(key)?.size ?? 0;
      groups.push(group);
    }
    groups.sort((a, b) => b.patients - a.patients || a.key.localeCompare(b.key));
  }
  return {
    groupBy: options.groupBy,
    resourceType,
    matched,
    patients: patients.size,
    withoutPatient,
    groups,
    ...(truncated ? { truncatedAt: limit } : {}),
    tookMs: Math.round(performance.now() - started),
  };
}

function bandOrder(key: string): number {
  if (key === 'unknown') return 1000;
  if (key === '80+') return 80;
  return Number(key.split('-')[0]);
}
