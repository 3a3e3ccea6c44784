/**
 * The logistic regression behind the score models: it recovers known coefficients, its penalty
 * shrinks them, and a fit depends only on its rows.
 */
import { describe, expect, it } from 'vitest';
import { fitLogistic, predict, sigmoid, type TrainingRow } from '../../../../src-main/nlp/calibration/logistic';

/** A deterministic sample from P(y) = sigmoid(-1 + 2a - 1.5b + 0.8r), a and b binary, r in [-1, 1]. */
function sample(n: number): TrainingRow[] {
  let state = 11;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const rows: TrainingRow[] = [];
  for (let i = 0; i < n; i++) {
    const a = random() < 0.5 ? 1 : 0;
    const b = random() < 0.3 ? 1 : 0;
    const r = random() * 2 - 1;
    const x: Record<string, number> = { r };
    if (a) x['a'] = 1;
    if (b) x['b'] = 1;
    rows.push({ x, y: random() < sigmoid(-1 + 2 * a - 1.5 * b + 0.8 * r) });
  }
  return rows;
}

describe('logistic regression', () => {
  it('sigmoid is symmetric and finite far out', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 12);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
  });

  it('recovers the coefficients of a known model', () => {
    const model = fitLogistic(sample(20_000), { l2: 0.01 });
    expect(model.intercept).toBeCloseTo(-1, 1);
    expect(model.weights['a']).toBeCloseTo(2, 1);
    expect(model.weights['b']).toBeCloseTo(-1.5, 1);
    expect(model.weights['r']).toBeCloseTo(0.8, 1);
  });

  it('its mean prediction equals the rate of the rows it was fitted on (the intercept is not penalised)', () => {
    const rows = sample(5_000);
    const model = fitLogistic(rows, { l2: 50 });
    const mean = rows.reduce((s, r) => s + predict(model, r.x), 0) / rows.length;
    const rate = rows.filter((r) => r.y).length / rows.length;
    expect(mean).toBeCloseTo(rate, 3);
  });

  it('the L2 penalty shrinks the weights, row weights count as repeated rows', () => {
    const rows = sample(2_000);
    const loose = fitLogistic(rows, { l2: 0.01 });
    const tight = fitLogistic(rows, { l2: 500 });
    expect(Math.abs(tight.weights['a']!)).toBeLessThan(Math.abs(loose.weights['a']!));
    const doubled = fitLogistic([...rows, ...rows], { l2: 2 });
    const weighted = fitLogistic(rows.map((r) => ({ ...r, weight: 2 })), { l2: 2 });
    expect(weighted.weights['a']).toBeCloseTo(doubled.weights['a']!, 8);
    expect(weighted.intercept).toBeCloseTo(doubled.intercept, 8);
  });

  it('gives the same model for the same rows, and no weight to a feature it never saw', () => {
    const rows = sample(1_000);
    expect(fitLogistic(rows)).toEqual(fitLogistic(rows));
    const model = fitLogistic(rows);
    expect(model.weights['unseen']).toBeUndefined();
    expect(predict(model, { unseen: 1 })).toBe(sigmoid(model.intercept));
  });

  it('still solves when a feature separates the rows perfectly', () => {
    const rows: TrainingRow[] = Array.from({ length: 100 }, (_, i) => ({ x: { s: i % 2 }, y: i % 2 === 1 }));
    const model = fitLogistic(rows, { l2: 1 });
    expect(Number.isFinite(model.weights['s'])).toBe(true);
    expect(predict(model, { s: 1 })).toBeGreaterThan(0.9);
    expect(predict(model, {})).toBeLessThan(0.1);
  });
});
