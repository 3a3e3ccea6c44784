/**
 * The engine as a whole (src-main/nlp/engine.ts): offsets always slice back to the text, Ids are
 * in order, overlaps are resolved, a long note (analysed in windows) gives what its parts give
 * one by one, and caller-given spans come back in order with their traits.
 */
import { describe, expect, it } from 'vitest';
import { createNlpEngine, resolveMentionOverlaps } from '../../../../src-main/nlp/engine';
import { WHOLE_TEXT_MAX } from '../../../../src-main/nlp/long-text';
import type { Entity, Mention } from '../../../../src-main/nlp/types';
import { samplePopulation } from '../../../../src-main/sample/generator';

const engine = createNlpEngine();

function notes(patients: number, seed: string): string[] {
  const texts: string[] = [];
  for (const batch of samplePopulation({ patients, seed })) {
    for (const resource of batch.resources) {
      const data = resource.resourceType === 'DocumentReference' ? resource.content?.[0]?.attachment?.data : undefined;
      if (data) texts.push(Buffer.from(data, 'base64').toString('utf8'));
    }
  }
  return texts;
}

function checkShape(text: string, entities: Entity[]): void {
  let lastBegin = -1;
  const attributeIds = new Set<number>();
  entities.forEach((e, i) => {
    expect(e.Id).toBe(i);
    expect(text.slice(e.BeginOffset, e.EndOffset)).toBe(e.Text);
    expect(e.BeginOffset).toBeGreaterThanOrEqual(lastBegin);
    lastBegin = e.BeginOffset;
    for (const a of e.Attributes ?? []) {
      expect(text.slice(a.BeginOffset, a.EndOffset)).toBe(a.Text);
      expect(a.Id).toBeGreaterThanOrEqual(entities.length);
      expect(attributeIds.has(a.Id)).toBe(false);
      attributeIds.add(a.Id);
    }
  });
}

describe('NLP engine', () => {
  it('finds conditions, medications, PHI and traits in a short note, offsets exact', () => {
    const text = 'HPI: 67 yo M seen 03/04/2019. Denies chest pain. h/o HTN. Mother with breast cancer.\nMeds: metformin 500 mg tablet PO BID.\nReturn if fever develops.';
    const entities = engine.analyze(text);
    checkShape(text, entities);
    const by = (t: string) => entities.find((e) => e.Text === t);
    expect(by('67 yo')?.Type).toBe('AGE');
    expect(by('03/04/2019')?.Type).toBe('DATE');
    expect(by('chest pain')?.Traits.map((t) => t.Name)).toContain('NEGATION');
    expect(by('breast cancer')?.Traits.map((t) => t.Name)).toContain('PERTAINS_TO_FAMILY');
    expect(by('fever')?.Traits.map((t) => t.Name)).toContain('HYPOTHETICAL');
    expect(by('HTN')?.ICD10CMConcepts?.[0]?.Code).toBe('I10');
    const metformin = by('metformin');
    expect(metformin?.Attributes?.map((a) => a.Type)).toEqual(expect.arrayContaining(['STRENGTH', 'FORM', 'ROUTE_OR_MODE', 'FREQUENCY']));
    // Strength and form written: the clinical drug (SCD) ranks first, the ingredient after it.
    expect(metformin?.RxNormConcepts?.[0]?.Code).toBe('861007');
    expect(metformin?.RxNormConcepts?.map((c) => c.Code)).toContain('6809');
    expect(engine.analyze('')).toEqual([]);
  });

  it('codes an event that is over as history, finds the clinical drug from a dose in mcg, and keeps units out of anatomy', () => {
    const text = 'Sodium 138 mmol/L, TSH 2.1 mIU/L. Levothyroxine 50 mcg tablet daily. s/p MI in 2015.';
    const entities = engine.analyze(text);
    checkShape(text, entities);
    expect(entities.filter((e) => e.Category === 'ANATOMY')).toEqual([]);
    const mi = entities.find((e) => e.Text === 'MI');
    expect(mi?.Traits.map((t) => t.Name)).toContain('PAST_HISTORY');
    expect(mi?.ICD10CMConcepts?.[0]?.Code).toBe('I25.2');
    const current = engine.analyze('Admitted with an acute MI.').find((e) => e.Category === 'MEDICAL_CONDITION');
    expect(current?.ICD10CMConcepts?.[0]?.Code).toMatch(/^I21/);
    const levothyroxine = entities.find((e) => e.Text === 'Levothyroxine');
    // RxNorm SCD "levothyroxine sodium 0.05 MG Oral Tablet" before the ingredient (10582).
    expect(levothyroxine?.RxNormConcepts?.[0]?.Code).toBe('966221');
    expect(levothyroxine?.RxNormConcepts?.map((c) => c.Code)).toContain('10582');
  });

  it('keeps one mention per character: PHI dates first, then the longer span', () => {
    const m = (begin: number, end: number, category: Mention['category'], type: Mention['type'], score = 0.9): Mention => ({ begin, end, category, type, score });
    const kept = resolveMentionOverlaps(
      [m(0, 10, 'MEDICAL_CONDITION', 'DX_NAME'), m(5, 15, 'PROTECTED_HEALTH_INFORMATION', 'DATE'), m(20, 30, 'ANATOMY', 'SYSTEM_ORGAN_SITE'), m(20, 35, 'MEDICAL_CONDITION', 'DX_NAME'), m(40, 45, 'MEDICATION', 'GENERIC_NAME')],
      50,
    );
    expect(kept.map((k) => [k.begin, k.end, k.type])).toEqual([
      [5, 15, 'DATE'],
      [20, 35, 'DX_NAME'],
      [40, 45, 'GENERIC_NAME'],
    ]);
  });

  it('analyses a note of any length in windows and finds what its parts give one by one', () => {
    const parts = notes(12, 'engine-long');
    const separator = '\n\n';
    const text = parts.join(separator);
    expect(text.length).toBeGreaterThan(WHOLE_TEXT_MAX * 2);
    const whole = engine.analyze(text);
    checkShape(text, whole);
    const key = (e: Entity, shift: number) => `${e.BeginOffset + shift}:${e.EndOffset + shift}:${e.Type}:${e.Traits.map((t) => t.Name).sort().join(',')}`;
    const expected = new Set<string>();
    let offset = 0;
    for (const part of parts) {
      for (const e of engine.analyze(part)) expected.add(key(e, offset));
      offset += part.length + separator.length;
    }
    const got = new Set(whole.map((e) => key(e, 0)));
    const shared = [...got].filter((k) => expected.has(k)).length;
    // Windows cut at blank lines inside a note and borrow its section heading: nearly everything agrees.
    expect(shared / expected.size).toBeGreaterThan(0.99);
    expect(shared / got.size).toBeGreaterThan(0.99);
  });

  it('assertSpans: one entity per given span, in order, with the dictionary category when the caller gives none', () => {
    const text = 'No chest pain. Father had colon cancer. Will start lisinopril.';
    const spans = [
      { begin: text.indexOf('colon cancer'), end: text.indexOf('colon cancer') + 12 },
      { begin: 3, end: 13 },
      { begin: text.indexOf('lisinopril'), end: text.indexOf('lisinopril') + 10, category: 'MEDICATION' as const },
    ];
    const result = engine.assertSpans(text, spans);
    expect(result.map((e) => [e.BeginOffset, e.EndOffset])).toEqual(spans.map((s) => [s.begin, s.end]));
    expect(result[0]!.Traits.map((t) => t.Name)).toContain('PERTAINS_TO_FAMILY');
    expect(result[1]!.Traits.map((t) => t.Name)).toContain('NEGATION');
    expect(result[1]!.Category).toBe('MEDICAL_CONDITION');
    expect(result[2]!.Category).toBe('MEDICATION');
    expect(result[2]!.Type).toBe('GENERIC_NAME');
  });
});
