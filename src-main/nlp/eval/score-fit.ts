/**
 * Fitting and checking the engine's score models (calibration/models.ts) on the dev set: every
 * predicted entity, and the first concept of every found condition and medication, is one row
 * (its features, whether it is right). Rows are grouped by document so cross-validation never
 * scores a document with a model fitted on it. docs/nlp-eval.md ("Calibrated scores").
 */
import type { ScoringEngine } from '../engine';
import { fitLogistic, logit, predict, type FeatureVector, type LogisticModel, type ScoreModels } from '../calibration/logistic';
import type { DevPart, GoldDocument } from './gold';
import { matchedEntities, matchSpans, sameCode } from './metrics';

export type ScoreModelName = keyof ScoreModels;
export const SCORE_MODEL_NAMES: readonly ScoreModelName[] = ['entity', 'icd10', 'rxnorm'];

export interface ScoreRow {
  document: string;
  part: DevPart;
  x: FeatureVector;
  y: boolean;
  /** The Score the engine wrote (with whatever models it was built with). */
  published: number;
  /** The entity's text and, for a concept row, its first code (for reading errors). */
  text: string;
  code?: string;
}

export type ScoreData = Record<ScoreModelName, ScoreRow[]>;

/**
 * Entity types the generator's gold does not annotate the way the hand-written guideline does
 * (docs/sample-data.md: DIRECTION is an attribute of its anatomy, ADDRESS only the patient's street
 * address, SYSTEM_ORGAN_SITE only the sites its templates place), so its notes would teach the entity
 * model that most of these are wrong where real notes have them right (out-of-fold, the hand-written
 * anatomy scored 0.6-0.7 was right 80% of the time with them in).
 */
const NOT_GENERATED_ENTITIES: ReadonlySet<string> = new Set(['ADDRESS', 'DIRECTION', 'SYSTEM_ORGAN_SITE']);

/**
 * Rows of every document (entity rows of the types above excepted in generated notes): entity rows are right when a gold entity has the same span and type;
 * concept rows exist for predicted entities matched to a gold one (overlapping span, same
 * category) whose gold has a code, and are right when the first concept has that code (the
 * definitions of the reliability tables, metrics.ts).
 */
export function collectScoreData(engine: ScoringEngine, documents: readonly GoldDocument[]): ScoreData {
  const data: ScoreData = { entity: [], icd10: [], rxnorm: [] };
  for (const document of documents) {
    const { entities, features } = engine.analyzeWithFeatures(document.text);
    const base = { document: document.id, part: document.part };
    const strict = new Set(matchSpans(document.entities, entities, 'strict', (e) => e.Type).map(([, p]) => p));
    entities.forEach((e, i) => {
      if (document.part === 'generated' && NOT_GENERATED_ENTITIES.has(e.Type)) return;
      data.entity.push({ ...base, x: features[i]!.entity, y: strict.has(i), published: e.Score, text: e.Text });
    });
    const pair = { gold: document.entities, predicted: entities };
    for (const [gold, predicted] of matchedEntities(pair)) {
      const index = entities.indexOf(predicted);
      for (const [name, field] of [
        ['icd10', 'ICD10CMConcepts'],
        ['rxnorm', 'RxNormConcepts'],
      ] as const) {
        const code = gold[field]?.[0]?.Code;
        const first = predicted[field]?.[0];
        const x = features[index]?.[name];
        if (code === undefined || first === undefined || x === undefined) continue;
        data[name].push({ ...base, x, y: sameCode(first.Code, code), published: first.Score, text: predicted.Text, code: `${first.Code} (gold ${code})` });
      }
    }
  }
  return data;
}

export interface FitSettings {
  /**
   * Weight of a hand-written row against a generated one. The generated notes follow the
   * generator's templates and outnumber the hand-written ones several times; real notes look
   * like the hand-written ones.
   */
  handwrittenWeight: number;
  /** L2 penalty (logistic.ts). */
  l2: number;
  /**
   * Then rescale the log-odds (Platt: intercept and slope) on the hand-written rows alone, so the
   * generated notes shape which features matter but not how sure the model is on real-looking text.
   */
  recalibrate: boolean;
}

/**
 * Chosen by the out-of-fold ECE on the hand-written documents (docs/nlp-eval.md). RxNorm has too
 * few hand-written rows (under 300) for a stable rescaling, so its weight alone favours them.
 */
export const FIT_SETTINGS: Readonly<Record<ScoreModelName, FitSettings>> = {
  entity: { handwrittenWeight: 10, l2: 20, recalibrate: true },
  icd10: { handwrittenWeight: 10, l2: 20, recalibrate: true },
  rxnorm: { handwrittenWeight: 30, l2: 20, recalibrate: false },
};

export function fitModel(rows: readonly ScoreRow[], settings: FitSettings): LogisticModel {
  const model = fitLogistic(
    rows.map((r) => ({ x: r.x, y: r.y, weight: r.part === 'generated' ? 1 : settings.handwrittenWeight })),
    { l2: settings.l2 },
  );
  if (!settings.recalibrate) return model;
  const handwritten = rows.filter((r) => r.part !== 'generated');
  const platt = fitLogistic(handwritten.map((r) => ({ x: { z: logit(model, r.x) }, y: r.y })), { l2: 0 });
  const a = platt.intercept;
  const b = platt.weights['z'] ?? 1;
  return { intercept: a + b * model.intercept, weights: Object.fromEntries(Object.entries(model.weights).map(([k, w]) => [k, b * w])) };
}

export function fitScoreModels(data: ScoreData, settings: Readonly<Record<ScoreModelName, FitSettings>> = FIT_SETTINGS): ScoreModels {
  return { entity: fitModel(data.entity, settings.entity), icd10: fitModel(data.icd10, settings.icd10), rxnorm: fitModel(data.rxnorm, settings.rxnorm) };
}

/** A score and whether it was right: what a reliability table bins. */
export interface Scored {
  part: DevPart;
  score: number;
  correct: boolean;
}

/**
 * k-fold cross-validation by document: the hand-written documents (sorted by id, dealt round-robin)
 * make k folds; each fold is scored by a model fitted on the other folds plus every generated
 * document. Returns the out-of-fold scores of the hand-written rows (generated rows are training
 * data in every fold, so they are left out).
 */
export function crossValidate(rows: readonly ScoreRow[], folds: number, settings: FitSettings): Scored[] {
  const documents = [...new Set(rows.filter((r) => r.part !== 'generated').map((r) => r.document))].sort();
  const foldOf = new Map(documents.map((d, i) => [d, i % folds]));
  const out: Scored[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const model = fitModel(
      rows.filter((r) => foldOf.get(r.document) !== fold),
      settings,
    );
    for (const r of rows) if (foldOf.get(r.document) === fold) out.push({ part: r.part, score: predict(model, r.x), correct: r.y });
  }
  return out;
}
