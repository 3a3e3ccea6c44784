/**
 * Clinical notes rendered from the simulated history: progress notes, emergency department notes,
 * history and physicals, and discharge summaries, with the section headings, numbered lists and
 * templated review of systems real notes have, and the hard parts an NLP engine must get right:
 * negations ("denies chest pain", "no evidence of pneumonia", "... was ruled out"), history
 * ("h/o MI in 2015"), family history ("mother with breast cancer"), hypotheticals ("return if
 * fever develops"), plans (FUTURE), abbreviations and misspellings, medications with dose, route
 * and frequency, tests with values and units, anatomy with direction, and PHI.
 *
 * Gold rules (docs/sample-data.md): a condition the patient still has is DIAGNOSIS without
 * PAST_HISTORY even under "Past medical history"; PAST_HISTORY marks events that are over (an old
 * MI, a stroke, a resolved infection); symptoms carry SYMPTOM, exam findings SIGN.
 */
import type { ConditionEpisode, LabResult, PatientHistory, Prescription, SampleEncounter } from './model';
import { NoteBuilder, type GoldEntity, type GoldTrait } from './note-builder';
import type { SampleRandom } from './random';
import { SYMPTOMS, type ConditionConcept, type SymptomConcept } from './vocabulary/conditions';
import type { MedicationConcept } from './vocabulary/medications';
import { LABS, VITALS } from './vocabulary/observations';

export type NoteKind = 'progress' | 'emergency' | 'admission' | 'discharge';

/** LOINC document types (DocumentReference.type). */
export const NOTE_TYPES: Readonly<Record<NoteKind, { loinc: string; display: string; title: string }>> = {
  progress: { loinc: '11506-3', display: 'Progress note', title: 'Progress Note' },
  emergency: { loinc: '34111-1', display: 'Emergency department Note', title: 'Emergency Department Note' },
  admission: { loinc: '34117-2', display: 'History and physical note', title: 'History and Physical' },
  discharge: { loinc: '18842-5', display: 'Discharge summary', title: 'Discharge Summary' },
};

export interface RenderedNote {
  kind: NoteKind;
  date: Date;
  text: string;
  entities: GoldEntity[];
}

const ROS_SYSTEMS: ReadonlyArray<{ system: string; symptoms: readonly string[] }> = [
  { system: 'Constitutional', symptoms: ['fever', 'weightLoss', 'fatigue'] },
  { system: 'Cardiovascular', symptoms: ['chestPain', 'palpitations', 'edema'] },
  { system: 'Respiratory', symptoms: ['cough', 'dyspnea'] },
  { system: 'Gastrointestinal', symptoms: ['nausea', 'vomiting', 'abdominalPain', 'diarrhea'] },
  { system: 'Neurological', symptoms: ['headache', 'dizziness', 'syncope'] },
];

function symptomByKey(key: string): SymptomConcept {
  return SYMPTOMS.find((s) => s.key === key)!;
}

function formatDate(rng: SampleRandom, date: Date): string {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return rng.weighted([
    { value: `${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}/${y}`, weight: 5 },
    { value: `${m}/${d}/${String(y).slice(2)}`, weight: 2 },
    { value: `${months[m - 1]} ${d}, ${y}`, weight: 2 },
    { value: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`, weight: 1 },
  ]);
}

/** The way a note writes a condition: mostly the name, often an abbreviation, sometimes a typo. */
function conditionSurface(rng: SampleRandom, concept: ConditionConcept): string {
  const abbreviations = concept.abbreviations ?? [];
  const misspellings = concept.misspellings ?? [];
  return rng.weighted([
    { value: concept.forms[0]!, weight: 45 },
    { value: rng.pick(concept.forms), weight: 20 },
    { value: abbreviations.length > 0 ? rng.pick(abbreviations) : concept.forms[0]!, weight: 28 },
    { value: misspellings.length > 0 ? rng.pick(misspellings) : concept.forms[0]!, weight: 7 },
  ]);
}

function symptomSurface(rng: SampleRandom, concept: SymptomConcept): string {
  const misspellings = concept.misspellings ?? [];
  return rng.weighted([
    { value: concept.forms[0]!, weight: 60 },
    { value: rng.pick(concept.forms), weight: 33 },
    { value: misspellings.length > 0 ? rng.pick(misspellings) : concept.forms[0]!, weight: 7 },
  ]);
}

function capitalize(text: string): string {
  return text.length > 0 && /[a-z]/.test(text[0]!) ? text[0]!.toUpperCase() + text.slice(1) : text;
}

class NoteWriter {
  readonly b = new NoteBuilder();

  constructor(
    readonly rng: SampleRandom,
    readonly history: PatientHistory,
    readonly encounter: SampleEncounter,
  ) {}

  get patient() {
    return this.history.patient;
  }

  get pronoun(): { subject: string; object: string; possessive: string } {
    return this.patient.sex === 'female' ? { subject: 'she', object: 'her', possessive: 'her' } : { subject: 'he', object: 'him', possessive: 'his' };
  }

  ageAt(date: Date): number {
    return Math.floor((date.getTime() - Date.parse(`${this.patient.birthDate}T00:00:00Z`)) / (365.25 * 86_400_000));
  }

  condition(episode: ConditionEpisode, traits: readonly GoldTrait[], capital = false): GoldEntity {
    const surface = conditionSurface(this.rng, episode.concept);
    return this.b.entity(capital ? capitalize(surface) : surface, {
      category: 'MEDICAL_CONDITION',
      type: 'DX_NAME',
      traits,
      icd10: { code: episode.concept.icd10cm, description: episode.concept.icd10Display },
      source: `Condition/${episode.id}`,
    });
  }

  symptom(concept: SymptomConcept, traits: readonly GoldTrait[], capital = false): GoldEntity {
    const surface = symptomSurface(this.rng, concept);
    return this.b.entity(capital ? capitalize(surface) : surface, { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits, icd10: { code: concept.icd10cm, description: concept.icd10Display } });
  }

  /** "metformin 500 mg PO BID" with its attributes; the RxNorm concept is the SCD when the strength is the SCD's. */
  medication(prescription: Prescription, traits: readonly GoldTrait[] = []): void {
    const m: MedicationConcept = prescription.medication;
    const brand = m.brands && this.rng.chance(0.15) ? this.rng.pick(m.brands) : undefined;
    const misspelled = !brand && m.misspellings && this.rng.chance(0.05) ? this.rng.pick(m.misspellings) : undefined;
    const name = brand ?? misspelled ?? m.ingredient;
    const isStrength = m.scdName.toUpperCase().includes(m.strength.toUpperCase().replace(/,/g, ''));
    const detailed = this.rng.chance(0.85);
    const entity = this.b.entity(this.rng.chance(0.3) ? capitalize(name) : name, {
      category: 'MEDICATION',
      type: brand ? 'BRAND_NAME' : 'GENERIC_NAME',
      traits,
      rxnorm: detailed && isStrength ? { code: m.scdRxcui, description: m.scdName } : { code: m.ingredientRxcui, description: m.ingredient },
      source: `MedicationRequest/${prescription.id}`,
    });
    if (!detailed) return;
    this.b.add(' ').attribute(entity, m.strength, 'MEDICATION', isStrength ? 'STRENGTH' : 'DOSAGE');
    if (this.rng.chance(0.3) && m.form !== 'injection') this.b.add(' ').attribute(entity, m.form, 'MEDICATION', 'FORM');
    this.b.add(' ').attribute(entity, this.rng.pick(m.routes), 'MEDICATION', 'ROUTE_OR_MODE');
    this.b.add(' ').attribute(entity, this.rng.pick(m.frequencies), 'MEDICATION', 'FREQUENCY');
  }

  /** "A1c 8.2%" / "creatinine of 1.4 mg/dL". */
  lab(result: LabResult, traits: readonly GoldTrait[] = []): void {
    const lab = LABS.find((l) => l.key === result.key)!;
    const name = this.rng.chance(0.5) ? lab.forms[0]! : this.rng.pick(lab.forms);
    const entity = this.b.entity(name, { category: 'TEST_TREATMENT_PROCEDURE', type: 'TEST_NAME', traits, codes: [{ System: 'http://loinc.org', Code: lab.loinc }], source: `Observation/${result.id}` });
    this.b.add(this.rng.chance(0.3) ? ' of ' : ' ').attribute(entity, String(result.value), 'TEST_TREATMENT_PROCEDURE', 'TEST_VALUE');
    if (lab.unit) this.b.add(lab.unit === '%' ? '' : ' ').attribute(entity, lab.unit, 'TEST_TREATMENT_PROCEDURE', 'TEST_UNIT');
    if (result.flag && this.rng.chance(0.5)) this.b.add(result.flag === 'H' ? ' (H)' : ' (L)');
  }

  /** A test named without a value (ordered, planned, or negative). */
  testName(name: string, loincOrSnomed: { System: string; Code: string }, traits: readonly GoldTrait[], source?: string, type: 'TEST_NAME' | 'PROCEDURE_NAME' = 'TEST_NAME'): GoldEntity {
    return this.b.entity(name, { category: 'TEST_TREATMENT_PROCEDURE', type, traits, codes: [loincOrSnomed], ...(source ? { source } : {}) });
  }

  anatomy(site: string, direction?: string): void {
    if (direction) {
      this.b.entity(direction, { category: 'ANATOMY', type: 'DIRECTION' });
      this.b.add(' ');
    }
    this.b.entity(site, { category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE' });
  }

  header(kind: NoteKind, date: Date): void {
    const { b, rng, patient, encounter } = this;
    b.add(`${NOTE_TYPES[kind].title.toUpperCase()}\n`);
    b.add(`${encounter.facility.name}\n`);
    b.add('Patient: ').phi(`${patient.name.given} ${patient.name.family}`, 'NAME');
    b.add('    MRN: ').phi(patient.mrn, 'ID');
    b.add('\nDOB: ').phi(formatDate(rng, new Date(`${patient.birthDate}T00:00:00Z`)), 'DATE');
    b.add('    Date of service: ').phi(formatDate(rng, date), 'DATE');
    b.add(`\n${kind === 'progress' ? 'Provider' : 'Attending'}: `).phi(`${encounter.practitioner.name.given} ${encounter.practitioner.name.family}`, 'NAME');
    b.add(', MD\n');
  }

  opening(date: Date): void {
    const { b, rng, patient } = this;
    const age = this.ageAt(date);
    const who = rng.chance(0.5) ? `${patient.name.given} ${patient.name.family}` : `${patient.sex === 'female' ? 'Ms.' : 'Mr.'} ${patient.name.family}`;
    b.phi(who, 'NAME').add(' is a ').phi(rng.chance(0.7) ? `${age}-year-old` : `${age} yo`, 'AGE').add(` ${patient.sex === 'female' ? rng.pick(['woman', 'female']) : rng.pick(['man', 'male'])}`);
    const chronic = this.history.conditions.filter((c) => c.concept.chronic && c.onset < date && c.id !== this.encounter.reason?.id).slice(0, 4);
    if (chronic.length > 0) {
      b.add(rng.pick([' with a history of ', ' with PMH of ', ' with ']));
      chronic.forEach((episode, index) => {
        if (index > 0) b.add(index === chronic.length - 1 ? (rng.chance(0.5) ? ' and ' : ', and ') : ', ');
        this.condition(episode, ['DIAGNOSIS']);
      });
    }
    const past = this.history.pastEvents.filter((e) => e.onset < date);
    for (const event of past.slice(0, 1)) {
      b.add(chronic.length > 0 ? ', s/p ' : ' with a history of ');
      const abbreviation = event.concept.abbreviations && rng.chance(0.6) ? rng.pick(event.concept.abbreviations) : event.concept.forms[0]!;
      b.entity(abbreviation, { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['PAST_HISTORY', 'DIAGNOSIS'], icd10: { code: event.concept.icd10cm, description: event.concept.icd10Display }, source: `Condition/${event.id}` });
      b.add(' in ').phi(String(event.year), 'DATE');
    }
  }

  presentingIllness(date: Date): void {
    const { b, rng, encounter } = this;
    const complaint = encounter.complaint;
    this.opening(date);
    if (complaint) {
      b.add(rng.pick([' who presents with ', ' presenting with ', ' who comes in for ']));
      this.symptom(complaint, ['SYMPTOM']);
      const days = rng.int(1, 6);
      b.add(' ');
      b.entity(rng.chance(0.5) ? `for ${days} days` : `x${days} days`, { category: 'TIME_EXPRESSION', type: 'TIME_TO_DX_NAME' });
      b.add('. ');
      const others = SYMPTOMS.filter((s) => s.key !== complaint.key && ['fever', 'chestPain', 'dyspnea', 'nausea', 'vomiting', 'headache', 'palpitations', 'dizziness'].includes(s.key));
      const denied = rng.sample(others, rng.int(2, 3));
      this.denies(denied);
    } else {
      b.add(rng.pick([' who presents for follow-up', ' here for routine follow-up', ' who comes in for a scheduled visit']));
      if (encounter.reason) {
        b.add(' of ');
        this.condition(encounter.reason, ['DIAGNOSIS']);
      }
      b.add('. ');
      b.add(capitalize(this.pronoun.subject)).add(rng.pick([' reports feeling well. ', ' has no new complaints. ', ' is doing okay overall. ']));
      this.denies(rng.sample(SYMPTOMS.filter((s) => ['chestPain', 'dyspnea', 'palpitations', 'fever', 'headache'].includes(s.key)), 2));
    }
  }

  /** "Denies A, B, or C." / "No A or B." / "Negative for A." — a negation list. */
  denies(symptoms: readonly SymptomConcept[]): void {
    const { b, rng } = this;
    if (symptoms.length === 0) return;
    const style = rng.int(0, 2);
    b.add(style === 0 ? `${capitalize(this.pronoun.subject)} denies ` : style === 1 ? 'No ' : 'Negative for ');
    symptoms.forEach((s, index) => {
      if (index > 0) b.add(index === symptoms.length - 1 ? (style === 1 ? ' or ' : rng.pick([', or ', ' or ', ', '])) : ', ');
      this.symptom(s, ['NEGATION', 'SYMPTOM']);
    });
    b.add('. ');
  }

  reviewOfSystems(): void {
    const { b, rng, encounter } = this;
    b.heading(rng.chance(0.5) ? 'Review of systems' : 'ROS', rng.chance(0.5) ? 'upper' : 'title');
    for (const { system, symptoms } of ROS_SYSTEMS) {
      b.add(`${system}: `);
      const affirmed = symptoms.filter((key) => key === encounter.complaint?.key);
      const negated = symptoms.filter((key) => key !== encounter.complaint?.key);
      if (affirmed.length > 0) {
        b.add('positive for ');
        this.symptom(symptomByKey(affirmed[0]!), ['SYMPTOM']);
        b.add('; ');
      }
      b.add('negative for ');
      negated.forEach((key, index) => {
        if (index > 0) b.add(', ');
        this.symptom(symptomByKey(key), ['NEGATION', 'SYMPTOM']);
      });
      b.add('.\n');
    }
    b.add('All other systems reviewed and negative.\n');
  }

  medicationList(date: Date, title = 'Medications'): void {
    const { b } = this;
    const active = this.history.prescriptions.filter((p) => p.start <= date && (!p.end || p.end > date));
    b.heading(title);
    if (active.length === 0) {
      b.add('None.\n');
      return;
    }
    active.forEach((p, index) => {
      b.add(`${index + 1}. `);
      this.medication(p);
      b.add('\n');
    });
  }

  allergies(): void {
    const { b, rng } = this;
    b.heading('Allergies');
    if (this.history.allergies.length === 0) {
      b.add(rng.pick(['NKDA.\n', 'No known drug allergies.\n', 'No known allergies.\n']));
      return;
    }
    for (const allergy of this.history.allergies) {
      b.add(capitalize(allergy.concept.substance)).add(' (').add(allergy.reaction).add(').\n');
    }
  }

  pastMedicalHistory(date: Date): void {
    const { b } = this;
    b.heading('Past medical history');
    const chronic = this.history.conditions.filter((c) => c.concept.chronic && c.onset < date);
    const resolved = this.history.conditions.filter((c) => !c.concept.chronic && c.abatement && c.abatement < date).slice(-2);
    let n = 0;
    for (const episode of chronic) {
      b.add(`${++n}. `);
      this.condition(episode, ['DIAGNOSIS'], true);
      b.add('\n');
    }
    for (const episode of resolved) {
      b.add(`${++n}. `);
      this.condition(episode, ['PAST_HISTORY', 'DIAGNOSIS'], true);
      b.add(' (').phi(String(episode.onset.getUTCFullYear()), 'DATE').add(', resolved)\n');
    }
    for (const event of this.history.pastEvents.filter((e) => e.onset < date)) {
      b.add(`${++n}. `);
      const surface = event.concept.abbreviations && this.rng.chance(0.5) ? this.rng.pick(event.concept.abbreviations) : capitalize(event.concept.forms[0]!);
      b.add(this.rng.pick(['h/o ', 'History of ', 'Prior ']));
      b.entity(surface, { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['PAST_HISTORY', 'DIAGNOSIS'], icd10: { code: event.concept.icd10cm, description: event.concept.icd10Display }, source: `Condition/${event.id}` });
      b.add(' in ').phi(String(event.year), 'DATE').add('\n');
    }
    if (n === 0) b.add('None.\n');
  }

  familyHistory(): void {
    const { b, rng } = this;
    b.heading(rng.chance(0.5) ? 'Family history' : 'FHx');
    if (this.history.family.length === 0) {
      b.add('Noncontributory.\n');
      return;
    }
    for (const fact of this.history.family) {
      const disease = rng.pick(fact.concept.forms);
      const relative = capitalize(fact.relative);
      const entitySpec = { category: 'MEDICAL_CONDITION' as const, type: 'DX_NAME', traits: ['PERTAINS_TO_FAMILY', 'DIAGNOSIS'] as GoldTrait[], icd10: { code: fact.concept.conditionIcd10cm, description: fact.concept.forms[0]! }, source: `FamilyMemberHistory/${fact.id}` };
      if (rng.chance(0.5)) {
        b.add(`${relative} with `);
        b.entity(disease, entitySpec);
        b.add('.\n');
      } else {
        b.add(`${relative}: `);
        b.entity(disease, entitySpec);
        b.add(` diagnosed in ${fact.relative.includes('grand') ? 'their 70s' : 'their 60s'}.\n`);
      }
    }
  }

  socialHistory(): void {
    const { b, rng, patient } = this;
    b.heading(rng.chance(0.5) ? 'Social history' : 'SHx');
    if (patient.profession.startsWith('retired ')) b.add('Retired ').phi(patient.profession.slice('retired '.length), 'PROFESSION').add('. ');
    else b.add(rng.pick(['Works as a ', 'Occupation: ', 'Employed as a '])).phi(patient.profession, 'PROFESSION').add('. ');
    if (rng.chance(0.3)) {
      b.add('Lives at ').phi(`${patient.address.line}, ${patient.address.city}, ${patient.address.state} ${patient.address.postalCode}`, 'ADDRESS').add('. ');
    }
    if (patient.smoking === 'never') {
      b.add('Never ').entity('smoker', { category: 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', type: 'TOBACCO', traits: ['NEGATION'] });
      b.add('. ');
    } else if (patient.smoking === 'former') {
      b.add('Former ').entity('smoker', { category: 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', type: 'TOBACCO', traits: ['PAST_HISTORY'] });
      b.add(', quit in ').phi(String(patient.quitYear ?? 2010), 'DATE').add(`, ${patient.packYears} pack-years. `);
    } else {
      b.add('Current ').entity('smoker', { category: 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', type: 'TOBACCO' });
      b.add(`, ${patient.packYears} pack-years; counseled on cessation. `);
    }
    if (patient.alcohol === 'none') {
      b.add('Denies ').entity('alcohol use', { category: 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', type: 'ALCOHOL', traits: ['NEGATION'] });
      b.add('. ');
    } else {
      b.add(patient.alcohol === 'daily' ? 'Drinks 2-3 glasses of ' : 'Drinks ').entity(patient.alcohol === 'daily' ? 'wine' : 'alcohol', { category: 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', type: 'ALCOHOL' });
      b.add(patient.alcohol === 'daily' ? ' daily. ' : ' socially. ');
    }
    b.add(rng.pick(['Denies ', 'No '])).entity('illicit drug use', { category: 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', type: 'ILLICIT_DRUGS', traits: ['NEGATION'] });
    b.add('.\n');
  }

  vitals(): void {
    const { b, rng, encounter } = this;
    b.heading(rng.chance(0.5) ? 'Vital signs' : 'Vitals', rng.chance(0.5) ? 'upper' : 'title');
    const v = encounter.vitals;
    const name = (key: string) => {
      const vital = VITALS.find((x) => x.key === key)!;
      return { vital, surface: rng.chance(0.6) ? vital.forms[vital.forms.length - 1]! : vital.forms[0]! };
    };
    // Blood pressure is one test with the value "142/88".
    const bp = b.entity(rng.pick(['BP', 'Blood pressure']), { category: 'TEST_TREATMENT_PROCEDURE', type: 'TEST_NAME', codes: [{ System: 'http://loinc.org', Code: '85354-9' }], source: `Observation/${encounter.vitalIds.get('systolic')}` });
    b.add(' ').attribute(bp, `${v.get('systolic')}/${v.get('diastolic')}`, 'TEST_TREATMENT_PROCEDURE', 'TEST_VALUE');
    for (const key of ['heartRate', 'respiratoryRate', 'temperature', 'spo2', 'weight']) {
      const { vital, surface } = name(key);
      b.add(', ');
      const entity = b.entity(surface, { category: 'TEST_TREATMENT_PROCEDURE', type: 'TEST_NAME', codes: [{ System: 'http://loinc.org', Code: vital.loinc }], source: `Observation/${encounter.vitalIds.get(key)}` });
      b.add(' ').attribute(entity, String(v.get(key)), 'TEST_TREATMENT_PROCEDURE', 'TEST_VALUE');
      if (key === 'spo2') b.attribute(entity, '%', 'TEST_TREATMENT_PROCEDURE', 'TEST_UNIT').add(' on room air');
      else if (key === 'temperature') b.add(' ').attribute(entity, 'C', 'TEST_TREATMENT_PROCEDURE', 'TEST_UNIT');
      else if (key === 'weight') b.add(' ').attribute(entity, 'kg', 'TEST_TREATMENT_PROCEDURE', 'TEST_UNIT');
    }
    b.add('.\n');
  }

  examination(): void {
    const { b, rng, encounter } = this;
    b.heading(rng.chance(0.5) ? 'Physical exam' : 'Exam');
    const reason = encounter.reason?.concept.key;
    b.add('General: alert, no acute distress.\n');
    this.anatomy('Heart');
    b.add(': regular rate and rhythm, no ');
    b.entity(rng.pick(['murmurs', 'murmur']), { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['NEGATION', 'SIGN'] });
    b.add('.\n');
    this.anatomy('Lungs');
    if (reason === 'pneumonia') {
      b.add(': ');
      b.entity('crackles', { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['SIGN'] });
      b.add(' at the ');
      this.anatomy('lung base', rng.pick(['right', 'left']));
      b.add('.\n');
    } else {
      b.add(': clear to auscultation bilaterally, no ');
      b.entity('wheezing', { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['NEGATION', 'SIGN'] });
      b.add('.\n');
    }
    if (reason === 'cellulitis' || reason === 'dvt') {
      b.add('Extremities: ');
      b.entity(reason === 'cellulitis' ? 'erythema and warmth' : 'swelling and tenderness', { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['SIGN'] });
      b.add(' of the ');
      this.anatomy('lower leg', rng.pick(['left', 'right']));
      b.add('.\n');
    } else {
      b.add('Extremities: no ');
      b.entity(rng.pick(['edema', 'peripheral edema']), { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['NEGATION', 'SIGN'] });
      b.add('.\n');
    }
  }

  results(withHeading = true): void {
    const { b, encounter } = this;
    if (encounter.labs.length === 0) return;
    if (withHeading) b.heading(this.rng.chance(0.5) ? 'Labs' : 'Results');
    encounter.labs.forEach((result, index) => {
      if (index > 0) b.add(index % 4 === 0 ? '\n' : ', ');
      this.lab(result);
    });
    b.add('.\n');
    for (const procedure of encounter.procedures) {
      const code = { System: 'http://snomed.info/sct', Code: procedure.concept.snomed };
      const surface = procedure.concept.abbreviations && this.rng.chance(0.5) ? this.rng.pick(procedure.concept.abbreviations) : capitalize(procedure.concept.forms[0]!);
      this.testName(surface, code, [], `Procedure/${procedure.id}`, procedure.concept.kind === 'test' ? 'TEST_NAME' : 'PROCEDURE_NAME');
      b.add(procedure.concept.key === 'ecg' ? ': normal sinus rhythm, no acute ST changes.\n' : ': reviewed, see report.\n');
    }
  }

  assessmentAndPlan(date: Date, disposition: 'clinic' | 'ed' | 'discharge'): void {
    const { b, rng, encounter } = this;
    b.heading(rng.chance(0.6) ? 'Assessment and plan' : 'A/P');
    let n = 0;
    for (const episode of encounter.diagnosed) {
      b.add(`${++n}. `);
      this.condition(episode, ['DIAGNOSIS'], true);
      b.add(episode.concept.chronic ? ', new diagnosis. ' : '. ');
      const started = encounter.started.filter((p) => p.reasonId === episode.id);
      if (started.length > 0) {
        b.add('Start ');
        started.forEach((p, index) => {
          if (index > 0) b.add(' and ');
          this.medication(p);
        });
        b.add('. ');
      }
      b.add('\n');
    }
    if (encounter.reason && !encounter.diagnosed.includes(encounter.reason)) {
      b.add(`${++n}. `);
      this.condition(encounter.reason, ['DIAGNOSIS'], true);
      const meds = this.history.prescriptions.filter((p) => p.reasonId === encounter.reason!.id && p.start <= date && (!p.end || p.end > date));
      if (meds.length > 0) {
        b.add(rng.pick([', stable. Continue ', ', controlled. Continue ', '. Continue current dose of ']));
        this.medication(meds[0]!);
        b.add('. ');
      } else {
        b.add(', stable, no medication changes. ');
      }
      const monitored = encounter.reason.concept.monitoredBy?.[0];
      if (monitored) {
        const lab = LABS.find((l) => l.key === monitored)!;
        b.add('Will recheck ');
        this.testName(lab.forms[rng.int(0, lab.forms.length - 1)]!, { System: 'http://loinc.org', Code: lab.loinc }, ['FUTURE']);
        b.add(' in 3 months. ');
      }
      b.add('\n');
    }
    // The rule-out visit: chest pain with a normal work-up.
    if (encounter.kind === 'emergency' && encounter.diagnosed.length === 0 && encounter.complaint) {
      b.add(`${++n}. `);
      this.symptom(encounter.complaint, ['SYMPTOM'], true);
      b.add(', likely noncardiac. ');
      b.entity(rng.pick(['Acute coronary syndrome', 'ACS', 'Myocardial infarction']), { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['NEGATION', 'DIAGNOSIS'], icd10: { code: 'I24.9', description: 'Acute ischemic heart disease, unspecified' } });
      b.add(rng.pick([' was ruled out with serial troponins.', ' ruled out; troponin negative x2.']));
      b.add('\n');
    }
    if (encounter.reason?.concept.key === 'bronchitis' || encounter.complaint?.key === 'cough') {
      b.add(`${++n}. No evidence of `);
      b.entity('pneumonia', { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['NEGATION', 'DIAGNOSIS'], icd10: { code: 'J18.9', description: 'Pneumonia, unspecified organism' } });
      b.add(' on exam.\n');
    }
    if (n === 0) b.add('Healthy visit. Continue current care.\n');
    if (disposition !== 'clinic') {
      b.add(disposition === 'ed' ? 'Discharged home. ' : 'Follow up with PCP in 1-2 weeks. ');
      b.add(rng.pick(['Return to the ED if ', 'Return precautions given: return if ', 'Call or return if ']));
      const warn = rng.sample(SYMPTOMS.filter((s) => ['fever', 'chestPain', 'dyspnea', 'vomiting', 'syncope'].includes(s.key)), 2);
      // The plain name: "if febrile develops" is not English.
      const plain = (concept: SymptomConcept) => b.entity(concept.forms[0]!, { category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['HYPOTHETICAL', 'SYMPTOM'], icd10: { code: concept.icd10cm, description: concept.icd10Display } });
      plain(warn[0]!);
      b.add(rng.pick([' develops or ', ' occurs or ']));
      plain(warn[1]!);
      b.add(' worsens.\n');
    } else {
      b.add(`Follow up in ${rng.pick(['3 months', '6 months', '1 year'])}.`);
      if (rng.chance(0.3)) b.add(' Questions: ').phi(this.patient.phone, 'PHONE_OR_FAX').add(' or ').phi(this.patient.email, 'EMAIL').add('.');
      b.add('\n');
    }
  }
}

function progressNote(rng: SampleRandom, history: PatientHistory, encounter: SampleEncounter): RenderedNote {
  const w = new NoteWriter(rng, history, encounter);
  const date = encounter.start;
  w.header('progress', date);
  if (encounter.complaint) {
    w.b.heading(rng.chance(0.5) ? 'Chief complaint' : 'CC');
    w.symptom(encounter.complaint, ['SYMPTOM'], true);
    w.b.add('\n');
  }
  w.b.heading(rng.chance(0.6) ? 'History of present illness' : 'HPI');
  w.presentingIllness(date);
  w.b.add('\n');
  // The yearly physical reviews the whole history, as real annual-visit templates do.
  if (encounter.kind === 'wellness') {
    w.pastMedicalHistory(date);
    w.familyHistory();
    w.socialHistory();
  }
  if (rng.chance(0.5)) w.reviewOfSystems();
  w.medicationList(date);
  w.allergies();
  w.vitals();
  if (rng.chance(0.7)) w.examination();
  w.results();
  w.assessmentAndPlan(date, 'clinic');
  const built = w.b.build();
  return { kind: 'progress', date, ...built };
}

function emergencyNote(rng: SampleRandom, history: PatientHistory, encounter: SampleEncounter): RenderedNote {
  const w = new NoteWriter(rng, history, encounter);
  const date = encounter.start;
  w.header('emergency', date);
  w.b.heading('Chief complaint');
  if (encounter.complaint) w.symptom(encounter.complaint, ['SYMPTOM'], true);
  w.b.add('\n');
  w.b.heading('History of present illness');
  w.presentingIllness(date);
  w.b.add('\n');
  w.pastMedicalHistory(date);
  w.medicationList(date, 'Home medications');
  w.allergies();
  w.socialHistory();
  w.reviewOfSystems();
  w.vitals();
  w.examination();
  w.b.heading('ED course');
  if (encounter.labs.length === 0) w.b.add('Observed in the department.\n');
  w.results(false);
  w.assessmentAndPlan(date, 'ed');
  return { kind: 'emergency', date, ...w.b.build() };
}

function admissionNote(rng: SampleRandom, history: PatientHistory, encounter: SampleEncounter): RenderedNote {
  const w = new NoteWriter(rng, history, encounter);
  const date = encounter.start;
  w.header('admission', date);
  w.b.heading('Chief complaint');
  if (encounter.complaint) w.symptom(encounter.complaint, ['SYMPTOM'], true);
  w.b.add('\n');
  w.b.heading('History of present illness');
  w.presentingIllness(date);
  w.b.add('\n');
  w.pastMedicalHistory(date);
  w.medicationList(date, 'Medications prior to admission');
  w.allergies();
  w.familyHistory();
  w.socialHistory();
  w.reviewOfSystems();
  w.vitals();
  w.examination();
  w.results();
  w.assessmentAndPlan(date, 'clinic');
  return { kind: 'admission', date, ...w.b.build() };
}

function dischargeSummary(rng: SampleRandom, history: PatientHistory, encounter: SampleEncounter): RenderedNote {
  const w = new NoteWriter(rng, history, encounter);
  const date = encounter.end;
  w.header('discharge', date);
  w.b.add('Admission date: ').phi(formatDate(rng, encounter.start), 'DATE').add('    Discharge date: ').phi(formatDate(rng, encounter.end), 'DATE').add('\n');
  w.b.heading('Discharge diagnoses');
  encounter.diagnosed.forEach((episode, index) => {
    w.b.add(`${index + 1}. `);
    w.condition(episode, ['DIAGNOSIS'], true);
    w.b.add('\n');
  });
  w.b.heading('Hospital course');
  w.opening(encounter.start);
  w.b.add(' was admitted with ');
  if (encounter.reason) w.condition(encounter.reason, ['DIAGNOSIS']);
  w.b.add('. ');
  const started = encounter.started;
  if (started.length > 0) {
    w.b.add(`${capitalize(w.pronoun.subject)} was treated with `);
    w.medication(started[0]!);
    w.b.add(' and improved. ');
  }
  w.b.add(`${capitalize(w.pronoun.subject)} remained afebrile for 48 hours prior to discharge.\n`);
  w.medicationList(date, 'Discharge medications');
  w.assessmentAndPlan(date, 'discharge');
  return { kind: 'discharge', date, ...w.b.build() };
}

/** The notes of one encounter: an inpatient stay has two (H&P and discharge summary). */
export function notesFor(rng: SampleRandom, history: PatientHistory, encounter: SampleEncounter): RenderedNote[] {
  switch (encounter.kind) {
    case 'emergency':
      return [emergencyNote(rng, history, encounter)];
    case 'inpatient':
      return [admissionNote(rng, history, encounter), dischargeSummary(rng, history, encounter)];
    default:
      return [progressNote(rng, history, encounter)];
  }
}
