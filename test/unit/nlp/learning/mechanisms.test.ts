/**
 * Each thing the engine learns from corrections (src-main/nlp/learning/), on small hand-made
 * review records: a suppression applies only in its context, a learned term is found in other
 * notes, a learned trigger asserts its trait on a later mention, a chosen concept goes first; and
 * the thresholds keep a single odd correction from reaching far.
 */
import { describe, expect, it } from 'vitest';
import { createNlpEngine } from '../../../../src-main/nlp/engine';
import { deriveLearning, type CorrectionAnnotation, type CorrectionNote } from '../../../../src-main/nlp/learning/derive';
import { emptyModel } from '../../../../src-main/nlp/learning/model';
import type { Entity, EntityCategory, EntityType, TraitName } from '../../../../src-main/nlp/types';

const base = createNlpEngine();

/** The engine's entities of a text as the review workspace would show them, all accepted. */
function engineAnnotations(text: string): CorrectionAnnotation[] {
  return base.analyze(text).map((e) => {
    const icd = e.Category === 'MEDICAL_CONDITION' ? e.ICD10CMConcepts?.[0] : undefined;
    const rx = e.Category === 'MEDICATION' ? e.RxNormConcepts?.[0] : undefined;
    const annotation: CorrectionAnnotation = {
      id: `e:${e.BeginOffset}-${e.EndOffset}-${e.Category}`,
      origin: 'engine',
      begin: e.BeginOffset,
      end: e.EndOffset,
      category: e.Category,
      type: e.Type,
      traits: e.Traits.map((t) => t.Name),
      decision: 'accepted',
    };
    if (icd) annotation.concept = { system: 'ICD10CM', code: icd.Code, display: icd.Description };
    if (rx) annotation.concept = { system: 'RXNORM', code: rx.Code, display: rx.Description };
    return annotation;
  });
}

function find(text: string, phrase: string, from = 0): [number, number] {
  const at = text.indexOf(phrase, from);
  if (at < 0) throw new Error(`"${phrase}" not in the text`);
  return [at, at + phrase.length];
}

/** A note reviewed with the engine's annotations accepted, except the changes given. */
function reviewed(documentId: string, text: string, change: (annotations: CorrectionAnnotation[]) => void, done = true): CorrectionNote {
  const annotations = engineAnnotations(text);
  change(annotations);
  return { documentId, text, done, annotations };
}

/** A note reviewed with the traits of its conditions changed. */
function withConditionTraits(id: string, text: string, change: (traits: readonly TraitName[]) => TraitName[]): CorrectionNote {
  return reviewed(id, text, (annotations) => {
    for (const a of annotations) if (a.category === 'MEDICAL_CONDITION') Object.assign(a, { traits: change(a.traits), edited: true });
  });
}

function reject(text: string, phrase: string, category: EntityCategory) {
  return (annotations: CorrectionAnnotation[]): void => {
    const [begin, end] = find(text, phrase);
    const a = annotations.find((x) => x.begin === begin && x.end === end && x.category === category);
    if (!a) throw new Error(`the engine did not find "${phrase}" as ${category}`);
    a.decision = 'rejected';
  };
}

function add(text: string, phrase: string, category: EntityCategory, type: EntityType, traits: TraitName[], n: number, extra: Partial<CorrectionAnnotation> = {}, from = 0): CorrectionAnnotation {
  const [begin, end] = find(text, phrase, from);
  return { id: `u:${n}`, origin: 'reviewer', begin, end, category, type, traits, decision: 'accepted', ...extra };
}

function has(entities: readonly Entity[], text: string, category: EntityCategory): boolean {
  return entities.some((e) => e.Text === text && e.Category === category);
}

describe('suppressions', () => {
  const note = 'PLAN:\nContinue wound care to the left heel daily.';
  it('the engine finds the mention to begin with', () => {
    expect(has(base.analyze(note), 'wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(true);
  });

  it('one rejection suppresses the text only between the same words in the same kind of section', () => {
    const model = deriveLearning([reviewed('n1', note, reject(note, 'wound care', 'TEST_TREATMENT_PROCEDURE'))]);
    expect(model.suppressions).toEqual([
      expect.objectContaining({ text: 'wound care', category: 'TEST_TREATMENT_PROCEDURE', scope: 'local', section: 'plan', before: 'continue', after: 'to', rejected: 1 }),
    ]);
    const engine = createNlpEngine({ learned: model });
    // The same place in another note: dropped.
    expect(has(engine.analyze('PLAN:\nContinue wound care to the sacrum.'), 'wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(false);
    // Other words around it, or another section: kept.
    expect(has(engine.analyze('PLAN:\nDaily wound care by nursing.'), 'wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(true);
    expect(has(engine.analyze('HOSPITAL COURSE:\nContinue wound care to the heel.'), 'wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(true);
  });

  it('two rejections in a kind of section suppress it in that section; three in two notes everywhere', () => {
    const a = 'PLAN:\nContinue wound care to the left heel daily.';
    const b = 'PLAN:\nDaily wound care by nursing.';
    const section = deriveLearning([reviewed('n1', a, reject(a, 'wound care', 'TEST_TREATMENT_PROCEDURE')), reviewed('n2', b, reject(b, 'wound care', 'TEST_TREATMENT_PROCEDURE'))]);
    expect(section.suppressions).toEqual([expect.objectContaining({ scope: 'section', section: 'plan', rejected: 2 })]);
    const engine = createNlpEngine({ learned: section });
    expect(has(engine.analyze('PLAN:\nWound care as before.'), 'Wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(false);
    expect(has(engine.analyze('HOSPITAL COURSE:\nWound care as before.'), 'Wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(true);

    const c = 'HOSPITAL COURSE:\nWound care was done.';
    const anywhere = deriveLearning([
      reviewed('n1', a, reject(a, 'wound care', 'TEST_TREATMENT_PROCEDURE')),
      reviewed('n2', b, reject(b, 'wound care', 'TEST_TREATMENT_PROCEDURE')),
      reviewed('n3', c, reject(c, 'Wound care', 'TEST_TREATMENT_PROCEDURE')),
    ]);
    expect(anywhere.suppressions).toEqual([expect.objectContaining({ scope: 'anywhere', rejected: 3 })]);
    expect(has(createNlpEngine({ learned: anywhere }).analyze('ASSESSMENT:\nwound care teaching.'), 'wound care', 'TEST_TREATMENT_PROCEDURE')).toBe(false);
  });

  it('acceptances of the same text there outweigh a rejection', () => {
    const a = 'PLAN:\nContinue wound care to the left heel daily.';
    const b = 'PLAN:\nContinue wound care to the sacrum.';
    const model = deriveLearning([reviewed('n1', a, reject(a, 'wound care', 'TEST_TREATMENT_PROCEDURE')), reviewed('n2', b, () => undefined)]);
    expect(model.suppressions).toEqual([]);
  });

  it('a re-spanned annotation only suppresses at its place, and a widened one not at all', () => {
    const texts = ['PLAN:\nContinue wound care to the left heel daily.', 'PLAN:\nDaily wound care by nursing.', 'HOSPITAL COURSE:\nWound care was done.'];
    const respan = (narrow: boolean) => (text: string, i: number) =>
      reviewed(`n${i}`, text, (annotations) => {
        const at = text.toLowerCase().indexOf('wound care');
        const a = annotations.find((x) => x.begin === at && x.category === 'TEST_TREATMENT_PROCEDURE');
        if (!a) throw new Error('no wound care');
        // Narrowed to "wound", or widened over the word after it.
        const end = narrow ? at + 5 : text.indexOf(' ', at + 11) < 0 ? text.length - 1 : text.indexOf(' ', at + 11);
        Object.assign(a, { end, edited: true });
      });
    const narrowed = deriveLearning(texts.map(respan(true)));
    expect(narrowed.suppressions.map((s) => s.scope)).toEqual(['local', 'local', 'local']);
    expect(deriveLearning(texts.map(respan(false))).suppressions).toEqual([]);
  });

  it('PHI is never suppressed', () => {
    const text = 'Patient: John Smith was seen today.';
    const names = base.analyze(text).filter((e) => e.Category === 'PROTECTED_HEALTH_INFORMATION');
    expect(names.length).toBeGreaterThan(0);
    const notes = ['n1', 'n2', 'n3'].map((id) =>
      reviewed(id, text, (annotations) => {
        for (const a of annotations) if (a.category === 'PROTECTED_HEALTH_INFORMATION') a.decision = 'rejected';
      }),
    );
    expect(deriveLearning(notes).suppressions).toEqual([]);
  });
});

describe('user terms', () => {
  const taught = 'ASSESSMENT:\nFindings consistent with glorbic syndrome of the wrist.';
  const other = 'HISTORY OF PRESENT ILLNESS:\nShe was diagnosed with glorbic syndrome last year and denies pain.';

  it('a term a reviewer added is found in other notes, with its code and class', () => {
    expect(has(base.analyze(other), 'glorbic syndrome', 'MEDICAL_CONDITION')).toBe(false);
    const model = deriveLearning([
      reviewed('n1', taught, (annotations) =>
        annotations.push(add(taught, 'glorbic syndrome', 'MEDICAL_CONDITION', 'DX_NAME', ['DIAGNOSIS'], 1, { concept: { system: 'ICD10CM', code: 'M79.89', display: 'Other specified soft tissue disorders' } })),
      ),
    ]);
    expect(model.terms).toEqual([expect.objectContaining({ form: 'glorbic syndrome', category: 'MEDICAL_CONDITION', type: 'DX_NAME', icd10: ['M79.89'], conditionClass: 'disease', added: 1, ignored: 0 })]);
    const found = createNlpEngine({ learned: model }).analyze(other).find((e) => e.Text === 'glorbic syndrome');
    expect(found?.Category).toBe('MEDICAL_CONDITION');
    expect(found?.ICD10CMConcepts?.[0]?.Code).toBe('M79.89');
    expect(found?.Traits.map((t) => t.Name)).toContain('DIAGNOSIS');
  });

  it('a term left unmarked in finished notes as often as marked is not learned', () => {
    const unmarked = 'PLAN:\nRecheck glorbic syndrome in clinic.';
    const model = deriveLearning([
      reviewed('n1', taught, (annotations) => annotations.push(add(taught, 'glorbic syndrome', 'MEDICAL_CONDITION', 'DX_NAME', [], 1))),
      reviewed('n2', unmarked, () => undefined),
    ]);
    expect(model.terms).toEqual([]);
    // A note not finished says nothing about what its reviewer left unmarked.
    const unfinished = deriveLearning([
      reviewed('n1', taught, (annotations) => annotations.push(add(taught, 'glorbic syndrome', 'MEDICAL_CONDITION', 'DX_NAME', [], 1))),
      reviewed('n2', unmarked, () => undefined, false),
    ]);
    expect(unfinished.terms).toHaveLength(1);
  });

  it('a re-typed engine annotation teaches its type (against the built-in lexicon, so the model does not depend on its own output)', () => {
    const text = 'PLAN:\nContinue wound care to the left heel daily.';
    const engineType = base.analyze(text).find((e) => e.Text === 'wound care')?.Type;
    const other = engineType === 'PROCEDURE_NAME' ? 'TREATMENT_NAME' : 'PROCEDURE_NAME';
    const model = deriveLearning([
      reviewed('n1', text, (annotations) => {
        const a = annotations.find((x) => x.category === 'TEST_TREATMENT_PROCEDURE' && text.slice(x.begin, x.end) === 'wound care')!;
        Object.assign(a, { type: other, edited: true });
      }),
    ]);
    expect(model.terms).toEqual([expect.objectContaining({ form: 'wound care', type: other })]);
    expect(createNlpEngine({ learned: model }).analyze('ASSESSMENT:\nNeeds wound care.').find((e) => e.Text === 'wound care')?.Type).toBe(other);
    // A trait-only edit proposes no term.
    const traitOnly = deriveLearning([
      reviewed('n1', text, (annotations) => {
        const a = annotations.find((x) => x.category === 'TEST_TREATMENT_PROCEDURE' && text.slice(x.begin, x.end) === 'wound care')!;
        Object.assign(a, { traits: ['FUTURE'], edited: true });
      }),
    ]);
    expect(traitOnly.terms).toEqual([]);
  });

  it('a re-spanned engine annotation teaches its new span', () => {
    const text = 'ASSESSMENT:\nAcute on chronic kidney disease flare.';
    const model = deriveLearning([
      reviewed('n1', text, (annotations) => {
        const a = annotations.find((x) => x.category === 'MEDICAL_CONDITION');
        if (!a) throw new Error('no condition found');
        const [begin, end] = find(text, 'kidney disease flare');
        Object.assign(a, { begin, end, edited: true });
      }),
    ]);
    expect(model.terms.map((t) => t.form)).toContain('kidney disease flare');
    const entities = createNlpEngine({ learned: model }).analyze('PLAN:\nWatch for kidney disease flare.');
    expect(has(entities, 'kidney disease flare', 'MEDICAL_CONDITION')).toBe(true);
  });
});

describe('trait triggers', () => {
  // "nil" is no trigger of the built-in ConText lexicon.
  const notes = ['fever today', 'cough at night', 'nausea after meals'].map((rest) => `REVIEW OF SYSTEMS:\nNil ${rest}.`);
  const negateAll = (id: string, text: string): CorrectionNote => withConditionTraits(id, text, (traits) => [...traits, 'NEGATION']);

  it('the built-in rules do not negate after "nil"', () => {
    const e = base.analyze('REVIEW OF SYSTEMS:\nNil headache.').find((x) => x.Text === 'headache');
    expect(e?.Traits.map((t) => t.Name)).not.toContain('NEGATION');
  });

  it('a trigger seen in two notes negates a later mention', () => {
    const model = deriveLearning([negateAll('n1', notes[0]!), negateAll('n2', notes[1]!)]);
    expect(model.triggers).toEqual([expect.objectContaining({ phrase: 'nil', trait: 'NEGATION', direction: 'forward', support: 2, against: 0, categories: ['MEDICAL_CONDITION'] })]);
    const engine = createNlpEngine({ learned: model });
    const e = engine.analyze('REVIEW OF SYSTEMS:\nNil headache.').find((x) => x.Text === 'headache');
    expect(e?.Traits.map((t) => t.Name)).toContain('NEGATION');
    // The caller-given spans of assertSpans use it too.
    const text = 'Nil dizziness.';
    expect(engine.assertSpans(text, [{ begin: 4, end: 13, category: 'MEDICAL_CONDITION' }])[0]!.Traits.map((t) => t.Name)).toContain('NEGATION');
  });

  it('one sighting, or mentions right after the phrase kept without the trait, teach nothing', () => {
    expect(deriveLearning([negateAll('n1', notes[0]!)]).triggers).toEqual([]);
    const taught = [negateAll('n1', notes[0]!), negateAll('n2', notes[1]!)];
    // A mention right after "nil" kept without NEGATION: precision 2/3, below 80%.
    const kept = reviewed('k1', 'REVIEW OF SYSTEMS:\nNil fever, but reports cough.', () => undefined);
    expect(deriveLearning([...taught, kept]).triggers).toEqual([]);
    // Farther from it than the phrase was ever seen from its targets, such a mention does not count against it.
    const far = reviewed('k2', 'REVIEW OF SYSTEMS:\nNil change in cough.', () => undefined);
    expect(deriveLearning([...taught, far]).triggers).toEqual([expect.objectContaining({ phrase: 'nil', against: 0 })]);
  });
});

describe('pseudo-triggers (a removed trait)', () => {
  // The built-in "no" negates what follows it; "no worsening of" is not a negation.
  const notes = ['his chest pain', 'the cough', 'her headache'].map((rest) => `HISTORY OF PRESENT ILLNESS:\nNo worsening of ${rest}.`);
  const unnegate = (id: string, text: string): CorrectionNote => withConditionTraits(id, text, (traits) => traits.filter((t) => t !== 'NEGATION'));
  const negated = (entities: readonly Entity[], text: string): boolean => entities.find((e) => e.Text === text)?.Traits.some((t) => t.Name === 'NEGATION') ?? false;

  it('the built-in rules negate after "no worsening of"', () => {
    expect(negated(base.analyze('HISTORY OF PRESENT ILLNESS:\nNo worsening of his dyspnea.'), 'dyspnea')).toBe(true);
  });

  it('a trait removed in two notes teaches a pseudo-trigger that hides the trigger there, and only there', () => {
    const model = deriveLearning([unnegate('n1', notes[0]!), unnegate('n2', notes[1]!)]);
    expect(model.pseudoTriggers).toEqual([{ phrase: 'no worsening', trait: 'NEGATION', trigger: 'no', support: 2, against: 0 }]);
    expect(model.triggers).toEqual([]);
    const engine = createNlpEngine({ learned: model });
    expect(negated(engine.analyze('HISTORY OF PRESENT ILLNESS:\nNo worsening of his dyspnea.'), 'dyspnea')).toBe(false);
    // "no" alone still negates.
    expect(negated(engine.analyze('HISTORY OF PRESENT ILLNESS:\nNo dyspnea.'), 'dyspnea')).toBe(true);
  });

  it('one sighting, or the trait kept after the same phrase, teaches nothing', () => {
    expect(deriveLearning([unnegate('n1', notes[0]!)]).pseudoTriggers).toEqual([]);
    // Kept negated after "no worsening" in a third note: precision 2/3, below 80%.
    const kept = reviewed('k1', notes[2]!, () => undefined);
    const model = deriveLearning([unnegate('n1', notes[0]!), unnegate('n2', notes[1]!), kept]);
    expect(model.pseudoTriggers).toEqual([]);
  });
});

describe('rejected concept links', () => {
  const text = 'ASSESSMENT:\nChest pain, atypical.';
  const chest = (entities: readonly Entity[]) => entities.find((e) => e.Text.toLowerCase() === 'chest pain' && e.Category === 'MEDICAL_CONDITION');
  const engineCodes = chest(base.analyze(text))?.ICD10CMConcepts ?? [];

  /** The reviewer keeps the mention and removes the engine's code (a wrong link, not a wrong mention). */
  const unlink = (id: string, note: string): CorrectionNote =>
    reviewed(id, note, (annotations) => {
      const a = annotations.find((x) => x.category === 'MEDICAL_CONDITION' && note.slice(x.begin, x.end).toLowerCase() === 'chest pain')!;
      const first = engineCodes[0]!;
      Object.assign(a, { engineConcept: { system: 'ICD10CM', code: first.Code, display: first.Description }, edited: true });
      delete a.concept;
    });

  it('the engine ranks more than one code for the mention', () => {
    expect(engineCodes.length).toBeGreaterThan(1);
  });

  it('demote the code in that context and keep the mention; a rejected mention is still dropped', () => {
    const model = deriveLearning([unlink('n1', text)]);
    expect(model.suppressions).toEqual([]);
    expect(model.rejectedConcepts).toEqual([
      expect.objectContaining({ text: 'chest pain', category: 'MEDICAL_CONDITION', system: 'ICD10CM', code: engineCodes[0]!.Code, scope: 'local', before: '', after: '', rejected: 1, accepted: 0 }),
    ]);
    const engine = createNlpEngine({ learned: model });
    const here = chest(engine.analyze('ASSESSMENT:\nChest pain, atypical, resolved.'));
    expect(here).toBeDefined();
    const codes = here!.ICD10CMConcepts!;
    expect(codes[0]!.Code).toBe(engineCodes[1]!.Code);
    const demoted = codes.find((c) => c.Code === engineCodes[0]!.Code)!;
    expect(codes.indexOf(demoted)).toBe(codes.length - 1);
    expect(demoted.Score).toBeLessThanOrEqual(Math.min(...codes.slice(0, -1).map((c) => c.Score)));
    // Elsewhere the link stands.
    expect(chest(engine.analyze('CHIEF COMPLAINT:\nChest pain for two days.'))?.ICD10CMConcepts?.[0]?.Code).toBe(chest(base.analyze('CHIEF COMPLAINT:\nChest pain for two days.'))?.ICD10CMConcepts?.[0]?.Code);
    // Rejecting the mention as a whole is another thing: a suppression, no rejected link.
    const rejected = deriveLearning([reviewed('n1', text, reject(text, 'Chest pain', 'MEDICAL_CONDITION'))]);
    expect(rejected.rejectedConcepts).toEqual([]);
    expect(rejected.suppressions).toEqual([expect.objectContaining({ text: 'chest pain', scope: 'local' })]);
  });

  it('a code kept there as often outweighs the rejection', () => {
    const again = 'ASSESSMENT:\nChest pain, atypical, improving.';
    const model = deriveLearning([unlink('n1', text), reviewed('n2', again, () => undefined)]);
    expect(model.rejectedConcepts).toEqual([]);
  });
});

describe('concepts', () => {
  it('the code reviewers chose for a text goes first', () => {
    const text = 'ASSESSMENT:\nChest pain, atypical.';
    const engineCode = base.analyze(text).find((e) => e.Text === 'Chest pain')?.ICD10CMConcepts?.[0]?.Code;
    expect(engineCode).toBeDefined();
    expect(engineCode).not.toBe('R07.89');
    const model = deriveLearning([
      reviewed('n1', text, (annotations) => {
        const a = annotations.find((x) => x.category === 'MEDICAL_CONDITION');
        if (!a) throw new Error('no condition');
        a.concept = { system: 'ICD10CM', code: 'R07.89', display: 'Other chest pain' };
        a.edited = true;
      }),
    ]);
    expect(model.concepts).toEqual([expect.objectContaining({ text: 'chest pain', code: 'R07.89', votes: 1, against: 0 })]);
    const e = createNlpEngine({ learned: model }).analyze('CHIEF COMPLAINT: chest pain.').find((x) => x.Text === 'chest pain');
    expect(e?.ICD10CMConcepts?.[0]?.Code).toBe('R07.89');
  });
});

describe('the model', () => {
  it('is the same for the same records in any order, and its version names its content', () => {
    const a = reviewed('n1', 'PLAN:\nContinue wound care to the left heel daily.', reject('PLAN:\nContinue wound care to the left heel daily.', 'wound care', 'TEST_TREATMENT_PROCEDURE'));
    const b = reviewed('n2', 'ASSESSMENT:\nglorbic syndrome.', (annotations) => annotations.push(add('ASSESSMENT:\nglorbic syndrome.', 'glorbic syndrome', 'MEDICAL_CONDITION', 'DX_NAME', [], 1)));
    const one = deriveLearning([a, b]);
    const two = deriveLearning([b, a]);
    expect(two).toEqual(one);
    expect(one.version).toMatch(/^learned-[0-9a-f]{12}$/);
    expect(deriveLearning([a]).version).not.toBe(one.version);
    expect(one.source).toEqual({ records: 2, notes: 2, corrections: 2 });
  });

  it('goes into the stamp when it has rules, so notes analysed without it are outdated', () => {
    const model = deriveLearning([reviewed('n1', 'ASSESSMENT:\nglorbic syndrome.', (annotations) => annotations.push(add('ASSESSMENT:\nglorbic syndrome.', 'glorbic syndrome', 'MEDICAL_CONDITION', 'DX_NAME', [], 1)))]);
    expect(createNlpEngine({ learned: model }).versions.packs).toEqual([model.version]);
    expect(createNlpEngine({ learned: emptyModel() }).versions.packs).toEqual([]);
    // Plain data: a worker thread is given it as it is.
    expect(structuredClone(model)).toEqual(model);
  });
});
