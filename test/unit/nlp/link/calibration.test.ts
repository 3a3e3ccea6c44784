/**
 * Calibration: the shipped table and any fitted one are monotone, the mapping is monotone, and
 * the isotonic fit recovers the rates of a known sample.
 */
import { describe, expect, it } from 'vitest';
import { calibrate, fitCalibration, ICD10_CALIBRATION, RXNORM_CALIBRATION, type CalibrationTable } from '../../../../src-main/nlp/link/calibration';
import { rawLinkScore } from '../../../../src-main/nlp/link/features';

function expectMonotone(table: CalibrationTable): void {
  for (let i = 1; i < table.length; i++) {
    expect(table[i]![0]).toBeGreaterThanOrEqual(table[i - 1]![0]);
    expect(table[i]![1]).toBeGreaterThanOrEqual(table[i - 1]![1]);
  }
  let previous = -1;
  for (let raw = 0; raw <= 1.0001; raw += 0.005) {
    const p = calibrate(raw, table);
    expect(p).toBeGreaterThanOrEqual(previous);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    previous = p;
  }
}

describe('calibration', () => {
  it('ships monotone tables and monotone mappings', () => {
    for (const tables of [ICD10_CALIBRATION, RXNORM_CALIBRATION]) {
      expectMonotone(tables.top);
      expectMonotone(tables.alternatives);
    }
  });

  it('interpolates between knots and clamps outside', () => {
    const table: CalibrationTable = [
      [0.2, 0.1],
      [0.6, 0.5],
    ];
    expect(calibrate(0, table)).toBe(0.1);
    expect(calibrate(0.4, table)).toBeCloseTo(0.3);
    expect(calibrate(0.9, table)).toBe(0.5);
  });

  it('fits increasing rates from observations and stays monotone under noise', () => {
    // a deterministic sample: the chance of being right equals the raw score
    const observations = [];
    let state = 7;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let i = 0; i < 4000; i++) {
      const raw = random();
      observations.push({ raw, correct: random() < raw });
    }
    const table = fitCalibration(observations);
    expectMonotone(table);
    expect(calibrate(0.2, table)).toBeCloseTo(0.2, 1);
    expect(calibrate(0.8, table)).toBeCloseTo(0.8, 1);
  });

  it('pools a decreasing run into one level', () => {
    const obs = [
      ...Array.from({ length: 30 }, () => ({ raw: 0.5, correct: true })),
      ...Array.from({ length: 30 }, () => ({ raw: 0.6, correct: false })),
    ];
    const table = fitCalibration(obs);
    expect(table).toEqual([
      [0.5, 31 / 62],
      [0.6, 31 / 62],
    ]);
  });

  it('raw scores order the features as intended', () => {
    const base = { ambiguity: 1, source: 'lexicon' as const, match: 1, rank: 0 };
    expect(rawLinkScore({ ...base, matchKind: 'preferred' })).toBeGreaterThan(rawLinkScore({ ...base, matchKind: 'abbreviation' }));
    expect(rawLinkScore({ ...base, matchKind: 'abbreviation' })).toBeGreaterThan(rawLinkScore({ ...base, matchKind: 'fuzzy' }));
    expect(rawLinkScore({ ...base, matchKind: 'preferred', ambiguity: 2 })).toBeLessThan(rawLinkScore({ ...base, matchKind: 'preferred' }));
    expect(rawLinkScore({ ...base, matchKind: 'preferred', rank: 1 })).toBeLessThan(rawLinkScore({ ...base, matchKind: 'preferred' }));
  });
});
