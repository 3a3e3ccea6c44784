/**
 * Runs an engine over gold documents and scores it (metrics.ts): per dev-set part and over all of
 * them, plus the assertion traits decided on the gold mentions themselves (`assertSpans`).
 */
import type { EntityCategory, NlpEngine, TargetSpan, TraitName } from '../types';
import type { DevPart, GoldDocument } from './gold';
import { evaluate, spanErrors, traitsOnGoldMentions, type DocumentPair, type EvaluationReport, type Scores, type SpanError } from './metrics';

/** Categories whose mentions carry assertion traits (negated drug, family history of a test...). */
const ASSERTED_CATEGORIES: ReadonlySet<EntityCategory> = new Set(['MEDICAL_CONDITION', 'MEDICATION', 'TEST_TREATMENT_PROCEDURE', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL']);

export interface PartReport {
  /** A dev-set part, `handwritten` (sentences + notes, when both ran) or `all`. */
  part: DevPart | 'handwritten' | 'all';
  characters: number;
  /** Wall time of `analyze` over the part's documents. */
  analyzeMs: number;
  report: EvaluationReport;
  /** Assertion traits the engine gives the gold mentions' spans, all asserted categories. */
  traitsOnGoldMentions: Record<string, Scores>;
  /** The same, MEDICAL_CONDITION mentions only (what the negation/historical targets are about). */
  traitsOnGoldConditions: Record<string, Scores>;
  /** Assertion traits on gold mentions per document group (the sentences' `## group` headings, the notes' styles). */
  traitsOnGoldByGroup: Record<string, Record<string, Scores>>;
}

/** One document's strict errors, for reading what the engine got wrong (`--errors FILE`). */
export interface DocumentErrors {
  id: string;
  part: DevPart;
  errors: SpanError[];
}

export interface EngineRun {
  versions: NlpEngine['versions'];
  parts: PartReport[];
  /** Only when asked for (runEvaluation's `withErrors`). */
  errors?: DocumentErrors[];
}

interface Scored {
  pairs: DocumentPair[];
  mentions: Array<{ gold: GoldDocument['entities'][number]; assigned: TraitName[]; group?: string }>;
  characters: number;
  analyzeMs: number;
}

function score(engine: NlpEngine, documents: readonly GoldDocument[], errors?: DocumentErrors[]): Scored {
  const scored: Scored = { pairs: [], mentions: [], characters: 0, analyzeMs: 0 };
  for (const document of documents) {
    const started = performance.now();
    const predicted = engine.analyze(document.text);
    scored.analyzeMs += performance.now() - started;
    scored.characters += document.text.length;
    scored.pairs.push({ gold: document.entities, predicted });
    if (errors) {
      const found = spanErrors({ gold: document.entities, predicted });
      if (found.length > 0) errors.push({ id: document.id, part: document.part, errors: found });
    }
    const asserted = document.entities.filter((e) => ASSERTED_CATEGORIES.has(e.Category));
    if (asserted.length === 0) continue;
    const spans: TargetSpan[] = asserted.map((e) => ({ begin: e.BeginOffset, end: e.EndOffset, category: e.Category }));
    const results = engine.assertSpans(document.text, spans);
    if (results.length !== spans.length) throw new Error(`assertSpans returned ${results.length} entities for ${spans.length} spans`);
    asserted.forEach((gold, i) => scored.mentions.push({ gold, assigned: results[i]!.Traits.map((t) => t.Name), ...(document.group ? { group: document.group } : {}) }));
  }
  return scored;
}

function emptyScored(): Scored {
  return { pairs: [], mentions: [], characters: 0, analyzeMs: 0 };
}

function addTo(total: Scored, scored: Scored): void {
  total.pairs.push(...scored.pairs);
  total.mentions.push(...scored.mentions);
  total.characters += scored.characters;
  total.analyzeMs += scored.analyzeMs;
}

function byGroup(mentions: Scored['mentions']): Record<string, Record<string, Scores>> {
  const groups = new Map<string, Scored['mentions']>();
  for (const mention of mentions) {
    if (mention.group === undefined) continue;
    let list = groups.get(mention.group);
    if (!list) groups.set(mention.group, (list = []));
    list.push(mention);
  }
  return Object.fromEntries([...groups.entries()].map(([group, list]) => [group, traitsOnGoldMentions(list)]));
}

function partReport(part: PartReport['part'], scored: Scored): PartReport {
  return {
    part,
    characters: scored.characters,
    analyzeMs: scored.analyzeMs,
    report: evaluate(scored.pairs),
    traitsOnGoldMentions: traitsOnGoldMentions(scored.mentions),
    traitsOnGoldConditions: traitsOnGoldMentions(scored.mentions.filter((m) => m.gold.Category === 'MEDICAL_CONDITION')),
    // Groups are only meaningful within a part (the 'all' part would mix sentence groups with note styles).
    traitsOnGoldByGroup: part === 'all' || part === 'handwritten' ? {} : byGroup(scored.mentions),
  };
}

/** Scores every part present in `documents` (in the order sentences, notes, generated), the hand-written ones together, then all together. */
export function runEvaluation(engine: NlpEngine, documents: readonly GoldDocument[], options: { withErrors?: boolean } = {}): EngineRun {
  const parts: PartReport[] = [];
  const errors: DocumentErrors[] | undefined = options.withErrors ? [] : undefined;
  const all = emptyScored();
  // The generated notes outnumber the hand-written ones and follow the generator's templates, so
  // the hand-written parts get a total of their own.
  const handwritten = emptyScored();
  let handwrittenParts = 0;
  for (const part of ['sentences', 'notes', 'generated'] as const) {
    const ofPart = documents.filter((d) => d.part === part);
    if (ofPart.length === 0) continue;
    const scored = score(engine, ofPart, errors);
    parts.push(partReport(part, scored));
    addTo(all, scored);
    if (part !== 'generated') {
      addTo(handwritten, scored);
      handwrittenParts++;
    }
  }
  if (handwrittenParts === 2) parts.push(partReport('handwritten', handwritten));
  parts.push(partReport('all', all));
  return { versions: engine.versions, parts, ...(errors ? { errors } : {}) };
}
