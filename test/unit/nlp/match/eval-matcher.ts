/**
 * Recall / precision of the lexicon matcher on generated gold notes, per entity type, strict
 * (same span) and overlapping, plus linking accuracy@1 for conditions and medications.
 *
 *   npx tsx test/unit/nlp/match/eval-matcher.ts [patients=30] [seed=11] [--doc-of] [--misses]
 *
 * The notes go through the text stage (analyzeText: sentences, sections); --doc-of uses the tests'
 * minimal splitter instead.
 * Not a test (vitest ignores it): a measurement. The unit test gold.test.ts checks floors.
 */
import { builtinIcd10Index, builtinLexicon, builtinRxNormIndex } from '../../../../src-main/nlp/lexicon/index';
import { createLexiconMatcher } from '../../../../src-main/nlp/match/matcher';
import { ConceptLinker } from '../../../../src-main/nlp/link/linker';
import { analyzeText } from '../../../../src-main/nlp/text';
import { docOf } from './doc';
import { goldNotes } from './gold-notes';
import { evaluate } from './evaluate';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const patients = Number(args[0] ?? 30);
const seed = args[1] ?? '11';
const notes = goldNotes(patients, seed);
const matcher = createLexiconMatcher(builtinLexicon());
const linker = new ConceptLinker({ icd10: [builtinIcd10Index()], rxnorm: [builtinRxNormIndex()] });
const report = evaluate(notes, matcher, linker, process.argv.includes('--doc-of') ? docOf : analyzeText);
console.log(`notes ${notes.length}, ${report.chars} characters`);
console.log('type                      gold  found  strictP strictR  overlapP overlapR');
for (const [type, r] of Object.entries(report.byType)) {
  console.log(
    `${type.padEnd(24)} ${String(r.gold).padStart(5)} ${String(r.found).padStart(6)}   ${r.strictP.toFixed(3)}   ${r.strictR.toFixed(3)}    ${r.overlapP.toFixed(3)}    ${r.overlapR.toFixed(3)}`,
  );
}
console.log(`linking acc@1: ICD-10-CM ${report.icdAcc.toFixed(3)} (${report.icdN} coded gold conditions matched); RxNorm ${report.rxAcc.toFixed(3)} (${report.rxN})`);
if (process.argv.includes('--misses')) {
  for (const [k, n] of report.misses.slice(0, 60)) console.log('miss', n, k);
  for (const [k, n] of report.falsePositives.slice(0, 60)) console.log('fp  ', n, k);
  for (const [k, n] of report.linkErrors.slice(0, 40)) console.log('link', n, k);
}
