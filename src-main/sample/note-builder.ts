/**
 * Builds a note's text and its gold annotations together: every entity is appended through
 * `entity()`, which records its exact character span, so the gold offsets cannot drift from the
 * text. The gold follows Amazon Comprehend Medical's entity shape (Id, BeginOffset, EndOffset,
 * Text, Category, Type, Traits, Attributes, ICD10CMConcepts, RxNormConcepts: see
 * ../shared/docs/reference-shapes.md), with Score 1 (it is the truth, not a guess) and the
 * resource each fact comes from (`Source`).
 */

export type GoldCategory =
  | 'MEDICAL_CONDITION'
  | 'MEDICATION'
  | 'ANATOMY'
  | 'TEST_TREATMENT_PROCEDURE'
  | 'PROTECTED_HEALTH_INFORMATION'
  | 'TIME_EXPRESSION'
  | 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL';

export type GoldTrait = 'NEGATION' | 'HYPOTHETICAL' | 'PAST_HISTORY' | 'PERTAINS_TO_FAMILY' | 'FUTURE' | 'SIGN' | 'SYMPTOM' | 'DIAGNOSIS' | 'LOW_CONFIDENCE';

export interface GoldConcept {
  Code: string;
  Description: string;
  Score: number;
}

export interface GoldAttribute {
  Id: number;
  Type: string;
  Category: GoldCategory;
  RelationshipType: string;
  Score: number;
  RelationshipScore: number;
  BeginOffset: number;
  EndOffset: number;
  Text: string;
  Traits: Array<{ Name: GoldTrait; Score: number }>;
}

export interface GoldEntity {
  Id: number;
  Category: GoldCategory;
  Type: string;
  Score: number;
  BeginOffset: number;
  EndOffset: number;
  Text: string;
  Traits: Array<{ Name: GoldTrait; Score: number }>;
  Attributes?: GoldAttribute[];
  ICD10CMConcepts?: GoldConcept[];
  RxNormConcepts?: GoldConcept[];
  /** SNOMED CT or LOINC code where the fact has one (procedures, tests). */
  Codes?: Array<{ System: string; Code: string }>;
  /** `Type/id` of the resource the fact comes from. */
  Source?: string;
}

export interface EntitySpec {
  category: GoldCategory;
  type: string;
  traits?: readonly GoldTrait[];
  icd10?: { code: string; description: string };
  rxnorm?: { code: string; description: string };
  codes?: Array<{ System: string; Code: string }>;
  source?: string;
}

export class NoteBuilder {
  private text = '';
  private readonly entities: GoldEntity[] = [];
  private nextId = 0;

  /** Plain text, no annotation. */
  add(text: string): this {
    this.text += text;
    return this;
  }

  /** A section heading on its own line ("HISTORY OF PRESENT ILLNESS:"). */
  heading(title: string, style: 'upper' | 'title' = 'upper'): this {
    if (this.text.length > 0 && !this.text.endsWith('\n\n')) this.text += this.text.endsWith('\n') ? '\n' : '\n\n';
    this.text += `${style === 'upper' ? title.toUpperCase() : title}:\n`;
    return this;
  }

  /** Appends `surface` as an entity; returns it so that attributes can be attached. */
  entity(surface: string, spec: EntitySpec): GoldEntity {
    const begin = this.text.length;
    this.text += surface;
    const entity: GoldEntity = {
      Id: this.nextId++,
      Category: spec.category,
      Type: spec.type,
      Score: 1,
      BeginOffset: begin,
      EndOffset: begin + surface.length,
      Text: surface,
      Traits: (spec.traits ?? []).map((name) => ({ Name: name, Score: 1 })),
    };
    if (spec.icd10) entity.ICD10CMConcepts = [{ Code: spec.icd10.code, Description: spec.icd10.description, Score: 1 }];
    if (spec.rxnorm) entity.RxNormConcepts = [{ Code: spec.rxnorm.code, Description: spec.rxnorm.description, Score: 1 }];
    if (spec.codes) entity.Codes = spec.codes;
    if (spec.source) entity.Source = spec.source;
    this.entities.push(entity);
    return entity;
  }

  /** Appends `surface` as an attribute of `parent` (a dose of a drug, a value of a test). */
  attribute(parent: GoldEntity, surface: string, category: GoldCategory, type: string, relationship: string = type): this {
    const begin = this.text.length;
    this.text += surface;
    const attribute: GoldAttribute = {
      Id: this.nextId++,
      Type: type,
      Category: category,
      RelationshipType: relationship,
      Score: 1,
      RelationshipScore: 1,
      BeginOffset: begin,
      EndOffset: begin + surface.length,
      Text: surface,
      Traits: [],
    };
    (parent.Attributes ??= []).push(attribute);
    return this;
  }

  /** A PHI span (NAME, AGE, DATE, ADDRESS, PHONE_OR_FAX, EMAIL, ID, URL, PROFESSION). */
  phi(surface: string, type: string): this {
    this.entity(surface, { category: 'PROTECTED_HEALTH_INFORMATION', type });
    return this;
  }

  get length(): number {
    return this.text.length;
  }

  build(): { text: string; entities: GoldEntity[] } {
    return { text: this.text.endsWith('\n') ? this.text : `${this.text}\n`, entities: this.entities };
  }
}
