/**
 * Simulates one patient's life, year by year over the history window: chronic conditions start
 * with age- and sex-dependent chances and get treated, acute illnesses bring them to clinic, the
 * emergency department or the ward, visits record vitals and labs whose values follow the active
 * conditions and their treatment, and screening follows age. Everything is drawn from the
 * patient's own random stream (SampleRandom.fork), so patient N is the same whatever N-1 was.
 */
import type { SampleRandom } from './random';
import type {
  ConditionEpisode, EncounterKind, LabResult, PatientHistory, Prescription, SampleClinician, SampleEncounter, SampleFacility, SamplePatient,
} from './model';
import { ageBand, CONDITIONS, FAMILY_HISTORY, PAST_EVENTS, RELATIVES, SYMPTOMS, type ConditionConcept, type SymptomConcept } from './vocabulary/conditions';
import { medicationByKey } from './vocabulary/medications';
import { LABS, VITALS } from './vocabulary/observations';
import { CITIES, EMAIL_DOMAINS, FAMILY, FEMALE_GIVEN, MALE_GIVEN, PROFESSIONS, STREETS, STREET_KINDS } from './vocabulary/people';
import { ALLERGIES, IMMUNIZATIONS, PROCEDURES } from './vocabulary/procedures';

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;

export interface SimulationContext {
  /** The generator's "today": fixed, so that a seed gives the same data on any day. */
  asOf: Date;
  historyYears: number;
  clinicians: readonly SampleClinician[];
  facilities: readonly SampleFacility[];
  idPrefix: string;
}

/** Lab keys drawn together (and reported together: resources.ts makes one DiagnosticReport per panel). */
export const PANELS: Readonly<Record<string, readonly string[]>> = {
  bmp: ['glucose', 'sodium', 'potassium', 'creatinine', 'egfr'],
  lipid: ['cholesterol', 'ldl', 'hdl', 'triglycerides'],
  cbc: ['hemoglobin', 'wbc', 'platelets'],
  a1c: ['hba1c'],
  tsh: ['tsh'],
  cardiac: ['troponin', 'bnp'],
  coag: ['inr'],
  liver: ['alt'],
};

const LAB_PANEL: ReadonlyMap<string, string> = new Map(Object.entries(PANELS).flatMap(([panel, keys]) => keys.map((key) => [key, panel] as const)));

const INFECTIONS = new Set(['pneumonia', 'uti', 'cellulitis', 'bronchitis', 'sinusitis']);

/** What brings a patient in with each acute condition. */
const PRESENTING: Readonly<Record<string, readonly string[]>> = {
  pneumonia: ['cough', 'fever', 'dyspnea'],
  uti: ['abdominalPain', 'fever'],
  cellulitis: ['rash', 'fever'],
  bronchitis: ['cough'],
  sinusitis: ['headache', 'fever'],
  lowBackPain: ['jointPain'],
  dvt: ['edema'],
};

function symptom(key: string): SymptomConcept {
  const found = SYMPTOMS.find((s) => s.key === key);
  if (!found) throw new Error(`No sample symptom "${key}"`);
  return found;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function randomDateIn(rng: SampleRandom, from: Date, to: Date): Date {
  const span = Math.max(0, to.getTime() - from.getTime());
  // Whole minutes, office hours most of the time: notes and resources read like real ones.
  const day = new Date(from.getTime() + Math.floor(rng.next() * span));
  day.setUTCHours(rng.int(7, 18), rng.pick([0, 15, 30, 45]), 0, 0);
  return day;
}

function makePatient(rng: SampleRandom, index: number, context: SimulationContext): SamplePatient {
  const sex = rng.chance(0.51) ? 'female' : 'male';
  const age = rng.weighted([
    { value: rng.int(0, 17), weight: 10 },
    { value: rng.int(18, 39), weight: 24 },
    { value: rng.int(40, 59), weight: 30 },
    { value: rng.int(60, 79), weight: 27 },
    { value: rng.int(80, 97), weight: 9 },
  ]);
  const birth = new Date(context.asOf.getTime() - age * YEAR_MS - rng.int(1, 364) * DAY_MS);
  const name = { given: rng.pick(sex === 'female' ? FEMALE_GIVEN : MALE_GIVEN), family: rng.pick(FAMILY) };
  const place = rng.pick(CITIES);
  const smoking = age < 16 ? 'never' : rng.weighted([{ value: 'never' as const, weight: 58 }, { value: 'former' as const, weight: 26 }, { value: 'current' as const, weight: 16 }]);
  const packYears = smoking === 'never' ? 0 : rng.int(2, Math.max(3, Math.min(60, age - 15)));
  const patient: SamplePatient = {
    id: `${context.idPrefix}-p${pad(index, 6)}`,
    index,
    mrn: `${context.idPrefix.toUpperCase()}${pad(index * 7 + 1000003, 8)}`,
    name,
    sex,
    birthDate: isoDate(birth),
    age,
    address: {
      line: `${rng.int(10, 9899)} ${rng.pick(STREETS)} ${rng.pick(STREET_KINDS)}`,
      city: place.city,
      state: place.state,
      postalCode: `${place.zip3}${pad(rng.int(1, 99), 2)}`,
    },
    phone: `(${rng.int(201, 989)}) 555-01${pad(rng.int(0, 99), 2)}`,
    email: `${name.given.toLowerCase()}.${name.family.toLowerCase().replace(/[^a-z]/g, '')}${rng.int(1, 99)}@${rng.pick(EMAIL_DOMAINS)}`,
    profession: age < 18 ? 'student' : age >= 67 ? rng.pick(['retired teacher', 'retired machinist', 'retired nurse', 'retired accountant']) : rng.pick(PROFESSIONS),
    smoking,
    packYears,
    alcohol: age < 18 ? 'none' : rng.weighted([{ value: 'none' as const, weight: 40 }, { value: 'social' as const, weight: 50 }, { value: 'daily' as const, weight: 10 }]),
    maritalStatus: age < 22 ? 'S' : rng.weighted([{ value: 'M' as const, weight: 50 }, { value: 'S' as const, weight: 25 }, { value: 'D' as const, weight: 13 }, { value: age > 60 ? ('W' as const) : ('S' as const), weight: 12 }]),
  };
  if (smoking === 'former') patient.quitYear = context.asOf.getUTCFullYear() - rng.int(1, Math.max(1, Math.min(30, age - 18)));
  return patient;
}

class HistoryBuilder {
  private counter = 0;
  readonly conditions: ConditionEpisode[] = [];
  readonly prescriptions: Prescription[] = [];
  readonly encounters: SampleEncounter[] = [];

  constructor(
    private readonly rng: SampleRandom,
    readonly patient: SamplePatient,
    private readonly context: SimulationContext,
    readonly primaryCare: SampleClinician,
    private readonly homeFacility: SampleFacility,
  ) {}

  nextId(kind: string): string {
    this.counter += 1;
    return `${this.patient.id}-${kind}${this.counter}`;
  }

  ageAt(date: Date): number {
    return Math.floor((date.getTime() - new Date(`${this.patient.birthDate}T00:00:00Z`).getTime()) / YEAR_MS);
  }

  activeAt(date: Date): ConditionEpisode[] {
    return this.conditions.filter((c) => c.onset <= date && (!c.abatement || c.abatement > date));
  }

  treatedAt(conditionKey: string, date: Date): boolean {
    return this.prescriptions.some((p) => p.reasonKey === conditionKey && p.start <= date && (!p.end || p.end > date));
  }

  encounter(kind: EncounterKind, start: Date, extra: Partial<SampleEncounter> = {}): SampleEncounter {
    const hours = kind === 'inpatient' ? this.rng.int(48, 144) : kind === 'emergency' ? this.rng.int(3, 9) : 0.5;
    const encounter: SampleEncounter = {
      id: this.nextId('e'),
      kind,
      start,
      end: new Date(start.getTime() + hours * 3_600_000),
      practitioner: kind === 'wellness' || kind === 'followup' ? this.primaryCare : this.rng.pick(this.context.clinicians),
      facility: kind === 'wellness' || kind === 'followup' ? this.homeFacility : this.rng.pick(this.context.facilities),
      vitals: new Map(),
      vitalIds: new Map(),
      labs: [],
      reportIds: new Map(),
      procedures: [],
      immunizations: [],
      diagnosed: [],
      started: [],
      ...extra,
    };
    this.recordVitals(encounter);
    this.encounters.push(encounter);
    return encounter;
  }

  /** The mean of a value shifted by the active conditions (less once treated) and by age. */
  private shifted(base: number, effects: Readonly<Record<string, number>> | undefined, date: Date): number {
    let value = base;
    for (const episode of this.activeAt(date)) {
      const effect = effects?.[episode.concept.key];
      if (effect === undefined) continue;
      value += this.treatedAt(episode.concept.key, date) ? effect * 0.35 : effect;
    }
    return value;
  }

  private recordVitals(encounter: SampleEncounter): void {
    const age = this.ageAt(encounter.start);
    const child = age < 18;
    for (const vital of VITALS) {
      let mean = this.shifted(vital.mean, vital.effects, encounter.start);
      if (vital.key === 'systolic') mean += Math.max(0, age - 40) * 0.35;
      if (vital.key === 'height') mean = child ? 60 + age * 6 : this.patient.sex === 'female' ? 163 : 177;
      if (vital.key === 'weight' && child) mean = 4 + age * 3.2;
      if (vital.key === 'weight' && !child && this.patient.sex === 'female') mean -= 12;
      if (vital.key === 'heartRate' && child) mean += 20;
      // The patient's own build stays put from visit to visit: a fixed offset from its index.
      const personal = vital.key === 'weight' || vital.key === 'height' ? ((this.patient.index * 7919) % 17) - 8 : 0;
      const value = vital.key === 'bmi' ? 0 : mean + personal + this.rng.normal(0, vital.key === 'height' ? 0.5 : vital.sd * 0.5);
      encounter.vitals.set(vital.key, round(value, vital.decimals));
    }
    const weight = encounter.vitals.get('weight')!;
    const heightM = encounter.vitals.get('height')! / 100;
    encounter.vitals.set('bmi', round(weight / (heightM * heightM), 1));
    if (encounter.vitals.get('spo2')! > 100) encounter.vitals.set('spo2', 100);
    for (const key of encounter.vitals.keys()) encounter.vitalIds.set(key, this.nextId('o'));
  }

  drawLabs(encounter: SampleEncounter, panels: Iterable<string>): void {
    const keys = new Set<string>();
    for (const panel of panels) for (const key of PANELS[panel] ?? []) keys.add(key);
    for (const key of keys) {
      const lab = LABS.find((l) => l.key === key)!;
      const female = this.patient.sex === 'female' ? lab.female : undefined;
      const mean = this.shifted(female?.mean ?? lab.mean, lab.effects, encounter.start);
      let value = round(mean + this.rng.normal(0, lab.sd), lab.decimals);
      if (value < 0) value = round(lab.sd / 2, lab.decimals);
      const low = female?.low ?? lab.low;
      const high = female?.high ?? lab.high;
      const result: LabResult = { id: this.nextId('o'), key, value, date: encounter.start, encounterId: encounter.id };
      if (high !== undefined && value > high) result.flag = 'H';
      else if (low !== undefined && value < low) result.flag = 'L';
      encounter.labs.push(result);
      const panel = LAB_PANEL.get(key)!;
      if (!encounter.reportIds.has(panel)) encounter.reportIds.set(panel, this.nextId('r'));
    }
  }

  diagnose(concept: ConditionConcept, encounter: SampleEncounter, onset: Date, abatement?: Date): ConditionEpisode {
    const episode: ConditionEpisode = { id: this.nextId('c'), concept, onset, encounterId: encounter.id };
    if (abatement) episode.abatement = abatement;
    this.conditions.push(episode);
    encounter.diagnosed.push(episode);
    return episode;
  }

  prescribe(key: string, episode: ConditionEpisode, encounter: SampleEncounter, end?: Date): Prescription {
    const prescription: Prescription = {
      id: this.nextId('m'),
      medication: medicationByKey(key),
      reasonId: episode.id,
      reasonKey: episode.concept.key,
      start: encounter.start,
      encounterId: encounter.id,
    };
    if (end) prescription.end = end;
    this.prescriptions.push(prescription);
    encounter.started.push(prescription);
    return prescription;
  }

  addProcedureFor(encounter: SampleEncounter, conditionKey: string): void {
    const candidates = PROCEDURES.filter((p) => p.for?.includes(conditionKey));
    if (candidates.length === 0 || !this.rng.chance(0.7)) return;
    const concept = this.rng.pick(candidates);
    encounter.procedures.push({ id: this.nextId('x'), concept, date: encounter.start });
  }
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function sortedByDate<T extends { start: Date }>(items: T[]): T[] {
  return items.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** One patient's whole simulated history. */
export function simulatePatient(rng: SampleRandom, index: number, context: SimulationContext): PatientHistory {
  const patient = makePatient(rng, index, context);
  const primaryCare = context.clinicians[index % context.clinicians.length]!;
  const homeFacility = context.facilities[index % context.facilities.length]!;
  const builder = new HistoryBuilder(rng, patient, context, primaryCare, homeFacility);
  const asOfYear = context.asOf.getUTCFullYear();
  const birthYear = Number(patient.birthDate.slice(0, 4));
  const firstYear = Math.max(birthYear, asOfYear - context.historyYears);

  // Events before the window are history only (an MI in 2009 is "h/o MI in 2009").
  const pastEvents: PatientHistory['pastEvents'] = [];
  for (const concept of PAST_EVENTS) {
    const band = ageBand(patient.age);
    if (patient.age >= 40 && rng.chance(concept.onset[band] * 12)) {
      const year = rng.int(Math.max(birthYear + 35, asOfYear - 25), asOfYear - 1);
      pastEvents.push({ id: builder.nextId('c'), concept, year, onset: new Date(Date.UTC(year, rng.int(0, 11), rng.int(1, 28))) });
    }
  }
  const family: PatientHistory['family'] = [];
  const familyCount = rng.weighted([{ value: 0, weight: 30 }, { value: 1, weight: 40 }, { value: 2, weight: 22 }, { value: 3, weight: 8 }]);
  for (const concept of rng.sample(FAMILY_HISTORY, familyCount)) {
    const relatives = concept.key === 'breastCancer' ? RELATIVES.filter((r) => !['father', 'brother', 'paternal grandfather', 'paternal uncle'].includes(r)) : concept.key === 'prostateCancer' ? ['father', 'brother', 'paternal grandfather', 'paternal uncle'] : RELATIVES;
    family.push({ id: builder.nextId('f'), relative: rng.pick(relatives), concept });
  }
  const allergies: PatientHistory['allergies'] = [];
  const allergyCount = rng.weighted([{ value: 0, weight: 72 }, { value: 1, weight: 21 }, { value: 2, weight: 7 }]);
  for (const concept of rng.sample(ALLERGIES, allergyCount)) {
    allergies.push({ id: builder.nextId('a'), concept, reaction: rng.pick(concept.reactions), recorded: new Date(Date.UTC(firstYear, rng.int(0, 11), rng.int(1, 28), 10)) });
  }

  const given = new Map<string, Date>();
  for (let year = firstYear; year <= asOfYear; year++) {
    const yearStart = new Date(Date.UTC(year, 0, 1));
    const yearEnd = year === asOfYear ? context.asOf : new Date(Date.UTC(year + 1, 0, 1));
    if (yearEnd <= yearStart) break;
    const age = year - birthYear;
    const band = ageBand(age);
    // Run in date order, so that a visit sees the diagnoses and prescriptions made before it.
    const yearEvents: Array<{ date: Date; run: () => void }> = [];

    // Chronic conditions: onset once, diagnosed at a follow-up visit, treated from then on.
    for (const concept of CONDITIONS) {
      if (!concept.chronic || (concept.sex && concept.sex !== patient.sex)) continue;
      if (builder.conditions.some((c) => c.concept.key === concept.key)) continue;
      const boost = concept.key === 'copd' && patient.smoking !== 'never' ? 4 : concept.key === 'copd' ? 0.3 : 1;
      if (!rng.chance(concept.onset[band] * boost)) continue;
      const date = randomDateIn(rng, yearStart, yearEnd);
      yearEvents.push({ date, run: () => {
        const encounter = builder.encounter('followup', date);
        const episode = builder.diagnose(concept, encounter, new Date(date.getTime() - rng.int(7, 120) * DAY_MS));
        builder.drawLabs(encounter, panelsFor(concept.monitoredBy ?? []));
        builder.addProcedureFor(encounter, concept.key);
        const treatments = concept.treatments ?? [];
        if (treatments.length > 0 && rng.chance(0.85)) {
          builder.prescribe(treatments[0]!, episode, encounter);
          if (treatments.length > 1 && rng.chance(0.3)) builder.prescribe(rng.pick(treatments.slice(1)), episode, encounter);
        }
      } });
    }

    // Acute illness: clinic, emergency department, or admission (older patients, pneumonia, DVT).
    for (const concept of CONDITIONS) {
      if (concept.chronic || !rng.chance(concept.onset[band])) continue;
      const date = randomDateIn(rng, yearStart, yearEnd);
      yearEvents.push({ date, run: () => {
        const severe = (concept.key === 'pneumonia' && age >= 65 && rng.chance(0.5)) || (concept.key === 'dvt' && rng.chance(0.3));
        const kind: EncounterKind = severe ? 'inpatient' : rng.chance(0.25) ? 'emergency' : 'acute';
        const complaint = symptom(rng.pick(PRESENTING[concept.key] ?? ['fatigue']));
        const encounter = builder.encounter(kind, date, { complaint });
        const episode = builder.diagnose(concept, encounter, new Date(date.getTime() - rng.int(1, 6) * DAY_MS), new Date(date.getTime() + rng.int(7, 28) * DAY_MS));
        encounter.reason = episode;
        const panels = new Set(panelsFor(concept.monitoredBy ?? []));
        if (kind !== 'acute') {
          panels.add('bmp');
          panels.add('cbc');
        }
        builder.drawLabs(encounter, panels);
        builder.addProcedureFor(encounter, concept.key);
        const treatment = concept.treatments?.[rng.int(0, (concept.treatments?.length ?? 1) - 1)];
        if (treatment) builder.prescribe(treatment, episode, encounter, INFECTIONS.has(concept.key) || concept.key === 'lowBackPain' ? new Date(date.getTime() + rng.int(5, 14) * DAY_MS) : undefined);
      } });
    }

    // An emergency visit for chest pain that turns out to be nothing acute (rule-outs make good negations).
    if (age >= 30 && rng.chance(band >= 3 ? 0.05 : 0.02)) {
      const date = randomDateIn(rng, yearStart, yearEnd);
      yearEvents.push({ date, run: () => {
        const encounter = builder.encounter('emergency', date, { complaint: symptom(rng.pick(['chestPain', 'palpitations', 'dizziness', 'syncope', 'abdominalPain'])) });
        builder.drawLabs(encounter, ['bmp', 'cbc', 'cardiac']);
        encounter.procedures.push({ id: builder.nextId('x'), concept: PROCEDURES.find((p) => p.key === 'ecg')!, date });
      } });
    }

    // Yearly wellness visit, and follow-ups for the chronic conditions.
    const wellnessDate = randomDateIn(rng, yearStart, yearEnd);
    yearEvents.push({ date: wellnessDate, run: () => {
      const encounter = builder.encounter('wellness', wellnessDate);
      const panels = new Set<string>();
      if (age >= 18) {
        panels.add('bmp');
        panels.add('cbc');
        if (age >= 35 || rng.chance(0.3)) panels.add('lipid');
        if (age >= 45 && rng.chance(0.4)) panels.add('a1c');
      } else if (rng.chance(0.2)) {
        panels.add('cbc');
      }
      for (const episode of builder.activeAt(wellnessDate)) for (const panel of panelsFor(episode.concept.monitoredBy ?? [])) panels.add(panel);
      builder.drawLabs(encounter, panels);
      for (const concept of IMMUNIZATIONS) {
        if (age < concept.minAge || (concept.maxAge !== undefined && age > concept.maxAge)) continue;
        const last = given.get(concept.key);
        if (last && (concept.everyYears === 0 || wellnessDate.getTime() - last.getTime() < concept.everyYears * YEAR_MS - 30 * DAY_MS)) continue;
        if (concept.key === 'covid' && year < 2021) continue;
        if (!rng.chance(concept.key === 'flu' ? 0.55 : 0.7)) continue;
        given.set(concept.key, wellnessDate);
        encounter.immunizations.push({ id: builder.nextId('i'), concept, date: wellnessDate });
      }
      for (const procedure of PROCEDURES) {
        if (procedure.for || procedure.minAge === undefined || age < procedure.minAge) continue;
        if (procedure.key === 'mammogram' && (patient.sex !== 'female' || !rng.chance(0.45))) continue;
        if (procedure.key === 'colonoscopy' && (given.has('colonoscopy') || !rng.chance(0.2))) continue;
        given.set(procedure.key, wellnessDate);
        encounter.procedures.push({ id: builder.nextId('x'), concept: procedure, date: wellnessDate });
      }
    } });
    // Follow-ups: up to three a year, each for a chronic condition active on that day.
    for (let i = 0; i < 3; i++) {
      const date = randomDateIn(rng, yearStart, yearEnd);
      yearEvents.push({ date, run: () => {
        const chronic = builder.activeAt(date).filter((c) => c.concept.chronic);
        if (chronic.length <= i) return;
        const reason = chronic[i]!;
        const encounter = builder.encounter('followup', date, { reason });
        builder.drawLabs(encounter, panelsFor(reason.concept.monitoredBy ?? []));
      } });
    }
    yearEvents.sort((a, b) => a.date.getTime() - b.date.getTime());
    for (const event of yearEvents) event.run();
  }

  return {
    patient,
    conditions: builder.conditions,
    pastEvents,
    family,
    allergies,
    prescriptions: builder.prescriptions,
    encounters: sortedByDate(builder.encounters),
    primaryCare,
  };
}

function panelsFor(labKeys: readonly string[]): string[] {
  const panels = new Set<string>();
  for (const key of labKeys) {
    const panel = LAB_PANEL.get(key);
    if (panel) panels.add(panel);
  }
  return [...panels];
}
