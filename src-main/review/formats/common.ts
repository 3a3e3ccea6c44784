/**
 * What the annotation interchange formats share (docs/annotation-formats.md): the import result,
 * and the checks every importer applies before an annotation is accepted, so that whatever a file
 * says, an imported annotation is one the review workspace could have made.
 *
 * Plain data and zod, no Node imports: the API contract may import these types.
 */
import { z } from 'zod';
import { ATTRIBUTE_TYPES, ENTITY_CATEGORIES, ENTITY_TYPES, TRAIT_NAMES, type Attribute, type Concept, type EntityCategory, type EntityType, type TraitName } from '../../nlp/types';
import type { AnnotationDecision, ChosenConcept, ConceptSystem, ReviewAnnotation } from '../types';

/** One document read back from a file: its text and annotations, in the file's order. */
export interface ImportedDocument {
  documentId: string;
  text: string;
  annotations: ReviewAnnotation[];
}

/** A line (1-based; 0 = the file as a whole) that could not be read; the other lines still are. */
export interface ImportError {
  file: string;
  line: number;
  message: string;
}

export interface AnnotationImport {
  documents: ImportedDocument[];
  errors: ImportError[];
  /** Where each document was read (parallel to `documents`), for errors found later, when storing it. */
  sources: Array<{ file: string; line: number }>;
}

/** What `review.import` did: notes and annotations stored as the reviewer's, and what could not be. */
export interface ReviewImportResult {
  /** Notes whose annotations from the files are now the reviewer's (written, or already so). */
  documents: number;
  /** Annotations written (those already in the reviewer's record as the file says are not rewritten). */
  annotations: number;
  errors: ImportError[];
}

/** A document to export: the fields of a ReviewDocument the formats write. */
export interface ExportDocument {
  documentId: string;
  text: string;
  annotations: readonly ReviewAnnotation[];
  title?: string;
  reviewer?: string;
}

export const DECISIONS = ['pending', 'accepted', 'rejected'] as const satisfies readonly AnnotationDecision[];
export const CONCEPT_SYSTEMS = ['ICD10CM', 'RXNORM'] as const satisfies readonly ConceptSystem[];

/** Every type name occurs in one category only, so a type alone names its category (spaCy labels, BRAT types). */
export const CATEGORY_OF_TYPE: ReadonlyMap<string, EntityCategory> = new Map(
  ENTITY_CATEGORIES.flatMap((category) => ENTITY_TYPES[category].map((type): [string, EntityCategory] => [type, category])),
);

export function isEntityCategory(value: unknown): value is EntityCategory {
  return typeof value === 'string' && (ENTITY_CATEGORIES as readonly string[]).includes(value);
}

export function isEntityType(value: unknown): value is EntityType {
  return typeof value === 'string' && CATEGORY_OF_TYPE.has(value);
}

export function isTraitName(value: unknown): value is TraitName {
  return typeof value === 'string' && (TRAIT_NAMES as readonly string[]).includes(value);
}

export function isDecision(value: unknown): value is AnnotationDecision {
  return typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);
}

export function isConceptSystem(value: unknown): value is ConceptSystem {
  return typeof value === 'string' && (CONCEPT_SYSTEMS as readonly string[]).includes(value);
}

/** The code system a category's concepts come from (conditions: ICD-10-CM, medications: RxNorm); other categories have none. */
export function conceptSystemOf(category: EntityCategory): ConceptSystem | undefined {
  return category === 'MEDICAL_CONDITION' ? 'ICD10CM' : category === 'MEDICATION' ? 'RXNORM' : undefined;
}

export const conceptSchema = z.object({ Code: z.string().min(1), Description: z.string(), Score: z.number().finite() }).strict();

const traitSchema = z.object({ Name: z.enum(TRAIT_NAMES), Score: z.number().finite() }).strict();

/** Comprehend Medical's Attribute (nlp/types.ts), kept as the engine wrote it. */
export const attributeSchema = z
  .object({
    Id: z.number().int(),
    Type: z.enum(ATTRIBUTE_TYPES),
    Category: z.enum(ENTITY_CATEGORIES).optional(),
    Score: z.number().finite(),
    RelationshipScore: z.number().finite(),
    RelationshipType: z.string(),
    BeginOffset: z.number().int().nonnegative(),
    EndOffset: z.number().int().nonnegative(),
    Text: z.string(),
    Traits: z.array(traitSchema),
  })
  .strict();

/** Copies an attribute without `Category: undefined` (zod keeps an absent optional key absent). */
export function parseAttributes(value: unknown): Attribute[] | string {
  const parsed = z.array(attributeSchema).safeParse(value);
  if (!parsed.success) return `Attributes: ${firstIssue(parsed.error)}`;
  return parsed.data.map((a) => {
    const { Category, ...rest } = a;
    return Category === undefined ? rest : { ...rest, Category };
  });
}

export function parseConcepts(value: unknown, field: string): Concept[] | string {
  const parsed = z.array(conceptSchema).safeParse(value);
  return parsed.success ? parsed.data : `${field}: ${firstIssue(parsed.error)}`;
}

/** zod's first issue as "path: message", without the offending value (it may be note text). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** What an importer read for one annotation, before the checks (a ReviewAnnotation's fields). Offsets are UTF-16 already. */
export type AnnotationFields = ReviewAnnotation;

/**
 * The checks every importer makes (the same the review service makes on `review.apply`): span
 * inside the text and non-empty, its text the note's, type of the category, traits known and not
 * repeated, concept system of the category. Returns the annotation, or why it is refused.
 */
export function checkAnnotation(fields: AnnotationFields, documentText: string): ReviewAnnotation | string {
  const { begin, end } = fields;
  if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > documentText.length || begin >= end) {
    return `span ${begin}-${end} is not inside the text (length ${documentText.length}) or is empty`;
  }
  if (documentText.slice(begin, end) !== fields.text) return `the text at ${begin}-${end} differs from the annotation's text`;
  if (fields.id === '') return 'annotation id is empty';
  if (CATEGORY_OF_TYPE.get(fields.type) !== fields.category) return `type ${fields.type} is not of category ${fields.category}`;
  if (new Set(fields.traits).size !== fields.traits.length) return 'a trait is repeated';
  if (fields.concept && fields.concept.system !== conceptSystemOf(fields.category)) {
    return `concept system ${fields.concept.system} does not fit category ${fields.category}`;
  }
  if (fields.concept && fields.concept.code.trim() === '') return 'concept code is empty';
  if (fields.score !== undefined && !(fields.score >= 0 && fields.score <= 1)) return 'score is outside 0..1';
  return withoutUndefined(fields);
}

/** Optional fields absent rather than undefined, so an imported annotation deep-equals the exported one. */
function withoutUndefined(fields: AnnotationFields): ReviewAnnotation {
  const annotation: ReviewAnnotation = {
    id: fields.id,
    origin: fields.origin,
    begin: fields.begin,
    end: fields.end,
    text: fields.text,
    category: fields.category,
    type: fields.type,
    traits: fields.traits,
    decision: fields.decision,
    edited: fields.edited,
  };
  if (fields.score !== undefined) annotation.score = fields.score;
  if (fields.concept !== undefined) annotation.concept = fields.concept;
  if (fields.candidates !== undefined) annotation.candidates = fields.candidates;
  if (fields.attributes !== undefined) annotation.attributes = fields.attributes;
  if (fields.reviewedBy !== undefined) annotation.reviewedBy = fields.reviewedBy;
  if (fields.reviewedAt !== undefined) annotation.reviewedAt = fields.reviewedAt;
  return annotation;
}

/** The id an engine entity has in the workspace (types.ts): `e:<begin>-<end>-<category>`. */
export function engineAnnotationId(begin: number, end: number, category: EntityCategory): string {
  return `e:${begin}-${end}-${category}`;
}

/** Splits a JSONL file into lines with 1-based numbers; blank lines are skipped (a trailing newline is normal). */
export function jsonLines(text: string): Array<{ line: number; content: string }> {
  const lines: Array<{ line: number; content: string }> = [];
  // indexOf rather than split(regex): exports run to many megabytes and this keeps copies down.
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const content = text.slice(start, end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    if (/\S/.test(content)) lines.push({ line, content });
    start = end + 1;
  }
  return lines;
}

/** Collects documents by id: a second document with an id already read is an error, the first one stays. */
export class DocumentCollector {
  readonly documents: ImportedDocument[] = [];
  readonly errors: ImportError[] = [];
  readonly sources: Array<{ file: string; line: number }> = [];
  private readonly seen = new Set<string>();

  add(document: ImportedDocument, file: string, line: number): void {
    if (this.seen.has(document.documentId)) {
      this.error(file, line, `document ${document.documentId} appears more than once`);
      return;
    }
    const ids = new Set<string>();
    const annotations: ReviewAnnotation[] = [];
    for (const annotation of document.annotations) {
      if (ids.has(annotation.id)) {
        this.error(file, line, `annotation id ${annotation.id} appears more than once in document ${document.documentId}`);
        continue;
      }
      ids.add(annotation.id);
      annotations.push(annotation);
    }
    this.seen.add(document.documentId);
    this.documents.push({ ...document, annotations });
    this.sources.push({ file, line });
  }

  error(file: string, line: number, message: string): void {
    this.errors.push({ file, line, message });
  }

  result(): AnnotationImport {
    return { documents: this.documents, errors: this.errors, sources: this.sources };
  }
}
