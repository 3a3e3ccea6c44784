/**
 * NLP results on a DocumentReference as FHIR extensions (https://hl7.org/fhir/R4/extensibility.html):
 *
 * - Amazon HealthLake's integrated-NLP shape (../shared/docs/reference-shapes.md): top extension
 *   `http://healthlake.amazonaws.com/aws-cm/` holding `infer-icd10/`, `infer-rxnorm/` and
 *   `detect-entities/` sub-extensions, `status/` and `message/`; so tools written for HealthLake
 *   read Hearth's results.
 * - Hearth's own extension `https://hearth.local/fhir/StructureDefinition/nlp`, which holds all
 *   the engine said (every entity with category, type, score, offsets, traits, attributes and
 *   ranked concepts), the engine, lexicon and pack versions, a hash of the analysed text and the
 *   processing status. Reading back (extensionsToEntities) and the search parameters
 *   (search-parameters.ts) use this one.
 *
 * Every extension has either a value or sub-extensions, never both (ext-1), and values use the
 * R4 types the structure validator checks: valueInteger (32-bit), valueDecimal, valueString,
 * valueCode (no leading/trailing space), valueCoding. See docs/nlp-results.md.
 */
import type { Coding, DocumentReference, Extension } from '@medplum/fhirtypes';
import {
  ATTRIBUTE_TYPES,
  ENTITY_CATEGORIES,
  ENTITY_TYPES,
  TRAIT_NAMES,
  type Attribute,
  type AttributeType,
  type Concept,
  type Entity,
  type EntityCategory,
  type EntityType,
  type NlpVersions,
  type Trait,
  type TraitName,
} from '../types';

export const HEALTHLAKE_URL = 'http://healthlake.amazonaws.com/aws-cm/';
export const HEALTHLAKE_ICD10_URL = `${HEALTHLAKE_URL}infer-icd10/`;
export const HEALTHLAKE_RXNORM_URL = `${HEALTHLAKE_URL}infer-rxnorm/`;
export const HEALTHLAKE_DETECT_URL = `${HEALTHLAKE_URL}detect-entities/`;
export const HEALTHLAKE_STATUS_URL = `${HEALTHLAKE_URL}status/`;
export const HEALTHLAKE_MESSAGE_URL = `${HEALTHLAKE_URL}message/`;

/** Hearth's NLP extension (documented in docs/nlp-results.md); sub-extension urls are relative names. */
export const HEARTH_NLP_URL = 'https://hearth.local/fhir/StructureDefinition/nlp';

export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** Processing outcome of one note: `succeeded`, or `failed` when its text could not be read or analysed. */
export type NlpStatus = 'succeeded' | 'failed';

/** Where the analysed text came from and what it was, so a changed note can be told apart. */
export interface NlpSource {
  /** `content[0]` (inline attachment data) or `Binary/<id>`. */
  ref: string;
  /** SHA-256 (hex) of the analysed text's UTF-8 bytes. */
  textHash: string;
}

export interface NlpResult {
  status: NlpStatus;
  /** Why it failed (never note content). */
  message?: string;
  versions: NlpVersions;
  source?: NlpSource;
  entities: readonly Entity[];
}

/** Scores are stored with 4 decimals: enough for calibrated confidences, and stable JSON. */
export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

const string = (url: string, value: string): Extension => ({ url, valueString: value });
const integer = (url: string, value: number): Extension => ({ url, valueInteger: value });
const decimal = (url: string, value: number): Extension => ({ url, valueDecimal: roundScore(value) });
const code = (url: string, value: string): Extension => ({ url, valueCode: value });
/** An empty string or code is not a valid FHIR value (datatypes.html#primitive): such children are left out. */
const hasValue = (e: Extension): boolean => e.valueString !== '' && e.valueCode !== '';
const nested = (url: string, extension: Extension[]): Extension => ({ url, extension: extension.filter(hasValue) });

// ---------------------------------------------------------------------------------------------
// HealthLake shape

/** `infer-icd10/` or `infer-rxnorm/`: one `aws-cm-<kind>-entity` per entity that has concepts. */
function inferExtension(url: string, kind: 'icd10' | 'rxnorm', entities: readonly Entity[], modelVersion: string): Extension | undefined {
  const prefix = `${url}aws-cm-${kind}-entity`;
  const items: Extension[] = [];
  for (const entity of entities) {
    const concepts = kind === 'icd10' ? entity.ICD10CMConcepts : entity.RxNormConcepts;
    if (!concepts || concepts.length === 0) continue;
    items.push(
      nested(prefix, [
        integer(`${prefix}-id`, entity.Id),
        string(`${prefix}-text`, entity.Text),
        integer(`${prefix}-begin-offset`, entity.BeginOffset),
        integer(`${prefix}-end-offset`, entity.EndOffset),
        decimal(`${prefix}-score`, entity.Score),
        nested(
          `${prefix}-ConceptList`,
          concepts.map((c) =>
            nested(`${prefix}-Concept`, [
              string(`${prefix}-Concept-Code`, c.Code),
              string(`${prefix}-Concept-Description`, c.Description),
              decimal(`${prefix}-Concept-Score`, c.Score),
            ]),
          ),
        ),
      ]),
    );
  }
  if (items.length === 0) return undefined;
  return nested(url, [string(`${url}model-version`, modelVersion), ...items]);
}

/** `detect-entities/`: every entity with category, type, score, offsets and traits (DetectEntitiesV2). */
function detectExtension(entities: readonly Entity[], modelVersion: string): Extension | undefined {
  if (entities.length === 0) return undefined;
  const prefix = `${HEALTHLAKE_DETECT_URL}aws-cm-detect-entities-entity`;
  return nested(HEALTHLAKE_DETECT_URL, [
    string(`${HEALTHLAKE_DETECT_URL}model-version`, modelVersion),
    ...entities.map((e) =>
      nested(prefix, [
        integer(`${prefix}-id`, e.Id),
        string(`${prefix}-text`, e.Text),
        code(`${prefix}-category`, e.Category),
        code(`${prefix}-type`, e.Type),
        decimal(`${prefix}-score`, e.Score),
        integer(`${prefix}-begin-offset`, e.BeginOffset),
        integer(`${prefix}-end-offset`, e.EndOffset),
        ...e.Traits.map((t) => nested(`${prefix}-trait`, [code(`${prefix}-trait-name`, t.Name), decimal(`${prefix}-trait-score`, t.Score)])),
      ]),
    ),
  ]);
}

export function modelVersion(versions: NlpVersions): string {
  const packs = versions.packs.length > 0 ? `; packs ${versions.packs.join(', ')}` : '';
  return `hearth-nlp ${versions.engine}; lexicon ${versions.lexicon}${packs}`;
}

function healthLakeExtension(result: NlpResult): Extension {
  const version = modelVersion(result.versions);
  const parts: Extension[] = [];
  if (result.status === 'succeeded') {
    const icd10 = inferExtension(HEALTHLAKE_ICD10_URL, 'icd10', result.entities, version);
    const rxnorm = inferExtension(HEALTHLAKE_RXNORM_URL, 'rxnorm', result.entities, version);
    const detect = detectExtension(result.entities, version);
    for (const part of [icd10, rxnorm, detect]) if (part) parts.push(part);
  }
  parts.push(string(HEALTHLAKE_STATUS_URL, result.status === 'succeeded' ? 'SUCCESS' : 'FAILURE'));
  if (result.message !== undefined) parts.push(string(HEALTHLAKE_MESSAGE_URL, result.message));
  return nested(HEALTHLAKE_URL, parts);
}

// ---------------------------------------------------------------------------------------------
// Hearth's extension

function conceptExtension(system: string, concept: Concept): Extension {
  const coding: Coding = { system, code: concept.Code };
  if (concept.Description !== '') coding.display = concept.Description;
  return nested('concept', [{ url: 'coding', valueCoding: coding }, decimal('score', concept.Score)]);
}

function traitExtensions(traits: readonly Trait[]): Extension[] {
  return traits.map((t) => nested('trait', [code('name', t.Name), decimal('score', t.Score)]));
}

function attributeExtension(a: Attribute): Extension {
  return nested('attribute', [
    integer('id', a.Id),
    code('type', a.Type),
    ...(a.Category !== undefined ? [code('category', a.Category)] : []),
    decimal('score', a.Score),
    decimal('relationship-score', a.RelationshipScore),
    code('relationship-type', a.RelationshipType),
    integer('begin', a.BeginOffset),
    integer('end', a.EndOffset),
    string('text', a.Text),
    ...traitExtensions(a.Traits),
  ]);
}

function entityExtension(e: Entity): Extension {
  return nested('entity', [
    integer('id', e.Id),
    string('text', e.Text),
    code('category', e.Category),
    code('type', e.Type),
    decimal('score', e.Score),
    integer('begin', e.BeginOffset),
    integer('end', e.EndOffset),
    ...traitExtensions(e.Traits),
    ...(e.Attributes ?? []).map(attributeExtension),
    ...(e.ICD10CMConcepts ?? []).map((c) => conceptExtension(ICD10CM_SYSTEM, c)),
    ...(e.RxNormConcepts ?? []).map((c) => conceptExtension(RXNORM_SYSTEM, c)),
  ]);
}

function hearthExtension(result: NlpResult): Extension {
  const parts: Extension[] = [
    code('status', result.status),
    ...(result.message !== undefined ? [string('message', result.message)] : []),
    string('engine-version', result.versions.engine),
    string('lexicon-version', result.versions.lexicon),
    ...result.versions.packs.map((pack) => string('pack-version', pack)),
  ];
  if (result.source) parts.push(string('source', result.source.ref), string('text-hash', result.source.textHash));
  parts.push(...result.entities.map(entityExtension));
  return nested(HEARTH_NLP_URL, parts);
}

/**
 * The two extensions (HealthLake's, then Hearth's) that carry one NLP result. Entities keep their
 * order; scores are rounded to 4 decimals (roundScore).
 */
export function entitiesToExtensions(result: NlpResult): Extension[] {
  return [healthLakeExtension(result), hearthExtension(result)];
}

/** Whether an extension is one this module writes (both shapes). */
export function isNlpExtension(extension: Extension): boolean {
  return extension.url === HEALTHLAKE_URL || extension.url === HEARTH_NLP_URL;
}

/**
 * The DocumentReference with its NLP extensions replaced by `result`'s. HealthLake adds a new set
 * beside the old ones on every PUT; Hearth replaces them: a note's results must describe its
 * current text (offsets into an older text would be wrong), searches must not match results the
 * engine no longer gives, and the older results stay in the resource's history (http.html#history).
 */
export function withNlpResult(doc: DocumentReference, result: NlpResult): DocumentReference {
  const kept = (doc.extension ?? []).filter((e) => !isNlpExtension(e));
  return { ...doc, extension: [...kept, ...entitiesToExtensions(result)] };
}

// ---------------------------------------------------------------------------------------------
// Reading back

function subs(extension: Extension, url: string): Extension[] {
  return (extension.extension ?? []).filter((e) => e.url === url);
}

function sub(extension: Extension, url: string): Extension | undefined {
  return extension.extension?.find((e) => e.url === url);
}

function stringOf(extension: Extension, url: string): string | undefined {
  const e = sub(extension, url);
  return e?.valueString ?? e?.valueCode;
}

function numberOf(extension: Extension, url: string): number | undefined {
  const e = sub(extension, url);
  return e?.valueInteger ?? e?.valueDecimal;
}

function isOneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (values as readonly string[]).includes(value);
}

function readTraits(extension: Extension): Trait[] {
  const traits: Trait[] = [];
  for (const t of subs(extension, 'trait')) {
    const name = stringOf(t, 'name');
    const score = numberOf(t, 'score');
    if (isOneOf<TraitName>(TRAIT_NAMES, name) && score !== undefined) traits.push({ Name: name, Score: score });
  }
  return traits;
}

function readAttribute(extension: Extension): Attribute | undefined {
  const id = numberOf(extension, 'id');
  const type = stringOf(extension, 'type');
  const category = stringOf(extension, 'category');
  const score = numberOf(extension, 'score');
  const relationshipScore = numberOf(extension, 'relationship-score');
  // Absent when empty (hasValue).
  const relationshipType = stringOf(extension, 'relationship-type') ?? '';
  const begin = numberOf(extension, 'begin');
  const end = numberOf(extension, 'end');
  const text = stringOf(extension, 'text');
  if (id === undefined || !isOneOf<AttributeType>(ATTRIBUTE_TYPES, type) || score === undefined || relationshipScore === undefined) return undefined;
  if (begin === undefined || end === undefined || text === undefined) return undefined;
  const attribute: Attribute = {
    Id: id,
    Type: type,
    Score: score,
    RelationshipScore: relationshipScore,
    RelationshipType: relationshipType,
    BeginOffset: begin,
    EndOffset: end,
    Text: text,
    Traits: readTraits(extension),
  };
  if (isOneOf<EntityCategory>(ENTITY_CATEGORIES, category)) attribute.Category = category;
  return attribute;
}

function readConcepts(extension: Extension, system: string): Concept[] {
  const concepts: Concept[] = [];
  for (const c of subs(extension, 'concept')) {
    const coding = sub(c, 'coding')?.valueCoding;
    const score = numberOf(c, 'score');
    if (coding?.system !== system || coding.code === undefined || score === undefined) continue;
    concepts.push({ Code: coding.code, Description: coding.display ?? '', Score: score });
  }
  return concepts;
}

function isEntityType(category: EntityCategory, type: string | undefined): type is EntityType {
  return type !== undefined && (ENTITY_TYPES[category] as readonly string[]).includes(type);
}

/** One `entity` sub-extension of Hearth's extension back to Comprehend's shape; undefined when malformed. */
export function readEntity(extension: Extension): Entity | undefined {
  const id = numberOf(extension, 'id');
  const text = stringOf(extension, 'text');
  const category = stringOf(extension, 'category');
  const type = stringOf(extension, 'type');
  const score = numberOf(extension, 'score');
  const begin = numberOf(extension, 'begin');
  const end = numberOf(extension, 'end');
  if (id === undefined || text === undefined || score === undefined || begin === undefined || end === undefined) return undefined;
  if (!isOneOf<EntityCategory>(ENTITY_CATEGORIES, category) || !isEntityType(category, type)) return undefined;
  const entity: Entity = { Id: id, Text: text, Category: category, Type: type, Score: score, BeginOffset: begin, EndOffset: end, Traits: readTraits(extension) };
  const attributes = subs(extension, 'attribute').map(readAttribute).filter((a): a is Attribute => a !== undefined);
  if (attributes.length > 0) entity.Attributes = attributes;
  const icd10 = readConcepts(extension, ICD10CM_SYSTEM);
  if (icd10.length > 0) entity.ICD10CMConcepts = icd10;
  const rxnorm = readConcepts(extension, RXNORM_SYSTEM);
  if (rxnorm.length > 0) entity.RxNormConcepts = rxnorm;
  return entity;
}

/** Hearth's NLP extension of a DocumentReference (the last one, should several exist). */
export function hearthNlpExtension(doc: { extension?: Extension[] }): Extension | undefined {
  const all = (doc.extension ?? []).filter((e) => e.url === HEARTH_NLP_URL);
  return all[all.length - 1];
}

/** The stored result without its entities: what the processing queue compares (status, versions, source). */
export type NlpStamp = Omit<NlpResult, 'entities'>;

export function readNlpStamp(doc: { extension?: Extension[] }): NlpStamp | undefined {
  const extension = hearthNlpExtension(doc);
  if (!extension) return undefined;
  const status = stringOf(extension, 'status');
  const engine = stringOf(extension, 'engine-version');
  const lexicon = stringOf(extension, 'lexicon-version');
  if ((status !== 'succeeded' && status !== 'failed') || engine === undefined || lexicon === undefined) return undefined;
  const packs = subs(extension, 'pack-version').flatMap((e) => (e.valueString !== undefined ? [e.valueString] : []));
  const stamp: NlpStamp = { status, versions: { engine, lexicon, packs } };
  const message = stringOf(extension, 'message');
  if (message !== undefined) stamp.message = message;
  const ref = stringOf(extension, 'source');
  const textHash = stringOf(extension, 'text-hash');
  if (ref !== undefined && textHash !== undefined) stamp.source = { ref, textHash };
  return stamp;
}

/** The entities stored on a DocumentReference by Hearth (Comprehend Medical's shape), in stored order. */
export function extensionsToEntities(doc: { extension?: Extension[] }): Entity[] {
  const extension = hearthNlpExtension(doc);
  if (!extension) return [];
  return subs(extension, 'entity')
    .map(readEntity)
    .filter((e): e is Entity => e !== undefined);
}

/** Whether two version sets are the same (packs in any order). */
export function sameVersions(a: NlpVersions, b: NlpVersions): boolean {
  if (a.engine !== b.engine || a.lexicon !== b.lexicon || a.packs.length !== b.packs.length) return false;
  const packs = new Set(a.packs);
  return b.packs.every((p) => packs.has(p));
}
