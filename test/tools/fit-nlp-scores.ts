/**
 * Fits the engine's score models (src-main/nlp/calibration/models.ts: entity Score, first
 * ICD-10-CM and RxNorm concept Score) on the whole dev set, reports their calibration honestly,
 * and with `--write` rewrites models.ts:
 *
 *   npx tsx test/tools/fit-nlp-scores.ts [--patients 20] [--seed calibration-1] [--folds 5] [--write]
 *
 * Rows: every predicted entity and every found condition's / medication's first concept, from the
 * hand-written sentences and notes (test/nlp-dev) and from generated notes (another seed than
 * eval:nlp's). Printed per model: the scores before (the engine without models: recognition
 * scores and the linker's isotonic tables), out-of-fold (5 folds by hand-written document, the
 * generated notes training every fold) and in-sample (the shipped fit), each as a reliability
 * table with its ECE. docs/nlp-eval.md ("Calibrated scores") has the figures.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createScoringEngine } from '../../src-main/nlp/engine';
import { predict, type LogisticModel, type ScoreModels } from '../../src-main/nlp/calibration/logistic';
import type { DevPart } from '../../src-main/nlp/eval/gold';
import {
  collectScoreData,
  crossValidate,
  FIT_SETTINGS,
  fitScoreModels,
  SCORE_MODEL_NAMES,
  type ScoreData,
  type FitSettings,
  type Scored,
  type ScoreModelName,
} from '../../src-main/nlp/eval/score-fit';
import { calibrationReport, type CalibrationReport } from '../../src-main/nlp/eval/metrics';
import { formatCalibration } from '../../src-main/nlp/eval/format';
import { loadDevSet } from './eval-nlp';

const repoRoot = path.resolve(import.meta.dirname, '../..');
export const MODELS_FILE = path.join(repoRoot, 'src-main/nlp/calibration/models.ts');

export interface FitOptions {
  patients: number;
  seed: string;
  folds: number;
  settings: Readonly<Record<ScoreModelName, FitSettings>>;
}

export const DEFAULT_FIT: FitOptions = { patients: 20, seed: 'calibration-1', folds: 5, settings: FIT_SETTINGS };

export interface FitResult {
  options: FitOptions;
  data: ScoreData;
  models: ScoreModels;
  /** Per model: before, out-of-fold and in-sample scores of the hand-written rows (sentences and notes), and in-sample of the generated ones. */
  scored: Record<ScoreModelName, { before: Scored[]; outOfFold: Scored[]; inSample: Scored[] }>;
}

export function collect(options: FitOptions = DEFAULT_FIT): ScoreData {
  const documents = loadDevSet({ parts: ['sentences', 'notes', 'generated'], patients: options.patients, seed: options.seed });
  // without models the features are the same and the published scores are the old ones ("before")
  return collectScoreData(createScoringEngine({}, { models: null }), documents);
}

export function fit(options: FitOptions = DEFAULT_FIT, data: ScoreData = collect(options)): FitResult {
  const models = fitScoreModels(data, options.settings);
  const scored = {} as FitResult['scored'];
  for (const name of SCORE_MODEL_NAMES) {
    const rows = data[name];
    scored[name] = {
      before: rows.map((r) => ({ part: r.part, score: r.published, correct: r.y })),
      outOfFold: crossValidate(rows, options.folds, options.settings[name]),
      inSample: rows.map((r) => ({ part: r.part, score: predict(models[name], r.x), correct: r.y })),
    };
  }
  return { options, data, models, scored };
}

export function reportOf(scored: readonly Scored[], parts: readonly DevPart[]): CalibrationReport {
  return calibrationReport(scored.filter((s) => parts.includes(s.part)));
}

const HANDWRITTEN: readonly DevPart[] = ['sentences', 'notes'];

const MODEL_TITLES: Record<ScoreModelName, string> = { entity: 'entity Score', icd10: 'first ICD-10-CM concept Score', rxnorm: 'first RxNorm concept Score' };

export function formatFit(result: FitResult): string {
  const { data, options } = result;
  const out: string[] = [];
  const count = (name: ScoreModelName, part: DevPart): number => data[name].filter((r) => r.part === part).length;
  out.push(
    `rows (sentences / notes / generated): ${SCORE_MODEL_NAMES.map((n) => `${n} ${count(n, 'sentences')} / ${count(n, 'notes')} / ${count(n, 'generated')}`).join('; ')}`,
    `generated: ${options.patients} patients, seed ${options.seed}; ${options.folds} folds by hand-written document; ${settingsText(options.settings)}`,
  );
  for (const name of SCORE_MODEL_NAMES) {
    const s = result.scored[name];
    out.push('', `=== ${MODEL_TITLES[name]}`);
    out.push(formatCalibration('before (hand-written)', reportOf(s.before, HANDWRITTEN)));
    out.push(formatCalibration('out-of-fold (hand-written)', reportOf(s.outOfFold, HANDWRITTEN)));
    out.push(formatCalibration('out-of-fold (notes only)', reportOf(s.outOfFold, ['notes'])));
    out.push(formatCalibration('in-sample (hand-written)', reportOf(s.inSample, HANDWRITTEN)));
    out.push(formatCalibration('in-sample (generated)', reportOf(s.inSample, ['generated'])));
  }
  return out.join('\n');
}

function settingsText(settings: FitOptions['settings']): string {
  return SCORE_MODEL_NAMES.map((n) => `${n} hand-written weight ${settings[n].handwrittenWeight}, L2 ${settings[n].l2}${settings[n].recalibrate ? ', rescaled on hand-written' : ''}`).join('; ');
}

function formatModel(model: LogisticModel): string {
  const names = Object.keys(model.weights).sort();
  const lines = names.map((n) => `      '${n}': ${model.weights[n]!.toFixed(4)},`);
  return `{\n    intercept: ${model.intercept.toFixed(4)},\n    weights: {\n${lines.join('\n')}\n    },\n  }`;
}

/** models.ts as the fit writes it. */
export function modelsSource(result: FitResult): string {
  const { options, data } = result;
  const handwritten = (name: ScoreModelName): number => data[name].filter((r) => r.part !== 'generated').length;
  return `/**
 * The engine's score models: logistic regressions over calibration/features.ts, fitted on the
 * dev set (test/nlp-dev sentences and notes, and ${options.patients} generated patients, seed '${options.seed}').
 * Rows: entity ${data.entity.length} (${handwritten('entity')} hand-written), ICD-10-CM ${data.icd10.length} (${handwritten('icd10')}),
 * RxNorm ${data.rxnorm.length} (${handwritten('rxnorm')}). Settings: ${settingsText(options.settings)}.
 *
 * GENERATED by \`npx tsx test/tools/fit-nlp-scores.ts --write\`: do not edit by hand. Refit when the
 * lexicon, the features or the dev set change (test/unit/nlp/calibration/models.test.ts fails
 * when this file is not what the fit gives), and bump ENGINE_VERSION (engine.ts).
 */
import type { ScoreModels } from './logistic';

export type { ScoreModels } from './logistic';

export const SCORE_MODELS: ScoreModels = {
  entity: ${formatModel(result.models.entity)},
  icd10: ${formatModel(result.models.icd10)},
  rxnorm: ${formatModel(result.models.rxnorm)},
};
`;
}

function parseArgs(argv: readonly string[]): FitOptions & { write: boolean } {
  const options = { ...DEFAULT_FIT, write: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--write') {
      options.write = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--patients') options.patients = Number(value);
    else if (flag === '--seed') options.seed = value;
    else if (flag === '--folds') options.folds = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { write, ...options } = parseArgs(process.argv.slice(2));
  const result = fit(options);
  console.log(formatFit(result));
  if (write) {
    writeFileSync(MODELS_FILE, modelsSource(result));
    console.log(`\nwritten: ${path.relative(process.cwd(), MODELS_FILE)}`);
  }
}
