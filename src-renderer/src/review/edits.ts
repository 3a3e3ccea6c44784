/**
 * The reviewer's actions as data: each builds the `review.apply` changes it needs together with the
 * states from before, so the same record serves the optimistic update, the call and undo/redo.
 */
import { ENTITY_TYPES, type EntityCategory, type EntityType, type TraitName } from '../../../src-main/nlp/types';
import type {
  AnnotationChange, AnnotationState, ChosenConcept, ReviewAnnotation, ReviewDocument,
} from '../../../src-main/review/types';
import { conceptSystemFor } from './categories';

/** One annotation's change with the state it replaces (null: no reviewer record / not there). */
export interface Edit {
  /** Absent for an entity being added (the service gives it an id). */
  id?: string;
  before: AnnotationState | null;
  after: AnnotationState | null;
}

export function stateOf(annotation: ReviewAnnotation): AnnotationState {
  const state: AnnotationState = {
    begin: annotation.begin,
    end: annotation.end,
    category: annotation.category,
    type: annotation.type,
    traits: [...annotation.traits],
    decision: annotation.decision,
  };
  if (annotation.concept) state.concept = { ...annotation.concept };
  return state;
}

/**
 * What undo has to restore: an engine entity nobody has touched has no reviewer record, so going
 * back means dropping the record (null), not writing a "pending" one.
 */
export function restorableState(annotation: ReviewAnnotation): AnnotationState | null {
  if (annotation.origin === 'engine' && annotation.decision === 'pending' && !annotation.edited) return null;
  return stateOf(annotation);
}

function edit(annotation: ReviewAnnotation, change: (state: AnnotationState) => AnnotationState): Edit {
  return { id: annotation.id, before: restorableState(annotation), after: change(stateOf(annotation)) };
}

export function accept(annotation: ReviewAnnotation): Edit {
  return edit(annotation, (state) => ({ ...state, decision: 'accepted' }));
}

export function reject(annotation: ReviewAnnotation): Edit {
  return edit(annotation, (state) => ({ ...state, decision: 'rejected' }));
}

/** Sets or clears one trait; the other traits stay as they are. */
export function toggleTrait(annotation: ReviewAnnotation, trait: TraitName): Edit {
  return edit(annotation, (state) => ({
    ...state,
    traits: state.traits.includes(trait) ? state.traits.filter((name) => name !== trait) : [...state.traits, trait],
  }));
}

/**
 * A new category keeps the type when it belongs to the category, else takes the category's first
 * type; a concept from a code system the new category does not carry is dropped.
 */
export function setCategory(annotation: ReviewAnnotation, category: EntityCategory, type?: EntityType): Edit {
  const types: readonly string[] = ENTITY_TYPES[category];
  const chosenType = (type && types.includes(type) ? type : types.includes(annotation.type) ? annotation.type : types[0]) as EntityType;
  return edit(annotation, (state) => {
    const next: AnnotationState = { ...state, category, type: chosenType };
    if (next.concept && next.concept.system !== conceptSystemFor(category)) delete next.concept;
    return next;
  });
}

export function setConcept(annotation: ReviewAnnotation, concept: ChosenConcept | undefined): Edit {
  return edit(annotation, (state) => {
    const next: AnnotationState = { ...state };
    if (concept) next.concept = { ...concept };
    else delete next.concept;
    return next;
  });
}

/**
 * Moves one edge of the span by `delta` code units, keeping at least one character and staying in
 * the text; the concept stays. Null when the edge cannot move.
 */
export function resize(annotation: ReviewAnnotation, edge: 'begin' | 'end', delta: number, textLength: number): Edit | null {
  const begin = edge === 'begin' ? Math.max(0, Math.min(annotation.end - 1, annotation.begin + delta)) : annotation.begin;
  const end = edge === 'end' ? Math.min(textLength, Math.max(annotation.begin + 1, annotation.end + delta)) : annotation.end;
  if (begin === annotation.begin && end === annotation.end) return null;
  return edit(annotation, (state) => ({ ...state, begin, end }));
}

/** Sets the span to exact offsets (a drag of an edge with the mouse). */
export function setSpan(annotation: ReviewAnnotation, begin: number, end: number): Edit | null {
  if (end <= begin || (begin === annotation.begin && end === annotation.end)) return null;
  return edit(annotation, (state) => ({ ...state, begin, end }));
}

/** A missing entity the reviewer marked: accepted, since the reviewer is the one asserting it. */
export function add(begin: number, end: number, category: EntityCategory): Edit {
  return {
    before: null,
    after: { begin, end, category, type: ENTITY_TYPES[category][0] as EntityType, traits: [], decision: 'accepted' },
  };
}

/**
 * Deleting an added entity removes it; an engine entity cannot disappear from the engine's output,
 * so deleting it records a rejection.
 */
export function remove(annotation: ReviewAnnotation): Edit {
  if (annotation.origin === 'reviewer') return { id: annotation.id, before: stateOf(annotation), after: null };
  return reject(annotation);
}

export function toChanges(edits: readonly Edit[], direction: 'forward' | 'backward' = 'forward'): AnnotationChange[] {
  return edits.map((entry) => {
    const change: AnnotationChange = { after: direction === 'forward' ? entry.after : entry.before };
    if (entry.id !== undefined) change.id = entry.id;
    return change;
  });
}

function compareAnnotations(a: ReviewAnnotation, b: ReviewAnnotation): number {
  return a.begin - b.begin || b.end - a.end || a.id.localeCompare(b.id);
}

/**
 * The document as it will look once the service has applied `changes`, for an optimistic update.
 * The service's answer replaces it; an engine entity whose record is dropped gets its span and
 * category back from its id (`e:<begin>-<end>-<category>`) and is pending again.
 */
export function applyLocally(document: ReviewDocument, changes: readonly AnnotationChange[], reviewer: string, now: string): ReviewDocument {
  const byId = new Map(document.annotations.map((annotation) => [annotation.id, annotation]));
  let added = 0;
  // Accept, reject, traits, concept keep every span: the order stays and nothing is re-sorted.
  let moved = false;
  for (const change of changes) {
    const existing = change.id === undefined ? undefined : byId.get(change.id);
    const after = change.after;
    if (!after) {
      if (!existing) continue;
      if (existing.origin === 'reviewer') {
        byId.delete(existing.id);
        continue;
      }
      const original = /^e:(\d+)-(\d+)-([A-Z_]+)$/.exec(existing.id);
      const begin = original ? Number(original[1]) : existing.begin;
      const end = original ? Number(original[2]) : existing.end;
      const restored: ReviewAnnotation = {
        ...existing,
        begin,
        end,
        text: document.text.slice(begin, end),
        category: original ? (original[3] as EntityCategory) : existing.category,
        decision: 'pending',
        edited: false,
      };
      delete restored.reviewedBy;
      delete restored.reviewedAt;
      if (restored.begin !== existing.begin || restored.end !== existing.end) moved = true;
      byId.set(existing.id, restored);
      continue;
    }
    const base: ReviewAnnotation = existing ?? {
      id: change.id ?? `pending:${(added += 1)}`,
      origin: 'reviewer',
      begin: after.begin,
      end: after.end,
      text: '',
      category: after.category,
      type: after.type,
      traits: [],
      decision: after.decision,
      edited: false,
    };
    const next: ReviewAnnotation = {
      ...base,
      begin: after.begin,
      end: after.end,
      text: document.text.slice(after.begin, after.end),
      category: after.category,
      type: after.type,
      traits: [...after.traits],
      decision: after.decision,
      edited:
        base.edited ||
        (existing !== undefined &&
          (existing.begin !== after.begin ||
            existing.end !== after.end ||
            existing.category !== after.category ||
            existing.type !== after.type ||
            existing.traits.join() !== after.traits.join() ||
            existing.concept?.code !== after.concept?.code)),
      reviewedBy: reviewer,
      reviewedAt: now,
    };
    if (after.concept) next.concept = { ...after.concept };
    else delete next.concept;
    if (!existing || existing.begin !== next.begin || existing.end !== next.end) moved = true;
    byId.set(next.id, next);
  }
  const annotations = moved
    ? [...byId.values()].sort(compareAnnotations)
    : document.annotations.flatMap((annotation) => {
        const next = byId.get(annotation.id);
        return next ? [next] : [];
      });
  const status = document.status === 'unreviewed' && changes.length > 0 ? 'in-progress' : document.status;
  return { ...document, annotations, status };
}

function sameAnnotation(a: ReviewAnnotation, b: ReviewAnnotation): boolean {
  return (
    a.id === b.id &&
    a.origin === b.origin &&
    a.begin === b.begin &&
    a.end === b.end &&
    a.text === b.text &&
    a.category === b.category &&
    a.type === b.type &&
    a.score === b.score &&
    a.decision === b.decision &&
    a.edited === b.edited &&
    a.reviewedBy === b.reviewedBy &&
    a.reviewedAt === b.reviewedAt &&
    a.traits.join() === b.traits.join() &&
    a.concept?.system === b.concept?.system &&
    a.concept?.code === b.concept?.code &&
    a.concept?.display === b.concept?.display &&
    (a.candidates === b.candidates || JSON.stringify(a.candidates) === JSON.stringify(b.candidates)) &&
    (a.attributes === b.attributes || JSON.stringify(a.attributes) === JSON.stringify(b.attributes))
  );
}

/**
 * The service's answer with every annotation equal to the one shown kept as the same object: the
 * note view then recomputes and redraws only what the service changed (its own timestamp on the
 * annotation just edited), not thousands of entities after every save.
 */
export function reuseUnchanged(shown: ReviewDocument | undefined, fresh: ReviewDocument): ReviewDocument {
  if (!shown || shown.documentId !== fresh.documentId || shown.text !== fresh.text) return fresh;
  const byId = new Map(shown.annotations.map((annotation) => [annotation.id, annotation]));
  let reused = 0;
  const annotations = fresh.annotations.map((annotation) => {
    const old = byId.get(annotation.id);
    if (old && sameAnnotation(old, annotation)) {
      reused += 1;
      return old;
    }
    return annotation;
  });
  if (reused === 0) return fresh;
  const sameList = annotations.length === shown.annotations.length && annotations.every((annotation, i) => annotation === shown.annotations[i]);
  const sections = JSON.stringify(shown.sections) === JSON.stringify(fresh.sections) ? shown.sections : fresh.sections;
  return { ...fresh, text: shown.text, sections, annotations: sameList ? shown.annotations : annotations };
}
