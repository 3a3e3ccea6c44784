/** Evaluation metrics (src-main/nlp/eval/metrics.ts) on hand-made predictions with exact expected numbers. */
import { describe, expect, it } from 'vitest';
import { calibrationReport, evaluate, matchSpans, reliabilityTable, scoresOf, spanErrors, traitsOnGoldMentions, type DocumentPair } from '../../../../src-main/nlp/eval/metrics';
import type { Attribute, AttributeType, Concept, Entity, EntityCategory, EntityType, TraitName } from '../../../../src-main/nlp/types';

let nextId = 0;
function entity(category: EntityCategory, type: EntityType, begin: number, end: number, extra: { traits?: TraitName[]; score?: number; icd?: Concept[]; rx?: Concept[]; attributes?: Attribute[] } = {}): Entity {
  return {
    Id: nextId++,
    Text: 'x'.repeat(end - begin),
    Category: category,
    Type: type,
    Score: extra.score ?? 1,
    BeginOffset: begin,
    EndOffset: end,
    Traits: (extra.traits ?? []).map((Name) => ({ Name, Score: 1 })),
    ...(extra.attributes ? { Attributes: extra.attributes } : {}),
    ...(extra.icd ? { ICD10CMConcepts: extra.icd } : {}),
    ...(extra.rx ? { RxNormConcepts: extra.rx } : {}),
  };
}
const dx = (b: number, e: number, extra: Parameters<typeof entity>[4] = {}) => entity('MEDICAL_CONDITION', 'DX_NAME', b, e, extra);
const attribute = (type: AttributeType, begin: number, end: number): Attribute => ({
  Id: nextId++, Type: type, Category: 'MEDICATION', Score: 1, RelationshipScore: 1, RelationshipType: type, BeginOffset: begin, EndOffset: end, Text: 'x'.repeat(end - begin), Traits: [],
});
const concept = (Code: string, Score = 1): Concept => ({ Code, Description: '', Score });

describe('scoresOf', () => {
  it('computes P, R, F1 and treats empty denominators as perfect', () => {
    expect(scoresOf({ tp: 3, fp: 1, fn: 2 })).toEqual({ tp: 3, fp: 1, fn: 2, precision: 0.75, recall: 0.6, f1: (2 * 0.75 * 0.6) / 1.35 });
    expect(scoresOf({ tp: 0, fp: 0, fn: 0 })).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(scoresOf({ tp: 0, fp: 2, fn: 0 })).toMatchObject({ precision: 0, recall: 1, f1: 0 });
  });
});

describe('matchSpans', () => {
  it('matches one to one, largest overlap first, within the key', () => {
    const gold = [dx(0, 10), dx(12, 20)];
    const predicted = [dx(5, 14), dx(0, 4), entity('ANATOMY', 'SYSTEM_ORGAN_SITE', 12, 20)];
    // (5,14) overlaps gold 0 by 5 and gold 1 by 2; (0,4) overlaps gold 0 by 4: gold 0 takes (5,14), gold 1 gets nothing (wrong type).
    expect(matchSpans(gold, predicted, 'overlap', (e) => e.Type)).toEqual([[0, 0]]);
    expect(matchSpans(gold, predicted, 'overlap', (e) => e.Category)).toEqual([[0, 0]]);
    expect(matchSpans(gold, predicted, 'strict', (e) => e.Type)).toEqual([]);
    expect(matchSpans(gold, [dx(12, 20), dx(0, 10)], 'strict', (e) => e.Type)).toEqual([[0, 1], [1, 0]]);
  });
});

describe('evaluate', () => {
  it('scores a perfect prediction 1 everywhere', () => {
    const gold = [
      dx(0, 10, { traits: ['NEGATION', 'SYMPTOM'], icd: [concept('R07.9')] }),
      entity('MEDICATION', 'GENERIC_NAME', 20, 29, { rx: [concept('6809')], attributes: [attribute('STRENGTH', 30, 36)] }),
      entity('PROTECTED_HEALTH_INFORMATION', 'NAME', 40, 50),
    ];
    const report = evaluate([{ gold, predicted: gold }]);
    expect(report.strict.overall).toMatchObject({ tp: 3, fp: 0, fn: 0, f1: 1 });
    expect(report.overlap.byCategory['MEDICATION']).toMatchObject({ tp: 1, f1: 1 });
    expect(report.traits['NEGATION']).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1 });
    expect(report.attributes.strict['STRENGTH']).toMatchObject({ tp: 1, f1: 1 });
    expect(report.linking.icd10cm).toEqual({ goldWithCode: 1, matched: 1, correctAt1: 1, accuracyAt1: 1, endToEndAccuracy: 1 });
    expect(report.linking.rxnorm.accuracyAt1).toBe(1);
    expect(report.phi.strict['NAME']).toMatchObject({ tp: 1, precision: 1, recall: 1 });
    expect(report.reliability.entity.at(-1)).toMatchObject({ bin: '0.9-1.0', count: 3, correct: 3, fractionCorrect: 1 });
  });

  it('counts a shifted span as a miss plus a false alarm when strict, a hit when overlapping', () => {
    const report = evaluate([{ gold: [dx(10, 20)], predicted: [dx(12, 22)] }]);
    expect(report.strict.byType['DX_NAME']).toMatchObject({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 });
    expect(report.overlap.byType['DX_NAME']).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1 });
    expect(report.reliability.entity[4]).toMatchObject({ count: 1, correct: 0, fractionCorrect: 0 });
  });

  it('counts missing and extra entities per type and per category', () => {
    const gold = [dx(0, 5), dx(10, 15), entity('MEDICATION', 'GENERIC_NAME', 20, 25), entity('PROTECTED_HEALTH_INFORMATION', 'DATE', 30, 40)];
    const predicted = [dx(0, 5), entity('MEDICATION', 'BRAND_NAME', 20, 25), entity('PROTECTED_HEALTH_INFORMATION', 'DATE', 30, 40), entity('PROTECTED_HEALTH_INFORMATION', 'NAME', 50, 55)];
    const report = evaluate([{ gold, predicted }]);
    expect(report.strict.byType['DX_NAME']).toMatchObject({ tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
    expect(report.strict.byType['GENERIC_NAME']).toMatchObject({ tp: 0, fp: 0, fn: 1 });
    expect(report.strict.byType['BRAND_NAME']).toMatchObject({ tp: 0, fp: 1, fn: 0 });
    // The category level forgives the generic/brand confusion.
    expect(report.strict.byCategory['MEDICATION']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(report.strict.overall).toMatchObject({ tp: 2, fp: 2, fn: 2, precision: 0.5, recall: 0.5 });
    expect(report.phi.strict['NAME']).toMatchObject({ tp: 0, fp: 1, fn: 0, precision: 0, recall: 1 });
    expect(report.phi.overallStrict).toMatchObject({ tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1 });
  });

  it('judges traits, attributes and links on matched entities only', () => {
    const gold: Entity[] = [
      dx(0, 10, { traits: ['NEGATION', 'SYMPTOM'], icd: [concept('R07.9')] }),
      dx(20, 30, { traits: ['PAST_HISTORY', 'DIAGNOSIS'], icd: [concept('I21.9')] }),
      entity('MEDICATION', 'GENERIC_NAME', 40, 49, { rx: [concept('6809')], attributes: [attribute('STRENGTH', 50, 56), attribute('FREQUENCY', 57, 60)] }),
      dx(70, 80, { icd: [concept('I10')] }), // missed entirely
    ];
    const predicted: Entity[] = [
      dx(0, 10, { traits: ['SYMPTOM'], icd: [concept('R079', 0.95)] }),
      dx(22, 30, { traits: ['PAST_HISTORY', 'DIAGNOSIS', 'HYPOTHETICAL'], icd: [concept('I25.2', 0.65)] }),
      entity('MEDICATION', 'GENERIC_NAME', 40, 49, { rx: [concept('861007', 0.85)], attributes: [attribute('STRENGTH', 50, 53), attribute('ROUTE_OR_MODE', 61, 63)] }),
    ];
    const report = evaluate([{ gold, predicted }]);
    expect(report.traits['NEGATION']).toMatchObject({ tp: 0, fp: 0, fn: 1 });
    expect(report.traits['SYMPTOM']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(report.traits['PAST_HISTORY']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(report.traits['HYPOTHETICAL']).toMatchObject({ tp: 0, fp: 1, fn: 0 });
    expect(report.attributes.strict['STRENGTH']).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expect(report.attributes.overlap['STRENGTH']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(report.attributes.overlap['FREQUENCY']).toMatchObject({ tp: 0, fp: 0, fn: 1 });
    expect(report.attributes.overlap['ROUTE_OR_MODE']).toMatchObject({ tp: 0, fp: 1, fn: 0 });
    expect(report.linking.icd10cm).toEqual({ goldWithCode: 3, matched: 2, correctAt1: 1, accuracyAt1: 0.5, endToEndAccuracy: 1 / 3 });
    expect(report.linking.rxnorm).toEqual({ goldWithCode: 1, matched: 1, correctAt1: 0, accuracyAt1: 0, endToEndAccuracy: 0 });
    expect(report.reliability.icd10cm.map((b) => [b.count, b.correct])).toEqual([[0, 0], [1, 0], [0, 0], [0, 0], [1, 1]]);
    expect(report.reliability.rxnorm.map((b) => [b.count, b.correct])).toEqual([[0, 0], [0, 0], [0, 0], [1, 0], [0, 0]]);
  });

  it('sums over documents without matching across them', () => {
    const pairs: DocumentPair[] = [
      { gold: [dx(0, 5)], predicted: [] },
      { gold: [], predicted: [dx(0, 5)] },
    ];
    expect(evaluate(pairs).overlap.overall).toMatchObject({ tp: 0, fp: 1, fn: 1 });
  });
});

describe('reliabilityTable', () => {
  it('bins scores 0.5-1.0 by tenths, 1.0 in the last bin, below 0.5 left out', () => {
    const bins = reliabilityTable([
      { score: 0.4, correct: true },
      { score: 0.5, correct: true },
      { score: 0.7, correct: false },
      { score: 0.79, correct: true },
      { score: 0.9, correct: true },
      { score: 0.95, correct: false },
      { score: 1, correct: true },
      { score: 1, correct: true },
    ]);
    expect(bins.map((b) => [b.bin, b.count, b.correct])).toEqual([
      ['0.5-0.6', 1, 1],
      ['0.6-0.7', 0, 0],
      ['0.7-0.8', 2, 1],
      ['0.8-0.9', 0, 0],
      ['0.9-1.0', 4, 3],
    ]);
    expect(bins[4]!.fractionCorrect).toBe(0.75);
  });
});

describe('traitsOnGoldMentions', () => {
  it('scores the assertion traits a candidate gives the gold mentions', () => {
    const scores = traitsOnGoldMentions([
      { gold: dx(0, 5, { traits: ['NEGATION'] }), assigned: ['NEGATION'] },
      { gold: dx(0, 5, { traits: ['NEGATION'] }), assigned: [] },
      { gold: dx(0, 5), assigned: ['NEGATION', 'SYMPTOM'] },
      { gold: dx(0, 5, { traits: ['FUTURE'] }), assigned: ['FUTURE'] },
    ]);
    expect(scores['NEGATION']).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(scores['FUTURE']).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1 });
    expect(scores['HYPOTHETICAL']).toMatchObject({ tp: 0, fp: 0, fn: 0 });
    expect(scores['SYMPTOM']).toBeUndefined();
  });
});

describe('spanErrors', () => {
  it('names boundary, type, missed and spurious errors in text order', () => {
    const gold = [dx(0, 10), entity('MEDICATION', 'GENERIC_NAME', 20, 29), dx(40, 45), dx(60, 65)];
    const predicted = [dx(2, 10), entity('MEDICATION', 'BRAND_NAME', 20, 29), dx(50, 55), dx(60, 65)];
    expect(spanErrors({ gold, predicted }).map((e) => [e.kind, e.gold?.BeginOffset, e.predicted?.BeginOffset])).toEqual([
      ['boundary', 0, 2],
      ['type', 20, 20],
      ['missed', 40, undefined],
      ['spurious', undefined, 50],
    ]);
  });
});

describe('calibrationReport', () => {
  it('bins every score by tenths over [0, 1] with mean score, and weighs each bin gap by its share (ECE)', () => {
    const report = calibrationReport([
      { score: 0.05, correct: false },
      { score: 0.15, correct: true },
      { score: 0.7, correct: false },
      { score: 0.7, correct: true },
      { score: 1, correct: true },
      { score: 0.9, correct: true },
    ]);
    expect(report.count).toBe(6);
    expect(report.bins).toHaveLength(10);
    expect(report.bins.filter((b) => b.count > 0).map((b) => [b.bin, b.count, b.correct])).toEqual([
      ['0.0-0.1', 1, 0],
      ['0.1-0.2', 1, 1],
      ['0.7-0.8', 2, 1],
      ['0.9-1.0', 2, 2],
    ]);
    expect(report.bins[9]!.meanScore).toBeCloseTo(0.95, 12);
    // |0 - 0.05| + |1 - 0.15| + 2 |0.5 - 0.7| + 2 |1 - 0.95|, over 6
    expect(report.ece).toBeCloseTo((0.05 + 0.85 + 0.4 + 0.1) / 6, 12);
    expect(report.meanScore).toBeCloseTo(3.5 / 6, 12);
    expect(report.fractionCorrect).toBeCloseTo(4 / 6, 12);
  });

  it('is all zeros for no scores', () => {
    expect(calibrationReport([])).toMatchObject({ count: 0, ece: 0, meanScore: 0, fractionCorrect: 0 });
  });
});
