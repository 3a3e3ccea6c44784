/**
 * Agreement between a reference set of entities (gold) and a candidate set (the engine, or a second
 * annotator): precision, recall and F1 per category, per type, per trait and per attribute type,
 * strict (same span and type) and overlapping (spans overlap, same type); ICD-10-CM and RxNorm
 * linking accuracy at 1; reliability tables of scores. Pure functions over Entity[] pairs.
 */
import { ASSERTION_TRAITS, type Attribute, type Entity, type TraitName } from '../types';

export type MatchMode = 'strict' | 'overlap';

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface Scores extends Counts {
  precision: number;
  recall: number;
  f1: number;
}

/** One document's reference and candidate entities. Offsets are into the same text. */
export interface DocumentPair {
  gold: readonly Entity[];
  predicted: readonly Entity[];
}

/** Precision and recall are 1 when there is nothing to get wrong (0 predictions, resp. 0 gold). */
export function scoresOf(counts: Counts): Scores {
  const precision = counts.tp + counts.fp === 0 ? 1 : counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp + counts.fn === 0 ? 1 : counts.tp / (counts.tp + counts.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...counts, precision, recall, f1 };
}

interface Span {
  BeginOffset: number;
  EndOffset: number;
}

function overlapLength(a: Span, b: Span): number {
  return Math.max(0, Math.min(a.EndOffset, b.EndOffset) - Math.max(a.BeginOffset, b.BeginOffset));
}

function spansAgree(a: Span, b: Span, mode: MatchMode): boolean {
  if (mode === 'strict') return a.BeginOffset === b.BeginOffset && a.EndOffset === b.EndOffset;
  // Zero-length spans never occur in valid output; an overlap needs at least one shared character.
  return overlapLength(a, b) > 0;
}

/**
 * One-to-one matching of candidate to reference items that share a key (type or category) and
 * agree on the span: pairs with the largest overlap first, then by position, so the result does
 * not depend on input order. Returns [referenceIndex, candidateIndex] pairs.
 */
export function matchSpans<T extends Span>(gold: readonly T[], predicted: readonly T[], mode: MatchMode, key: (item: T) => string): Array<[number, number]> {
  const candidates: Array<{ g: number; p: number; overlap: number }> = [];
  // Sort both by begin so each gold span only scans predictions near it (linear for sorted, non-nested spans).
  const order = predicted.map((_, i) => i).sort((a, b) => predicted[a]!.BeginOffset - predicted[b]!.BeginOffset);
  let start = 0;
  const goldOrder = gold.map((_, i) => i).sort((a, b) => gold[a]!.BeginOffset - gold[b]!.BeginOffset);
  const maxLength = predicted.reduce((max, p) => Math.max(max, p.EndOffset - p.BeginOffset), 0);
  for (const g of goldOrder) {
    const goldSpan = gold[g]!;
    while (start < order.length && predicted[order[start]!]!.BeginOffset + maxLength <= goldSpan.BeginOffset) start++;
    for (let k = start; k < order.length; k++) {
      const p = order[k]!;
      const candidate = predicted[p]!;
      if (candidate.BeginOffset >= goldSpan.EndOffset) break;
      if (key(candidate) !== key(goldSpan) || !spansAgree(goldSpan, candidate, mode)) continue;
      candidates.push({ g, p, overlap: overlapLength(goldSpan, candidate) });
    }
  }
  candidates.sort((a, b) => b.overlap - a.overlap || gold[a.g]!.BeginOffset - gold[b.g]!.BeginOffset || a.g - b.g || a.p - b.p);
  const usedGold = new Set<number>();
  const usedPredicted = new Set<number>();
  const pairs: Array<[number, number]> = [];
  for (const { g, p } of candidates) {
    if (usedGold.has(g) || usedPredicted.has(p)) continue;
    usedGold.add(g);
    usedPredicted.add(p);
    pairs.push([g, p]);
  }
  return pairs;
}

function emptyCounts(): Counts {
  return { tp: 0, fp: 0, fn: 0 };
}

function bump(table: Map<string, Counts>, key: string, field: keyof Counts): void {
  let counts = table.get(key);
  if (!counts) table.set(key, (counts = emptyCounts()));
  counts[field]++;
}

function toScores(table: Map<string, Counts>): Record<string, Scores> {
  return Object.fromEntries([...table.keys()].sort().map((key) => [key, scoresOf(table.get(key)!)]));
}

function total(table: Map<string, Counts>): Scores {
  const sum = emptyCounts();
  for (const counts of table.values()) {
    sum.tp += counts.tp;
    sum.fp += counts.fp;
    sum.fn += counts.fn;
  }
  return scoresOf(sum);
}

export interface SpanReport {
  overall: Scores;
  byCategory: Record<string, Scores>;
  byType: Record<string, Scores>;
}

/** Entity detection: per type (matched within a type) and per category (matched within a category). */
function spanReport(pairs: readonly DocumentPair[], mode: MatchMode): SpanReport {
  const byType = new Map<string, Counts>();
  const byCategory = new Map<string, Counts>();
  for (const { gold, predicted } of pairs) {
    for (const [table, key] of [
      [byType, (e: Entity) => e.Type],
      [byCategory, (e: Entity) => e.Category],
    ] as const) {
      const matched = matchSpans(gold, predicted, mode, key);
      const goldMatched = new Set(matched.map(([g]) => g));
      const predictedMatched = new Set(matched.map(([, p]) => p));
      gold.forEach((e, i) => bump(table, key(e), goldMatched.has(i) ? 'tp' : 'fn'));
      predicted.forEach((e, i) => {
        if (!predictedMatched.has(i)) bump(table, key(e), 'fp');
      });
    }
  }
  return { overall: total(byType), byCategory: toScores(byCategory), byType: toScores(byType) };
}

function hasTrait(entity: Entity, trait: TraitName): boolean {
  return entity.Traits.some((t) => t.Name === trait);
}

/** Entity pairs matched by overlapping span and the same category: what traits, attributes and links are judged on. */
export function matchedEntities(pair: DocumentPair): Array<[Entity, Entity]> {
  return matchSpans(pair.gold, pair.predicted, 'overlap', (e) => e.Category).map(([g, p]) => [pair.gold[g]!, pair.predicted[p]!]);
}

/** Trait agreement over matched entity pairs: tp = both carry it, fp = only the candidate, fn = only the reference. */
function traitReport(pairs: readonly DocumentPair[]): Record<string, Scores> {
  const table = new Map<string, Counts>();
  for (const pair of pairs) {
    for (const [gold, predicted] of matchedEntities(pair)) {
      const names = new Set<TraitName>([...gold.Traits.map((t) => t.Name), ...predicted.Traits.map((t) => t.Name)]);
      for (const name of names) {
        const inGold = hasTrait(gold, name);
        const inPredicted = hasTrait(predicted, name);
        bump(table, name, inGold && inPredicted ? 'tp' : inGold ? 'fn' : 'fp');
      }
    }
  }
  return toScores(table);
}

/**
 * Traits decided on the reference's own mentions (the usual negation-evaluation convention, as
 * NegEx/ConText are judged): `assigned[i]` are the traits the candidate gave `gold[i]`'s span.
 * Only the assertion traits (NEGATION, HYPOTHETICAL, PAST_HISTORY, PERTAINS_TO_FAMILY, FUTURE).
 */
export function traitsOnGoldMentions(items: ReadonlyArray<{ gold: Entity; assigned: readonly TraitName[] }>): Record<string, Scores> {
  const table = new Map<string, Counts>(ASSERTION_TRAITS.map((t) => [t, emptyCounts()]));
  for (const { gold, assigned } of items) {
    for (const trait of ASSERTION_TRAITS) {
      const inGold = hasTrait(gold, trait);
      const inPredicted = assigned.includes(trait);
      if (inGold && inPredicted) table.get(trait)!.tp++;
      else if (inGold) table.get(trait)!.fn++;
      else if (inPredicted) table.get(trait)!.fp++;
    }
  }
  return toScores(table);
}

/**
 * Attributes per type: an attribute counts as found when the matched candidate entity carries an
 * attribute of that type agreeing on span (mode); attributes of unmatched entities are misses
 * (reference) or false alarms (candidate).
 */
function attributeReport(pairs: readonly DocumentPair[], mode: MatchMode): Record<string, Scores> {
  const table = new Map<string, Counts>();
  for (const pair of pairs) {
    const matched = matchedEntities(pair);
    const seenGold = new Set<Entity>(matched.map(([g]) => g));
    const seenPredicted = new Set<Entity>(matched.map(([, p]) => p));
    for (const [gold, predicted] of matched) {
      const goldAttributes: readonly Attribute[] = gold.Attributes ?? [];
      const predictedAttributes: readonly Attribute[] = predicted.Attributes ?? [];
      const attributePairs = matchSpans(goldAttributes, predictedAttributes, mode, (a) => a.Type);
      const g = new Set(attributePairs.map(([i]) => i));
      const p = new Set(attributePairs.map(([, j]) => j));
      goldAttributes.forEach((a, i) => bump(table, a.Type, g.has(i) ? 'tp' : 'fn'));
      predictedAttributes.forEach((a, j) => {
        if (!p.has(j)) bump(table, a.Type, 'fp');
      });
    }
    for (const e of pair.gold) if (!seenGold.has(e)) for (const a of e.Attributes ?? []) bump(table, a.Type, 'fn');
    for (const e of pair.predicted) if (!seenPredicted.has(e)) for (const a of e.Attributes ?? []) bump(table, a.Type, 'fp');
  }
  return toScores(table);
}

export interface LinkingReport {
  /** Reference entities carrying a code of this system. */
  goldWithCode: number;
  /** Of those, matched to a candidate entity. */
  matched: number;
  /** Matched, and the candidate's first concept is the reference code. */
  correctAt1: number;
  /** correctAt1 / matched: linking quality on what was found. */
  accuracyAt1: number;
  /** correctAt1 / goldWithCode: found and linked right. */
  endToEndAccuracy: number;
}

/** ICD-10-CM codes compare without the dot and case-insensitively (I10, R07.9 = R079). */
export function sameCode(a: string, b: string): boolean {
  return a.replace('.', '').toUpperCase() === b.replace('.', '').toUpperCase();
}

function linkingReport(pairs: readonly DocumentPair[], field: 'ICD10CMConcepts' | 'RxNormConcepts'): LinkingReport {
  let goldWithCode = 0;
  let matched = 0;
  let correctAt1 = 0;
  for (const pair of pairs) {
    goldWithCode += pair.gold.filter((e) => (e[field]?.length ?? 0) > 0).length;
    for (const [gold, predicted] of matchedEntities(pair)) {
      const code = gold[field]?.[0]?.Code;
      if (code === undefined) continue;
      matched++;
      const first = predicted[field]?.[0]?.Code;
      if (first !== undefined && sameCode(first, code)) correctAt1++;
    }
  }
  return {
    goldWithCode,
    matched,
    correctAt1,
    accuracyAt1: matched === 0 ? 0 : correctAt1 / matched,
    endToEndAccuracy: goldWithCode === 0 ? 0 : correctAt1 / goldWithCode,
  };
}

export interface ReliabilityBin {
  /** e.g. '0.9-1.0'; the last bin includes 1.0. */
  bin: string;
  low: number;
  high: number;
  count: number;
  correct: number;
  /** correct / count (0 for an empty bin). */
  fractionCorrect: number;
}

export const RELIABILITY_EDGES = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0] as const;

/** Scores binned 0.5-0.6 ... 0.9-1.0 with the fraction of correct ones; scores below 0.5 are left out. */
export function reliabilityTable(scored: ReadonlyArray<{ score: number; correct: boolean }>): ReliabilityBin[] {
  const bins: ReliabilityBin[] = [];
  for (let i = 0; i + 1 < RELIABILITY_EDGES.length; i++) {
    const low = RELIABILITY_EDGES[i]!;
    const high = RELIABILITY_EDGES[i + 1]!;
    bins.push({ bin: `${low.toFixed(1)}-${high.toFixed(1)}`, low, high, count: 0, correct: 0, fractionCorrect: 0 });
  }
  for (const { score, correct } of scored) {
    if (!(score >= RELIABILITY_EDGES[0]) || score > 1) continue;
    // Bin edges by rounding to avoid 0.7 landing in 0.6-0.7 through floating point (0.7 * 10 = 6.999...).
    const index = Math.min(bins.length - 1, Math.floor(Math.round(score * 1e9) / 1e8) - 5);
    const bin = bins[index]!;
    bin.count++;
    if (correct) bin.correct++;
  }
  for (const bin of bins) bin.fractionCorrect = bin.count === 0 ? 0 : bin.correct / bin.count;
  return bins;
}

export interface CalibrationBin {
  /** '0.9-1.0'; the last bin includes 1. */
  bin: string;
  count: number;
  correct: number;
  meanScore: number;
  fractionCorrect: number;
}

export interface CalibrationReport {
  count: number;
  /** Ten equal-width bins over [0, 1]. */
  bins: CalibrationBin[];
  /** Expected calibration error: Σ over the bins of count/total × |fraction correct − mean score|. */
  ece: number;
  meanScore: number;
  fractionCorrect: number;
}

/** Every score (none left out) in ten equal-width bins with the mean score and fraction correct in each, and the ECE. */
export function calibrationReport(scored: ReadonlyArray<{ score: number; correct: boolean }>): CalibrationReport {
  const sums = Array.from({ length: 10 }, () => ({ count: 0, score: 0, correct: 0 }));
  let score = 0;
  let correct = 0;
  for (const s of scored) {
    // rounded first so 0.7 does not land in 0.6-0.7 through floating point
    const bin = sums[Math.min(9, Math.max(0, Math.floor(Math.round(s.score * 1e9) / 1e8)))]!;
    bin.count++;
    bin.score += s.score;
    score += s.score;
    if (s.correct) {
      bin.correct++;
      correct++;
    }
  }
  const n = scored.length;
  let ece = 0;
  const bins = sums.map((s, b) => {
    if (s.count > 0) ece += (s.count / n) * Math.abs(s.correct / s.count - s.score / s.count);
    return {
      bin: `${(b / 10).toFixed(1)}-${((b + 1) / 10).toFixed(1)}`,
      count: s.count,
      correct: s.correct,
      meanScore: s.count === 0 ? 0 : s.score / s.count,
      fractionCorrect: s.count === 0 ? 0 : s.correct / s.count,
    };
  });
  return { count: n, bins, ece, meanScore: n === 0 ? 0 : score / n, fractionCorrect: n === 0 ? 0 : correct / n };
}

/** Each candidate entity's Score, correct when a reference entity has the same span and type. */
function entityScores(pairs: readonly DocumentPair[]): Array<{ score: number; correct: boolean }> {
  const scored: Array<{ score: number; correct: boolean }> = [];
  for (const { gold, predicted } of pairs) {
    const matched = new Set(matchSpans(gold, predicted, 'strict', (e) => e.Type).map(([, p]) => p));
    predicted.forEach((e, i) => scored.push({ score: e.Score, correct: matched.has(i) }));
  }
  return scored;
}

/** The first concept's Score of matched entities whose reference has a code; correct when the codes agree. */
function conceptScores(pairs: readonly DocumentPair[], field: 'ICD10CMConcepts' | 'RxNormConcepts'): Array<{ score: number; correct: boolean }> {
  const scored: Array<{ score: number; correct: boolean }> = [];
  for (const pair of pairs) {
    for (const [gold, predicted] of matchedEntities(pair)) {
      const code = gold[field]?.[0]?.Code;
      const first = predicted[field]?.[0];
      if (code === undefined || first === undefined) continue;
      scored.push({ score: first.Score, correct: sameCode(first.Code, code) });
    }
  }
  return scored;
}

export interface EvaluationReport {
  documents: number;
  goldEntities: number;
  predictedEntities: number;
  strict: SpanReport;
  overlap: SpanReport;
  /** Traits over entities matched by overlapping span and category. */
  traits: Record<string, Scores>;
  attributes: { strict: Record<string, Scores>; overlap: Record<string, Scores> };
  linking: { icd10cm: LinkingReport; rxnorm: LinkingReport };
  reliability: { entity: ReliabilityBin[]; icd10cm: ReliabilityBin[]; rxnorm: ReliabilityBin[] };
  /** The same scores over the whole range [0, 1], with mean score per bin and ECE. */
  calibration: { entity: CalibrationReport; icd10cm: CalibrationReport; rxnorm: CalibrationReport };
  /** PROTECTED_HEALTH_INFORMATION types only (a copy of those rows of byType), strict and overlapping. */
  phi: { strict: Record<string, Scores>; overlap: Record<string, Scores>; overallStrict: Scores; overallOverlap: Scores };
}

function phiRows(report: SpanReport, phiTypes: ReadonlySet<string>): Record<string, Scores> {
  return Object.fromEntries(Object.entries(report.byType).filter(([type]) => phiTypes.has(type)));
}

/** Every figure at once for a set of documents. */
export function evaluate(pairs: readonly DocumentPair[]): EvaluationReport {
  const strict = spanReport(pairs, 'strict');
  const overlap = spanReport(pairs, 'overlap');
  const phiTypes = new Set<string>();
  for (const { gold, predicted } of pairs) for (const e of [...gold, ...predicted]) if (e.Category === 'PROTECTED_HEALTH_INFORMATION') phiTypes.add(e.Type);
  const empty = scoresOf(emptyCounts());
  const entity = entityScores(pairs);
  const icd10cm = conceptScores(pairs, 'ICD10CMConcepts');
  const rxnorm = conceptScores(pairs, 'RxNormConcepts');
  return {
    documents: pairs.length,
    goldEntities: pairs.reduce((n, p) => n + p.gold.length, 0),
    predictedEntities: pairs.reduce((n, p) => n + p.predicted.length, 0),
    strict,
    overlap,
    traits: traitReport(pairs),
    attributes: { strict: attributeReport(pairs, 'strict'), overlap: attributeReport(pairs, 'overlap') },
    linking: { icd10cm: linkingReport(pairs, 'ICD10CMConcepts'), rxnorm: linkingReport(pairs, 'RxNormConcepts') },
    reliability: { entity: reliabilityTable(entity), icd10cm: reliabilityTable(icd10cm), rxnorm: reliabilityTable(rxnorm) },
    calibration: { entity: calibrationReport(entity), icd10cm: calibrationReport(icd10cm), rxnorm: calibrationReport(rxnorm) },
    phi: {
      strict: phiRows(strict, phiTypes),
      overlap: phiRows(overlap, phiTypes),
      overallStrict: strict.byCategory['PROTECTED_HEALTH_INFORMATION'] ?? empty,
      overallOverlap: overlap.byCategory['PROTECTED_HEALTH_INFORMATION'] ?? empty,
    },
  };
}

export interface SpanError {
  kind: 'missed' | 'spurious' | 'boundary' | 'type';
  /** The gold entity (missed, boundary, type). */
  gold?: Pick<Entity, 'Text' | 'Type' | 'BeginOffset' | 'EndOffset'>;
  /** The predicted entity (spurious, boundary, type). */
  predicted?: Pick<Entity, 'Text' | 'Type' | 'BeginOffset' | 'EndOffset'>;
}

function brief(e: Entity): Pick<Entity, 'Text' | 'Type' | 'BeginOffset' | 'EndOffset'> {
  return { Text: e.Text, Type: e.Type, BeginOffset: e.BeginOffset, EndOffset: e.EndOffset };
}

/**
 * What a reader needs to fix a document's strict errors: `boundary` = same type, overlapping but
 * different span; `type` = overlapping span of the same category, another type; `missed` and
 * `spurious` = no overlapping counterpart of that category at all.
 */
export function spanErrors(pair: DocumentPair): SpanError[] {
  const errors: SpanError[] = [];
  const strict = matchSpans(pair.gold, pair.predicted, 'strict', (e) => e.Type);
  const goldLeft = pair.gold.filter((_, i) => !strict.some(([g]) => g === i));
  const predictedLeft = pair.predicted.filter((_, i) => !strict.some(([, p]) => p === i));
  const loose = matchSpans(goldLeft, predictedLeft, 'overlap', (e) => e.Category);
  for (const [g, p] of loose) {
    const gold = goldLeft[g]!;
    const predicted = predictedLeft[p]!;
    errors.push({ kind: gold.Type === predicted.Type ? 'boundary' : 'type', gold: brief(gold), predicted: brief(predicted) });
  }
  goldLeft.forEach((e, i) => {
    if (!loose.some(([g]) => g === i)) errors.push({ kind: 'missed', gold: brief(e) });
  });
  predictedLeft.forEach((e, i) => {
    if (!loose.some(([, p]) => p === i)) errors.push({ kind: 'spurious', predicted: brief(e) });
  });
  const at = (e: SpanError) => (e.gold ?? e.predicted)!.BeginOffset;
  return errors.sort((a, b) => at(a) - at(b));
}
