/**
 * What the engine learns from reviewers' corrections (docs/review.md "What the engine learns"):
 * a plain, versioned, structured-clonable record (a worker thread is given it like the
 * terminology packs), derived by derive.ts from the review records and applied by compile.ts.
 *
 * - suppressions: a text of a category the reviewers rejected as a whole (or re-categorised) in a
 *   context: the engine drops that mention there;
 * - rejectedConcepts: a text-to-concept link reviewers corrected (they kept the mention and chose
 *   another code, or none) in a context: the engine keeps the mention and ranks that code last
 *   there, with a lower score;
 * - terms: a user lexicon: forms reviewers added or re-coded, with category, type and codes;
 * - concepts: the code reviewers chose for a text, put first when the engine finds that text;
 * - triggers: ConText trigger phrases for a trait reviewers set where the built-in rules did not;
 * - pseudoTriggers: ConText pseudo-triggers: a built-in trigger with the words next to it, where
 *   reviewers removed the trait it set ("no" in "no worsening of"): the phrase hides the trigger.
 */
import type { AssertionTrait, ConditionClass, EntityCategory, EntityType, SectionKind } from '../types';

/** Bumped when the model's shape or the meaning of its fields changes. */
export const LEARNING_FORMAT = 2;

/**
 * Where a suppression applies: `anywhere`; in a `section` kind; or `local`: in that section kind
 * with the same word before and after the text ('' = none: the sentence's edge).
 */
export type SuppressionScope = 'anywhere' | 'section' | 'local';

export interface LearnedSuppression {
  /** The mention's text, normalised (normalizeText). */
  text: string;
  category: EntityCategory;
  scope: SuppressionScope;
  section?: SectionKind;
  before?: string;
  after?: string;
  /** The evidence: rejections and acceptances of this text and category in this scope. */
  rejected: number;
  accepted: number;
}

/**
 * A text-to-concept link reviewers corrected, in a scope (the places as for suppressions); the
 * evidence counts reviewed mentions of the text there where the engine's code was replaced, and
 * where it was kept.
 */
export interface LearnedConceptRejection extends LearnedSuppression {
  system: 'ICD10CM' | 'RXNORM';
  /** The code the engine proposed and reviewers replaced (or removed). */
  code: string;
}

export interface LearnedTerm {
  /** The form as a reviewer marked it (case kept: a short upper-case form matches case-sensitively). */
  form: string;
  category: EntityCategory;
  type: EntityType;
  icd10?: string[];
  rxnorm?: string[];
  /** For a condition: disease, symptom or sign, from the DIAGNOSIS / SYMPTOM / SIGN traits reviewers gave it. */
  conditionClass?: ConditionClass;
  /** Times reviewers marked it, and times it stood unmarked in notes they finished. */
  added: number;
  ignored: number;
}

export interface LearnedConcept {
  text: string;
  category: EntityCategory;
  system: 'ICD10CM' | 'RXNORM';
  code: string;
  display: string;
  /** Reviewed mentions of the text with this code, and with another. */
  votes: number;
  against: number;
}

export interface LearnedTrigger {
  /** Token norms joined by one space (as the ConText lexicon writes phrases). */
  phrase: string;
  trait: AssertionTrait;
  /** forward: the phrase precedes its target; backward: it follows it. */
  direction: 'forward' | 'backward';
  /** Words allowed between phrase and target. */
  window: number;
  /** The categories it was seen with. */
  categories: EntityCategory[];
  /** Sentences where the phrase preceded (followed) a mention reviewers gave the trait and the built-in rules did not, and ones without the trait. */
  support: number;
  against: number;
}

export interface LearnedPseudoTrigger {
  /** Token norms joined by one space: a built-in trigger phrase with the words before or after it. */
  phrase: string;
  /** The trait reviewers removed where the trigger inside the phrase set it. */
  trait: AssertionTrait;
  /** The built-in trigger phrase it contains. */
  trigger: string;
  /** Sentences where reviewers removed the trait the trigger set there, and ones where they kept it. */
  support: number;
  against: number;
}

export interface LearnedModel {
  format: number;
  /** Hash of the content: goes into the engine's stamp (packs) so notes analysed without it can be re-run. */
  version: string;
  suppressions: LearnedSuppression[];
  terms: LearnedTerm[];
  concepts: LearnedConcept[];
  triggers: LearnedTrigger[];
  pseudoTriggers: LearnedPseudoTrigger[];
  rejectedConcepts: LearnedConceptRejection[];
  /** What it was derived from. */
  source: { records: number; notes: number; corrections: number };
}

/** Counts for `learning.summary`. */
export interface LearningSummary {
  version: string;
  suppressions: number;
  terms: number;
  concepts: number;
  triggers: number;
  pseudoTriggers: number;
  rejectedConcepts: number;
  records: number;
  notes: number;
  corrections: number;
}

export function summarizeModel(model: LearnedModel): LearningSummary {
  return {
    version: model.version,
    suppressions: model.suppressions.length,
    terms: model.terms.length,
    concepts: model.concepts.length,
    triggers: model.triggers.length,
    pseudoTriggers: model.pseudoTriggers.length,
    rejectedConcepts: model.rejectedConcepts.length,
    ...model.source,
  };
}

/** Lower case, runs of white space as one space, trimmed: how texts are compared. */
export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function isEmptyModel(model: LearnedModel): boolean {
  return model.suppressions.length + model.terms.length + model.concepts.length + model.triggers.length + model.pseudoTriggers.length + model.rejectedConcepts.length === 0;
}

/** 64-bit FNV-1a over the UTF-16 code units, as 16 hex digits (no node:crypto: the model is also built where only plain JS runs). */
export function contentHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** The model with its version set from its content (the source counts aside: the same rules are the same model). */
export function withVersion(model: Omit<LearnedModel, 'version'>): LearnedModel {
  const content = JSON.stringify([model.format, model.suppressions, model.terms, model.concepts, model.triggers, model.pseudoTriggers, model.rejectedConcepts]);
  return { ...model, version: `learned-${contentHash(content).slice(0, 12)}` };
}

/** Whether a pack version is a learned model's (or a note's learned stamp, learning/relevance.ts). */
export function isLearnedVersion(pack: string): boolean {
  return pack.startsWith('learned-');
}

export function emptyModel(): LearnedModel {
  return withVersion({ format: LEARNING_FORMAT, suppressions: [], terms: [], concepts: [], triggers: [], pseudoTriggers: [], rejectedConcepts: [], source: { records: 0, notes: 0, corrections: 0 } });
}
