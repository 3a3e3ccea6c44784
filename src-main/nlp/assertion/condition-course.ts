/**
 * Is a condition an event that is over once it happened (an MI, a stroke, a pneumonia, a
 * fracture, an operation), or possibly something that lasts? The gold's rule (docs/sample-data.md
 * "Gold annotations"): a condition the patient still has is not PAST_HISTORY even after "history
 * of" or under "Past medical history", while an old MI, stroke or a resolved infection is. Most
 * conditions listed after "history of" are chronic (hypertension, diabetes, CAD...), so only the
 * event words below let the weak PAST_HISTORY cues count; our own short list, decided on the
 * span's normalised tokens.
 */
import type { Token } from '../types';

export type ConditionCourse = 'event' | 'unknown';

const EVENT_WORDS = new Set([
  'mi', 'ami', 'stemi', 'nstemi', 'infarction', 'infarct', 'stroke', 'strokes', 'cva', 'tia', 'tias', 'fracture', 'fractures', 'fx', 'pneumonia', 'infection', 'infections', 'uti', 'utis',
  'cellulitis', 'sepsis', 'abscess', 'dvt', 'thrombosis', 'embolism', 'embolus', 'pe', 'bleed', 'bleeding', 'hemorrhage', 'haemorrhage', 'appendicitis', 'cholecystitis', 'pancreatitis',
  'diverticulitis', 'injury', 'injuries', 'concussion', 'covid', 'influenza', 'flu', 'bronchitis', 'sinusitis', 'pyelonephritis', 'gastroenteritis', 'mononucleosis', 'shingles', 'zoster',
  'episode', 'episodes', 'attack', 'arrest', 'overdose', 'stones', 'stone', 'nephrolithiasis', 'laceration', 'burn', 'burns', 'sprain', 'dislocation', 'exacerbation', 'seizure', 'miscarriage',
  'pneumothorax', 'otitis', 'pharyngitis', 'strep', 'cabg', 'pci', 'stent', 'stenting', 'surgery', 'repair', 'transplant', 'delivery', 'section', 'ulcer', 'dka', 'sah', 'ich', 'sdh',
  'meningitis', 'endocarditis', 'myocarditis', 'pericarditis', 'measles', 'chickenpox', 'varicella', 'tuberculosis', 'tb', 'malaria', 'syncope', 'fall', 'falls',
  'flare', 'accident', 'mva', 'trauma', 'polyps', 'polyp', 'ectopic',
]);
/** Suffixes of procedure words (appendectomy, angioplasty, laparotomy): a procedure is always over. */
const EVENT_SUFFIXES = ['ectomy', 'ectomies', 'plasty', 'otomy', 'ostomy', 'scopy', 'pexy', 'rrhaphy'];


/** Course of the condition named by tokens [start, end): an event when any word names one ("CHF exacerbation"). */
export function conditionCourse(tokens: readonly Token[], start: number, end: number): ConditionCourse {
  for (let i = start; i < end; i++) {
    const norm = tokens[i]!.norm;
    if (EVENT_WORDS.has(norm)) return 'event';
    for (const suffix of EVENT_SUFFIXES) if (norm.length > suffix.length + 2 && norm.endsWith(suffix)) return 'event';
  }
  return 'unknown';
}
