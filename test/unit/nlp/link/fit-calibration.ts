/**
 * Fits link/calibration.ts's table on generated gold, and with `--dev` also on the hand-written dev
 * set (test/nlp-dev: every sentence and the even-numbered notes; the odd-numbered notes are kept
 * out of the fit and their reliability is printed as a check on text the fit did not see):
 *
 *   npx tsx test/unit/nlp/link/fit-calibration.ts [patients=60] [seed=calibration-1] [--dev]
 *
 * For every gold condition (with an ICD-10-CM code) and medication (with an RxNorm code) the
 * matcher finds, each concept the linker ranks gives one observation (raw score, whether it is the
 * gold code), so the score of a second or third concept is calibrated too; fitCalibration pools
 * them isotonically. Run with the identity table so the fit sees raw scores.
 * Prints the table as TypeScript and a reliability check (mean calibrated score vs accuracy per bin).
 */
import { builtinIcd10Index, builtinLexicon, builtinRxNormIndex } from '../../../../src-main/nlp/lexicon/index';
import { createLexiconMatcher } from '../../../../src-main/nlp/match/matcher';
import { ConceptLinker } from '../../../../src-main/nlp/link/linker';
import { calibrate, fitCalibration, ICD10_CALIBRATION, RXNORM_CALIBRATION, type CalibrationTable, type Observation } from '../../../../src-main/nlp/link/calibration';
import { analyzeText } from '../../../../src-main/nlp/text';
import path from 'node:path';
import { loadNotes, loadSentences } from '../../../../src-main/nlp/eval/dev-set';
import { goldNotes } from '../match/gold-notes';
import { evaluate } from '../match/evaluate';

const args = process.argv.slice(2).filter((a) => a !== '--dev');
const withDev = process.argv.includes('--dev');
const patients = Number(args[0] ?? 60);
const seed = args[1] ?? 'calibration-1';
const devDir = path.resolve(import.meta.dirname, '../../../nlp-dev');
const devNotes = withDev ? loadNotes(path.join(devDir, 'notes')) : [];
const heldOut = devNotes.filter((_, i) => i % 2 === 1);
const notes = [...goldNotes(patients, seed), ...(withDev ? [...loadSentences(path.join(devDir, 'sentences')), ...devNotes.filter((_, i) => i % 2 === 0)] : [])];
const matcher = createLexiconMatcher(builtinLexicon());
const identity = [
  [0, 0],
  [1, 1],
] as const;
const identityTables = { top: identity, alternatives: identity };
const linker = new ConceptLinker({ icd10: [builtinIcd10Index()], rxnorm: [builtinRxNormIndex()] }, { calibration: { icd10: identityTables, rxnorm: identityTables } });
const report = evaluate(notes, matcher, linker, analyzeText);
console.log(`${notes.length} notes, ${report.observations.length} observations (ICD-10-CM acc@1 ${report.icdAcc.toFixed(3)}, RxNorm ${report.rxAcc.toFixed(3)})`);

const shipped = { MEDICAL_CONDITION: ICD10_CALIBRATION, MEDICATION: RXNORM_CALIBRATION };
const format = (t: CalibrationTable): string => t.map(([raw, p]) => `[${raw.toFixed(4)}, ${p.toFixed(4)}]`).join(', ');
for (const [category, name] of [
  ['MEDICAL_CONDITION', 'ICD10_CALIBRATION'],
  ['MEDICATION', 'RXNORM_CALIBRATION'],
] as const) {
  const obs = report.observations.filter((o) => o.category === category);
  const top = obs.filter((o) => o.rank === 0);
  const alternatives = obs.filter((o) => o.rank > 0);
  const fitted = { top: fitCalibration(top), alternatives: fitCalibration(alternatives) };
  console.log(`export const ${name}: SystemCalibration = {\n  top: [${format(fitted.top)}],\n  alternatives: [${format(fitted.alternatives)}],\n};`);
  for (const [which, list] of [
    ['top', top],
    ['alternatives', alternatives],
  ] as const) {
    reliability(`${name}.${which}, fitted`, fitted[which], list);
    reliability(`${name}.${which}, shipped`, shipped[category][which], list);
  }
  if (heldOut.length > 0) {
    const held = evaluate(heldOut, matcher, linker, analyzeText).observations.filter((o) => o.category === category && o.rank === 0);
    reliability(`${name}.top, fitted, on the ${heldOut.length} held-out dev notes`, fitted.top, held);
    reliability(`${name}.top, shipped, on the ${heldOut.length} held-out dev notes`, shipped[category].top, held);
  }
}

/** Reliability of a table on these observations: per calibrated-score bin, mean score vs accuracy. */
function reliability(name: string, t: CalibrationTable, observations: readonly Observation[]): void {
  const bins = new Map<number, { n: number; sum: number; hits: number }>();
  for (const o of observations) {
    const p = calibrate(o.raw, t);
    const bin = Math.min(9, Math.floor(p * 10));
    const b = bins.get(bin) ?? { n: 0, sum: 0, hits: 0 };
    b.n++;
    b.sum += p;
    b.hits += o.correct ? 1 : 0;
    bins.set(bin, b);
  }
  console.log(`reliability (${name}): bin  n  mean-score  accuracy`);
  for (const [bin, b] of [...bins.entries()].sort((a, c) => a[0] - c[0])) {
    console.log(`  ${(bin / 10).toFixed(1)}-${((bin + 1) / 10).toFixed(1)}  ${String(b.n).padStart(5)}  ${(b.sum / b.n).toFixed(3)}  ${(b.hits / b.n).toFixed(3)}`);
  }
}
