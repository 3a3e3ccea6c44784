import { describe, expect, it } from 'vitest';
import { attachAttributes, detectAttributeSpans } from '../../../../src-main/nlp/attributes';
import type { EntityCategory, EntityType, Mention, NlpDocument } from '../../../../src-main/nlp/types';

/** A minimal NlpDocument: one sentence per line (the text stage is not needed to attach attributes). */
function documentOf(text: string): Pick<NlpDocument, 'text' | 'sentences'> {
  const sentences: NlpDocument['sentences'] = [];
  let begin = 0;
  for (const line of text.split('\n')) {
    sentences.push({ begin, end: begin + line.length, tokenStart: 0, tokenEnd: 0, section: 0 });
    begin += line.length + 1;
  }
  return { text, sentences };
}

type Spec = [phrase: string, category: EntityCategory, type: EntityType, occurrence?: number];

function mentionsOf(text: string, specs: readonly Spec[]): Mention[] {
  return specs.map(([phrase, category, type, occurrence = 0]) => {
    let begin = -1;
    for (let i = 0; i <= occurrence; i++) begin = text.indexOf(phrase, begin + 1);
    if (begin < 0) throw new Error(`"${phrase}" not in the test text`);
    return { begin, end: begin + phrase.length, category, type, score: 0.9 };
  });
}

/** Attributes of every mention as "TYPE:text" lists, and the time expressions as "TYPE:text". */
function attach(text: string, specs: readonly Spec[]) {
  const doc = documentOf(text);
  const mentions = mentionsOf(text, specs);
  const result = attachAttributes(doc, mentions, detectAttributeSpans(doc));
  return {
    result,
    attributes: result.byMention.map((list) => list.map((a) => `${a.span.type}:${text.slice(a.span.begin, a.span.end)}`)),
    times: result.timeExpressions.map((t) => `${t.type}:${text.slice(t.begin, t.end)}`),
  };
}

describe('attachAttributes: medications', () => {
  it('gives a medication its strength, form, route and frequency', () => {
    const { attributes, result } = attach('1. metformin 500 mg tablet PO BID', [['metformin', 'MEDICATION', 'GENERIC_NAME']]);
    expect(attributes[0]).toEqual(['STRENGTH:500 mg', 'FORM:tablet', 'ROUTE_OR_MODE:PO', 'FREQUENCY:BID']);
    for (const a of result.byMention[0]!) {
      expect(a.category).toBe('MEDICATION');
      expect(a.relationshipType).toBe(a.span.type);
      expect(a.relationshipScore).toBeGreaterThan(0.5);
    }
  });

  it('never gives one medication the attributes that follow the next one', () => {
    const { attributes } = attach('Start lisinopril 10 mg PO daily and atorvastatin 40 mg PO nightly.', [
      ['lisinopril', 'MEDICATION', 'GENERIC_NAME'],
      ['atorvastatin', 'MEDICATION', 'GENERIC_NAME'],
    ]);
    expect(attributes).toEqual([
      ['STRENGTH:10 mg', 'ROUTE_OR_MODE:PO', 'FREQUENCY:daily'],
      ['STRENGTH:40 mg', 'ROUTE_OR_MODE:PO', 'FREQUENCY:nightly'],
    ]);
  });

  it('keeps list items apart', () => {
    const { attributes } = attach('1. Lasix\n2. insulin glargine 20 units SC at bedtime', [
      ['Lasix', 'MEDICATION', 'BRAND_NAME'],
      ['insulin glargine', 'MEDICATION', 'GENERIC_NAME'],
    ]);
    expect(attributes).toEqual([[], ['DOSAGE:20 units', 'ROUTE_OR_MODE:SC', 'FREQUENCY:at bedtime']]);
  });

  it('takes a dose written before the drug', () => {
    const { attributes } = attach('Gave 2 puffs of albuterol.', [['albuterol', 'MEDICATION', 'GENERIC_NAME']]);
    expect(attributes[0]).toEqual(['DOSAGE:2 puffs']);
  });

  it('reads "1 tablet" as the dose, not as a form, and a course as the gold writes it', () => {
    const { attributes, times } = attach('cephalexin 500 mg 1 tablet by mouth four times daily for 7 days', [['cephalexin', 'MEDICATION', 'GENERIC_NAME']]);
    expect(attributes[0]).toEqual(['STRENGTH:500 mg', 'DOSAGE:1 tablet', 'ROUTE_OR_MODE:by mouth', 'FREQUENCY:four times daily for 7 days']);
    expect(times).toEqual([]);
  });

  it('gives a lone course to the medication as a DURATION', () => {
    const { attributes, times } = attach('prednisone 40 mg PO, continue for 5 days', [['prednisone', 'MEDICATION', 'GENERIC_NAME']]);
    expect(attributes[0]).toEqual(['STRENGTH:40 mg', 'ROUTE_OR_MODE:PO', 'DURATION:for 5 days']);
    expect(times).toEqual([]);
  });

  it('gives a rate to an infusion', () => {
    const { attributes } = attach('normal saline at 75 mL/hr IV', [['normal saline', 'MEDICATION', 'GENERIC_NAME']]);
    expect(attributes[0]).toEqual(['RATE:75 mL/hr', 'ROUTE_OR_MODE:IV']);
  });
});

describe('attachAttributes: tests', () => {
  it('makes blood pressure one test with the value "142/88"', () => {
    const { attributes, result } = attach('BP: 142/88, HR 72 bpm, SpO2 98% on room air.', [
      ['BP', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['HR', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['SpO2', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
    ]);
    expect(attributes).toEqual([['TEST_VALUE:142/88'], ['TEST_VALUE:72', 'TEST_UNIT:bpm'], ['TEST_VALUE:98', 'TEST_UNIT:%']]);
    expect(result.byMention[0]![0]!.category).toBe('TEST_TREATMENT_PROCEDURE');
  });

  it('reads values after filler words, with their units', () => {
    const { attributes } = attach('creatinine of 1.4 mg/dL, WBC 11.2, A1c was 7.8%.', [
      ['creatinine', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['WBC', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['A1c', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
    ]);
    expect(attributes).toEqual([['TEST_VALUE:1.4', 'TEST_UNIT:mg/dL'], ['TEST_VALUE:11.2'], ['TEST_VALUE:7.8', 'TEST_UNIT:%']]);
  });

  it('gives a test no value when something else stands between, and takes qualitative results', () => {
    const { attributes } = attach('Will recheck A1c in 3 months. Troponin negative x2. Pulses 2+ bilaterally.', [
      ['A1c', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['Troponin', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['Pulses', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
    ]);
    expect(attributes).toEqual([[], ['TEST_VALUE:negative'], []]);
  });

  it('reads a value after a change verb or a comparison', () => {
    const { attributes } = attach('INR rose to 3.6 on antibiotics.\nTransfuse if Hgb < 7.\nhs-Troponin 4 ng/L at 2 h.', [
      ['INR', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['Hgb', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['hs-Troponin', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
    ]);
    expect(attributes).toEqual([['TEST_VALUE:3.6'], ['TEST_VALUE:7'], ['TEST_VALUE:4', 'TEST_UNIT:ng/L']]);
  });

  it('does not give a medication strength to a test or a test value to a medication', () => {
    const { attributes } = attach('potassium 3.2 mmol/L, started KCl 20 mEq PO', [
      ['potassium', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['KCl', 'MEDICATION', 'GENERIC_NAME'],
    ]);
    expect(attributes).toEqual([['TEST_VALUE:3.2', 'TEST_UNIT:mmol/L'], ['STRENGTH:20 mEq', 'ROUTE_OR_MODE:PO']]);
  });
});

describe('attachAttributes: anatomy', () => {
  it('gives a condition the site and direction it is found at', () => {
    const text = 'Lungs: crackles at the right lung base.';
    const { result } = attach(text, [
      ['Lungs', 'ANATOMY', 'SYSTEM_ORGAN_SITE'],
      ['crackles', 'MEDICAL_CONDITION', 'DX_NAME'],
      ['right', 'ANATOMY', 'DIRECTION'],
      ['lung base', 'ANATOMY', 'SYSTEM_ORGAN_SITE'],
    ]);
    const crackles = result.byMention[1]!.map((a) => `${a.relationshipType}:${text.slice(a.span.begin, a.span.end)}:${a.mentionIndex}`);
    // "Lungs:" labels the line; it is not written against "crackles".
    expect(crackles).toEqual(['DIRECTION:right:2', 'SYSTEM_ORGAN_SITE:lung base:3']);
    expect(result.byMention[1]!.every((a) => a.category === 'ANATOMY')).toBe(true);
  });

  it('gives a site written before its condition to that condition, not to the one before', () => {
    const { result } = attach('Swelling noted; left knee pain worse.', [
      ['Swelling', 'MEDICAL_CONDITION', 'DX_NAME'],
      ['left', 'ANATOMY', 'DIRECTION'],
      ['knee', 'ANATOMY', 'SYSTEM_ORGAN_SITE'],
      ['pain', 'MEDICAL_CONDITION', 'DX_NAME'],
    ]);
    expect(result.byMention[0]).toEqual([]);
    expect(result.byMention[3]!.map((a) => a.mentionIndex)).toEqual([1, 2]);
  });

  it('leaves anatomy with no condition or procedure in its sentence unattached', () => {
    const { attributes } = attach('Heart: regular rate and rhythm.\nAbdomen soft.', [
      ['Heart', 'ANATOMY', 'SYSTEM_ORGAN_SITE'],
      ['Abdomen', 'ANATOMY', 'SYSTEM_ORGAN_SITE'],
    ]);
    expect(attributes).toEqual([[], []]);
  });
});

describe('attachAttributes: time expressions', () => {
  it('types a time expression by what it relates to, and lists it among its owner\'s attributes', () => {
    const text = 'Presents with cough for 3 days. Chest x-ray 2 days ago was clear. Fever since yesterday.';
    const { times, result } = attach(text, [
      ['cough', 'MEDICAL_CONDITION', 'DX_NAME'],
      ['Chest x-ray', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['Fever', 'MEDICAL_CONDITION', 'DX_NAME'],
    ]);
    expect(times).toEqual(['TIME_TO_DX_NAME:for 3 days', 'TIME_TO_TEST_NAME:2 days ago', 'TIME_TO_DX_NAME:since yesterday']);
    expect(result.timeExpressionOf).toEqual([0, 1, 2]);
    const cough = result.byMention[0]!.map((a) => [a.span.type, a.category, a.relationshipType, a.timeExpressionIndex]);
    expect(cough).toEqual([['TIME_EXPRESSION', 'TIME_EXPRESSION', 'TIME_EXPRESSION', 0]]);
    for (const t of result.timeExpressions) {
      expect(t.category).toBe('TIME_EXPRESSION');
      expect(t.score).toBeGreaterThan(0.5);
    }
  });

  it('reads "3 days of fever" as the time of what follows', () => {
    const text = 'On warfarin, presented with 3 days of fever.';
    const { times, result } = attach(text, [
      ['warfarin', 'MEDICATION', 'GENERIC_NAME'],
      ['fever', 'MEDICAL_CONDITION', 'DX_NAME'],
    ]);
    expect(times).toEqual(['TIME_TO_DX_NAME:3 days']);
    expect(result.timeExpressionOf).toEqual([1]);
  });

  it('gives no time expression when nothing it could belong to is near', () => {
    expect(attach('Follow up for 3 days.', []).times).toEqual([]);
  });
});

describe('attachAttributes: input and output shape', () => {
  it('returns one list per mention, in the order given, even for PHI mentions', () => {
    const text = 'Dr. Chen started metformin 500 mg PO BID.';
    const { result } = attach(text, [
      ['metformin', 'MEDICATION', 'GENERIC_NAME'],
      ['Dr. Chen', 'PROTECTED_HEALTH_INFORMATION', 'NAME'],
    ]);
    expect(result.byMention).toHaveLength(2);
    expect(result.byMention[0]).toHaveLength(3);
    expect(result.byMention[1]).toEqual([]);
  });

  it('works without sentences (lines and ". " are the scopes)', () => {
    const text = 'metformin 500 mg PO BID. Aspirin 81 mg daily.';
    const mentions = mentionsOf(text, [
      ['metformin', 'MEDICATION', 'GENERIC_NAME'],
      ['Aspirin', 'MEDICATION', 'GENERIC_NAME'],
    ]);
    const result = attachAttributes({ text, sentences: [] }, mentions, detectAttributeSpans({ text }));
    expect(result.byMention.map((l) => l.length)).toEqual([3, 2]);
  });

  it('keeps an attribute around an entity inside it ("L" of "mmol/L", "pain" of "as needed for pain")', () => {
    const text = 'potassium 4.1 mmol/L. acetaminophen 650 mg PO every 6 hours as needed for pain.';
    const { attributes } = attach(text, [
      ['potassium', 'TEST_TREATMENT_PROCEDURE', 'TEST_NAME'],
      ['L', 'ANATOMY', 'DIRECTION'],
      ['acetaminophen', 'MEDICATION', 'GENERIC_NAME'],
      ['pain', 'MEDICAL_CONDITION', 'DX_NAME'],
    ]);
    expect(attributes[0]).toEqual(['TEST_VALUE:4.1', 'TEST_UNIT:mmol/L']);
    expect(attributes[2]).toEqual(['STRENGTH:650 mg', 'ROUTE_OR_MODE:PO', 'FREQUENCY:every 6 hours as needed for pain']);
  });

  it('never lets an attribute overlap a recognised entity', () => {
    const text = 'Take vitamin B12 1000 mcg daily.';
    const { attributes } = attach(text, [['vitamin B12', 'MEDICATION', 'GENERIC_NAME']]);
    expect(attributes[0]).toEqual(['DOSAGE:1000 mcg', 'FREQUENCY:daily']);
  });
});
