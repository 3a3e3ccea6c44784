/**
 * Is a condition something that lasts (hypertension, diabetes) or an event that is over once it
 * happened (an MI, a stroke, a pneumonia)? The gold's rule (docs/sample-data.md "Gold
 * annotations"): a condition the patient still has is not PAST_HISTORY even after "history of" or
 * under "Past medical history", while an old MI, stroke or a resolved infection is. Our own short
 * lists of head words, decided on the span's normalised tokens; anything else is 'unknown'.
 */
import type { Token } from '../types';

export type ConditionCourse = 'chronic' | 'event' | 'unknown';

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

const CHRONIC_WORDS = new Set([
  'hypertension', 'htn', 'hyperlipidemia', 'hld', 'dyslipidemia', 'hypercholesterolemia', 'hypertriglyceridemia', 'diabetes', 'dm', 'dm2', 't2dm', 't1dm', 'niddm', 'iddm', 'copd',
  'asthma', 'emphysema', 'ckd', 'esrd', 'chf', 'hf', 'hfref', 'hfpef', 'cad', 'afib', 'fibrillation', 'af', 'flutter', 'gerd', 'reflux', 'hypothyroidism', 'hyperthyroidism',
  'hypothyroid', 'depression', 'anxiety', 'bipolar', 'schizophrenia', 'ptsd', 'adhd', 'obesity', 'obese', 'osteoarthritis', 'oa', 'arthritis', 'ra', 'osteoporosis', 'osteopenia', 'gout',
  'anemia', 'apnea', 'osa', 'migraine', 'migraines', 'epilepsy', "parkinson's", 'parkinson', 'parkinsonism', 'dementia', "alzheimer's", 'alzheimer', 'sclerosis', 'hiv', 'cirrhosis', 'bph',
  'glaucoma', 'psoriasis', 'eczema', 'lupus', 'sle', 'fibromyalgia', 'neuropathy', 'chronic', 'insomnia', 'rhinitis', 'ibs', "crohn's", 'crohn', 'pad', 'pvd', 'cardiomyopathy',
  'hyperparathyroidism', 'prediabetes', 'pre-diabetes', 'disorder', 'syndrome', 'incontinence', 'retinopathy', 'nephropathy', 'hypokalemia', 'hyponatremia', 'thrombocytopenia',
  'allergies', 'allergy', 'hemiparesis', 'hemiplegia', 'aphasia', 'palsy', 'autism', 'stenosis', 'regurgitation', 'insufficiency', 'block', 'deficiency',
]);

/** Course of the condition named by tokens [start, end). Event words win: "CHF exacerbation" is an event. */
export function conditionCourse(tokens: readonly Token[], start: number, end: number): ConditionCourse {
  let chronic = false;
  for (let i = start; i < end; i++) {
    const norm = tokens[i]!.norm;
    if (EVENT_WORDS.has(norm)) return 'event';
    for (const suffix of EVENT_SUFFIXES) if (norm.length > suffix.length + 2 && norm.endsWith(suffix)) return 'event';
    if (CHRONIC_WORDS.has(norm)) chronic = true;
  }
  return chronic ? 'chronic' : 'unknown';
}
