/**
 * The engine's entities overlaid with a reviewer's record (docs/review.md §1): what the review
 * workspace shows. An engine entity meets its review record by id `e:<begin>-<end>-<category>`,
 * so a re-run of the NLP that finds the same span finds the reviewer's decision again, and a
 * reviewed entity the engine no longer finds is still shown (reviewed work is never dropped).
 */
import { ENTITY_TYPES, type Entity, type TraitName } from '../nlp/types';
import { conceptSystemOf, sortedAnnotations, type ReviewRecord, type StoredAnnotation } from './record';
import type { AnnotationState, ChosenConcept, ReviewAnnotation } from './types';

/** Traits the engine asserts with at least this score count as present (as for the search parameters). */
export const TRAIT_THRESHOLD = 0.5;

/** An engine entity with its stable id and the state it has before anyone reviews it. */
export interface EngineAnnotation {
  id: string;
  entity: Entity;
  state: AnnotationState;
}

export function engineId(begin: number, end: number, category: string): string {
  return `e:${begin}-${end}-${category}`;
}

/** The entity's first ranked concept of its category's system, if any. */
function engineConcept(entity: Entity): ChosenConcept | undefined {
  const system = conceptSystemOf(entity.Category);
  const first = system === 'ICD10CM' ? entity.ICD10CMConcepts?.[0] : system === 'RXNORM' ? entity.RxNormConcepts?.[0] : undefined;
  return system && first ? { system, code: first.Code, display: first.Description } : undefined;
}

export function engineState(entity: Entity): AnnotationState {
  const state: AnnotationState = {
    begin: entity.BeginOffset,
    end: entity.EndOffset,
    category: entity.Category,
    type: entity.Type,
    traits: entity.Traits.filter((t) => t.Score >= TRAIT_THRESHOLD).map((t) => t.Name),
    decision: 'pending',
  };
  const concept = engineConcept(entity);
  if (concept) state.concept = concept;
  return state;
}

/**
 * The engine's entities with ids, keeping only those whose offsets still point at their text (a
 * note edited after the engine ran has stale offsets until the NLP queue processes it again). Two
 * entities with the same span and category get `~2`, `~3`... after the id.
 */
export function engineAnnotations(entities: readonly Entity[], text?: string): EngineAnnotation[] {
  const seen = new Map<string, number>();
  const out: EngineAnnotation[] = [];
  for (const entity of entities) {
    const { BeginOffset: begin, EndOffset: end } = entity;
    if (!(begin >= 0 && begin < end)) continue;
    // Without the text (queue summaries), the offsets are taken as stored.
    if (text !== undefined && (end > text.length || text.slice(begin, end) !== entity.Text)) continue;
    const base = engineId(begin, end, entity.Category);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.push({ id: n === 1 ? base : `${base}~${n}`, entity, state: engineState(entity) });
  }
  return out;
}

function sameTraits(a: readonly TraitName[], b: readonly TraitName[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((t) => set.has(t));
}

function sameConcept(a: ChosenConcept | undefined, b: ChosenConcept | undefined): boolean {
  return a?.system === b?.system && a?.code === b?.code;
}

/** Whether the reviewer changed span, category, type, traits or concept from the engine's. */
export function isEdited(state: AnnotationState, engine: AnnotationState | undefined): boolean {
  if (!engine) return false;
  return (
    state.begin !== engine.begin ||
    state.end !== engine.end ||
    state.category !== engine.category ||
    state.type !== engine.type ||
    !sameTraits(state.traits, engine.traits) ||
    !sameConcept(state.concept, engine.concept)
  );
}

/** Whether two reviewed states are the same (order of traits aside). */
export function sameState(a: AnnotationState | null, b: AnnotationState | null): boolean {
  if (a === null || b === null) return a === b;
  return !isEdited(a, b) && a.decision === b.decision && a.concept?.display === b.concept?.display;
}

/** What is wrong with a state on a note of `textLength` characters (empty: nothing). */
export function stateProblems(state: AnnotationState, textLength: number): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(state.begin) && Number.isInteger(state.end) && state.begin >= 0 && state.begin < state.end && state.end <= textLength)) {
    problems.push(`span ${state.begin}..${state.end} is not within the note's text (0..${textLength}, begin < end)`);
  }
  if (!(ENTITY_TYPES[state.category] as readonly string[]).includes(state.type)) {
    problems.push(`type ${state.type} is not a type of ${state.category}`);
  }
  const system = conceptSystemOf(state.category);
  if (state.concept && state.concept.system !== system) {
    problems.push(system ? `a ${state.category} takes a ${system} concept, not ${state.concept.system}` : `a ${state.category} has no concept`);
  }
  return problems;
}

function fromStored(stored: StoredAnnotation, text: string, engine: EngineAnnotation | undefined): ReviewAnnotation {
  const annotation: ReviewAnnotation = {
    id: stored.id,
    origin: stored.origin,
    begin: stored.begin,
    end: stored.end,
    text: text.slice(stored.begin, stored.end),
    category: stored.category,
    type: stored.type,
    traits: [...stored.traits],
    decision: stored.decision,
    edited: stored.edited,
    reviewedBy: stored.reviewedBy,
    reviewedAt: stored.reviewedAt,
  };
  if (stored.concept) annotation.concept = { ...stored.concept };
  if (engine) addEngineDetails(annotation, engine.entity);
  return annotation;
}

function addEngineDetails(annotation: ReviewAnnotation, entity: Entity): void {
  annotation.score = entity.Score;
  const candidates = entity.Category === 'MEDICATION' ? entity.RxNormConcepts : entity.ICD10CMConcepts;
  if (candidates?.length) annotation.candidates = candidates.map((c) => ({ ...c }));
  if (entity.Attributes?.length) annotation.attributes = entity.Attributes.map((a) => ({ ...a, Traits: [...a.Traits] }));
}

function fromEngine(engine: EngineAnnotation): ReviewAnnotation {
  const { state } = engine;
  const annotation: ReviewAnnotation = {
    id: engine.id,
    origin: 'engine',
    begin: state.begin,
    end: state.end,
    text: engine.entity.Text,
    category: state.category,
    type: state.type,
    traits: [...state.traits],
    decision: 'pending',
    edited: false,
  };
  if (state.concept) annotation.concept = { ...state.concept };
  addEngineDetails(annotation, engine.entity);
  return annotation;
}

/** The annotations the workspace shows: every engine entity (reviewed or not) and every recorded one, in text order. */
export function overlay(engine: readonly EngineAnnotation[], record: ReviewRecord, text: string): ReviewAnnotation[] {
  const byId = new Map(engine.map((e) => [e.id, e]));
  const out: ReviewAnnotation[] = [];
  for (const e of engine) {
    const stored = record.annotations.get(e.id);
    out.push(stored ? fromStored(stored, text, e) : fromEngine(e));
  }
  for (const stored of record.annotations.values()) {
    if (!byId.has(stored.id)) out.push(fromStored(stored, text, undefined));
  }
  return sortedAnnotations(out);
}

/** Engine annotations this record decided (accepted or rejected): they are no longer pending. */
export function decidedEngineIds(record: ReviewRecord, engineIds: ReadonlySet<string>): number {
  let n = 0;
  for (const a of record.annotations.values()) if (a.decision !== 'pending' && engineIds.has(a.id)) n++;
  return n;
}
