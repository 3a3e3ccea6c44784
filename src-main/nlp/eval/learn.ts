/**
 * The learning experiment (docs/nlp-eval.md "Learning from corrections"): a simulated reviewer
 * corrects the engine's output on one part of the dev set from its gold, the learned model is
 * derived from those corrections (learning/derive.ts), and the engine with and without it is
 * scored on the other, held-out part.
 */
import { createNlpEngine } from '../engine';
import { deriveLearning, type CorrectionAnnotation, type CorrectionNote, type LearningThresholds } from '../learning/derive';
import type { LearnedModel } from '../learning/model';
import { ASSERTION_TRAITS, type Entity, type NlpEngine, type TraitName } from '../types';
import type { GoldDocument } from './gold';
import { evaluate, type EvaluationReport } from './metrics';

/** What the simulated reviewer did on one document. */
export interface ReviewCounts {
  accepted: number;
  rejected: number;
  /** Engine annotations given the gold's span (overlapping, same category). */
  respanned: number;
  /** Engine annotations kept with another type, traits or concept. */
  edited: number;
  added: number;
}

const ASSERTION = new Set<TraitName>(ASSERTION_TRAITS);

function assertionTraits(traits: readonly TraitName[]): string {
  return traits
    .filter((t) => ASSERTION.has(t))
    .sort()
    .join(',');
}

function goldConcept(gold: Entity): CorrectionAnnotation['concept'] {
  const icd = gold.ICD10CMConcepts?.[0];
  if (gold.Category === 'MEDICAL_CONDITION' && icd) return { system: 'ICD10CM', code: icd.Code, display: icd.Description };
  const rx = gold.RxNormConcepts?.[0];
  if (gold.Category === 'MEDICATION' && rx) return { system: 'RXNORM', code: rx.Code, display: rx.Description };
  return undefined;
}

function engineConcept(e: Entity): CorrectionAnnotation['concept'] {
  const icd = e.ICD10CMConcepts?.[0];
  if (e.Category === 'MEDICAL_CONDITION' && icd) return { system: 'ICD10CM', code: icd.Code, display: icd.Description };
  const rx = e.RxNormConcepts?.[0];
  if (e.Category === 'MEDICATION' && rx) return { system: 'RXNORM', code: rx.Code, display: rx.Description };
  return undefined;
}

/**
 * The review record a careful reviewer would leave on a document given the engine's entities and
 * the gold: exact matches accepted (with the gold's type, traits and concept), an engine entity
 * overlapping an unmatched gold one of its category re-spanned to it, other engine entities
 * rejected, the gold entities still missing added; an engine entity whose concept the gold
 * corrects keeps the engine's in `engineConcept`. Ids as the review service gives them.
 */
export function simulateReview(document: GoldDocument, predicted: readonly Entity[]): { note: CorrectionNote; counts: ReviewCounts } {
  const counts: ReviewCounts = { accepted: 0, rejected: 0, respanned: 0, edited: 0, added: 0 };
  const annotations: CorrectionAnnotation[] = [];
  const goldUsed = new Set<number>();
  const ids = new Map<string, number>();
  const idOf = (e: Entity): string => {
    const base = `e:${e.BeginOffset}-${e.EndOffset}-${e.Category}`;
    const n = (ids.get(base) ?? 0) + 1;
    ids.set(base, n);
    return n === 1 ? base : `${base}~${n}`;
  };
  const reviewed = (id: string, origin: 'engine' | 'reviewer', gold: Entity, engine: Entity | undefined, edited: boolean): CorrectionAnnotation => {
    const concept = goldConcept(gold) ?? (engine ? engineConcept(engine) : undefined);
    // The engine's link, kept apart when the reviewer corrects it (as the review service records it).
    const proposed = engine ? engineConcept(engine) : undefined;
    const corrected = proposed !== undefined && proposed.code !== concept?.code;
    return {
      id,
      origin,
      begin: gold.BeginOffset,
      end: gold.EndOffset,
      category: gold.Category,
      type: gold.Type,
      traits: gold.Traits.map((t) => t.Name),
      ...(concept ? { concept } : {}),
      ...(corrected ? { engineConcept: proposed } : {}),
      decision: 'accepted',
      edited,
    };
  };
  const pending: Array<{ e: Entity; id: string }> = [];
  for (const e of predicted) {
    const id = idOf(e);
    const g = document.entities.findIndex((gold, i) => !goldUsed.has(i) && gold.BeginOffset === e.BeginOffset && gold.EndOffset === e.EndOffset && gold.Category === e.Category);
    if (g < 0) {
      pending.push({ e, id });
      continue;
    }
    goldUsed.add(g);
    const gold = document.entities[g]!;
    const edited = gold.Type !== e.Type || assertionTraits(gold.Traits.map((t) => t.Name)) !== assertionTraits(e.Traits.map((t) => t.Name)) || (goldConcept(gold) !== undefined && goldConcept(gold)?.code !== engineConcept(e)?.code);
    annotations.push(reviewed(id, 'engine', gold, e, edited));
    if (edited) counts.edited++;
    else counts.accepted++;
  }
  for (const { e, id } of pending) {
    const g = document.entities.findIndex((gold, i) => !goldUsed.has(i) && gold.Category === e.Category && gold.BeginOffset < e.EndOffset && e.BeginOffset < gold.EndOffset);
    if (g < 0) {
      annotations.push({ id, origin: 'engine', begin: e.BeginOffset, end: e.EndOffset, category: e.Category, type: e.Type, traits: e.Traits.map((t) => t.Name), decision: 'rejected', edited: false });
      counts.rejected++;
      continue;
    }
    goldUsed.add(g);
    annotations.push(reviewed(id, 'engine', document.entities[g]!, e, true));
    counts.respanned++;
  }
  let next = 1;
  document.entities.forEach((gold, i) => {
    if (goldUsed.has(i)) return;
    annotations.push(reviewed(`u:${next++}`, 'reviewer', gold, undefined, false));
    counts.added++;
  });
  return { note: { documentId: document.id, text: document.text, done: true, annotations }, counts };
}

/** The documents corrected (even positions in id order) and held out (odd). */
export function splitDevSet(documents: readonly GoldDocument[]): { corrected: GoldDocument[]; heldOut: GoldDocument[] } {
  const sorted = [...documents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { corrected: sorted.filter((_, i) => i % 2 === 0), heldOut: sorted.filter((_, i) => i % 2 === 1) };
}

export interface LearningExperiment {
  correctedDocuments: number;
  heldOutDocuments: number;
  /** The simulated reviewer's work on the corrected part; `corrections` = everything but plain acceptances. */
  review: ReviewCounts & { corrections: number };
  model: LearnedModel;
  before: EvaluationReport;
  after: EvaluationReport;
}

function score(engine: NlpEngine, documents: readonly GoldDocument[]): EvaluationReport {
  return evaluate(documents.map((d) => ({ gold: d.entities, predicted: engine.analyze(d.text) })));
}

export interface ExperimentOptions {
  thresholds?: LearningThresholds;
  /** Share of the corrected half the reviewer gets through (its first documents in id order; default all). */
  share?: number;
}

/** Runs the experiment on `documents` (the hand-written dev set, usually). */
export function runLearningExperiment(documents: readonly GoldDocument[], options: ExperimentOptions = {}): LearningExperiment {
  const split = splitDevSet(documents);
  const heldOut = split.heldOut;
  const corrected = split.corrected.slice(0, Math.ceil(split.corrected.length * Math.min(1, Math.max(0, options.share ?? 1))));
  const base = createNlpEngine();
  const review: ReviewCounts = { accepted: 0, rejected: 0, respanned: 0, edited: 0, added: 0 };
  const notes = corrected.map((d) => {
    const { note, counts } = simulateReview(d, base.analyze(d.text));
    for (const k of Object.keys(review) as Array<keyof ReviewCounts>) review[k] += counts[k];
    return note;
  });
  const model = deriveLearning(notes, options.thresholds);
  const learned = createNlpEngine({ learned: model });
  return {
    correctedDocuments: corrected.length,
    heldOutDocuments: heldOut.length,
    review: { ...review, corrections: review.rejected + review.respanned + review.edited + review.added },
    model,
    before: score(base, heldOut),
    after: score(learned, heldOut),
  };
}

const f4 = (n: number | undefined): string => (n ?? 0).toFixed(4);

/** The before/after table of one or more runs (a learning curve when the shares differ). */
export function formatLearning(runs: readonly LearningExperiment[]): string {
  const first = runs[0];
  if (!first) return '';
  const lines = [
    `held out: ${first.heldOutDocuments} documents; corrected: up to ${Math.max(...runs.map((r) => r.correctedDocuments))} (documents at even positions in id order)`,
    '',
    'corrected docs  corrections  suppr  terms  concepts  links  triggers  pseudo | strict F1  MEDICAL_CONDITION  overlap F1  ICD-10-CM@1  RxNorm@1',
    `${'0'.padStart(14)}  ${'0'.padStart(11)}  ${''.padStart(5)}  ${''.padStart(5)}  ${''.padStart(8)}  ${''.padStart(5)}  ${''.padStart(8)}  ${''.padStart(6)} | ${f4(first.before.strict.overall.f1).padStart(9)}  ${f4(first.before.strict.byCategory['MEDICAL_CONDITION']?.f1).padStart(17)}  ${f4(first.before.overlap.overall.f1).padStart(10)}  ${f4(first.before.linking.icd10cm.accuracyAt1).padStart(11)}  ${f4(first.before.linking.rxnorm.accuracyAt1).padStart(8)}`,
  ];
  for (const r of runs) {
    const m = r.model;
    lines.push(
      `${String(r.correctedDocuments).padStart(14)}  ${String(r.review.corrections).padStart(11)}  ${String(m.suppressions.length).padStart(5)}  ${String(m.terms.length).padStart(5)}  ${String(m.concepts.length).padStart(8)}  ${String(m.rejectedConcepts.length).padStart(5)}  ${String(m.triggers.length).padStart(8)}  ${String(m.pseudoTriggers.length).padStart(6)} | ${f4(r.after.strict.overall.f1).padStart(9)}  ${f4(r.after.strict.byCategory['MEDICAL_CONDITION']?.f1).padStart(17)}  ${f4(r.after.overlap.overall.f1).padStart(10)}  ${f4(r.after.linking.icd10cm.accuracyAt1).padStart(11)}  ${f4(r.after.linking.rxnorm.accuracyAt1).padStart(8)}`,
    );
  }
  const last = runs[runs.length - 1]!;
  lines.push('', `strict F1 per category, before -> after ${last.review.corrections} corrections:`);
  for (const c of Object.keys(last.before.strict.byCategory)) lines.push(`  ${c.padEnd(32)} ${f4(last.before.strict.byCategory[c]?.f1)} -> ${f4(last.after.strict.byCategory[c]?.f1)}`);
  lines.push('trait F1 (matched entities), before -> after:');
  for (const t of Object.keys(last.before.traits)) lines.push(`  ${t.padEnd(32)} ${f4(last.before.traits[t]?.f1)} -> ${f4(last.after.traits[t]?.f1)}`);
  return lines.join('\n');
}
