/**
 * The NLP engine's shared vocabulary: the output shape (Amazon Comprehend Medical's entity JSON,
 * ../shared/docs/reference-shapes.md, which is also what the sample generator's gold uses) and the
 * intermediate structures the pipeline stages pass to one another.
 *
 * Pipeline (src-main/nlp/engine.ts):
 *   text → sections (text/sections.ts) → sentences + tokens (text/)
 *        → mentions: lexicon matcher (match/), PHI (phi/), time expressions and attributes (attributes/)
 *        → attributes attached to their entity (attributes/)
 *        → traits (assertion/, ConText-style; also callable on spans a caller gives)
 *        → concepts: ICD-10-CM and RxNorm ranking (link/), over the built-in lexicon and loaded packs (terminology/)
 *        → Entity[]
 *
 * Offsets everywhere are UTF-16 code units into the original text, end exclusive, so
 * `text.slice(BeginOffset, EndOffset) === Text` always holds.
 */

export const ENTITY_CATEGORIES = [
  'MEDICAL_CONDITION',
  'MEDICATION',
  'ANATOMY',
  'TEST_TREATMENT_PROCEDURE',
  'PROTECTED_HEALTH_INFORMATION',
  'TIME_EXPRESSION',
  'BEHAVIORAL_ENVIRONMENTAL_SOCIAL',
] as const;
export type EntityCategory = (typeof ENTITY_CATEGORIES)[number];

/** Entity types per category (Comprehend Medical DetectEntitiesV2; behavioural types as the sample gold writes them). */
export const ENTITY_TYPES = {
  MEDICAL_CONDITION: ['DX_NAME'],
  MEDICATION: ['GENERIC_NAME', 'BRAND_NAME'],
  ANATOMY: ['SYSTEM_ORGAN_SITE', 'DIRECTION'],
  TEST_TREATMENT_PROCEDURE: ['TEST_NAME', 'TEST_VALUE', 'TEST_UNIT', 'PROCEDURE_NAME', 'TREATMENT_NAME'],
  PROTECTED_HEALTH_INFORMATION: ['NAME', 'AGE', 'DATE', 'ADDRESS', 'PHONE_OR_FAX', 'EMAIL', 'ID', 'URL', 'PROFESSION'],
  TIME_EXPRESSION: ['TIME_TO_DX_NAME', 'TIME_TO_MEDICATION_NAME', 'TIME_TO_TEST_NAME', 'TIME_TO_PROCEDURE_NAME', 'TIME_TO_TREATMENT_NAME'],
  BEHAVIORAL_ENVIRONMENTAL_SOCIAL: ['TOBACCO', 'ALCOHOL', 'ILLICIT_DRUGS'],
} as const satisfies Record<EntityCategory, readonly string[]>;
export type EntityType = (typeof ENTITY_TYPES)[EntityCategory][number];

/** Attribute types: what an entity can carry (Comprehend Medical's Attribute.Type). */
export const ATTRIBUTE_TYPES = [
  'DOSAGE',
  'STRENGTH',
  'ROUTE_OR_MODE',
  'FREQUENCY',
  'DURATION',
  'FORM',
  'RATE',
  'TEST_VALUE',
  'TEST_UNIT',
  'SYSTEM_ORGAN_SITE',
  'DIRECTION',
  'TIME_EXPRESSION',
] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export const TRAIT_NAMES = [
  'NEGATION',
  'HYPOTHETICAL',
  'PAST_HISTORY',
  'PERTAINS_TO_FAMILY',
  'FUTURE',
  'SIGN',
  'SYMPTOM',
  'DIAGNOSIS',
  'LOW_CONFIDENCE',
] as const;
export type TraitName = (typeof TRAIT_NAMES)[number];

/** The assertion traits: the ones ConText decides from the words around a mention. */
export const ASSERTION_TRAITS = ['NEGATION', 'HYPOTHETICAL', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'FUTURE'] as const satisfies readonly TraitName[];
export type AssertionTrait = (typeof ASSERTION_TRAITS)[number];

export interface Trait {
  Name: TraitName;
  Score: number;
}

/** A ranked concept: ICD10CMConcepts[] or RxNormConcepts[] item. Score in 0..1, calibrated. */
export interface Concept {
  Code: string;
  Description: string;
  Score: number;
}

export interface Attribute {
  Id: number;
  Type: AttributeType;
  Category?: EntityCategory;
  Score: number;
  /** How sure the engine is that this attribute belongs to its entity. */
  RelationshipScore: number;
  /** e.g. DOSAGE → 'DOSAGE', TEST_VALUE → 'TEST_VALUE', anatomy of a condition → 'SYSTEM_ORGAN_SITE'. */
  RelationshipType: string;
  BeginOffset: number;
  EndOffset: number;
  Text: string;
  Traits: Trait[];
}

/** One entity, in Comprehend Medical's shape (Id, Text, Category, Type, Score, offsets, Traits, Attributes, concepts). */
export interface Entity {
  Id: number;
  Text: string;
  Category: EntityCategory;
  Type: EntityType;
  Score: number;
  BeginOffset: number;
  EndOffset: number;
  Traits: Trait[];
  Attributes?: Attribute[];
  ICD10CMConcepts?: Concept[];
  RxNormConcepts?: Concept[];
}

// ---------------------------------------------------------------------------------------------
// Text structures (src-main/nlp/text/)

export type TokenKind = 'word' | 'number' | 'punct' | 'symbol';

export interface Token {
  /** Original characters. */
  text: string;
  /** Lower-cased, accents folded; what matchers compare. */
  norm: string;
  kind: TokenKind;
  begin: number;
  end: number;
  /** True when whitespace (or the start of text) precedes the token. */
  spaceBefore: boolean;
  /** True when a line break lies between the previous token and this one. */
  newlineBefore: boolean;
}

/** Section kinds a clinical note is split into (text/sections.ts). `unknown` before the first heading or for headings not recognised. */
export const SECTION_KINDS = [
  'unknown',
  'chief_complaint',
  'history_of_present_illness',
  'past_medical_history',
  'past_surgical_history',
  'medications',
  'allergies',
  'family_history',
  'social_history',
  'review_of_systems',
  'physical_exam',
  'vital_signs',
  'labs',
  'imaging',
  'procedures',
  'hospital_course',
  'assessment',
  'plan',
  'assessment_and_plan',
  'discharge_instructions',
  'follow_up',
  'patient_information',
] as const;
export type SectionKind = (typeof SECTION_KINDS)[number];

export interface Section {
  kind: SectionKind;
  /** Heading as written, '' for the implicit first section. */
  heading: string;
  headingBegin: number;
  headingEnd: number;
  /** Body span (after the heading). */
  begin: number;
  end: number;
}

export interface Sentence {
  begin: number;
  end: number;
  /** Index range into NlpDocument.tokens: [firstToken, lastToken + 1). */
  tokenStart: number;
  tokenEnd: number;
  /** Index into NlpDocument.sections. */
  section: number;
}

/** A note after the text stage: every later stage reads this. */
export interface NlpDocument {
  text: string;
  tokens: Token[];
  sentences: Sentence[];
  sections: Section[];
}

// ---------------------------------------------------------------------------------------------
// Intermediate results

/** What kind of condition a lexicon entry names: decides SIGN / SYMPTOM / DIAGNOSIS with the section. */
export type ConditionClass = 'disease' | 'symptom' | 'sign';

/** A recognised span before traits and concepts are decided. */
export interface Mention {
  begin: number;
  end: number;
  category: EntityCategory;
  type: EntityType;
  /** Recognition confidence 0..1. */
  score: number;
  /** Lexicon entry id (match/) when a dictionary matched, so linking can start from its codes. */
  lexiconId?: string;
  /** Codes the recogniser already knows (lexicon entry codes, pack terms). */
  icd10?: readonly string[];
  rxnorm?: readonly string[];
  /** For MEDICAL_CONDITION: disease, symptom or sign (from the lexicon). */
  conditionClass?: ConditionClass;
}

/** An attribute or time-expression span found in the text, before it is attached to an entity (attributes/). */
export interface AttributeSpan {
  begin: number;
  end: number;
  type: AttributeType;
  score: number;
}

/** A span whose assertion traits are wanted (assertion/ also runs on caller-given spans: `hearth nlp --spans`). */
export interface TargetSpan {
  begin: number;
  end: number;
  /** Category when known; traits such as SIGN/SYMPTOM/DIAGNOSIS only apply to MEDICAL_CONDITION. */
  category?: EntityCategory;
  conditionClass?: ConditionClass;
}

// ---------------------------------------------------------------------------------------------
// Terminology sources for linking (built-in lexicon in lexicon/, imported packs in terminology/)

export interface ConceptCandidate {
  code: string;
  description: string;
  /** How well the phrase matched this concept, 0..1, before calibration. */
  match: number;
}

/** One code system release the linker can rank concepts from. */
export interface CodeSystemIndex {
  readonly system: 'ICD10CM' | 'RXNORM';
  /** e.g. 'icd10cm-2026', 'rxnorm-2025-11-03', 'hearth-lexicon-1'. */
  readonly version: string;
  /** Description of a code in this release; undefined when the release lacks it. */
  describe(code: string): string | undefined;
  /** Candidates for a normalised phrase (lower case, tokens joined by one space), best first. */
  search(normalizedPhrase: string, limit: number): ConceptCandidate[];
}

/** RxNorm clinical drug (SCD) of one ingredient: what `strength + form` link to. */
export interface ClinicalDrug {
  rxcui: string;
  name: string;
  ingredientRxcui: string;
  /** Normalised strength, e.g. '500 mg', '10 mg/ml'. */
  strength: string;
  /** Normalised dose form, e.g. 'oral tablet', 'injectable solution'. */
  form: string;
}

export interface RxNormIndex extends CodeSystemIndex {
  readonly system: 'RXNORM';
  /** Ingredient RXCUIs of a brand name RXCUI. */
  brandIngredients(brandRxcui: string): string[];
  /** Clinical drugs (SCD) containing this single ingredient. */
  clinicalDrugs(ingredientRxcui: string): ClinicalDrug[];
}

/** Engine and lexicon versions, written beside every result so a change can offer a re-run. */
export interface NlpVersions {
  engine: string;
  lexicon: string;
  /** Versions of the terminology packs linking used, e.g. ['icd10cm-2026']. */
  packs: string[];
}

/** The engine as every caller sees it (CLI, processing queue, eval, bench): synchronous, pure, no I/O. */
export interface NlpEngine {
  readonly versions: NlpVersions;
  /** All entities of a note, any length, in order of BeginOffset. */
  analyze(text: string): Entity[];
  /** Assertion traits for spans the caller gives: one entity per span, in the given order. */
  assertSpans(text: string, spans: readonly TargetSpan[]): Entity[];
}
