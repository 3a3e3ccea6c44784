/**
 * `npm run eval:nlp`: runs the NLP engine over the dev set (test/nlp-dev/ sentences and notes, plus
 * notes generated with their gold) and prints P/R/F1 per category, type, trait and attribute (strict
 * and overlapping), linking accuracy at 1 and reliability tables; writes bench-results/eval-nlp.json.
 *
 *   npm run eval:nlp -- [--engine src-main/nlp/engine.ts] [--patients 20] [--seed nlp-dev]
 *                       [--parts sentences,notes,generated] [--out bench-results/eval-nlp.json]
 *                       [--errors bench-results/eval-nlp-errors.jsonl] [--cv]
 *   npm run eval:nlp -- --export-gold FILE [--parts ...] [--patients N]   (the gold as JSONL, no engine)
 *   npm run eval:nlp -- --learn [--parts sentences,notes]   (learning from corrections: before/after table, docs/nlp-eval.md)
 *
 * The engine module must export `createNlpEngine()` returning an NlpEngine (or a promise of one).
 * docs/nlp-eval.md describes the dev set and every figure.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatedDocuments, loadNotes, loadSentences } from '../../src-main/nlp/eval/dev-set';
import { formatRun } from '../../src-main/nlp/eval/format';
import type { DevPart, GoldDocument } from '../../src-main/nlp/eval/gold';
import { runEvaluation, type EngineRun } from '../../src-main/nlp/eval/run';
import type { NlpEngine } from '../../src-main/nlp/types';

const repoRoot = path.resolve(import.meta.dirname, '../..');
export const DEV_SET_DIR = path.join(repoRoot, 'test/nlp-dev');

export interface EvalOptions {
  engine: string;
  patients: number;
  seed: string;
  parts: DevPart[];
  out: string;
  /** JSONL of every document's strict errors (missed, spurious, boundary, type), when given. */
  errors?: string;
  /** Write the dev set's gold as JSONL ({id, part, group, text, Entities}) instead of evaluating. */
  exportGold?: string;
  /** Also cross-validate the score models (test/tools/fit-nlp-scores.ts) and print their reliability tables. */
  cv?: boolean;
  /** Run the learning-from-corrections experiment instead (default parts: the hand-written ones). */
  learn?: boolean;
}

export const EVAL_USAGE = 'eval-nlp [--engine MODULE] [--patients N] [--seed S] [--parts sentences,notes,generated] [--out FILE] [--errors FILE] [--cv] | --export-gold FILE | --learn [--parts ...]';

export function parseEvalArgs(argv: readonly string[]): EvalOptions {
  const options: EvalOptions = {
    engine: path.join(repoRoot, 'src-main/nlp/engine.ts'),
    patients: 20,
    seed: 'nlp-dev',
    parts: ['sentences', 'notes', 'generated'],
    out: path.join(repoRoot, 'bench-results/eval-nlp.json'),
  };
  let partsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--cv') {
      options.cv = true;
      continue;
    }
    if (flag === '--learn') {
      options.learn = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\nusage: ${EVAL_USAGE}`);
    i++;
    if (flag === '--engine') options.engine = path.resolve(value);
    else if (flag === '--patients') {
      options.patients = Number(value);
      if (!Number.isInteger(options.patients) || options.patients < 0) throw new Error('--patients must be a whole number');
    } else if (flag === '--seed') options.seed = value;
    else if (flag === '--out') options.out = path.resolve(value);
    else if (flag === '--errors') options.errors = path.resolve(value);
    else if (flag === '--export-gold') options.exportGold = path.resolve(value);
    else if (flag === '--parts') {
      const parts = value.split(',').map((p) => p.trim());
      for (const part of parts) if (part !== 'sentences' && part !== 'notes' && part !== 'generated') throw new Error(`unknown part ${part}`);
      options.parts = parts as DevPart[];
      partsGiven = true;
    } else throw new Error(`unknown option ${flag}\nusage: ${EVAL_USAGE}`);
  }
  // The generated notes follow the generator's templates: what a reviewer teaches on some is known for all.
  if (options.learn && !partsGiven) options.parts = ['sentences', 'notes'];
  return options;
}

function isEngine(value: unknown): value is NlpEngine {
  return typeof value === 'object' && value !== null && typeof (value as NlpEngine).analyze === 'function' && typeof (value as NlpEngine).assertSpans === 'function';
}

export async function loadEngine(modulePath: string): Promise<NlpEngine> {
  if (!existsSync(modulePath)) throw new Error(`no engine module at ${modulePath} (pass --engine MODULE exporting createNlpEngine())`);
  const module: { createNlpEngine?: unknown } = await import(pathToFileURL(modulePath).href);
  if (typeof module.createNlpEngine !== 'function') throw new Error(`${modulePath} does not export createNlpEngine()`);
  const engine: unknown = await (module.createNlpEngine as () => unknown)();
  if (!isEngine(engine)) throw new Error(`createNlpEngine() of ${modulePath} did not return an NlpEngine`);
  return engine;
}

export function loadDevSet(options: Pick<EvalOptions, 'parts' | 'patients' | 'seed'>, devSetDir = DEV_SET_DIR): GoldDocument[] {
  const documents: GoldDocument[] = [];
  if (options.parts.includes('sentences')) documents.push(...loadSentences(path.join(devSetDir, 'sentences')));
  if (options.parts.includes('notes')) documents.push(...loadNotes(path.join(devSetDir, 'notes')));
  if (options.parts.includes('generated') && options.patients > 0) documents.push(...generatedDocuments(options.patients, options.seed));
  return documents;
}

/** The gold of the chosen parts as Comprehend-shaped JSONL, one document a line; returns the document count. */
export function exportGold(options: Pick<EvalOptions, 'parts' | 'patients' | 'seed'>, file: string, devSetDir = DEV_SET_DIR): number {
  const documents = loadDevSet(options, devSetDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, documents.map((d) => `${JSON.stringify({ id: d.id, part: d.part, group: d.group, text: d.text, Entities: d.entities })}\n`).join(''));
  return documents.length;
}

/** Runs the evaluation, writes the JSON, returns the run and its printed form. */
export async function evalNlp(options: EvalOptions, devSetDir = DEV_SET_DIR): Promise<{ run: EngineRun; text: string }> {
  const engine = await loadEngine(options.engine);
  const documents = loadDevSet(options, devSetDir);
  const started = new Date().toISOString();
  const { errors, ...run } = runEvaluation(engine, documents, { withErrors: options.errors !== undefined });
  const text = formatRun(run);
  mkdirSync(path.dirname(options.out), { recursive: true });
  const setup = { engineModule: path.relative(repoRoot, options.engine), patients: options.patients, seed: options.seed, parts: options.parts };
  writeFileSync(options.out, `${JSON.stringify({ started, finished: new Date().toISOString(), setup, ...run }, null, 2)}\n`);
  if (options.errors && errors) {
    mkdirSync(path.dirname(options.errors), { recursive: true });
    writeFileSync(options.errors, errors.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
  return { run, text };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  try {
    const options = parseEvalArgs(process.argv.slice(2));
    if (options.learn) {
      const { formatLearning, runLearningExperiment } = await import('../../src-main/nlp/eval/learn');
      const documents = loadDevSet(options);
      const runs = [0.25, 0.5, 1].map((share) => runLearningExperiment(documents, { share }));
      console.log(formatLearning(runs));
    } else if (options.exportGold) {
      const count = exportGold(options, options.exportGold);
      console.log(`${count} gold documents written: ${path.relative(process.cwd(), options.exportGold)}`);
    } else {
      const { text } = await evalNlp(options);
      console.log(text);
      console.log(`\nwritten: ${path.relative(process.cwd(), options.out)}`);
      if (options.cv) {
        // loaded here: fit-nlp-scores imports this module's loadDevSet
        const { fit, formatFit } = await import('./fit-nlp-scores');
        console.log(`\n=== score models, cross-validated (test/tools/fit-nlp-scores.ts)\n${formatFit(fit())}`);
      }
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
