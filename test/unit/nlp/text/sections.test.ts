/** Section detection (src-main/nlp/text/sections.ts): the headings clinicians write, in their case and punctuation variants. */
import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../../../src-main/nlp/text/index';
import type { SectionKind } from '../../../../src-main/nlp/types';

const kinds = (text: string): SectionKind[] => analyzeText(text).sections.map((section) => section.kind);
const headings = (text: string): string[] => analyzeText(text).sections.map((section) => section.heading);

describe('sections', () => {
  it.each<[string, SectionKind]>([
    ['CC: chest pain', 'chief_complaint'],
    ['Chief Complaint: chest pain', 'chief_complaint'],
    ['HPI:\nfoo', 'history_of_present_illness'],
    ['HISTORY OF PRESENT ILLNESS:\nfoo', 'history_of_present_illness'],
    ['PMH: HTN', 'past_medical_history'],
    ['Past Medical History:\nHTN', 'past_medical_history'],
    ['PSH: appendectomy', 'past_surgical_history'],
    ['Meds: lisinopril', 'medications'],
    ['Current medications:\nnone', 'medications'],
    ['Allergies: NKDA', 'allergies'],
    ['FH: mother with DM', 'family_history'],
    ['FHx:\nmother with DM', 'family_history'],
    ['SH: never smoker', 'social_history'],
    ['ROS: negative', 'review_of_systems'],
    ['Review of systems:\nnegative', 'review_of_systems'],
    ['PE: normal', 'physical_exam'],
    ['Exam:\nnormal', 'physical_exam'],
    ['Physical Examination:\nnormal', 'physical_exam'],
    ['Vitals: BP 120/80', 'vital_signs'],
    ['Labs: normal', 'labs'],
    ['Imaging: CXR clear', 'imaging'],
    ['Hospital course:\nuneventful', 'hospital_course'],
    ['Assessment: HTN', 'assessment'],
    ['Impression: HTN', 'assessment'],
    ['Plan: continue', 'plan'],
    ['A/P: HTN, continue', 'assessment_and_plan'],
    ['Assessment and Plan:\n1. HTN', 'assessment_and_plan'],
    ['Discharge instructions:\nrest', 'discharge_instructions'],
    ['Follow-up: 2 weeks', 'follow_up'],
    ['Follow up: 2 weeks', 'follow_up'],
    ['POSTOPERATIVE DIAGNOSIS: same', 'assessment'],
  ])('maps %j to %s', (text, kind) => {
    expect(kinds(text)).toEqual([kind]);
  });

  it('finds a heading alone on its line without a colon, and an implicit first section before the first heading', () => {
    const text = 'PROGRESS NOTE\nPatient: Jane Roe\n\nAssessment and Plan\nHTN, continue lisinopril.';
    const doc = analyzeText(text);
    expect(doc.sections.map((section) => section.kind)).toEqual(['unknown', 'assessment_and_plan']);
    expect(doc.sections[0]!.heading).toBe('');
    expect(doc.sections[1]!.heading).toBe('Assessment and Plan');
    expect(text.slice(doc.sections[1]!.begin, doc.sections[1]!.end).trim()).toBe('HTN, continue lisinopril.');
  });

  it('does not treat templated fields as headings ("Heart:", "Patient:", "Constitutional:")', () => {
    expect(kinds('EXAM:\nHeart: RRR.\nLungs: clear.\nConstitutional: well.')).toEqual(['physical_exam']);
    expect(kinds('Patient: Jane Roe    MRN: 123')).toEqual(['unknown']);
  });

  it('finds mtsamples-style inline upper-case headings after sentence punctuation', () => {
    const text = 'SUBJECTIVE:,  She has allergies.,PAST MEDICAL HISTORY:, Hypertension.,MEDICATIONS: , Allegra.,OBJECTIVE:,HEENT:  Clear.,Lungs:  Clear.,ASSESSMENT:,  Allergic rhinitis.';
    expect(kinds(text)).toEqual(['history_of_present_illness', 'past_medical_history', 'medications', 'physical_exam', 'assessment']);
    expect(headings(text)).toEqual(['SUBJECTIVE:', 'PAST MEDICAL HISTORY:', 'MEDICATIONS:', 'OBJECTIVE:', 'ASSESSMENT:']);
  });

  it('opens an unknown section for an unrecognised upper-case heading, but not for sub-labels inside the exam', () => {
    expect(kinds('ALLERGIES:, None.,MISCELLANEOUS/EATING HISTORY:, He eats well.')).toEqual(['allergies', 'unknown']);
    expect(kinds('PHYSICAL EXAMINATION:\nGENERAL:\nWell.\nHEENT:\nNormal.')).toEqual(['physical_exam']);
  });

  it('does not take a lower-case word before a colon in the middle of a sentence for a heading', () => {
    expect(kinds('HPI: she came for the plan: to start insulin.')).toEqual(['history_of_present_illness']);
    expect(kinds('HPI: chest pain. Plan: start aspirin.')).toEqual(['history_of_present_illness', 'plan']);
  });

  it('covers the text with sections in order, bodies after their headings', () => {
    const text = 'Intro text.\nHPI: pain.\nPMH:\nHTN.\nPlan: rest.';
    const sections = analyzeText(text).sections;
    expect(sections[0]!.begin).toBe(0);
    expect(sections[sections.length - 1]!.end).toBe(text.length);
    for (let i = 1; i < sections.length; i++) {
      expect(sections[i]!.headingBegin).toBe(sections[i - 1]!.end);
      expect(sections[i]!.begin).toBe(sections[i]!.headingEnd);
      expect(text.slice(sections[i]!.headingBegin, sections[i]!.headingEnd)).toBe(sections[i]!.heading);
    }
  });

  it('gives one implicit section for empty text', () => {
    expect(analyzeText('').sections).toEqual([{ kind: 'unknown', heading: '', headingBegin: 0, headingEnd: 0, begin: 0, end: 0 }]);
    expect(analyzeText('').sentences).toEqual([]);
  });
});
