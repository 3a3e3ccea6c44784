/** Plain-text tables of an evaluation run (what `npm run eval:nlp` prints). */
import type { CalibrationReport, Scores } from './metrics';
import type { EngineRun, PartReport } from './run';

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fixed = (value: number) => value.toFixed(3);

function scoreRows(scores: Record<string, Scores>): string[][] {
  return Object.entries(scores).map(([key, s]) => [key, String(s.tp + s.fn), String(s.tp), String(s.fp), String(s.fn), fixed(s.precision), fixed(s.recall), fixed(s.f1)]);
}

const SCORE_HEADERS = ['gold', 'tp', 'fp', 'fn', 'P', 'R', 'F1'];

/** Strict and overlapping scores side by side, one row per key. */
function strictAndOverlap(title: string, strict: Record<string, Scores>, overlap: Record<string, Scores>): string {
  const keys = [...new Set([...Object.keys(strict), ...Object.keys(overlap)])].sort();
  const rows = keys.map((key) => {
    const s = strict[key];
    const o = overlap[key];
    const gold = s ? s.tp + s.fn : o ? o.tp + o.fn : 0;
    return [key, String(gold), s ? fixed(s.precision) : '-', s ? fixed(s.recall) : '-', s ? fixed(s.f1) : '-', o ? fixed(o.precision) : '-', o ? fixed(o.recall) : '-', o ? fixed(o.f1) : '-'];
  });
  return `${title}\n${table([title.split(' ')[0]!, 'gold', 'P strict', 'R strict', 'F1 strict', 'P overlap', 'R overlap', 'F1 overlap'], rows)}`;
}

/** One row per group: F1 of each assertion trait with its gold count; '-' where the group has neither gold nor prediction of it. */
function groupTable(groups: Record<string, Record<string, Scores>>): string {
  const traits = ['NEGATION', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'HYPOTHETICAL', 'FUTURE'];
  const cell = (s: Scores | undefined) => {
    if (!s || s.tp + s.fp + s.fn === 0) return '-';
    // With no gold mention of the trait, F1 says nothing: show the false alarms instead.
    return s.tp + s.fn === 0 ? `${s.fp} fp` : `${fixed(s.f1)} (${s.tp + s.fn})`;
  };
  const rows = Object.keys(groups).sort().map((group) => [group, ...traits.map((t) => cell(groups[group]![t]))]);
  return `assertion trait F1 on gold mentions by group (gold count)\n${table(['group', 'NEG', 'PAST', 'FAM', 'HYP', 'FUT'], rows)}`;
}

/** A calibration report as a table: every populated bin, with the ECE in the title. */
export function formatCalibration(title: string, report: CalibrationReport): string {
  const lines = [`${title}: ${report.count} scored, ECE ${report.ece.toFixed(3)}, mean score ${report.meanScore.toFixed(3)}, fraction right ${report.fractionCorrect.toFixed(3)}`, 'score    count  correct  mean score  fraction', '-------  -----  -------  ----------  --------'];
  for (const b of report.bins) {
    if (b.count === 0) continue;
    lines.push(`${b.bin}  ${String(b.count).padStart(5)}  ${String(b.correct).padStart(7)}  ${b.meanScore.toFixed(3).padStart(10)}  ${b.fractionCorrect.toFixed(3).padStart(8)}`);
  }
  return lines.join('\n');
}

export function formatPart(part: PartReport): string {
  const r = part.report;
  const seconds = part.analyzeMs / 1000;
  const speed = seconds > 0 ? `${(part.characters / 1e6 / seconds).toFixed(2)} MB/s` : '-';
  const out = [
    `=== ${part.part}: ${r.documents} documents, ${part.characters.toLocaleString('en-US')} characters, ${r.goldEntities} gold / ${r.predictedEntities} predicted entities, analyze ${seconds.toFixed(2)} s (${speed})`,
    `overall strict F1 ${fixed(r.strict.overall.f1)} (P ${fixed(r.strict.overall.precision)} R ${fixed(r.strict.overall.recall)}), overlapping F1 ${fixed(r.overlap.overall.f1)} (P ${fixed(r.overlap.overall.precision)} R ${fixed(r.overlap.overall.recall)})`,
    strictAndOverlap('category (matched within a category)', r.strict.byCategory, r.overlap.byCategory),
    strictAndOverlap('type', r.strict.byType, r.overlap.byType),
    `trait (on entities matched by overlapping span and category)\n${table(['trait', ...SCORE_HEADERS], scoreRows(r.traits))}`,
    `assertion trait on gold mentions (assertSpans), all asserted categories\n${table(['trait', ...SCORE_HEADERS], scoreRows(part.traitsOnGoldMentions))}`,
    `assertion trait on gold MEDICAL_CONDITION mentions\n${table(['trait', ...SCORE_HEADERS], scoreRows(part.traitsOnGoldConditions))}`,
    ...(Object.keys(part.traitsOnGoldByGroup).length > 0 ? [groupTable(part.traitsOnGoldByGroup)] : []),
    strictAndOverlap('attribute (of matched entities)', r.attributes.strict, r.attributes.overlap),
    strictAndOverlap('PHI type', r.phi.strict, r.phi.overlap),
    `linking\n${table(
      ['system', 'gold coded', 'matched', 'correct@1', 'acc@1 (matched)', 'acc@1 (all gold)'],
      (['icd10cm', 'rxnorm'] as const).map((system) => {
        const l = r.linking[system];
        return [system, String(l.goldWithCode), String(l.matched), String(l.correctAt1), fixed(l.accuracyAt1), fixed(l.endToEndAccuracy)];
      }),
    )}`,
    formatCalibration('reliability: entity Score (correct = same span and type as a gold entity)', r.calibration.entity),
    formatCalibration('reliability: first ICD-10-CM concept Score (correct = gold code)', r.calibration.icd10cm),
    formatCalibration('reliability: first RxNorm concept Score (correct = gold code)', r.calibration.rxnorm),
  ];
  return out.join('\n\n');
}

export function formatRun(run: EngineRun): string {
  const header = `engine ${run.versions.engine}, lexicon ${run.versions.lexicon}, packs [${run.versions.packs.join(', ')}]`;
  return [header, ...run.parts.map(formatPart)].join('\n\n');
}
