/** Sentence splitting (src-main/nlp/text/sentences.ts) on the text that breaks naive splitters. */
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src-main/nlp/text/index';

const sentences = (text: string): string[] => analyzeText(text).sentences.map((sentence) => text.slice(sentence.begin, sentence.end));

describe('sentences', () => {
  it('splits at sentence punctuation followed by a capital', () => {
    expect(sentences('She denies fever. Reports cough! Any pain? No.')).toEqual(['She denies fever.', 'Reports cough!', 'Any pain?', 'No.']);
  });

  it('survives titles and Latin abbreviations', () => {
    expect(sentences('Seen by Dr. Smith today. Pt. is a 45 yo man. Lives on St. James St. near the clinic.')).toEqual([
      'Seen by Dr. Smith today.',
      'Pt. is a 45 yo man.',
      'Lives on St. James St. near the clinic.',
    ]);
    expect(sentences('Risk factors, e.g. smoking, vs. none. Ref. No. 5 applies.')).toEqual(['Risk factors, e.g. smoking, vs. none.', 'Ref. No. 5 applies.']);
  });

  it('survives dosing abbreviations and decimals', () => {
    expect(sentences('Metformin 500 mg p.o. b.i.d. with meals. Aspirin 81 mg. p.o. q.d. Creatinine 0.92 mg/dL. He is well.')).toEqual([
      'Metformin 500 mg p.o. b.i.d. with meals.',
      'Aspirin 81 mg. p.o. q.d.',
      'Creatinine 0.92 mg/dL.',
      'He is well.',
    ]);
    expect(sentences('Take 1 tab p.o. BID. Return in 2 weeks.')).toEqual(['Take 1 tab p.o. BID.', 'Return in 2 weeks.']);
  });

  it('makes each item of a numbered list a sentence, on separate lines or inline', () => {
    expect(sentences('1. HTN 2. DM 3. CKD')).toEqual(['1. HTN', '2. DM', '3. CKD']);
    expect(sentences('Plan:\n1. Continue lisinopril\n2. Recheck A1c in 3 months\n- Diet counseling\n* Exercise')).toEqual([
      '1. Continue lisinopril',
      '2. Recheck A1c in 3 months',
      '- Diet counseling',
      '* Exercise',
    ]);
    // A number that does not continue a list is no marker.
    expect(sentences('Pain is 5 on a scale of 10. Better today.')).toEqual(['Pain is 5 on a scale of 10.', 'Better today.']);
  });

  it('splits templated fields on one line and keeps values with their labels', () => {
    expect(sentences('BP: 142/88  HR: 72  RR: 16')).toEqual(['BP: 142/88', 'HR: 72', 'RR: 16']);
    expect(sentences('Patient: Jane Roe    MRN: S101\nDOB: 11/28/1958')).toEqual(['Patient: Jane Roe', 'MRN: S101', 'DOB: 11/28/1958']);
  });

  it('leaves headings out of sentences, inline ("CC: chest pain") or on their own line', () => {
    const text = 'HISTORY OF PRESENT ILLNESS:\nShe has pain.\nCC: chest pain';
    const doc = analyzeText(text);
    expect(doc.sentences.map((sentence) => text.slice(sentence.begin, sentence.end))).toEqual(['She has pain.', 'chest pain']);
    expect(doc.sentences.map((sentence) => doc.sections[sentence.section]!.kind)).toEqual(['history_of_present_illness', 'chief_complaint']);
  });

  it('joins a wrapped sentence across a line break but splits at blank lines and short template lines', () => {
    const wrapped = 'The patient is a 67-year-old man with a long history of poorly controlled\nhypertension and diabetes who presents today.';
    expect(sentences(wrapped)).toEqual([wrapped]);
    expect(sentences('Lungs clear\n\nHeart regular')).toEqual(['Lungs clear', 'Heart regular']);
    expect(sentences('Alert and oriented\nNo distress')).toEqual(['Alert and oriented', 'No distress']);
    expect(sentences('Ends with a colon:\nNew line')).toEqual(['Ends with a colon:', 'New line']);
  });

  it('drops the mtsamples ".," punctuation from sentence edges', () => {
    expect(sentences('She has asthma.,  Her only medication is Allegra.,')).toEqual(['She has asthma.', 'Her only medication is Allegra.']);
  });

  it('keeps every token of a sentence inside it, sentences in order and not overlapping', () => {
    const text = 'CC: cough\nHPI: 3 days of cough.  Denies fever. Dr. Lee saw her.\n1. URI 2. Asthma\nBP: 120/80  HR: 70';
    const doc = analyzeText(text);
    let previousEnd = 0;
    for (const sentence of doc.sentences) {
      expect(sentence.begin).toBeGreaterThanOrEqual(previousEnd);
      expect(doc.tokens[sentence.tokenStart]!.begin).toBe(sentence.begin);
      expect(doc.tokens[sentence.tokenEnd - 1]!.end).toBe(sentence.end);
      const section = doc.sections[sentence.section]!;
      expect(sentence.begin).toBeGreaterThanOrEqual(section.begin);
      expect(sentence.end).toBeLessThanOrEqual(section.end);
      previousEnd = sentence.end;
    }
  });
});
