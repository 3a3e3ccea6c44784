/**
 * Calibration: raw link scores (features → link/features.ts) mapped to the probability that a
 * concept is the right one, through monotone piecewise-linear tables.
 *
 * The tables are fitted by isotonic regression (pool adjacent violators) on generated gold: for
 * each gold condition / medication the matcher found, every concept the linker ranks gives a pair
 * (raw score, 1 if it is the gold code else 0), first concepts and alternatives apart.
 * `fitCalibration` does the fitting; the numbers below are the output of
 * `npx tsx test/unit/nlp/link/fit-calibration.ts` (docs/nlp-lexicon.md).
 */

/** Knots [raw, calibrated], raw ascending, calibrated non-decreasing. */
export type CalibrationTable = readonly (readonly [number, number])[];

/**
 * One system's tables: the first concept a mention gets, and the alternatives ranked after it
 * (fitted apart: an alternative with the same raw score as a weak first concept is right far less
 * often, and one table would drag the first concept down with it).
 */
export interface SystemCalibration {
  top: CalibrationTable;
  alternatives: CalibrationTable;
}

/**
 * Fitted on 60 generated patients (seed 'calibration-1', 924 notes, through analyzeText) by
 * `npx tsx test/unit/nlp/link/fit-calibration.ts 60 calibration-1`; refit when the lexicon or the
 * raw score changes. The first knot of each `top` table, [0, 0.01], is an assumption, not a fit:
 * below the lowest raw score a first concept had in the fit, the probability falls linearly to ~0
 * instead of staying at the lowest fitted level.
 */
export const ICD10_CALIBRATION: SystemCalibration = {
  top: [[0, 0.01], [0.6379, 0.8783], [0.8924, 0.8783], [0.9021, 0.9174], [0.9409, 0.9174], [0.97, 0.9283]],
  alternatives: [[0.0252, 0.0001], [0.0773, 0.0001], [0.0782, 0.0092], [0.1935, 0.0092], [0.1978, 0.0148], [0.582, 0.0148]],
};

export const RXNORM_CALIBRATION: SystemCalibration = {
  top: [[0, 0.01], [0.6208, 0.0455], [0.776, 0.0455], [0.855, 0.9992], [0.97, 0.9992]],
  alternatives: [[0.0645, 0.0013], [0.582, 0.0013]],
};

/** Piecewise-linear interpolation; clamps outside the table. */
export function calibrate(raw: number, table: CalibrationTable): number {
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
 * each pooled block's lowest and highest raw score. Observations with the same raw score always share a block.
 * Blocks with fewer than `minBlock` observations are merged into a neighbour so the table is not
 * fitted to a handful of mentions, and each block's rate is smoothed by one pseudo-observation each
 * way (Laplace), so no knot says 0 or 1 outright.
 */
export function fitCalibration(observations: readonly Observation[], minBlock = 20): CalibrationTable {
  interface Block {
    minRaw: number;
    maxRaw: number;
    hits: number;
    n: number;
  }
  const rate = (b: Block): number => b.hits / b.n;
  const merge = (a: Block, b: Block): Block => ({ minRaw: Math.min(a.minRaw, b.minRaw), maxRaw: Math.max(a.maxRaw, b.maxRaw), hits: a.hits + b.hits, n: a.n + b.n });
  // one group per distinct raw score, in raw order
  const groups = new Map<number, Block>();
  for (const o of observations) {
    const key = Math.round(o.raw * 1e6) / 1e6;
    const g = groups.get(key) ?? { minRaw: o.raw, maxRaw: o.raw, hits: 0, n: 0 };
    g.minRaw = Math.min(g.minRaw, o.raw);
    g.maxRaw = Math.max(g.maxRaw, o.raw);
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
  // each block is a flat step from its lowest to its highest raw score; between blocks the table ramps
  const knots: [number, number][] = [];
  for (const b of blocks) {
    const prev = knots[knots.length - 1];
    const smoothed = Math.max(prev?.[1] ?? 0, (b.hits + 1) / (b.n + 2));
    knots.push([b.minRaw, smoothed]);
    if (b.maxRaw > b.minRaw) knots.push([b.maxRaw, smoothed]);
  }
  return knots;
}
