/**
 * A reviewer's record of one note, stored as a FHIR `Basic` (https://hl7.org/fhir/R4/basic.html),
 * and the `Provenance` (https://hl7.org/fhir/R4/provenance.html) written with every change of it.
 * docs/review.md §2 describes both shapes.
 *
 * The record lives apart from the DocumentReference, so the NLP engine (which writes only the
 * note) never overwrites a reviewer's work. Every extension has a value or children, never both
 * (ext-1), and values are the R4 types Hearth's structural validation checks.
 */
import { createHash } from 'node:crypto';
import type { Basic, Coding, Extension, Provenance } from '@medplum/fhirtypes';
import { ICD10CM_SYSTEM, RXNORM_SYSTEM } from '../nlp/results/extensions';
import { ENTITY_CATEGORIES, ENTITY_TYPES, TRAIT_NAMES, type EntityCategory, type EntityType, type TraitName } from '../nlp/types';
import type { AnnotationDecision, AnnotationState, ChosenConcept, ConceptSystem, ReviewStatus } from './types';

export const RESOURCE_KIND_SYSTEM = 'https://hearth.local/fhir/CodeSystem/resource-kind';
export const REVIEW_KIND_CODE = 'review';
/** Hearth's review extension on the Basic (children: reviewer, status, revision, text-hash, next-id, annotation...). */
export const REVIEW_EXTENSION_URL = 'https://hearth.local/fhir/StructureDefinition/review';
/** On the Provenance: one per changed annotation (children id, before, after: JSON of AnnotationState). */
export const REVIEW_CHANGE_URL = 'https://hearth.local/fhir/StructureDefinition/review-change';
/** On the Provenance: the record's status before and after (children before, after: valueCode). */
export const REVIEW_STATUS_CHANGE_URL = 'https://hearth.local/fhir/StructureDefinition/review-status-change';
/** On the Provenance: which API action made the change (valueCode apply | set-status | bulk-accept). */
export const REVIEW_ACTION_URL = 'https://hearth.local/fhir/StructureDefinition/review-action';
export const DATA_OPERATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';
export const PARTICIPANT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

export const REVIEW_STATUSES: readonly ReviewStatus[] = ['unreviewed', 'in-progress', 'done'];
export const DECISIONS: readonly AnnotationDecision[] = ['pending', 'accepted', 'rejected'];

/** One annotation as the record stores it: the reviewed state plus who and when. */
export interface StoredAnnotation extends AnnotationState {
  id: string;
  origin: 'engine' | 'reviewer';
  edited: boolean;
  /**
   * The concept the engine proposed, kept while the reviewer's concept differs from it (they kept
   * the mention and corrected its link, or removed it): a wrong link, told apart from a rejected
   * mention (decision `rejected`). Learning demotes that link (nlp/learning/derive.ts).
   */
  engineConcept?: ChosenConcept;
  reviewedBy: string;
  reviewedAt: string;
}

/** A reviewer's record of one note, as read from (or about to be written to) its Basic. */
export interface ReviewRecord {
  /** The Basic's id (reviewRecordId). */
  id: string;
  documentId: string;
  reviewer: string;
  status: ReviewStatus;
  revision: number;
  /** SHA-256 of the note text the record was made on. */
  textHash?: string;
  /** The next `u:<n>` id for an added entity (never reused, so undo/redo of an add stays unambiguous). */
  nextId: number;
  annotations: Map<string, StoredAnnotation>;
  /** The Basic's current version (meta.versionId); undefined when not stored yet. */
  version?: number;
}

/** `rv-` + the first 40 hex digits of SHA-256(documentId NUL reviewer): one Basic per (note, reviewer). */
export function reviewRecordId(documentId: string, reviewer: string): string {
  return `rv-${createHash('sha256').update(`${documentId}\0${reviewer}`, 'utf8').digest('hex').slice(0, 40)}`;
}

export function emptyRecord(documentId: string, reviewer: string): ReviewRecord {
  return { id: reviewRecordId(documentId, reviewer), documentId, reviewer, status: 'unreviewed', revision: 0, nextId: 1, annotations: new Map() };
}

export const CONCEPT_SYSTEM_URLS: Record<ConceptSystem, string> = { ICD10CM: ICD10CM_SYSTEM, RXNORM: RXNORM_SYSTEM };

/** The code system a category's concepts come from (conditions: ICD-10-CM, medications: RxNorm); none for the others. */
export function conceptSystemOf(category: EntityCategory): ConceptSystem | undefined {
  if (category === 'MEDICAL_CONDITION') return 'ICD10CM';
  if (category === 'MEDICATION') return 'RXNORM';
  return undefined;
}

export function isReviewBasic(resource: { resourceType: string; code?: { coding?: Coding[] } }): boolean {
  return resource.resourceType === 'Basic' && (resource.code?.coding ?? []).some((c) => c.system === RESOURCE_KIND_SYSTEM && c.code === REVIEW_KIND_CODE);
}

// ---------------------------------------------------------------------------------------------
// Writing

const str = (url: string, value: string): Extension => ({ url, valueString: value });
const int = (url: string, value: number): Extension => ({ url, valueInteger: value });
const code = (url: string, value: string): Extension => ({ url, valueCode: value });

function annotationExtension(a: StoredAnnotation): Extension {
  const parts: Extension[] = [
    str('id', a.id),
    code('origin', a.origin),
    int('begin', a.begin),
    int('end', a.end),
    code('category', a.category),
    code('type', a.type),
    ...a.traits.map((t) => code('trait', t)),
  ];
  if (a.concept) {
    const coding: Coding = { system: CONCEPT_SYSTEM_URLS[a.concept.system], code: a.concept.code };
    if (a.concept.display !== '') coding.display = a.concept.display;
    parts.push({ url: 'concept', valueCoding: coding });
  }
  if (a.engineConcept) {
    const coding: Coding = { system: CONCEPT_SYSTEM_URLS[a.engineConcept.system], code: a.engineConcept.code };
    if (a.engineConcept.display !== '') coding.display = a.engineConcept.display;
    parts.push({ url: 'engine-concept', valueCoding: coding });
  }
  parts.push(code('decision', a.decision), { url: 'edited', valueBoolean: a.edited }, str('reviewed-by', a.reviewedBy), { url: 'reviewed-at', valueDateTime: a.reviewedAt });
  return { url: 'annotation', extension: parts };
}

/** Annotations in text order (begin, then longer first, then id): stable JSON for the same record. */
export function sortedAnnotations<T extends { id: string; begin: number; end: number }>(annotations: Iterable<T>): T[] {
  return [...annotations].sort((a, b) => a.begin - b.begin || b.end - a.end || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The Basic that stores `record` (without meta: the repository assigns the version). */
export function recordToBasic(record: ReviewRecord): Basic {
  const parts: Extension[] = [str('reviewer', record.reviewer), code('status', record.status), int('revision', record.revision)];
  if (record.textHash !== undefined) parts.push(str('text-hash', record.textHash));
  parts.push(int('next-id', record.nextId), ...sortedAnnotations(record.annotations.values()).map(annotationExtension));
  return {
    resourceType: 'Basic',
    id: record.id,
    code: { coding: [{ system: RESOURCE_KIND_SYSTEM, code: REVIEW_KIND_CODE, display: 'Annotation review' }] },
    subject: { reference: `DocumentReference/${record.documentId}` },
    author: { display: record.reviewer },
    extension: [{ url: REVIEW_EXTENSION_URL, extension: parts }],
  };
}

// ---------------------------------------------------------------------------------------------
// Reading

function sub(extension: Extension, url: string): Extension | undefined {
  return extension.extension?.find((e) => e.url === url);
}

function subs(extension: Extension, url: string): Extension[] {
  return (extension.extension ?? []).filter((e) => e.url === url);
}

function oneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (values as readonly string[]).includes(value);
}

function readConcept(coding: Coding | undefined): ChosenConcept | undefined {
  if (!coding?.code) return undefined;
  const system = (Object.keys(CONCEPT_SYSTEM_URLS) as ConceptSystem[]).find((s) => CONCEPT_SYSTEM_URLS[s] === coding.system);
  return system ? { system, code: coding.code, display: coding.display ?? '' } : undefined;
}

function readAnnotation(extension: Extension): StoredAnnotation | undefined {
  const id = sub(extension, 'id')?.valueString;
  const origin = sub(extension, 'origin')?.valueCode;
  const begin = sub(extension, 'begin')?.valueInteger;
  const end = sub(extension, 'end')?.valueInteger;
  const category = sub(extension, 'category')?.valueCode;
  const type = sub(extension, 'type')?.valueCode;
  const decision = sub(extension, 'decision')?.valueCode;
  if (id === undefined || (origin !== 'engine' && origin !== 'reviewer') || begin === undefined || end === undefined) return undefined;
  if (!oneOf<EntityCategory>(ENTITY_CATEGORIES, category) || !oneOf<AnnotationDecision>(DECISIONS, decision)) return undefined;
  if (type === undefined || !(ENTITY_TYPES[category] as readonly string[]).includes(type)) return undefined;
  const traits = subs(extension, 'trait')
    .map((t) => t.valueCode)
    .filter((t): t is TraitName => oneOf<TraitName>(TRAIT_NAMES, t));
  const annotation: StoredAnnotation = {
    id,
    origin,
    begin,
    end,
    category,
    type: type as EntityType,
    traits,
    decision,
    edited: sub(extension, 'edited')?.valueBoolean ?? false,
    reviewedBy: sub(extension, 'reviewed-by')?.valueString ?? '',
    reviewedAt: sub(extension, 'reviewed-at')?.valueDateTime ?? '',
  };
  const concept = readConcept(sub(extension, 'concept')?.valueCoding);
  if (concept) annotation.concept = concept;
  const engineConcept = readConcept(sub(extension, 'engine-concept')?.valueCoding);
  if (engineConcept) annotation.engineConcept = engineConcept;
  return annotation;
}

/** The record a review Basic holds; undefined when the resource is not one (or is malformed). */
export function basicToRecord(basic: Basic): ReviewRecord | undefined {
  if (!isReviewBasic(basic) || basic.id === undefined) return undefined;
  const documentId = /^DocumentReference\/([A-Za-z0-9\-.]{1,64})$/.exec(basic.subject?.reference ?? '')?.[1];
  const extension = (basic.extension ?? []).find((e) => e.url === REVIEW_EXTENSION_URL);
  if (documentId === undefined || !extension) return undefined;
  const reviewer = sub(extension, 'reviewer')?.valueString ?? basic.author?.display;
  const status = sub(extension, 'status')?.valueCode;
  if (reviewer === undefined || !oneOf<ReviewStatus>(REVIEW_STATUSES, status)) return undefined;
  const annotations = new Map<string, StoredAnnotation>();
  for (const e of subs(extension, 'annotation')) {
    const a = readAnnotation(e);
    if (a) annotations.set(a.id, a);
  }
  const record: ReviewRecord = {
    id: basic.id,
    documentId,
    reviewer,
    status,
    revision: sub(extension, 'revision')?.valueInteger ?? 0,
    nextId: sub(extension, 'next-id')?.valueInteger ?? 1,
    annotations,
  };
  const hash = sub(extension, 'text-hash')?.valueString;
  if (hash !== undefined) record.textHash = hash;
  const version = Number(basic.meta?.versionId);
  if (Number.isSafeInteger(version) && version > 0) record.version = version;
  return record;
}

// ---------------------------------------------------------------------------------------------
// Provenance

/** One annotation's change, for the Provenance: the reviewed state before and after (null: no record). */
export interface AnnotationDelta {
  id: string;
  before: AnnotationState | null;
  after: AnnotationState | null;
}

export type ReviewAction = 'apply' | 'set-status' | 'bulk-accept';

/** The state part of a stored annotation (what AnnotationChange carries, so undo can re-apply `before`). */
export function stateOf(a: AnnotationState): AnnotationState {
  const state: AnnotationState = { begin: a.begin, end: a.end, category: a.category, type: a.type, traits: [...a.traits], decision: a.decision };
  if (a.concept) state.concept = { ...a.concept };
  return state;
}

export interface ProvenanceInput {
  record: ReviewRecord;
  /** The Basic's version this change writes. */
  newVersion: number;
  /** The version it replaces (absent for the first). */
  previousVersion?: number;
  /** The note's version the reviewer saw. */
  documentVersion?: string;
  recorded: string;
  action: ReviewAction;
  deltas: readonly AnnotationDelta[];
  statusBefore: ReviewStatus;
}

/**
 * Who changed what and when (provenance.html): target = the new version of the Basic, agent = the
 * reviewer (by display: reviewers are names, not Practitioner resources), activity CREATE for the
 * record's first version and UPDATE after (v3-DataOperation), entity `revision` = the version it
 * replaces and `source` = the note's version, and the changes themselves in extensions.
 */
export function reviewProvenance(input: ProvenanceInput): Provenance {
  const { record } = input;
  const basicRef = `Basic/${record.id}`;
  const entity: NonNullable<Provenance['entity']> = [];
  if (input.previousVersion !== undefined) entity.push({ role: 'revision', what: { reference: `${basicRef}/_history/${input.previousVersion}` } });
  entity.push({
    role: 'source',
    what: { reference: `DocumentReference/${record.documentId}${input.documentVersion !== undefined ? `/_history/${input.documentVersion}` : ''}` },
  });
  const extension: Extension[] = [code(REVIEW_ACTION_URL, input.action)];
  if (input.statusBefore !== record.status) {
    extension.push({ url: REVIEW_STATUS_CHANGE_URL, extension: [code('before', input.statusBefore), code('after', record.status)] });
  }
  for (const d of input.deltas) {
    const parts: Extension[] = [str('id', d.id)];
    if (d.before) parts.push(str('before', JSON.stringify(d.before)));
    if (d.after) parts.push(str('after', JSON.stringify(d.after)));
    extension.push({ url: REVIEW_CHANGE_URL, extension: parts });
  }
  const created = input.previousVersion === undefined;
  return {
    resourceType: 'Provenance',
    target: [{ reference: `${basicRef}/_history/${input.newVersion}` }],
    recorded: input.recorded,
    activity: { coding: [{ system: DATA_OPERATION_SYSTEM, code: created ? 'CREATE' : 'UPDATE', display: created ? 'create' : 'revise' }] },
    agent: [{ type: { coding: [{ system: PARTICIPANT_TYPE_SYSTEM, code: 'author', display: 'Author' }] }, who: { display: record.reviewer } }],
    entity,
    extension,
  };
}

/** The annotation changes a review Provenance carries (the inverse of reviewProvenance's extensions). */
export function provenanceDeltas(provenance: Provenance): AnnotationDelta[] {
  const parse = (value: string | undefined): AnnotationState | null => (value === undefined ? null : (JSON.parse(value) as AnnotationState));
  return (provenance.extension ?? [])
    .filter((e) => e.url === REVIEW_CHANGE_URL)
    .map((e) => ({ id: sub(e, 'id')?.valueString ?? '', before: parse(sub(e, 'before')?.valueString), after: parse(sub(e, 'after')?.valueString) }));
}
