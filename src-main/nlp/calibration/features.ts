/**
 * Features of the score models (calibration/models.ts): what the engine knows about an entity or
 * its first concept when it scores it. Every feature is an indicator (1 when it holds) except
 * `raw`, the log-odds of the recogniser's or linker's own raw score. docs/nlp-eval.md
 * ("Calibrated scores") lists them with the fitted weights' meaning.
 *
 * Features read only what the engine decided before scoring (spans, types, traits, attributes,
 * ranked concepts and their raw scores), never a calibrated score, so fitting a model does not
 * depend on the model in use.
 */
import type { ConditionClass, EntityCategory, EntityType, SectionKind, TraitName } from '../types';
import type { MatchKind } from '../match/matcher';
import type { ConceptSource } from '../link/features';
import type { FeatureVector } from './logistic';

/** How an entity was found: a lexicon match kind, the PHI detector or the time-expression stage. */
export type Recogniser = MatchKind | 'phi' | 'time';

/** What the engine knows about one entity when it scores it. */
export interface EntityContext {
  text: string;
  category: EntityCategory;
  type: EntityType;
  /** The recogniser's own score (match kind, PHI pattern strength). */
  raw: number;
  recogniser: Recogniser;
  /** Lexicon entries sharing the matched form. */
  ambiguity: number;
  conditionClass?: ConditionClass;
  section: SectionKind;
  /** False for a span in a heading (in no sentence). */
  inSentence: boolean;
  traits: readonly TraitName[];
  /** Types of the attributes attached to it (STRENGTH, SYSTEM_ORGAN_SITE, ...). */
  attributeTypes: readonly string[];
  /** The entity right before / after it when only spaces separate them (a compound such as "knee pain" split in two). */
  touchingBefore?: EntityCategory;
  touchingAfter?: EntityCategory;
  /** The first non-space character after the span ('' at the end). */
  nextChar: string;
  /** An ANATOMY entity in the same sentence within a few words (a site the span does not take in). */
  anatomyNear: boolean;
  /** Characters in the whole text: a one-line text is read without the context a note gives. */
  textLength: number;
}

/** The first concept of a condition or medication, and what was ranked after it. */
export interface ConceptContext {
  entity: EntityContext;
  code: string;
  description: string;
  /** The linker's raw score of the first concept and of the second (0 when alone). */
  raw: number;
  secondRaw: number;
  source: ConceptSource;
  candidates: number;
  /** ICD-10-CM: the code has refinement rules (a more specific code exists for some qualifier words). */
  refinable: boolean;
  /** ICD-10-CM: the first concept is a history code put first by the PAST_HISTORY trait (I25.2, Z86.73). */
  historyCode: boolean;
}

/** Section kinds grouped by what is written there. */
const SECTION_GROUP: Record<SectionKind, string> = {
  unknown: 'other',
  chief_complaint: 'complaint',
  history_of_present_illness: 'complaint',
  past_medical_history: 'history',
  past_surgical_history: 'history',
  family_history: 'history',
  social_history: 'history',
  medications: 'lists',
  allergies: 'lists',
  review_of_systems: 'exam',
  physical_exam: 'exam',
  vital_signs: 'exam',
  labs: 'data',
  imaging: 'data',
  procedures: 'data',
  hospital_course: 'assessment',
  assessment: 'assessment',
  plan: 'assessment',
  assessment_and_plan: 'assessment',
  discharge_instructions: 'other',
  follow_up: 'other',
  patient_information: 'other',
};

const TRAITS_USED: readonly TraitName[] = ['NEGATION', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'HYPOTHETICAL', 'FUTURE'];

/** A text shorter than this is a sentence or a line, not a note. */
const SHORT_TEXT = 300;

/** Log-odds of a raw score, kept finite. */
export function rawLogit(raw: number): number {
  const p = Math.min(0.99, Math.max(0.01, raw));
  return Math.log(p / (1 - p));
}

/** Words in a span: runs of characters other than space, '/' and '-' (a loop: this runs for every entity). */
function words(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const separator = c === 32 || c === 9 || c === 10 || c === 13 || c === 47 || c === 45;
    if (!separator && !inWord) n++;
    inWord = !separator;
  }
  return n;
}

/** Two or more letters, none lower case ("HTN", "CT", "A1C"). */
function allCaps(text: string): boolean {
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) return false;
    if (c >= 65 && c <= 90) letters++;
  }
  return letters >= 2;
}

/** Feature names are built once per prefix and value (the engine scores every entity). */
const names = new Map<string, Map<string, string>>();
function name(prefix: string, value: string): string {
  let byValue = names.get(prefix);
  if (byValue === undefined) names.set(prefix, (byValue = new Map()));
  let n = byValue.get(value);
  if (n === undefined) byValue.set(value, (n = `${prefix}:${value}`));
  return n;
}

/** Features every model shares: how the span was found, where it stands, its shape. */
function common(c: EntityContext, f: Record<string, number>): void {
  f[name('recogniser', c.recogniser)] = 1;
  if (c.conditionClass !== undefined) f[name('class', c.conditionClass)] = 1;
  const group = SECTION_GROUP[c.section];
  if (group !== 'other') f[name('section', group)] = 1;
  if (!c.inSentence) f['heading'] = 1;
  const n = words(c.text);
  if (n === 1) f['words:1'] = 1;
  else if (n >= 3) f['words:3+'] = 1;
  if (c.ambiguity > 1) f['ambiguous'] = 1;
  if (c.textLength < SHORT_TEXT) f['shortText'] = 1;
  for (const t of TRAITS_USED) if (c.traits.includes(t)) f[name('trait', t)] = 1;
}

/** Entity Score: is the span and type right? */
export function entityFeatures(c: EntityContext): FeatureVector {
  const f: Record<string, number> = { raw: rawLogit(c.raw), [name('type', c.type)]: 1 };
  common(c, f);
  if (allCaps(c.text)) f['allCaps'] = 1;
  if (c.text.length <= 3) f['short'] = 1;
  if (c.attributeTypes.length > 0) f['attributes'] = 1;
  if (c.touchingBefore !== undefined) f[name('touchingBefore', c.touchingBefore)] = 1;
  if (c.touchingAfter !== undefined) f[name('touchingAfter', c.touchingAfter)] = 1;
  if (c.nextChar === ':') f['colonAfter'] = 1;
  if (c.category === 'MEDICAL_CONDITION' && c.anatomyNear) f['anatomyNear'] = 1;
  return f;
}

const SITE_ATTRIBUTES = new Set(['SYSTEM_ORGAN_SITE', 'DIRECTION']);

/** First ICD-10-CM concept Score: is it the code a coder would give? */
export function icd10Features(c: ConceptContext): FeatureVector {
  const f: Record<string, number> = { raw: rawLogit(c.raw), [name('source', c.source)]: 1 };
  common(c.entity, f);
  const chapter = c.code.charAt(0).toUpperCase();
  // symptoms (R) and factors (Z) stand for a more specific code more often than diseases do
  if (chapter === 'R' || chapter === 'Z') f[name('chapter', chapter)] = 1;
  const unspecified = /unspecified/i.test(c.description);
  if (unspecified) f['unspecified'] = 1;
  if (c.refinable) f['refinable'] = 1;
  const site = c.entity.anatomyNear || c.entity.attributeTypes.some((t) => SITE_ATTRIBUTES.has(t));
  // a site written beside a code that does not carry one: the gold often has the site's code
  if (site && (unspecified || chapter === 'R' || c.refinable)) f['siteNotCoded'] = 1;
  if (c.candidates > 1) f['gap'] = c.raw - c.secondRaw;
  if (c.historyCode) f['historyCode'] = 1;
  if (chapter === 'R' && words(c.entity.text) === 1) f['symptomWord'] = 1;
  return f;
}

/** First RxNorm concept Score: is it the ingredient, brand or clinical drug the gold names? */
export function rxnormFeatures(c: ConceptContext): FeatureVector {
  const f: Record<string, number> = { raw: rawLogit(c.raw), [name('source', c.source)]: 1 };
  common(c.entity, f);
  if (c.entity.type === 'BRAND_NAME') f['brand'] = 1;
  const attrs = c.entity.attributeTypes;
  const strength = attrs.includes('STRENGTH') || attrs.includes('DOSAGE');
  if (strength) f['strength'] = 1;
  // a strength was written but the ingredient came first: no clinical drug of that strength is known
  if (strength && c.source !== 'scd') f['productMissing'] = 1;
  if (attrs.includes('FORM') || attrs.includes('ROUTE_OR_MODE')) f['formOrRoute'] = 1;
  if (c.candidates > 1) f['gap'] = c.raw - c.secondRaw;
  return f;
}
