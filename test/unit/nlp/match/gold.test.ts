/**
 * The matcher and linker on generated gold notes (src-main/sample with gold): floors on recall and
 * precision per entity type, linking accuracy, and calibration (mean score close to accuracy). The
 * seed differs from the ones the lexicon was reviewed and the calibration fitted on. Full figures:
 * `npx tsx test/unit/nlp/match/eval-matcher.ts`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinIcd10Index, builtinLexicon, builtinRxNormIndex } from '../../../../src-main/nlp/lexicon/index';
import { createLexiconMatcher } from '../../../../src-main/nlp/match/matcher';
import { ConceptLinker } from '../../../../src-main/nlp/link/linker';
import { calibrate, ICD10_CALIBRATION, RXNORM_CALIBRATION } from '../../../../src-main/nlp/link/calibration';
import { docOf } from './doc';
import { evaluate, type EvaluationReport } from './evaluate';
import { goldNotes, type GoldNote } from './gold-notes';

describe('matcher and linker on generated gold notes', () => {
  let notes: GoldNote[];
  let report: EvaluationReport;
  beforeAll(() => {
    notes = goldNotes(12, 'unit-gold-3');
    const linker = new ConceptLinker({ icd10: [builtinIcd10Index()], rxnorm: [builtinRxNormIndex()] });
    report = evaluate(notes, createLexiconMatcher(builtinLexicon()), linker, docOf);
  });

  it('recalls the lexicon-covered entity types and keeps precision up', () => {
    expect(notes.length).toBeGreaterThan(50);
    const floors: Record<string, { recall: number; precision: number }> = {
      DX_NAME: { recall: 0.95, precision: 0.95 },
      GENERIC_NAME: { recall: 0.95, precision: 0.95 },
      BRAND_NAME: { recall: 0.9, precision: 0.9 },
      TEST_NAME: { recall: 0.95, precision: 0.95 },
      // the gold marks only "Heart" and "Lungs" of the exam as anatomy; the matcher finds every organ word
      SYSTEM_ORGAN_SITE: { recall: 0.95, precision: 0.4 },
    };
    for (const [type, floor] of Object.entries(floors)) {
      const score = report.byType[type]!;
      expect.soft(score.overlapR, `${type} recall`).toBeGreaterThanOrEqual(floor.recall);
      expect.soft(score.overlapP, `${type} precision`).toBeGreaterThanOrEqual(floor.precision);
    }
  });

  it('links conditions and medications, and its scores say how often it is right', () => {
    expect(report.icdAcc).toBeGreaterThan(0.85);
    expect(report.rxAcc).toBeGreaterThan(0.7);
    for (const [category, table] of [
      ['MEDICAL_CONDITION', ICD10_CALIBRATION],
      ['MEDICATION', RXNORM_CALIBRATION],
    ] as const) {
      const obs = report.observations.filter((o) => o.category === category);
      const meanScore = obs.reduce((a, o) => a + calibrate(o.raw, o.rank === 0 ? table.top : table.alternatives), 0) / obs.length;
      const accuracy = obs.filter((o) => o.correct).length / obs.length;
      expect(Math.abs(meanScore - accuracy), `${category}: mean score ${meanScore.toFixed(3)} vs accuracy ${accuracy.toFixed(3)}`).toBeLessThan(0.03);
    }
  });
});
