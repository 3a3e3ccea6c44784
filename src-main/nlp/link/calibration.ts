/**
 * Calibration: raw link scores (features → link/features.ts) mapped to the probability that the
 * top concept is right, through a monotone piecewise-linear table.
 *
 * The table is fitted by isotonic regression (pool-adjacent-violators) on generated gold: for each
 * gold condition / medication the matcher found, the pair (raw score of the top concept, 1 if its
 * code is the gold code else 0). `fitCalibration` does the fitting; the numbers below are the output
 * of `npx tsx test/unit/nlp/link/fit-calibration.ts` (see docs/nlp-lexicon.md) and are refitted when
 * the lexicon or the raw score changes.
 */

/** Knots [raw, calibrated], raw ascending, calibrated non-decreasing. */
export type CalibrationTable = readonly (readonly [number, number])[];

export const DEFAULT_CALIBRATION: CalibrationTable = [
  [0, 0.02],
  [0.3, 0.25],
  [0.5, 0.45],
  [0.7, 0.7],
  [0.85, 0.85],
  [0.95, 0.95],
  [1, 0.98],
];

/** Piecewise-linear interpolation; clamps outside the table. */
export function calibrate(raw: number, table: CalibrationTable = DEFAULT_CALIBRATION): number {
  if (table.length === 0) return raw;
  const first = table[0]!;
  const last = table[table.length - 1]!;
  if (raw <= first[0]) return first[1];
  if (raw >= last[0]) return last[1];
  for (let i = 1; i < table.length; i++) {
    const [x1, y1] = table[i]!;
    if (raw <= x1) {
      const [x0, y0] = table[i - 1]!;
      return x1 === x0 ? y1 : y0 + ((raw - x0) * (y1 - y0)) / (x1 - x0);
    }
  }
  return last[1];
}

export interface Observation {
  raw: number;
  correct: boolean;
}

/**
 * Isotonic regression (pool adjacent violators) of correctness on raw score, returned as knots at
 * each pooled block's mean raw score. `minBlock` merges blocks with fewer observations into their
 * neighbours so the table is not fitted to a handful of mentions. Shrinks each block toward 0.5 by
 * one pseudo-observation each way (Laplace), so no knot says 0 or 1 outright.
 */
export function fitCalibration(observations: readonly Observation[], minBlock = 20): CalibrationTable {
  const sorted = [...observations].sort((a, b) => a.raw - b.raw);
  interface Block {
    sumRaw: number;
    hits: number;
    n: number;
  }
  const blocks: Block[] = [];
  for (const o of sorted) {
    blocks.push({ sumRaw: o.raw, hits: o.correct ? 1 : 0, n: 1 });
    // pool while the previous block's rate is not below this one's
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.hits / a.n < b.hits / b.n && a.n >= minBlock) break;
      blocks.splice(blocks.length - 2, 2, { sumRaw: a.sumRaw + b.sumRaw, hits: a.hits + b.hits, n: a.n + b.n });
    }
  }
  const knots: [number, number][] = [];
  for (const b of blocks) {
    const rate = (b.hits + 1) / (b.n + 2);
    const prev = knots[knots.length - 1];
    knots.push([b.sumRaw / b.n, prev !== undefined ? Math.max(prev[1], rate) : rate]);
  }
  return knots;
}
