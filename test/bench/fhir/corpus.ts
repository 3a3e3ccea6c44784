/**
 * The benchmark's generated clinical corpus: deterministic (seeded PRNG, no ../shared data), FHIR R4
 * shaped, no real person. A shared pool of Organizations and Practitioners comes first, then one block
 * of 50 resources per patient:
 *
 *   Patient 1, AllergyIntolerance 1, Encounter 5, Observation 25 (per encounter 3 vital signs + 2 labs,
 *   valueQuantity in UCUM), Condition 4, MedicationRequest 5, Procedure 3, DiagnosticReport 3 (result →
 *   that encounter's labs), Immunization 3.
 *
 * Every resource carries a pre-assigned id (`pat-00000042`, `obs-00000042-07`...), and references
 * use `Type/id`, also across Bundles. Bundles are transaction Bundles whose entries are
 * `PUT Type/id` (update-as-create, http.html#update), so every store sees the same ids and the query
 * mix can name its targets. The stream is cut at exactly `size` resources.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

export const RESOURCES_PER_PATIENT = 50;
export const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.19.5';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';

export const FAMILY = [
  'Okafor', 'Jansen', 'Ivanova', 'Silva', 'Nguyen', 'Meyer', 'Haddad', 'Kowalski', 'Dubois', 'Rossi',
  'Tanaka', 'Moreau', 'Novak', 'Larsen', 'Costa', 'Kim', 'Patel', 'Schmidt', 'Hughes', 'Alvarez',
  'Lindqvist', 'Mensah', 'Abadi', 'Fischer', 'Walsh', 'Horvat', 'Yilmaz', 'Petrov', 'Ortiz', 'Bauer',
] as const;
export const GIVEN = [
  'Ana', 'Bram', 'Chen', 'Dalia', 'Emeka', 'Freya', 'Goran', 'Hana', 'Ines', 'Jonas', 'Kofi', 'Lena',
  'Mateo', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Samir', 'Tove', 'Uma', 'Viktor', 'Wen', 'Yara',
] as const;

/** [LOINC code, display, UCUM unit, low, high] */
const VITALS = [
  ['8867-4', 'Heart rate', '/min', 48, 130],
  ['8480-6', 'Systolic blood pressure', 'mm[Hg]', 90, 190],
  ['29463-7', 'Body weight', 'kg', 45, 140],
  ['8310-5', 'Body temperature', 'Cel', 35.5, 40],
  ['8302-2', 'Body height', 'cm', 145, 200],
] as const;
export const LABS = [
  ['2339-0', 'Glucose [Mass/volume] in Blood', 'mg/dL', 60, 320],
  ['718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', 8, 18],
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', 0.4, 3.5],
  ['2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', 2.8, 6.2],
  ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 4.5, 12],
] as const;
export const CONDITIONS = [
  ['44054006', 'Diabetes mellitus type 2'],
  ['38341003', 'Hypertensive disorder'],
  ['195967001', 'Asthma'],
  ['55822004', 'Hyperlipidemia'],
  ['40055000', 'Chronic sinusitis'],
  ['10509002', 'Acute bronchitis'],
  ['444814009', 'Viral sinusitis'],
  ['35489007', 'Depressive disorder'],
  ['399211009', 'History of myocardial infarction'],
  ['49436004', 'Atrial fibrillation'],
] as const;
const MEDICATIONS = [
  ['860975', 'metformin hydrochloride 500 MG Oral Tablet'],
  ['314076', 'lisinopril 10 MG Oral Tablet'],
  ['617312', 'atorvastatin 10 MG Oral Tablet'],
  ['197361', 'amlodipine 5 MG Oral Tablet'],
  ['308136', 'amlodipine 2.5 MG Oral Tablet'],
  ['745679', 'albuterol 0.09 MG/ACTUAT Inhaler'],
] as const;
const PROCEDURES = [
  ['73761001', 'Colonoscopy'],
  ['430193006', 'Medication reconciliation'],
  ['710824005', 'Assessment of health and social care needs'],
  ['76601001', 'Intramuscular injection'],
  ['29303009', 'Electrocardiographic procedure'],
] as const;
const VACCINES = [
  ['140', 'Influenza, seasonal, injectable, preservative free'],
  ['208', 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose'],
  ['113', 'Td (adult) preservative free'],
  ['133', 'Pneumococcal conjugate PCV 13'],
] as const;
const ALLERGENS = [
  ['91936005', 'Allergy to penicillin'],
  ['300916003', 'Latex allergy'],
  ['232350006', 'House dust mite allergy'],
  ['419474003', 'Allergy to mould'],
] as const;
const ENCOUNTER_TYPES = [
  ['185349003', 'Encounter for check up'],
  ['390906007', 'Follow-up encounter'],
  ['50849002', 'Emergency room admission'],
] as const;

/** mulberry32: small, fast and good enough for synthetic data; the same seed gives the same corpus. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }
  between(low: number, high: number, decimals: number): number {
    const scale = 10 ** decimals;
    return Math.round((low + this.next() * (high - low)) * scale) / scale;
  }
}

/** How many shared resources a corpus of `size` holds (then patients fill the rest). */
export function poolSizes(size: number): { organizations: number; practitioners: number } {
  return { organizations: Math.max(5, Math.ceil(size / 20_000)), practitioners: Math.max(20, Math.ceil(size / 2_000)) };
}

export function patientCount(size: number): number {
  const pool = poolSizes(size);
  return Math.ceil((size - pool.organizations - pool.practitioners) / RESOURCES_PER_PATIENT);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
export const organizationId = (n: number): string => `org-${pad(n, 5)}`;
export const practitionerId = (n: number): string => `prac-${pad(n, 6)}`;
export const patientId = (n: number): string => `pat-${pad(n, 8)}`;
export const mrn = (n: number): string => `MRN-${pad(n, 8)}`;
export const organizationName = (n: number): string => `Riverside Clinic ${pad(n, 5)}`;

const codeable = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });
const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isoInstant = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function organization(n: number): Resource {
  return {
    resourceType: 'Organization',
    id: organizationId(n),
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.4.7', value: `CLIA-${pad(n, 7)}` }],
    active: true,
    type: [codeable('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name: organizationName(n),
    telecom: [{ system: 'phone', value: `+1-555-01${pad(n % 100, 2)}` }],
    address: [{ line: [`${100 + n} Harbour Road`], city: 'Springfield', state: 'IL', postalCode: String(62700 + (n % 99)), country: 'US' }],
  };
}

function practitioner(n: number, rng: Prng): Resource {
  return {
    resourceType: 'Practitioner',
    id: practitionerId(n),
    identifier: [{ system: NPI_SYSTEM, value: String(1_000_000_000 + n * 7) }],
    active: true,
    name: [{ family: rng.pick(FAMILY), given: [rng.pick(GIVEN)], prefix: ['Dr.'] }],
    gender: rng.next() < 0.5 ? 'female' : 'male',
    address: [{ line: [`${n % 500} Clinic Lane`], city: 'Springfield', state: 'IL', country: 'US' }],
  };
}

interface PatientContext {
  n: number;
  ref: string;
  organizations: number;
  practitioners: number;
}

function patientBlock(context: PatientContext, rng: Prng): Resource[] {
  const { n, ref } = context;
  const pid = patientId(n);
  const family = rng.pick(FAMILY);
  const given = rng.pick(GIVEN);
  const birthMs = Date.UTC(1935, 0, 1) + rng.int(70 * 365) * DAY_MS;
  const org = organizationId(rng.int(context.organizations));
  const gp = practitionerId(rng.int(context.practitioners));
  const out: Resource[] = [
    {
      resourceType: 'Patient',
      id: pid,
      identifier: [{ use: 'usual', type: codeable('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', 'Medical Record Number'), system: MRN_SYSTEM, value: mrn(n) }],
      active: true,
      name: [{ use: 'official', family, given: [given, rng.pick(GIVEN)] }],
      telecom: [{ system: 'phone', value: `+1-555-${pad(rng.int(10_000), 4)}`, use: 'home' }],
      gender: rng.next() < 0.5 ? 'female' : 'male',
      birthDate: isoDay(birthMs),
      address: [{ use: 'home', line: [`${rng.int(999)} Example Street`], city: 'Springfield', state: 'IL', postalCode: String(62700 + rng.int(99)), country: 'US' }],
      maritalStatus: codeable('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'M', 'Married'),
      generalPractitioner: [{ reference: `Practitioner/${gp}` }],
      managingOrganization: { reference: `Organization/${org}` },
    },
  ];
  const [allergyCode, allergyDisplay] = rng.pick(ALLERGENS);
  out.push({
    resourceType: 'AllergyIntolerance',
    id: `alg-${pad(n, 8)}`,
    clinicalStatus: codeable('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    verificationStatus: codeable('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
    type: 'allergy',
    category: ['environment'],
    criticality: 'low',
    code: codeable(SNOMED, allergyCode, allergyDisplay),
    patient: { reference: ref },
    recordedDate: isoDay(birthMs + (20 + rng.int(20)) * 365 * DAY_MS),
  });

  const firstVisitMs = Date.UTC(2015, 0, 1) + rng.int(8 * 365) * DAY_MS;
  const encounters: Array<{ id: string; startMs: number; practitioner: string }> = [];
  for (let e = 0; e < 5; e++) {
    const startMs = firstVisitMs + e * (60 + rng.int(200)) * DAY_MS + rng.int(10 * 3600) * 1000;
    const id = `enc-${pad(n, 8)}-${e}`;
    const practitionerRef = practitionerId(rng.int(context.practitioners));
    encounters.push({ id, startMs, practitioner: practitionerRef });
    const [typeCode, typeDisplay] = rng.pick(ENCOUNTER_TYPES);
    out.push({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: typeCode === '50849002' ? 'EMER' : 'AMB', display: typeCode === '50849002' ? 'emergency' : 'ambulatory' },
      type: [codeable(SNOMED, typeCode, typeDisplay)],
      subject: { reference: ref },
      participant: [{ individual: { reference: `Practitioner/${practitionerRef}` } }],
      period: { start: isoInstant(startMs), end: isoInstant(startMs + (20 + rng.int(100)) * 60_000) },
      serviceProvider: { reference: `Organization/${org}` },
    });
  }

  encounters.forEach((encounter, e) => {
    const encounterRef = `Encounter/${encounter.id}`;
    const when = isoInstant(encounter.startMs + 15 * 60_000);
    const observation = (k: number, category: 'vital-signs' | 'laboratory', spec: readonly [string, string, string, number, number]): Resource => {
      const [code, display, unit, low, high] = spec;
      return {
        resourceType: 'Observation',
        id: `obs-${pad(n, 8)}-${pad(e * 5 + k, 2)}`,
        status: 'final',
        category: [codeable('http://terminology.hl7.org/CodeSystem/observation-category', category, category === 'laboratory' ? 'Laboratory' : 'Vital Signs')],
        code: codeable(LOINC, code, display),
        subject: { reference: ref },
        encounter: { reference: encounterRef },
        effectiveDateTime: when,
        issued: isoInstant(encounter.startMs + 3_600_000),
        performer: [{ reference: `Practitioner/${encounter.practitioner}` }],
        valueQuantity: { value: rng.between(low, high, unit === 'mmol/L' || unit === '%' || unit === 'g/dL' ? 1 : 0), unit, system: UCUM, code: unit },
      };
    };
    for (let k = 0; k < 3; k++) out.push(observation(k, 'vital-signs', VITALS[(e + k) % VITALS.length]!));
    const labs = [observation(3, 'laboratory', rng.pick(LABS)), observation(4, 'laboratory', rng.pick(LABS))];
    out.push(...labs);
    if (e < 3) {
      out.push({
        resourceType: 'DiagnosticReport',
        id: `dr-${pad(n, 8)}-${e}`,
        status: 'final',
        category: [codeable('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
        code: codeable(LOINC, '24323-8', 'Comprehensive metabolic 2000 panel - Serum or Plasma'),
        subject: { reference: ref },
        encounter: { reference: encounterRef },
        effectiveDateTime: when,
        issued: isoInstant(encounter.startMs + 7_200_000),
        performer: [{ reference: `Organization/${org}` }],
        result: labs.map((lab) => ({ reference: `Observation/${lab.id}` })),
      });
      const [procedureCode, procedureDisplay] = rng.pick(PROCEDURES);
      out.push({
        resourceType: 'Procedure',
        id: `proc-${pad(n, 8)}-${e}`,
        status: 'completed',
        code: codeable(SNOMED, procedureCode, procedureDisplay),
        subject: { reference: ref },
        encounter: { reference: encounterRef },
        performedDateTime: when,
        performer: [{ actor: { reference: `Practitioner/${encounter.practitioner}` } }],
      });
      const [vaccineCode, vaccineDisplay] = rng.pick(VACCINES);
      out.push({
        resourceType: 'Immunization',
        id: `imm-${pad(n, 8)}-${e}`,
        status: 'completed',
        vaccineCode: codeable(CVX, vaccineCode, vaccineDisplay),
        patient: { reference: ref },
        encounter: { reference: encounterRef },
        occurrenceDateTime: when,
        primarySource: true,
        lotNumber: `LOT${pad(rng.int(100_000), 5)}`,
      });
    }
    if (e < 4) {
      const [conditionCode, conditionDisplay] = rng.pick(CONDITIONS);
      out.push({
        resourceType: 'Condition',
        id: `cond-${pad(n, 8)}-${e}`,
        clinicalStatus: codeable('http://terminology.hl7.org/CodeSystem/condition-clinical', e % 2 === 0 ? 'active' : 'resolved', e % 2 === 0 ? 'Active' : 'Resolved'),
        verificationStatus: codeable('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
        category: [codeable('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis', 'Encounter Diagnosis')],
        code: codeable(SNOMED, conditionCode, conditionDisplay),
        subject: { reference: ref },
        encounter: { reference: encounterRef },
        onsetDateTime: when,
        recordedDate: isoDay(encounter.startMs),
      });
    }
    const [rxCode, rxDisplay] = rng.pick(MEDICATIONS);
    out.push({
      resourceType: 'MedicationRequest',
      id: `medrx-${pad(n, 8)}-${e}`,
      status: e < 4 ? 'completed' : 'active',
      intent: 'order',
      medicationCodeableConcept: codeable(RXNORM, rxCode, rxDisplay),
      subject: { reference: ref },
      encounter: { reference: encounterRef },
      authoredOn: when,
      requester: { reference: `Practitioner/${encounter.practitioner}` },
      dosageInstruction: [{ sequence: 1, text: 'Take one tablet by mouth daily', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
    });
  });
  return out;
}

/** The corpus as a stream of resources, exactly `size` of them. */
export function* corpusResources(size: number, seed = 20261126): Generator<Resource> {
  const rng = new Prng(seed);
  const pool = poolSizes(size);
  let emitted = 0;
  for (let n = 0; n < pool.organizations && emitted < size; n++, emitted++) yield organization(n);
  for (let n = 0; n < pool.practitioners && emitted < size; n++, emitted++) yield practitioner(n, rng);
  for (let n = 0; emitted < size; n++) {
    const block = patientBlock({ n, ref: `Patient/${patientId(n)}`, organizations: pool.organizations, practitioners: pool.practitioners }, rng);
    for (const resource of block) {
      if (emitted >= size) return;
      emitted++;
      yield resource;
    }
  }
}

/** The corpus as transaction Bundles of `perBundle` `PUT Type/id` entries. */
export function* corpusBundles(size: number, perBundle: number): Generator<Bundle> {
  let entries: BundleEntry[] = [];
  for (const resource of corpusResources(size)) {
    entries.push({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
    if (entries.length === perBundle) {
      yield { resourceType: 'Bundle', type: 'transaction', entry: entries };
      entries = [];
    }
  }
  if (entries.length > 0) yield { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
