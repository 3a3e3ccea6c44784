import { describe, expect, it } from 'vitest';
import { detectAttributeSpans } from '../../../../src-main/nlp/attributes';
import type { AttributeType } from '../../../../src-main/nlp/types';

/** The spans of one type, as text. */
function spans(text: string, type: AttributeType): string[] {
  return detectAttributeSpans({ text })
    .filter((s) => s.type === type)
    .map((s) => text.slice(s.begin, s.end));
}

describe('detectAttributeSpans', () => {
  it('finds strengths as RxNorm writes them (mg, mEq, %, per volume)', () => {
    expect(spans('metformin 500 mg, digoxin 0.125 mg, KCl 20 mEq', 'STRENGTH')).toEqual(['500 mg', '0.125 mg', '20 mEq']);
    expect(spans('amoxicillin 250 mg/5 mL suspension and 2.5% hydrocortisone cream', 'STRENGTH')).toEqual(['250 mg/5 mL', '2.5%']);
    expect(spans('hydrocodone-acetaminophen 5-325 mg', 'STRENGTH')).toEqual(['5-325 mg']);
  });

  it('does not read a lab concentration as a strength', () => {
    expect(spans('glucose 93 mg/dL, creatinine 1.4 mg/dl', 'STRENGTH')).toEqual([]);
  });

  it('finds doses: counts, units, and amounts RxNorm writes differently (mcg, g)', () => {
    expect(spans('take 1 tablet, 2 puffs, 10 units, 1/2 tab, two capsules, 5 mL', 'DOSAGE')).toEqual(['1 tablet', '2 puffs', '10 units', '1/2 tab', 'two capsules', '5 mL']);
    expect(spans('levothyroxine 50 mcg, ceftriaxone 1 g, vitamin D 50,000 units', 'DOSAGE')).toEqual(['50 mcg', '1 g', '50,000 units']);
  });

  it('finds routes', () => {
    const text = 'PO, by mouth, IV, intravenously, IM, SC, subq, inhaled, topical, SL, PR, in each nostril, via G-tube';
    expect(spans(text, 'ROUTE_OR_MODE')).toEqual(['PO', 'by mouth', 'IV', 'intravenously', 'IM', 'SC', 'subq', 'inhaled', 'topical', 'SL', 'PR', 'in each nostril', 'via G-tube']);
  });

  it('finds frequencies, joining the pieces of one instruction', () => {
    expect(spans('lisinopril daily; metoprolol BID; b.i.d.; TID. QID; q6h; q 4-6 h; every 8 hours; at bedtime; qhs; weekly', 'FREQUENCY')).toEqual([
      'daily', 'BID', 'b.i.d.', 'TID', 'QID', 'q6h', 'q 4-6 h', 'every 8 hours', 'at bedtime', 'qhs', 'weekly',
    ]);
    expect(spans('acetaminophen 650 mg every 6 hours as needed for pain.', 'FREQUENCY')).toEqual(['every 6 hours as needed for pain']);
    expect(spans('benzonatate 100 mg TID PRN cough. Next', 'FREQUENCY')).toEqual(['TID PRN cough']);
    expect(spans('once daily in the morning with food', 'FREQUENCY')).toEqual(['once daily in the morning with food']);
    expect(spans('metformin BID. Will recheck', 'FREQUENCY')).toEqual(['BID']);
  });

  it('reads "twice daily for 7 days" both as a frequency with its course (the gold) and as frequency + duration', () => {
    const text = 'cephalexin 500 mg PO twice daily for 7 days';
    expect(spans(text, 'FREQUENCY')).toEqual(['twice daily for 7 days', 'twice daily']);
    expect(spans(text, 'DURATION')).toEqual(['for 7 days']);
  });

  it('finds durations and time expressions', () => {
    expect(spans('prednisone x 5 days, then for 2 weeks, a 10-day course', 'DURATION')).toEqual(['x 5 days', 'for 2 weeks', '10-day course']);
    expect(spans('cough for 3 days, fever x2 weeks, pain since yesterday, rash 2 days ago', 'TIME_EXPRESSION')).toEqual([
      'for 3 days', 'x2 weeks', 'since yesterday', '2 days ago',
    ]);
  });

  it('finds forms, with their release and route words', () => {
    expect(spans('tablet, capsule, inhaler, solution, cream, patch, injection, extended-release tablet, inhalation capsule', 'FORM')).toEqual([
      'tablet', 'capsule', 'inhaler', 'solution', 'cream', 'patch', 'injection', 'extended-release tablet', 'inhalation capsule',
    ]);
  });

  it('finds rates', () => {
    expect(spans('NS at 75 mL/hr, heparin 18 units/kg/hr, O2 2 L/min', 'RATE')).toEqual(['75 mL/hr', '18 units/kg/hr', '2 L/min']);
  });

  it('finds test values and the units right after them', () => {
    const text = 'A1c 7.8%, BP 142/88, HR 72 bpm, creatinine 1.4 mg/dL, WBC 11.2 x10^3/uL, eGFR 58 mL/min/1.73m2, T 37.2 C, wt 70.4 kg.';
    expect(spans(text, 'TEST_VALUE')).toEqual(['7.8', '142/88', '72', '1.4', '11.2', '58', '37.2', '70.4']);
    expect(spans(text, 'TEST_UNIT')).toEqual(['%', 'bpm', 'mg/dL', 'x10^3/uL', 'mL/min/1.73m2', 'C', 'kg']);
  });

  it('does not take a date for a value pair or a word for a unit', () => {
    const text = 'seen 11/12/16 with 3 Cough episodes';
    expect(spans(text, 'TEST_VALUE')).toEqual(['3']);
    expect(spans(text, 'TEST_UNIT')).toEqual([]);
  });
});
