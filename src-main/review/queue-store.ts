/**
 * The queue's per-note summaries as stored in the vault (docs/review.md §3): one small `Basic` per
 * note with what the queue needs from the note (title, date, patient, engine ids and scores,
 * negation, categories, NLP state), written when the note is written, so a session's first queue
 * answer reads these instead of decrypting and parsing every note with its NLP results. Reviewers'
 * parts come from their review records (also Basic, read in the same scan). One more Basic,
 * `queue-summary-state`, says up to when every note's summary is known to be current.
 */
import { createHash } from 'node:crypto';
import type { Basic, DocumentReference, Extension, Resource } from '@medplum/fhirtypes';
import { extensionsToEntities } from '../nlp/results/extensions';
import { ENTITY_CATEGORIES, type Entity, type EntityCategory } from '../nlp/types';
import { engineAnnotations, TRAIT_THRESHOLD } from './overlay';
import { combineSummary, nlpState, notePatient, noteTitle, type NoteSummary } from './queue-index';
import type { ReviewRecord } from './record';
import { RESOURCE_KIND_SYSTEM } from './record';

export const QUEUE_SUMMARY_CODE = 'queue-summary';
export const QUEUE_STATE_CODE = 'queue-summary-state';
export const QUEUE_SUMMARY_URL = 'https://hearth.local/fhir/StructureDefinition/queue-summary';
/** The one state resource's id. */
export const QUEUE_STATE_ID = 'qs-state';

/** What a note alone says for the queue (no reviewer's part). */
export interface EngineSummary {
  documentId: string;
  /** meta.versionId of the note summarised. */
  version?: string;
  title: string;
  date?: string;
  patient?: string;
  /** The ids of the engine's annotations (`e:<begin>-<end>-<category>`): a reviewer's pending count is those they have not decided. */
  engineIds: string[];
  minScore?: number;
  maxScore?: number;
  hasNegated: boolean;
  categories: Partial<Record<EntityCategory, number>>;
  nlp: NoteSummary['nlp'];
}

/** `qs-` and the first 40 hex digits of SHA-256(documentId): one summary per note, found without a search. */
/** A queue summary or its state: a cache of the vault's own notes, never clinical data to sync. */
export function isQueueCache(resource: Resource): boolean {
  if (resource.resourceType !== 'Basic') return false;
  return (resource.code?.coding ?? []).some((c) => c.system === RESOURCE_KIND_SYSTEM && (c.code === QUEUE_SUMMARY_CODE || c.code === QUEUE_STATE_CODE));
}

export function summaryId(documentId: string): string {
  return `qs-${createHash('sha256').update(documentId).digest('hex').slice(0, 40)}`;
}

export function engineSummaryOf(doc: DocumentReference, entities: readonly Entity[] = extensionsToEntities(doc)): EngineSummary {
  let minScore: number | undefined;
  let maxScore: number | undefined;
  let hasNegated = false;
  const categories: Partial<Record<EntityCategory, number>> = {};
  for (const e of entities) {
    if (minScore === undefined || e.Score < minScore) minScore = e.Score;
    if (maxScore === undefined || e.Score > maxScore) maxScore = e.Score;
    if (e.Traits.some((t) => t.Name === 'NEGATION' && t.Score >= TRAIT_THRESHOLD)) hasNegated = true;
    categories[e.Category] = (categories[e.Category] ?? 0) + 1;
  }
  const summary: EngineSummary = {
    documentId: doc.id ?? '',
    title: noteTitle(doc),
    engineIds: engineAnnotations(entities).map((e) => e.id),
    hasNegated,
    categories,
    nlp: nlpState(doc),
  };
  if (doc.meta?.versionId !== undefined) summary.version = doc.meta.versionId;
  if (doc.date) summary.date = doc.date;
  const patient = notePatient(doc);
  if (patient) summary.patient = patient;
  if (minScore !== undefined) summary.minScore = minScore;
  if (maxScore !== undefined) summary.maxScore = maxScore;
  return summary;
}

/** The summary of one note and its reviewers' records, from the note itself. */
export function summarizeNote(doc: DocumentReference, records: readonly ReviewRecord[], entities?: readonly Entity[]): NoteSummary {
  return combineSummary(engineSummaryOf(doc, entities), records);
}

function kind(code: string): Basic['code'] {
  return { coding: [{ system: RESOURCE_KIND_SYSTEM, code }] };
}

function kindOf(basic: Basic): string | undefined {
  return basic.code.coding?.find((c) => c.system === RESOURCE_KIND_SYSTEM)?.code;
}

/** The Basic a summary is stored as; `summary` is compact JSON (a cache of the note, not clinical data of its own). */
export function summaryToBasic(summary: EngineSummary): Basic {
  const { documentId, version, ...rest } = summary;
  const extension: Extension[] = [{ url: 'document', valueString: documentId }];
  if (version !== undefined) extension.push({ url: 'version', valueString: version });
  extension.push({ url: 'summary', valueString: JSON.stringify(rest) });
  return {
    resourceType: 'Basic',
    id: summaryId(documentId),
    code: kind(QUEUE_SUMMARY_CODE),
    subject: { reference: `DocumentReference/${documentId}` },
    extension: [{ url: QUEUE_SUMMARY_URL, extension }],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalNumber = (value: unknown): value is number | undefined => value === undefined || typeof value === 'number';
const optionalString = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';

/** A stored summary; undefined when the Basic is not one or does not read (it is then rebuilt from the note). */
export function basicToSummary(basic: Basic): EngineSummary | undefined {
  if (kindOf(basic) !== QUEUE_SUMMARY_CODE) return undefined;
  const parts = basic.extension?.find((e) => e.url === QUEUE_SUMMARY_URL)?.extension ?? [];
  const documentId = parts.find((e) => e.url === 'document')?.valueString;
  const version = parts.find((e) => e.url === 'version')?.valueString;
  const json = parts.find((e) => e.url === 'summary')?.valueString;
  if (!documentId || json === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(data)) return undefined;
  const { title, date, patient, engineIds, minScore, maxScore, hasNegated, categories, nlp } = data;
  if (typeof title !== 'string' || !optionalString(date) || !optionalString(patient)) return undefined;
  if (!Array.isArray(engineIds) || !engineIds.every((id) => typeof id === 'string')) return undefined;
  if (!optionalNumber(minScore) || !optionalNumber(maxScore) || typeof hasNegated !== 'boolean') return undefined;
  if (nlp !== 'succeeded' && nlp !== 'failed' && nlp !== 'none') return undefined;
  if (!isRecord(categories)) return undefined;
  const counts: Partial<Record<EntityCategory, number>> = {};
  for (const [category, n] of Object.entries(categories)) {
    if (!(ENTITY_CATEGORIES as readonly string[]).includes(category) || typeof n !== 'number') return undefined;
    counts[category as EntityCategory] = n;
  }
  const summary: EngineSummary = { documentId, title, engineIds: engineIds as string[], hasNegated, categories: counts, nlp };
  if (version !== undefined) summary.version = version;
  if (date !== undefined) summary.date = date;
  if (patient !== undefined) summary.patient = patient;
  if (minScore !== undefined) summary.minScore = minScore;
  if (maxScore !== undefined) summary.maxScore = maxScore;
  return summary;
}

/** The state: every note last updated before `completeBefore` (a FHIR instant) has a current summary. */
export function stateToBasic(completeBefore: string): Basic {
  return {
    resourceType: 'Basic',
    id: QUEUE_STATE_ID,
    code: kind(QUEUE_STATE_CODE),
    extension: [{ url: QUEUE_SUMMARY_URL, extension: [{ url: 'complete-before', valueInstant: completeBefore }] }],
  };
}

export function basicToState(basic: Basic): string | undefined {
  if (kindOf(basic) !== QUEUE_STATE_CODE) return undefined;
  return basic.extension?.find((e) => e.url === QUEUE_SUMMARY_URL)?.extension?.find((e) => e.url === 'complete-before')?.valueInstant;
}
