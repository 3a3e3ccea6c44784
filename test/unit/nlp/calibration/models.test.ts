/**
 * The shipped score models (src-main/nlp/calibration/models.ts) are what the fit script gives, and
 * they are calibrated on text they were not fitted on: 5-fold cross-validation by hand-written
 * document (generated notes train every fold). Figures and the command: docs/nlp-eval.md
 * ("Calibrated scores"). Also: scores change nothing else in the engine's output.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCORE_MODELS } from '../../../../src-main/nlp/calibration/models';
import { createScoringEngine } from '../../../../src-main/nlp/engine';
import { loadNotes } from '../../../../src-main/nlp/eval/dev-set';
import { SCORE_MODEL_NAMES } from '../../../../src-main/nlp/eval/score-fit';
import type { Entity } from '../../../../src-main/nlp/types';
import { collect, DEFAULT_FIT, fit, reportOf, type FitResult } from '../../../tools/fit-nlp-scores';

let result: FitResult;

beforeAll(() => {
  result = fit(DEFAULT_FIT, collect(DEFAULT_FIT));
}, 300_000);

describe('score models', () => {
  it('models.ts holds what the fit gives (refit: npx tsx test/tools/fit-nlp-scores.ts --write)', () => {
    for (const name of SCORE_MODEL_NAMES) {
      const shipped = SCORE_MODELS[name];
      const fitted = result.models[name];
      expect(Object.keys(shipped.weights).sort(), name).toEqual(Object.keys(fitted.weights).sort());
      // the file rounds to 4 decimals
      expect(Math.abs(shipped.intercept - fitted.intercept), `${name} intercept`).toBeLessThan(2e-4);
      for (const [feature, weight] of Object.entries(fitted.weights)) {
        expect(Math.abs(shipped.weights[feature]! - weight), `${name} ${feature}`).toBeLessThan(2e-4);
      }
    }
  });

  it('out of fold, the hand-written scores are calibrated: ECE under 0.05, every bin of 30+ within 0.08', () => {
    for (const name of SCORE_MODEL_NAMES) {
      const report = reportOf(result.scored[name].outOfFold, ['sentences', 'notes']);
      expect(report.count, name).toBeGreaterThan(250);
      expect(report.ece, `${name} ECE`).toBeLessThan(0.05);
      for (const bin of report.bins) {
        if (bin.count < 30) continue;
        expect(Math.abs(bin.fractionCorrect - bin.meanScore), `${name} ${bin.bin} (${bin.count}): mean score ${bin.meanScore.toFixed(3)}, right ${bin.fractionCorrect.toFixed(3)}`).toBeLessThan(0.08);
      }
      // and better than the scores before the models (recognition scores, the linker's isotonic tables)
      expect(report.ece, `${name} ECE vs before`).toBeLessThan(reportOf(result.scored[name].before, ['sentences', 'notes']).ece / 2);
    }
  });
});

describe('engine scores', () => {
  const notes = loadNotes(path.resolve(import.meta.dirname, '../../../nlp-dev/notes')).slice(0, 8);
  const withModels = createScoringEngine();
  const without = createScoringEngine({}, { models: null });
  const shape = (entities: Entity[]): unknown =>
    entities.map((e) => ({
      ...e,
      Score: undefined,
      ICD10CMConcepts: e.ICD10CMConcepts?.map((c) => c.Code),
      RxNormConcepts: e.RxNormConcepts?.map((c) => c.Code),
    }));

  it('change scores only: the same entities, traits, attributes and concept ranks as without the models', () => {
    for (const note of notes) expect(shape(withModels.analyze(note.text)), note.id).toEqual(shape(without.analyze(note.text)));
  });

  it('are probabilities with 4 decimals, a first concept never below the ones after it, and the same on every run', () => {
    for (const note of notes) {
      const entities = withModels.analyze(note.text);
      for (const e of entities) {
        expect(e.Score).toBeGreaterThan(0);
        expect(e.Score).toBeLessThan(1);
        expect(Math.round(e.Score * 10_000) / 10_000).toBe(e.Score);
        for (const list of [e.ICD10CMConcepts ?? [], e.RxNormConcepts ?? []]) {
          for (let k = 1; k < list.length; k++) expect(list[k]!.Score).toBeLessThanOrEqual(list[0]!.Score);
        }
      }
      expect(JSON.stringify(createScoringEngine().analyze(note.text))).toBe(JSON.stringify(entities));
    }
  });
});
