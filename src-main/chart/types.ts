/**
 * The patient chart's data (docs/patient-chart.md): one patient's demographics, a dated timeline,
 * observation series, notes with their NLP entity counts, and the curator's to-do list (conditions
 * the NLP found in the notes that no Condition codes).
 *
 * Plain data, no Node imports: the API contract and the renderer import these types.
 */
import type { EntityCategory } from '../nlp/types';
import type { ReviewAnnotation, ReviewSection } from '../review/types';

export interface ChartIdentifier {
  /** `MRN` for a medical record number (identifier.type MR), else the type's text or code. */
  label?: string;
  system?: string;
  value: string;
}

export interface ChartTelecom {
  system?: string;
  use?: string;
  value: string;
}

export interface ChartDemographics {
  /** `Patient/<id>`. */
  reference: string;
  /** The official (else first) HumanName as text: "Given Family". */
  name: string;
  /** Patient.gender. */
  sex?: string;
  birthDate?: string;
  /** Whole years at `asOf` (the death date when deceased). */
  age?: number;
  deceased?: boolean | string;
  /** The first MR-typed identifier's value. */
  mrn?: string;
  identifiers: ChartIdentifier[];
  /** Each address as one line of text. */
  addresses: string[];
  telecom: ChartTelecom[];
  maritalStatus?: string;
}

export const TIMELINE_KINDS = ['encounter', 'condition', 'medication', 'procedure', 'immunization', 'allergy', 'report', 'note'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface ChartCode {
  system?: string;
  code: string;
  display?: string;
}

/** One dated fact of the patient's record. */
export interface TimelineEvent {
  /** FHIR dateTime (start of a period); absent when the resource has no date (listed last). */
  date?: string;
  /** End of a period (encounters, stays). */
  end?: string;
  kind: TimelineKind;
  label: string;
  code?: ChartCode;
  /** The resource's status (active, completed, resolved…), when it has one. */
  status?: string;
  /** `Type/id` of the resource. */
  reference: string;
}

export interface ObservationPoint {
  /** effective[x] (start), else issued. */
  time: string;
  value: number;
  /** `Observation/<id>`. */
  reference: string;
  /** The reference range of this point, when it has one. */
  low?: number;
  high?: number;
  /** Observation.interpretation code (H, L, HH, LL, A, N…). */
  interpretation?: string;
  /** Flagged high/low/abnormal by its interpretation, or outside its reference range. */
  outOfRange: boolean;
}

/** Numeric observations of one code (LOINC where coded so), oldest first. */
export interface ObservationSeries {
  /** `<system>|<code>`: unique key of the series. */
  key: string;
  code: string;
  system?: string;
  display: string;
  unit?: string;
  /** Observation.category code (`vital-signs`, `laboratory`…). */
  category?: string;
  /** The latest point's reference range (the band drawn behind the points). */
  low?: number;
  high?: number;
  /** `default`: no Observation had a range, the band is the typical adult one for this vital sign (chart.ts DEFAULT_VITAL_BANDS). */
  band?: 'default';
  points: ObservationPoint[];
}

export interface ChartNoteSummary {
  id: string;
  date?: string;
  /** DocumentReference.type as text. */
  type?: string;
  title: string;
  nlp: 'succeeded' | 'failed' | 'none';
  /** Entities the engine found, in all and per category. */
  entities: number;
  categories: Partial<Record<EntityCategory, number>>;
}

/** A condition the NLP found in the notes (asserted: not negated, family, hypothetical or future) that no Condition codes. */
export interface NlpFinding {
  /** ICD-10-CM code (the top-ranked concept of the mentions). */
  code: string;
  display: string;
  /** The words of the best-scored mention. */
  text: string;
  /** Best concept score over the mentions. */
  score: number;
  mentions: number;
  /** Notes with a mention, newest first. */
  noteIds: string[];
  /** Coded conditions in the same 3-character category that are less specific (the finding would refine them). */
  sameCategory: string[];
  /** A reviewer accepted or added one of the mentions (docs/review.md): not only the engine's word. */
  reviewed: boolean;
}

export interface CodedCondition {
  /** `Condition/<id>`. */
  reference: string;
  /** ICD-10-CM code, when the Condition has one. */
  code?: string;
  display: string;
  clinicalStatus?: string;
  onset?: string;
  recorded?: string;
  /** How a note mentions it: the same code, the same 3-character category, or not at all. */
  mentioned: 'code' | 'category' | 'none';
  /** Notes with an asserted mention (same code or category), newest first. */
  noteIds: string[];
}

export interface PatientChart {
  demographics: ChartDemographics;
  /** Oldest first; undated events last. */
  timeline: TimelineEvent[];
  series: ObservationSeries[];
  /** Newest first. */
  notes: ChartNoteSummary[];
  /** NLP-found, not coded: best score first. */
  todo: NlpFinding[];
  coded: CodedCondition[];
  /** Resource types whose search stopped at the per-type limit (the chart is then partial). */
  truncated: string[];
  /** The instant ages are computed at. */
  asOf: string;
}

/** One note of the chart, read-only, drawn with the review renderer. */
export interface ChartNote {
  documentId: string;
  title: string;
  date?: string;
  patient?: string;
  text: string;
  sections: ReviewSection[];
  /** The engine's entities as annotations (all `pending`: reviewers' records are the review screen's). */
  annotations: ReviewAnnotation[];
  nlp: 'succeeded' | 'failed' | 'none';
}
