/**
 * The patient chart (issue 6 §3, docs/patient-chart.md): everything shown about one patient,
 * read with the repository's compartment search (https://hl7.org/fhir/R4/compartmentdefinition-patient.html),
 * never a scan of the store. The assembly (`buildChart`) is a pure function of the resources read.
 */
import type {
  AllergyIntolerance,
  Basic,
  CodeableConcept,
  Coding,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  ObservationReferenceRange,
  Patient,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';
import { fhirError } from '../fhir/outcome-error';
import type { ResourceRepository } from '../fhir/repository';
import { patientCompartment } from '../fhir/rest/everything';
import { extensionsToEntities, ICD10CM_SYSTEM } from '../nlp/results/extensions';
import { readNoteText } from '../nlp/results/note-text';
import type { Entity, EntityCategory } from '../nlp/types';
import { engineAnnotations, overlay, TRAIT_THRESHOLD } from '../review/overlay';
import { nlpState, notePatient, noteTitle } from '../review/queue-index';
import { basicToRecord, emptyRecord, RESOURCE_KIND_SYSTEM, REVIEW_KIND_CODE, type StoredAnnotation } from '../review/record';
import { sectionsOf } from '../review/service';
import type {
  ChartCode,
  ChartDemographics,
  ChartNote,
  ChartNoteSummary,
  CodedCondition,
  NlpFinding,
  ObservationPoint,
  ObservationSeries,
  PatientChart,
  TimelineEvent,
} from './types';

const LOINC = 'http://loinc.org';
/** Resources read per search page (the engine's maximum `_count`). */
const PAGE = 1000;
/** At most this many resources of one type per patient; beyond, the chart says it is partial. */
export const MAX_PER_TYPE = 20_000;

/** The types the chart reads from the patient's compartment. */
export const CHART_TYPES = [
  'Encounter',
  'Condition',
  'MedicationRequest',
  'MedicationStatement',
  'Procedure',
  'Immunization',
  'AllergyIntolerance',
  'DiagnosticReport',
  'DocumentReference',
  'Observation',
] as const;
type ChartType = (typeof CHART_TYPES)[number];

/** Mentions asserted with these traits are not the patient's current problem: left out of the to-do list. */
const NOT_ASSERTED = new Set(['NEGATION', 'PERTAINS_TO_FAMILY', 'HYPOTHETICAL', 'FUTURE']);
/** Interpretation codes (v3-ObservationInterpretation) that flag a value as out of range. */
const ABNORMAL = new Set(['H', 'L', 'HH', 'LL', 'HU', 'LU', 'A', 'AA', '>', '<']);

export interface ChartInput {
  patient: Patient;
  resources: { [T in ChartType]: Extract<Resource, { resourceType: T }>[] };
  /** Reviewers' records of the patient's notes (docs/review.md §2), by note id. */
  reviews?: Map<string, StoredAnnotation[][]>;
  truncated: string[];
  /** The instant ages are computed at. */
  now: Date;
}

/** Reads the patient and its compartment's resources of CHART_TYPES, one paged search per type. */
export async function readChartInput(repository: ResourceRepository, patientId: string, now: Date = new Date()): Promise<ChartInput> {
  const patient = await repository.read('Patient', patientId);
  if (patient.resourceType !== 'Patient') throw fhirError('not-found', `Patient/${patientId} not found`, 404, ['patientId']);
  const members = new Map(patientCompartment().map((m) => [m.code, m.param]));
  const truncated: string[] = [];
  const read = async <T extends ChartType>(type: T): Promise<Extract<Resource, { resourceType: T }>[]> => {
    const params = members.get(type);
    if (!params) return [];
    const found: Extract<Resource, { resourceType: T }>[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const bundle = await repository.search(type, [['_count', String(PAGE)], ['_offset', String(offset)], ['_total', 'none']], {
        compartment: { type: 'Patient', id: patientId, params },
      });
      const page = (bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === type && e.search?.mode !== 'outcome' ? [e.resource as Extract<Resource, { resourceType: T }>] : []));
      found.push(...page);
      if (found.length >= MAX_PER_TYPE) {
        truncated.push(type);
        return found.slice(0, MAX_PER_TYPE);
      }
      if (page.length < PAGE) return found;
    }
  };
  // One type after another: the store answers one query at a time anyway.
  const resources = {} as ChartInput['resources'];
  for (const type of CHART_TYPES) {
    (resources as Record<ChartType, Resource[]>)[type] = await read(type);
  }
  const reviews = await readReviews(repository, resources.DocumentReference.flatMap((d) => (d.id ? [d.id] : [])));
  return { patient, resources, reviews, truncated, now };
}

/** Notes per review-record search (an OR list of `subject` values). */
const REVIEW_BATCH = 100;

/** The reviewers' records of these notes: `Basic?code=review&subject=DocumentReference/a,…`, a hundred notes a search. */
async function readReviews(repository: ResourceRepository, noteIds: readonly string[]): Promise<Map<string, StoredAnnotation[][]>> {
  const out = new Map<string, StoredAnnotation[][]>();
  for (let i = 0; i < noteIds.length; i += REVIEW_BATCH) {
    const subjects = noteIds.slice(i, i + REVIEW_BATCH).map((id) => `DocumentReference/${id}`);
    for (let offset = 0; ; offset += PAGE) {
      const bundle = await repository.search('Basic', [
        ['code', `${RESOURCE_KIND_SYSTEM}|${REVIEW_KIND_CODE}`],
        ['subject', subjects.join(',')],
        ['_count', String(PAGE)],
        ['_offset', String(offset)],
        ['_total', 'none'],
      ]);
      const entries = bundle.entry ?? [];
      for (const entry of entries) {
        const record = entry.resource?.resourceType === 'Basic' ? basicToRecord(entry.resource as Basic) : undefined;
        if (!record) continue;
        const list = out.get(record.documentId) ?? [];
        list.push([...record.annotations.values()]);
        out.set(record.documentId, list);
      }
      if (entries.length < PAGE) break;
    }
  }
  return out;
}

export async function patientChart(repository: ResourceRepository, patientId: string, now: Date = new Date()): Promise<PatientChart> {
  return buildChart(await readChartInput(repository, patientId, now));
}

// ---------------------------------------------------------------------------------------------
// Demographics

function humanName(patient: Patient): string {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  if (!name) return `Patient/${patient.id ?? ''}`;
  if (name.text) return name.text;
  const parts = [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? '', ...(name.suffix ?? [])].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' ') : `Patient/${patient.id ?? ''}`;
}

/** Whole years between a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) and `at`. */
export function ageAt(birthDate: string, at: Date): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(birthDate);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : 1;
  const day = m[3] ? Number(m[3]) : 1;
  let age = at.getUTCFullYear() - year;
  const beforeBirthday = at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day);
  if (beforeBirthday) age--;
  return age >= 0 ? age : undefined;
}

function conceptText(concept: CodeableConcept | undefined): string | undefined {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? concept?.coding?.[0]?.code;
}

export function demographics(patient: Patient, now: Date): ChartDemographics {
  const out: ChartDemographics = {
    reference: `Patient/${patient.id ?? ''}`,
    name: humanName(patient),
    identifiers: [],
    addresses: [],
    telecom: [],
  };
  if (patient.gender) out.sex = patient.gender;
  if (patient.birthDate) out.birthDate = patient.birthDate;
  if (patient.deceasedDateTime !== undefined) out.deceased = patient.deceasedDateTime;
  else if (patient.deceasedBoolean !== undefined) out.deceased = patient.deceasedBoolean;
  if (patient.birthDate) {
    const at = typeof out.deceased === 'string' && !Number.isNaN(Date.parse(out.deceased)) ? new Date(out.deceased) : now;
    const age = ageAt(patient.birthDate, at);
    if (age !== undefined) out.age = age;
  }
  for (const identifier of patient.identifier ?? []) {
    if (!identifier.value) continue;
    const isMrn = identifier.type?.coding?.some((c) => c.code === 'MR') ?? false;
    const label = isMrn ? 'MRN' : conceptText(identifier.type);
    out.identifiers.push({ value: identifier.value, ...(label ? { label } : {}), ...(identifier.system ? { system: identifier.system } : {}) });
    if (isMrn && out.mrn === undefined) out.mrn = identifier.value;
  }
  for (const address of patient.address ?? []) {
    const text = address.text ?? [...(address.line ?? []), address.city, [address.state, address.postalCode].filter(Boolean).join(' '), address.country].filter((p) => p).join(', ');
    if (text) out.addresses.push(text);
  }
  for (const telecom of patient.telecom ?? []) {
    if (telecom.value) out.telecom.push({ value: telecom.value, ...(telecom.system ? { system: telecom.system } : {}), ...(telecom.use ? { use: telecom.use } : {}) });
  }
  const marital = conceptText(patient.maritalStatus);
  if (marital) out.maritalStatus = marital;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Timeline

function chartCode(concept: CodeableConcept | undefined, preferred?: string): ChartCode | undefined {
  const coding: Coding | undefined = (preferred ? concept?.coding?.find((c) => c.system === preferred && c.code) : undefined) ?? concept?.coding?.find((c) => c.code);
  if (!coding?.code) return undefined;
  return { code: coding.code, ...(coding.system ? { system: coding.system } : {}), ...(coding.display ? { display: coding.display } : {}) };
}

function event(kind: TimelineEvent['kind'], resource: Resource, label: string | undefined, date: string | undefined, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  const out: TimelineEvent = { kind, label: label ?? resource.resourceType, reference: `${resource.resourceType}/${resource.id ?? ''}`, ...extra };
  if (date) out.date = date;
  return out;
}

function withCode(code: ChartCode | undefined, status: string | undefined): Partial<TimelineEvent> {
  return { ...(code ? { code } : {}), ...(status ? { status } : {}) };
}

function encounterEvent(e: Encounter): TimelineEvent {
  const label = conceptText(e.type?.[0]) ?? e.class?.display ?? e.class?.code;
  const code = e.class?.code ? { code: e.class.code, ...(e.class.system ? { system: e.class.system } : {}), ...(e.class.display ? { display: e.class.display } : {}) } : undefined;
  return event('encounter', e, label, e.period?.start, { ...withCode(code, e.status), ...(e.period?.end ? { end: e.period.end } : {}) });
}

function conditionEvent(c: Condition): TimelineEvent {
  const date = c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate;
  return event('condition', c, conceptText(c.code), date, {
    ...withCode(chartCode(c.code, ICD10CM_SYSTEM), c.clinicalStatus?.coding?.[0]?.code),
    ...(c.abatementDateTime ? { end: c.abatementDateTime } : {}),
  });
}

function medicationLabel(concept: CodeableConcept | undefined, reference: { display?: string; reference?: string } | undefined): string | undefined {
  return conceptText(concept) ?? reference?.display ?? reference?.reference;
}

export function timeline(input: ChartInput): TimelineEvent[] {
  const r = input.resources;
  const events: TimelineEvent[] = [
    ...r.Encounter.map(encounterEvent),
    ...r.Condition.map(conditionEvent),
    ...r.MedicationRequest.map((m: MedicationRequest) =>
      event('medication', m, medicationLabel(m.medicationCodeableConcept, m.medicationReference), m.authoredOn, withCode(chartCode(m.medicationCodeableConcept), m.status)),
    ),
    ...r.MedicationStatement.map((m: MedicationStatement) =>
      event('medication', m, medicationLabel(m.medicationCodeableConcept, m.medicationReference), m.effectiveDateTime ?? m.effectivePeriod?.start ?? m.dateAsserted, withCode(chartCode(m.medicationCodeableConcept), m.status)),
    ),
    ...r.Procedure.map((p: Procedure) => event('procedure', p, conceptText(p.code), p.performedDateTime ?? p.performedPeriod?.start, withCode(chartCode(p.code), p.status))),
    ...r.Immunization.map((i: Immunization) => event('immunization', i, conceptText(i.vaccineCode), i.occurrenceDateTime ?? i.recorded, withCode(chartCode(i.vaccineCode), i.status))),
    ...r.AllergyIntolerance.map((a: AllergyIntolerance) =>
      event('allergy', a, conceptText(a.code), a.recordedDate ?? a.onsetDateTime, withCode(chartCode(a.code), a.clinicalStatus?.coding?.[0]?.code)),
    ),
    ...r.DiagnosticReport.map((d: DiagnosticReport) => event('report', d, conceptText(d.code), d.effectiveDateTime ?? d.effectivePeriod?.start ?? d.issued, withCode(chartCode(d.code), d.status))),
    ...r.DocumentReference.map((d: DocumentReference) => event('note', d, noteTitle(d), d.date ?? d.context?.period?.start, withCode(chartCode(d.type), d.docStatus ?? d.status))),
  ];
  return events.sort(byDateThenReference);
}

function instant(date: string | undefined): number {
  const t = date === undefined ? NaN : Date.parse(date);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function byDateThenReference(a: { date?: string; reference: string }, b: { date?: string; reference: string }): number {
  const d = instant(a.date) - instant(b.date);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Observation series

function rangeOf(ranges: ObservationReferenceRange[] | undefined): { low?: number; high?: number } {
  // The first range that applies to everyone (no appliesTo/age), else the first one.
  const range = ranges?.find((r) => !r.appliesTo && !r.age) ?? ranges?.[0];
  const out: { low?: number; high?: number } = {};
  if (typeof range?.low?.value === 'number') out.low = range.low.value;
  if (typeof range?.high?.value === 'number') out.high = range.high.value;
  return out;
}

/**
 * Typical adult resting ranges for vital signs (LOINC, as in the FHIR vital signs profile,
 * https://hl7.org/fhir/R4/observation-vitalsigns.html), drawn when the Observations carry no
 * referenceRange of their own (Synthea's do not). Units as UCUM codes or the usual unit text; a
 * value in another unit gets no default band. Sources: AHA (heart rate 60–100/min; blood pressure
 * normal below 120/80, hypotension under 90/60), adult respiratory rate 12–20/min, temperature
 * 36.1–37.2 °C (97–99 °F), SpO2 95–100 %, BMI 18.5–25 kg/m2 (WHO).
 */
export const DEFAULT_VITAL_BANDS: ReadonlyArray<{ codes: readonly string[]; units: readonly string[]; low: number; high: number }> = [
  { codes: ['8867-4'], units: ['/min', '{beats}/min', 'beats/min', 'bpm'], low: 60, high: 100 },
  { codes: ['9279-1'], units: ['/min', '{breaths}/min', 'breaths/min'], low: 12, high: 20 },
  { codes: ['8480-6'], units: ['mm[Hg]', 'mmHg'], low: 90, high: 120 },
  { codes: ['8462-4'], units: ['mm[Hg]', 'mmHg'], low: 60, high: 80 },
  { codes: ['8310-5', '8331-1'], units: ['Cel', '°C', 'C'], low: 36.1, high: 37.2 },
  { codes: ['8310-5', '8331-1'], units: ['[degF]', '°F', 'F'], low: 97, high: 99 },
  { codes: ['2708-6', '59408-5'], units: ['%'], low: 95, high: 100 },
  { codes: ['39156-5'], units: ['kg/m2', 'kg/m^2'], low: 18.5, high: 25 },
];

/** The default band of a LOINC vital sign in that unit, if there is one. */
export function defaultVitalBand(system: string | undefined, code: string, unit: string | undefined): { low: number; high: number } | undefined {
  if (system !== LOINC || unit === undefined) return undefined;
  const band = DEFAULT_VITAL_BANDS.find((b) => b.codes.includes(code) && b.units.includes(unit));
  return band ? { low: band.low, high: band.high } : undefined;
}

function seriesKeyOf(concept: CodeableConcept | undefined): { key: string; code: string; system?: string; display: string } | undefined {
  const coding = concept?.coding?.find((c) => c.system === LOINC && c.code) ?? concept?.coding?.find((c) => c.code);
  if (!coding?.code) return undefined;
  const display = coding.display ?? concept?.text ?? coding.code;
  return { key: `${coding.system ?? ''}|${coding.code}`, code: coding.code, display, ...(coding.system ? { system: coding.system } : {}) };
}

/**
 * Numeric observations grouped by code: an Observation's valueQuantity under its code, and each
 * component's valueQuantity under the component's code (blood pressure gives a systolic and a
 * diastolic series). A point is out of range when its interpretation flags it (H, L, A…) or its
 * value lies outside its reference range.
 */
export function observationSeries(observations: readonly Observation[]): ObservationSeries[] {
  const byKey = new Map<string, ObservationSeries>();
  const add = (o: Observation, concept: CodeableConcept | undefined, value: number, unit: string | undefined, ranges: ObservationReferenceRange[] | undefined, interpretation: CodeableConcept[] | undefined) => {
    const key = seriesKeyOf(concept);
    const time = o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.effectiveInstant ?? o.issued;
    if (!key || !time || Number.isNaN(Date.parse(time))) return;
    let series = byKey.get(key.key);
    if (!series) {
      const category = o.category?.flatMap((c) => c.coding ?? []).find((c) => c.code)?.code;
      series = { ...key, points: [], ...(unit ? { unit } : {}), ...(category ? { category } : {}) };
      byKey.set(key.key, series);
    }
    const range = rangeOf(ranges);
    const flag = interpretation?.flatMap((c) => c.coding ?? []).find((c) => c.code)?.code;
    const outside = (range.low !== undefined && value < range.low) || (range.high !== undefined && value > range.high);
    const point: ObservationPoint = { time, value, reference: `Observation/${o.id ?? ''}`, outOfRange: outside || (flag !== undefined && ABNORMAL.has(flag)), ...range };
    if (flag) point.interpretation = flag;
    series.points.push(point);
  };
  for (const o of observations) {
    if (o.status === 'entered-in-error' || o.status === 'cancelled') continue;
    if (typeof o.valueQuantity?.value === 'number') add(o, o.code, o.valueQuantity.value, o.valueQuantity.unit ?? o.valueQuantity.code, o.referenceRange, o.interpretation);
    for (const c of o.component ?? []) {
      if (typeof c.valueQuantity?.value === 'number') add(o, c.code, c.valueQuantity.value, c.valueQuantity.unit ?? c.valueQuantity.code, c.referenceRange, c.interpretation);
    }
  }
  const out = [...byKey.values()];
  for (const series of out) {
    series.points.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const latest = [...series.points].reverse().find((p) => p.low !== undefined || p.high !== undefined);
    if (latest?.low !== undefined) series.low = latest.low;
    if (latest?.high !== undefined) series.high = latest.high;
    if (latest) continue;
    // A vital sign without any reference range: the documented default band, and points outside it flagged.
    const band = defaultVitalBand(series.system, series.code, series.unit);
    if (!band) continue;
    series.low = band.low;
    series.high = band.high;
    series.band = 'default';
    for (const p of series.points) if (p.value < band.low || p.value > band.high) p.outOfRange = true;
  }
  // Most measured first: the chart's default selection is the first few.
  return out.sort((a, b) => b.points.length - a.points.length || a.display.localeCompare(b.display));
}

// ---------------------------------------------------------------------------------------------
// Notes and the to-do list

/** ICD-10-CM without its dot, upper case: `e11.65` → `E1165`. */
function bare(code: string): string {
  return code.replace(/\./g, '').toUpperCase();
}

/** The 3-character category of an ICD-10-CM code (`E11.65` → `E11`). */
export function icdCategory(code: string): string {
  return bare(code).slice(0, 3);
}

/**
 * Does a coded ICD-10-CM code account for a code the NLP found? The same code; or a code of the
 * same 3-character category that is at least as specific (as many characters or more): a note's
 * "diabetes" (E11.9) is covered by a coded E11.65, but a note's E11.65 is not covered by a coded
 * E11.9 or E11 (the note says more than the coding: a to-do, listed with `sameCategory`).
 */
export function covers(coded: string, found: string): boolean {
  const c = bare(coded);
  const f = bare(found);
  return c === f || (c.slice(0, 3) === f.slice(0, 3) && c.length >= f.length);
}

function asserted(entity: Entity): boolean {
  return !entity.Traits.some((t) => t.Score >= TRAIT_THRESHOLD && NOT_ASSERTED.has(t.Name));
}

interface Mention {
  code: string;
  display: string;
  text: string;
  score: number;
  noteId: string;
  /** Accepted or added by a reviewer. */
  reviewed: boolean;
}


/**
 * A note's condition mentions after its reviewers' records (docs/review.md): the latest decision
 * about an engine entity wins (a rejected one is dropped; an accepted or edited one takes the
 * reviewer's concept and traits), and conditions a reviewer added count too (score 1: a person
 * said so). Without a record, the engine's entity as it is.
 */
export function noteMentions(noteId: string, entities: readonly Entity[], records: readonly StoredAnnotation[][] = []): Mention[] {
  const latest = new Map<string, StoredAnnotation>();
  for (const record of records) {
    for (const a of record) {
      const seen = latest.get(a.id);
      if (!seen || a.reviewedAt > seen.reviewedAt) latest.set(a.id, a);
    }
  }
  const out: Mention[] = [];
  for (const { id, entity } of engineAnnotations(entities)) {
    const reviewed = latest.get(id);
    latest.delete(id);
    if (reviewed) {
      if (reviewed.decision !== 'rejected') out.push(...reviewedMention(noteId, reviewed, entity.Text, entity.ICD10CMConcepts?.[0]?.Score));
      continue;
    }
    const top = entity.ICD10CMConcepts?.[0];
    if (entity.Category !== 'MEDICAL_CONDITION' || !top || !asserted(entity)) continue;
    out.push({ code: top.Code, display: top.Description, text: entity.Text, score: top.Score, noteId, reviewed: false });
  }
  // What is left: annotations reviewers added (and reviewed engine entities the engine no longer finds).
  for (const a of latest.values()) {
    if (a.decision !== 'rejected') out.push(...reviewedMention(noteId, a, a.concept?.display ?? '', undefined));
  }
  return out;
}

function reviewedMention(noteId: string, a: StoredAnnotation, text: string, engineScore: number | undefined): Mention[] {
  if (a.category !== 'MEDICAL_CONDITION' || a.concept?.system !== 'ICD10CM') return [];
  if (a.traits.some((t) => NOT_ASSERTED.has(t))) return [];
  // Accepted or added by a person: certain. Still pending (a record touched other entities): the engine's score.
  const sure = a.decision === 'accepted' || a.origin === 'reviewer';
  return [{ code: a.concept.code, display: a.concept.display, text, score: sure ? 1 : (engineScore ?? 0), noteId, reviewed: sure }];
}

function noteSummary(doc: DocumentReference, entities: readonly Entity[]): ChartNoteSummary {
  const categories: Partial<Record<EntityCategory, number>> = {};
  for (const e of entities) categories[e.Category] = (categories[e.Category] ?? 0) + 1;
  const out: ChartNoteSummary = { id: doc.id ?? '', title: noteTitle(doc), nlp: nlpState(doc), entities: entities.length, categories };
  const date = doc.date ?? doc.context?.period?.start;
  if (date) out.date = date;
  const type = conceptText(doc.type);
  if (type) out.type = type;
  return out;
}

function conditionIcd(c: Condition): Coding | undefined {
  return c.code?.coding?.find((x) => x.system === ICD10CM_SYSTEM && x.code);
}

/** Conditions that do not count as coded: recorded in error or refuted. */
function countsAsCoded(c: Condition): boolean {
  const status = c.verificationStatus?.coding?.[0]?.code;
  return status !== 'entered-in-error' && status !== 'refuted';
}

export function buildChart(input: ChartInput): PatientChart {
  const { resources } = input;
  // Newest note first: the notes list and each finding's note ids read in that order.
  const noteKey = (d: DocumentReference) => ({ date: d.date ?? d.context?.period?.start, reference: d.id ?? '' });
  const docs = [...resources.DocumentReference].sort((a, b) => {
    const ka = noteKey(a);
    const kb = noteKey(b);
    // Undated notes last, as in the timeline.
    const undated = Number(instant(ka.date) === Number.POSITIVE_INFINITY) - Number(instant(kb.date) === Number.POSITIVE_INFINITY);
    return undated !== 0 ? undated : -byDateThenReference(ka, kb);
  });
  const notes: ChartNoteSummary[] = [];
  const mentions: Mention[] = [];
  for (const doc of docs) {
    if (doc.status === 'entered-in-error') continue;
    const entities = extensionsToEntities(doc);
    notes.push(noteSummary(doc, entities));
    mentions.push(...noteMentions(doc.id ?? '', entities, input.reviews?.get(doc.id ?? '')));
  }

  const conditions = resources.Condition.filter(countsAsCoded);
  const codedCodes = conditions.flatMap((c) => {
    const code = conditionIcd(c)?.code;
    return code ? [code] : [];
  });

  const findings = new Map<string, NlpFinding>();
  for (const m of mentions) {
    if (codedCodes.some((c) => covers(c, m.code))) continue;
    const key = bare(m.code);
    let finding = findings.get(key);
    if (!finding) {
      const category = icdCategory(m.code);
      const sameCategory = [...new Set(codedCodes.filter((c) => icdCategory(c) === category))].sort();
      finding = { code: m.code, display: m.display, text: m.text, score: m.score, mentions: 0, noteIds: [], sameCategory, reviewed: false };
      findings.set(key, finding);
    }
    finding.mentions++;
    if (m.reviewed) finding.reviewed = true;
    if (m.score > finding.score || (m.score === finding.score && m.text !== '' && finding.text === '')) {
      finding.score = m.score;
      finding.text = m.text;
    }
    if (!finding.noteIds.includes(m.noteId)) finding.noteIds.push(m.noteId);
  }
  const todo = [...findings.values()].sort((a, b) => b.score - a.score || b.mentions - a.mentions || a.code.localeCompare(b.code));

  const coded: CodedCondition[] = conditions
    .map((c): CodedCondition => {
      const icd = conditionIcd(c);
      const out: CodedCondition = { reference: `Condition/${c.id ?? ''}`, display: conceptText(c.code) ?? icd?.display ?? 'Condition', mentioned: 'none', noteIds: [] };
      if (icd?.code) {
        out.code = icd.code;
        const exact = mentions.filter((m) => bare(m.code) === bare(icd.code!));
        const related = exact.length > 0 ? exact : mentions.filter((m) => icdCategory(m.code) === icdCategory(icd.code!));
        if (related.length > 0) {
          out.mentioned = exact.length > 0 ? 'code' : 'category';
          out.noteIds = [...new Set(related.map((m) => m.noteId))];
        }
      }
      const status = c.clinicalStatus?.coding?.[0]?.code;
      if (status) out.clinicalStatus = status;
      const onset = c.onsetDateTime ?? c.onsetPeriod?.start;
      if (onset) out.onset = onset;
      if (c.recordedDate) out.recorded = c.recordedDate;
      return out;
    })
    .sort((a, b) => byDateThenReference({ date: a.onset ?? a.recorded, reference: a.reference }, { date: b.onset ?? b.recorded, reference: b.reference }));

  return {
    demographics: demographics(input.patient, input.now),
    timeline: timeline(input),
    series: observationSeries(resources.Observation),
    notes,
    todo,
    coded,
    truncated: input.truncated,
    asOf: input.now.toISOString(),
  };
}

/** One note for the chart's note panel: its text with the engine's entities, read-only. */
export async function chartNote(repository: ResourceRepository, documentId: string): Promise<ChartNote> {
  const doc = await repository.read('DocumentReference', documentId);
  if (doc.resourceType !== 'DocumentReference') throw fhirError('not-found', `DocumentReference/${documentId} not found`, 404, ['documentId']);
  const note = await readNoteText(doc, async (id) => {
    try {
      const binary = await repository.read('Binary', id);
      return binary.resourceType === 'Binary' ? binary : undefined;
    } catch {
      // A missing Binary is the note's problem, reported below.
      return undefined;
    }
  });
  if (!note.ok) throw fhirError('not-supported', `DocumentReference/${documentId} has no text to show: ${note.problem}`, 422, ['documentId']);
  const entities = extensionsToEntities(doc);
  const out: ChartNote = {
    documentId,
    title: noteTitle(doc),
    text: note.text,
    sections: sectionsOf(note.text),
    annotations: overlay(engineAnnotations(entities, note.text), emptyRecord(documentId, 'chart'), note.text),
    nlp: nlpState(doc),
  };
  if (doc.date) out.date = doc.date;
  const patient = notePatient(doc);
  if (patient) out.patient = patient;
  return out;
}
