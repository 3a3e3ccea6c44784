/**
 * Logistic regression over named features: the score models of calibration/ (entity Score, first
 * ICD-10-CM and RxNorm concept Score) are P(right | features) = 1 / (1 + e^-(intercept + Σ wᵢxᵢ)).
 *
 * Fitted by Newton's method (iteratively reweighted least squares) with an L2 penalty on the
 * weights (not the intercept): a handful of dense features and a few thousand rows, so an exact
 * solve per step is cheap, and the result depends only on the rows and their order (no random
 * start), which keeps the generated model file reproducible.
 */

/** Sparse features: a name per non-zero value (binary indicators are 1). */
export type FeatureVector = Readonly<Record<string, number>>;

export interface LogisticModel {
  intercept: number;
  /** Weight per feature name; a name not listed weighs 0. */
  weights: Readonly<Record<string, number>>;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** The model's log-odds for a feature vector. */
export function logit(model: LogisticModel, x: FeatureVector): number {
  let z = model.intercept;
  for (const name in x) {
    const w = model.weights[name];
    if (w !== undefined) z += w * x[name]!;
  }
  return z;
}

export function predict(model: LogisticModel, x: FeatureVector): number {
  return sigmoid(logit(model, x));
}

export interface TrainingRow {
  x: FeatureVector;
  y: boolean;
  /** Row weight (default 1): hand-written rows weigh more than the generated notes' many easy ones. */
  weight?: number;
}

export interface FitOptions {
  /** L2 penalty on the weights, in units of weighted rows (default 1). */
  l2?: number;
  /** Newton steps at most (default 50). */
  maxIterations?: number;
}

/**
 * Maximum penalised likelihood. Features that never occur in the rows get no weight (they are left
 * out of the model, so they weigh 0 at prediction time).
 */
export function fitLogistic(rows: readonly TrainingRow[], options: FitOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 50;
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.x).filter((k) => r.x[k] !== 0)))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const d = names.length + 1; // column 0 is the intercept
  // dense design: a few dozen features
  const xs = rows.map((r) => {
    const v = new Float64Array(d);
    v[0] = 1;
    for (const name in r.x) {
      const i = index.get(name);
      if (i !== undefined) v[i + 1] = r.x[name]!;
    }
    return v;
  });
  const beta = new Float64Array(d);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gradient = new Float64Array(d);
    const hessian = Array.from({ length: d }, () => new Float64Array(d));
    rows.forEach((r, k) => {
      const x = xs[k]!;
      let z = 0;
      for (let i = 0; i < d; i++) z += beta[i]! * x[i]!;
      const p = sigmoid(z);
      const w = r.weight ?? 1;
      const residual = w * (p - (r.y ? 1 : 0));
      const curvature = w * Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < d; i++) {
        const xi = x[i]!;
        if (xi === 0) continue;
        gradient[i]! += residual * xi;
        const row = hessian[i]!;
        for (let j = 0; j <= i; j++) row[j]! += curvature * xi * x[j]!;
      }
    });
    for (let i = 1; i < d; i++) {
      gradient[i]! += l2 * beta[i]!;
      hessian[i]![i]! += l2;
    }
    // tiny ridge on the intercept too, so a feature set that separates the rows still solves
    hessian[0]![0]! += 1e-6;
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) hessian[j]![i] = hessian[i]![j]!;
    const step = solveSymmetric(hessian, gradient);
    let largest = 0;
    for (let i = 0; i < d; i++) {
      beta[i]! -= step[i]!;
      largest = Math.max(largest, Math.abs(step[i]!));
    }
    if (largest < 1e-10) break;
  }
  const weights: Record<string, number> = {};
  names.forEach((n, i) => (weights[n] = beta[i + 1]!));
  return { intercept: beta[0]!, weights };
}

/** Cholesky solve of A x = b for a symmetric positive definite A (the penalised Hessian is). */
function solveSymmetric(a: readonly Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) l[i]![i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i]![j] = sum / l[j]![j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * y[k]!;
    y[i] = sum / l[i]![i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}

/** The engine's three score models (calibration/models.ts holds the fitted ones). */
export interface ScoreModels {
  /** Entity Score: P(span and type are right). */
  entity: LogisticModel;
  /** First ICD-10-CM concept's Score: P(code is right | the condition was found). */
  icd10: LogisticModel;
  /** First RxNorm concept's Score: P(RXCUI is right | the medication was found). */
  rxnorm: LogisticModel;
}
