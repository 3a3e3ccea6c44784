/**
 * The test (docs/nlp-eval.md "Learning from corrections"): a simulated reviewer corrects
 * the engine on half of the hand-written dev set (test/nlp-dev, documents at even positions in id
 * order) from its gold; the model learned from those corrections is given to the engine, which is
 * scored on the other half. Strict F1, overall and for MEDICAL_CONDITION, must go up, and no
 * category's strict F1, nor any trait's F1, may fall by more than a small tolerance. The figures
 * are printed.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNotes, loadSentences } from '../../../../src-main/nlp/eval/dev-set';
import { runLearningExperiment, splitDevSet } from '../../../../src-main/nlp/eval/learn';

const DEV = path.resolve(import.meta.dirname, '../../../nlp-dev');
const TOLERANCE = 0.01;

describe('learning from corrections on the dev set', () => {
  const documents = [...loadSentences(path.join(DEV, 'sentences')), ...loadNotes(path.join(DEV, 'notes'))];

  it('splits the dev set deterministically into two disjoint halves', () => {
    const { corrected, heldOut } = splitDevSet(documents);
    expect(corrected.length + heldOut.length).toBe(documents.length);
    const ids = new Set(corrected.map((d) => d.id));
    expect(heldOut.some((d) => ids.has(d.id))).toBe(false);
    expect(splitDevSet([...documents].reverse()).corrected.map((d) => d.id)).toEqual(corrected.map((d) => d.id));
    // Both halves hold sentences and notes.
    for (const half of [corrected, heldOut]) expect(new Set(half.map((d) => d.part))).toEqual(new Set(['sentences', 'notes']));
  });

  it('F1 on the held-out half goes up after the corrections on the other half', { timeout: 180_000 }, () => {
    const x = runLearningExperiment(documents);
    const f = (n: number | undefined): string => (n ?? 0).toFixed(4);
    const rows = [
      `corrected ${x.correctedDocuments} documents, held out ${x.heldOutDocuments}`,
      `simulated review: ${x.review.corrections} corrections (rejected ${x.review.rejected}, re-spanned ${x.review.respanned}, edited ${x.review.edited}, added ${x.review.added}); ${x.review.accepted} accepted as is`,
      `learned: ${x.model.suppressions.length} suppressions, ${x.model.terms.length} terms, ${x.model.concepts.length} concepts, ${x.model.triggers.length} triggers, ${x.model.pseudoTriggers.length} pseudo-triggers, ${x.model.rejectedConcepts.length} rejected links (${x.model.version})`,
      `strict F1 overall           ${f(x.before.strict.overall.f1)} -> ${f(x.after.strict.overall.f1)}`,
      ...Object.keys(x.before.strict.byCategory).map((c) => `strict F1 ${c.padEnd(32)} ${f(x.before.strict.byCategory[c]?.f1)} -> ${f(x.after.strict.byCategory[c]?.f1)}`),
      `overlap F1 overall          ${f(x.before.overlap.overall.f1)} -> ${f(x.after.overlap.overall.f1)}`,
      `ICD-10-CM accuracy@1        ${f(x.before.linking.icd10cm.accuracyAt1)} -> ${f(x.after.linking.icd10cm.accuracyAt1)}`,
      `RxNorm accuracy@1           ${f(x.before.linking.rxnorm.accuracyAt1)} -> ${f(x.after.linking.rxnorm.accuracyAt1)}`,
      ...Object.keys(x.before.traits).map((t) => `trait F1 ${t.padEnd(20)} ${f(x.before.traits[t]?.f1)} -> ${f(x.after.traits[t]?.f1)}`),
    ];
    console.log(rows.join('\n'));

    expect(x.review.corrections).toBeGreaterThan(100);
    expect(x.after.strict.overall.f1).toBeGreaterThan(x.before.strict.overall.f1);
    expect(x.after.strict.byCategory['MEDICAL_CONDITION']!.f1).toBeGreaterThan(x.before.strict.byCategory['MEDICAL_CONDITION']!.f1);
    for (const [category, before] of Object.entries(x.before.strict.byCategory)) {
      expect(x.after.strict.byCategory[category]!.f1, category).toBeGreaterThanOrEqual(before.f1 - TOLERANCE);
    }
    for (const [trait, before] of Object.entries(x.before.traits)) {
      expect(x.after.traits[trait]!.f1, trait).toBeGreaterThanOrEqual(before.f1 - TOLERANCE);
    }
    expect(x.after.linking.icd10cm.accuracyAt1).toBeGreaterThanOrEqual(x.before.linking.icd10cm.accuracyAt1 - TOLERANCE);
  });
});
