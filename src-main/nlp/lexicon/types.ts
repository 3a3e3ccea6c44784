/**
 * The built-in lexicon's shape. The data modules (conditions.ts, medications.ts, ...) are written
 * as compact one-line records so the lists stay readable and reviewable; `parse.ts` turns them
 * into these entries once, at load.
 */
import type { ClinicalDrug, ConditionClass, EntityCategory, EntityType } from '../types';

/** How a surface form of an entry may appear in text. */
export interface SurfaceForm {
  /** As written in the lexicon (case kept: case rules read it). */
  text: string;
  kind: SurfaceKind;
  /**
   * Case rule: only the written form, its all-caps form, or (for an all-lower form) its capitalised
   * form match. Set for ambiguous abbreviations ("MI", "PE", "MS", "ALL") and for every form of
   * two letters or fewer.
   */
  caseSensitive: boolean;
  /** The form only counts when a value (a number) follows it: "T 36.9", "K of 4.3", "Na 137". */
  needsValue: boolean;
}

export type SurfaceKind = 'preferred' | 'synonym' | 'abbreviation' | 'misspelling';

export interface LexiconEntry {
  /** Stable id: 'dx:I10', 'rx:6809', 'bn:lipitor', 'an:heart', 'tn:a1c'. */
  id: string;
  category: EntityCategory;
  type: EntityType;
  preferred: string;
  forms: SurfaceForm[];
  /** ICD-10-CM codes, most likely first (billable FY2026). */
  icd10?: string[];
  /** RxNorm: ingredient RXCUI(s) of a generic or brand entry. */
  rxnorm?: string[];
  /** RxNorm RXCUI of the brand name (BN) itself, for brand entries. */
  brandRxcui?: string;
  conditionClass?: ConditionClass;
}

/** One ingredient of the medication list with its brands and a few clinical drugs. */
export interface MedicationRecord {
  rxcui: string;
  name: string;
  synonyms: string[];
  misspellings: string[];
  abbreviations: string[];
  brands: { name: string; rxcui?: string }[];
  clinicalDrugs: ClinicalDrug[];
}

/** One condition record: the lexicon's own description plus its forms. */
export interface ConditionRecord {
  code: string;
  conditionClass: ConditionClass;
  preferred: string;
  synonyms: string[];
  abbreviations: string[];
  misspellings: string[];
}

export interface Lexicon {
  readonly version: string;
  readonly entries: readonly LexiconEntry[];
  readonly conditions: readonly ConditionRecord[];
  readonly medications: readonly MedicationRecord[];
  /** Phrases that are no entity although an entity term sits inside them ("by mouth"). */
  readonly stopPhrases: readonly string[];
}
