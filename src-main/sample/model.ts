/**
 * The synthetic patient's life as the generator simulates it, before it is written as FHIR
 * resources and notes: who they are, what they have had and when, what they take. Resources and
 * notes are both rendered from this one model, which is what makes every fact in a note
 * traceable to a coded resource.
 */
import type { AllergyConcept, ImmunizationConcept, ProcedureConcept } from './vocabulary/procedures';
import type { ConditionConcept, FamilyHistoryConcept, HistoryConcept, Sex, SymptomConcept } from './vocabulary/conditions';
import type { MedicationConcept } from './vocabulary/medications';

export interface PersonName {
  given: string;
  family: string;
}

export interface Address {
  line: string;
  city: string;
  state: string;
  postalCode: string;
}

export interface SamplePatient {
  /** Resource id of the Patient (the other resources' ids derive from it). */
  id: string;
  index: number;
  mrn: string;
  name: PersonName;
  sex: Sex;
  birthDate: string;
  /** Age in whole years at the generator's reference date. */
  age: number;
  address: Address;
  phone: string;
  email: string;
  profession: string;
  smoking: 'never' | 'former' | 'current';
  packYears: number;
  quitYear?: number;
  alcohol: 'none' | 'social' | 'daily';
  maritalStatus: 'M' | 'S' | 'W' | 'D';
}

export interface ConditionEpisode {
  id: string;
  concept: ConditionConcept;
  onset: Date;
  /** Acute conditions resolve; chronic ones stay active. */
  abatement?: Date;
  encounterId: string;
}

export interface PastEvent {
  id: string;
  concept: HistoryConcept;
  year: number;
  onset: Date;
}

export interface FamilyHistoryFact {
  id: string;
  relative: string;
  concept: FamilyHistoryConcept;
}

export interface Prescription {
  id: string;
  medication: MedicationConcept;
  /** Why it was started (ConditionEpisode id). */
  reasonId: string;
  reasonKey: string;
  start: Date;
  end?: Date;
  encounterId: string;
  /** Notes name it by brand this often. */
}

export interface LabResult {
  id: string;
  key: string;
  value: number;
  date: Date;
  encounterId: string;
  /** H or L against the reference range, when outside it. */
  flag?: 'H' | 'L';
}

export type EncounterKind = 'wellness' | 'followup' | 'acute' | 'emergency' | 'inpatient';

export interface SampleEncounter {
  id: string;
  kind: EncounterKind;
  start: Date;
  end: Date;
  /** Why: the episode that brought the patient in, when there is one. */
  reason?: ConditionEpisode;
  /** The complaint the patient came with (acute, emergency and inpatient visits). */
  complaint?: SymptomConcept;
  practitioner: SampleClinician;
  facility: SampleFacility;
  vitals: Map<string, number>;
  vitalIds: Map<string, string>;
  labs: LabResult[];
  reportIds: Map<string, string>;
  procedures: Array<{ id: string; concept: ProcedureConcept; date: Date }>;
  immunizations: Array<{ id: string; concept: ImmunizationConcept; date: Date }>;
  /** Episodes diagnosed at this visit. */
  diagnosed: ConditionEpisode[];
  started: Prescription[];
}

export interface SampleClinician {
  id: string;
  name: PersonName;
  npi: string;
  specialty: string;
}

export interface SampleFacility {
  id: string;
  name: string;
  phone: string;
  address: Address;
}

export interface PatientHistory {
  patient: SamplePatient;
  conditions: ConditionEpisode[];
  pastEvents: PastEvent[];
  family: FamilyHistoryFact[];
  allergies: Array<{ id: string; concept: AllergyConcept; reaction: string; recorded: Date }>;
  prescriptions: Prescription[];
  encounters: SampleEncounter[];
  primaryCare: SampleClinician;
}
