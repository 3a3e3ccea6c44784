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

/**
 * Fitted on 60 generated patients (seed 'calibration-1', 924 notes) by
 * `npx tsx test/unit/nlp/link/fit-calibration.ts 60 calibration-1`, one table per code system. The
 * first knot [0, 0.01] is an assumption, not a fit: below the lowest raw score a top concept had in
 * the fit (the alternatives ranked second and lower), the probability falls linearly to ~0.
 */
export const ICD10_CALIBRATION: CalibrationTable = [
  [0.0, 0.01],
  [0.879, 0.8601],
  [0.9409, 0.9139],
  [0.97, 0.9218],
];

export const RXNORM_CALIBRATION: CalibrationTable = [
  [0.0, 0.01],
  [0.6688, 0.0435],
  [0.776, 0.0435],
  [0.855, 0.875],
  [0.9487, 0.9678],
  [0.97, 0.9982],
];

/** Kept for callers that want one table: the ICD-10-CM one. */
export const DEFAULT_CALIBRATION: CalibrationTable = ICD10_CALIBRATION;

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
 * each pooled block's mean raw score. Observations with the same raw score always share a block.
 * Blocks with fewer than `minBlock` observations are merged into a neighbour so the table is not
 * fitted to a handful of mentions, and each block's rate is smoothed by one pseudo-observation each
 * way (Laplace), so no knot says 0 or 1 outright.
 */
export function fitCalibration(observations: readonly Observation[], minBlock = 20): CalibrationTable {
  interface Block {
    sumRaw: number;
    hits: number;
    n: number;
  }
  const rate = (b: Block): number => b.hits / b.n;
  const merge = (a: Block, b: Block): Block => ({ sumRaw: a.sumRaw + b.sumRaw, hits: a.hits + b.hits, n: a.n + b.n });
  // one group per distinct raw score, in raw order
  const groups = new Map<number, Block>();
  for (const o of observations) {
    const key = Math.round(o.raw * 1e6) / 1e6;
    const g = groups.get(key) ?? { sumRaw: 0, hits: 0, n: 0 };
    g.sumRaw += o.raw;
    g.hits += o.correct ? 1 : 0;
    g.n++;
    groups.set(key, g);
  }
  const blocks: Block[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    blocks.push(groups.get(key)!);
    // pool while the block before is not below this one (a violation, or a flat step)
    while (blocks.length > 1 && rate(blocks[blocks.length - 2]!) >= rate(blocks[blocks.length - 1]!)) {
      const b = blocks.pop()!;
      blocks.push(merge(blocks.pop()!, b));
    }
  }
  // small blocks join the neighbour with the closer rate; adjacent monotone blocks stay monotone
  for (let i = 0; i < blocks.length && blocks.length > 1; ) {
    const b = blocks[i]!;
    if (b.n >= minBlock) {
      i++;
      continue;
    }
    const left = blocks[i - 1];
    const right = blocks[i + 1];
    const toLeft = right === undefined || (left !== undefined && Math.abs(rate(left) - rate(b)) <= Math.abs(rate(right) - rate(b)));
    if (toLeft) {
      blocks.splice(i - 1, 2, merge(left!, b));
      i = Math.max(0, i - 1);
    } else blocks.splice(i, 2, merge(b, right!));
  }
  const knots: [number, number][] = [];
  for (const b of blocks) {
    const smoothed = (b.hits + 1) / (b.n + 2);
    const prev = knots[knots.length - 1];
    knots.push([b.sumRaw / b.n, prev !== undefined ? Math.max(prev[1], smoothed) : smoothed]);
  }
  return knots;
}
