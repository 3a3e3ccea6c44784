/**
 * Which learned rules can touch a note (nlp/learning/relevance.ts): the per-note stamp that lets a
 * new model re-run only the notes it can change. The test never misses a rule the matcher or the
 * ConText phrases would apply (plurals, hyphens, case, accents), and a rule elsewhere leaves a
 * note's stamp as it was.
 */
import { describe, expect, it } from 'vitest';
import { emptyModel, withVersion, type LearnedModel } from '../../../../src-main/nlp/learning/model';
import { learnedStamps, versionsForText, withLearnedStamps } from '../../../../src-main/nlp/learning/relevance';

function model(parts: Partial<Omit<LearnedModel, 'version' | 'format' | 'source'>>): LearnedModel {
  const { version: _version, ...empty } = emptyModel();
  return withVersion({ ...empty, ...parts });
}

const suppression = { text: 'wound care', category: 'TEST_TREATMENT_PROCEDURE' as const, scope: 'section' as const, section: 'plan' as const, rejected: 2, accepted: 0 };
const term = { form: 'pre-diabetes', category: 'MEDICAL_CONDITION' as const, type: 'DX_NAME' as const, added: 2, ignored: 0 };
const trigger = { phrase: 'nil', trait: 'NEGATION' as const, direction: 'forward' as const, window: 2, categories: ['MEDICAL_CONDITION' as const], support: 2, against: 0 };
const pseudo = { phrase: 'no worsening', trait: 'NEGATION' as const, trigger: 'no', support: 2, against: 0 };

describe('learned stamps', () => {
  it('name a note only when a rule can touch it', () => {
    const stamps = learnedStamps(model({ suppressions: [suppression], terms: [term], triggers: [trigger], pseudoTriggers: [pseudo] }))!;
    // Every word of the rule, as the matcher folds it: plural, case, hyphen written or not.
    expect(stamps.stampOf('PLAN:\nWound cares as before.')).toMatch(/^learned-[0-9a-f]{12}$/);
    expect(stamps.stampOf('History of prediabetes.')).toBeDefined();
    expect(stamps.stampOf('History of pre diabetes.')).toBeDefined();
    expect(stamps.stampOf('Nil fever.')).toBeDefined();
    expect(stamps.stampOf('NO WORSENING of pain.')).toBeDefined();
    // One word of a rule is not enough.
    expect(stamps.stampOf('Wound healing well; continue dressing changes.')).toBeUndefined();
    expect(stamps.stampOf('Care at home by his wife.')).toBeUndefined();
    expect(stamps.stampOf('Diabetes, no change.')).toBeUndefined();
    expect(learnedStamps(emptyModel())).toBeUndefined();
  });

  it('stay the same for a note when rules it does not contain are added, or evidence of its own rules grows', () => {
    const text = 'PLAN:\nContinue wound care to the sacrum.';
    const before = learnedStamps(model({ suppressions: [suppression] }))!;
    const unrelated = learnedStamps(model({ suppressions: [suppression], terms: [term], triggers: [trigger] }))!;
    const moreEvidence = learnedStamps(model({ suppressions: [{ ...suppression, rejected: 5 }] }))!;
    const widened = learnedStamps(model({ suppressions: [{ ...suppression, scope: 'anywhere' }] }))!;
    expect(unrelated.version).not.toBe(before.version);
    expect(unrelated.stampOf(text)).toBe(before.stampOf(text));
    expect(moreEvidence.stampOf(text)).toBe(before.stampOf(text));
    expect(widened.stampOf(text)).not.toBe(before.stampOf(text));
  });

  it('replace the model version in what a result is stamped with', async () => {
    const learned = model({ suppressions: [suppression] });
    const versions = { engine: 'e', lexicon: 'l', packs: ['icd10cm-x', learned.version] };
    const stamps = learnedStamps(learned)!;
    expect(versionsForText(versions, stamps, 'Recheck potassium.')).toEqual({ engine: 'e', lexicon: 'l', packs: ['icd10cm-x'] });
    expect(versionsForText(versions, stamps, 'PLAN: wound care.').packs).toEqual(['icd10cm-x', stamps.stampOf('PLAN: wound care.')]);
    const analyzer = withLearnedStamps({ versions, analyze: async () => [] }, learned);
    expect(analyzer.versions).toBe(versions);
    expect(analyzer.versionsFor?.('Recheck potassium.').packs).toEqual(['icd10cm-x']);
    expect(await analyzer.analyze('x')).toEqual([]);
  });
});
