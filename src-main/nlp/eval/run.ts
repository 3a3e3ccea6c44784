/**
 * Runs an engine over gold documents and scores it (metrics.ts): per dev-set part and over all of
 * them, plus the assertion traits decided on the gold mentions themselves (`assertSpans`).
 */
import type { EntityCategory, NlpEngine, TargetSpan, TraitName } from '../types';
import type { DevPart, GoldDocument } from './gold';
import { evaluate, traitsOnGoldMentions, type DocumentPair, type EvaluationReport, type Scores } from './metrics';

/** Categories whose mentions carry assertion traits (negated drug, family history of a test...). */
const ASSERTED_CATEGORIES: ReadonlySet<EntityCategory> = new Set(['MEDICAL_CONDITION', 'MEDICATION', 'TEST_TREATMENT_PROCEDURE', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL']);

export interface PartReport {
  part: DevPart | 'all';
  characters: number;
  /** Wall time of `analyze` over the part's documents. */
  analyzeMs: number;
  report: EvaluationReport;
  /** Assertion traits the engine gives the gold mentions' spans, all asserted categories. */
  traitsOnGoldMentions: Record<string, Scores>;
  /** The same, MEDICAL_CONDITION mentions only (what the negation/historical targets are about). */
  traitsOnGoldConditions: Record<string, Scores>;
}

export interface EngineRun {
  versions: NlpEngine['versions'];
  parts: PartReport[];
}

interface Scored {
  pairs: DocumentPair[];
  mentions: Array<{ gold: GoldDocument['entities'][number]; assigned: TraitName[] }>;
  characters: number;
  analyzeMs: number;
}

function score(engine: NlpEngine, documents: readonly GoldDocument[]): Scored {
  const scored: Scored = { pairs: [], mentions: [], characters: 0, analyzeMs: 0 };
  for (const document of documents) {
    const started = performance.now();
    const predicted = engine.analyze(document.text);
    scored.analyzeMs += performance.now() - started;
    scored.characters += document.text.length;
    scored.pairs.push({ gold: document.entities, predicted });
    const asserted = document.entities.filter((e) => ASSERTED_CATEGORIES.has(e.Category));
    if (asserted.length === 0) continue;
    const spans: TargetSpan[] = asserted.map((e) => ({ begin: e.BeginOffset, end: e.EndOffset, category: e.Category }));
    const results = engine.assertSpans(document.text, spans);
    if (results.length !== spans.length) throw new Error(`assertSpans returned ${results.length} entities for ${spans.length} spans`);
    asserted.forEach((gold, i) => scored.mentions.push({ gold, assigned: results[i]!.Traits.map((t) => t.Name) }));
  }
  return scored;
}

function partReport(part: PartReport['part'], scored: Scored): PartReport {
  return {
    part,
    characters: scored.characters,
    analyzeMs: scored.analyzeMs,
    report: evaluate(scored.pairs),
    traitsOnGoldMentions: traitsOnGoldMentions(scored.mentions),
    traitsOnGoldConditions: traitsOnGoldMentions(scored.mentions.filter((m) => m.gold.Category === 'MEDICAL_CONDITION')),
  };
}

/** Scores every part present in `documents` (in the order sentences, notes, generated), then all together. */
export function runEvaluation(engine: NlpEngine, documents: readonly GoldDocument[]): EngineRun {
  const parts: PartReport[] = [];
  const all: Scored = { pairs: [], mentions: [], characters: 0, analyzeMs: 0 };
  for (const part of ['sentences', 'notes', 'generated'] as const) {
    const ofPart = documents.filter((d) => d.part === part);
    if (ofPart.length === 0) continue;
    const scored = score(engine, ofPart);
    parts.push(partReport(part, scored));
    all.pairs.push(...scored.pairs);
    all.mentions.push(...scored.mentions);
    all.characters += scored.characters;
    all.analyzeMs += scored.analyzeMs;
  }
  parts.push(partReport('all', all));
  return { versions: engine.versions, parts };
}
