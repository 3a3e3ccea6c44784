/** ConText assertion traits (src-main/nlp/assertion/): triggers, scope, pseudo-triggers, terminators, post-triggers, sections. */
import { describe, expect, it } from 'vitest';
import { assertionNames, traitsOf } from './helpers';

const N = ['NEGATION'];
const H = ['HYPOTHETICAL'];
const P = ['PAST_HISTORY'];
const F = ['PERTAINS_TO_FAMILY'];
const FU = ['FUTURE'];
const none: string[] = [];

describe('negation', () => {
  it.each<[string, string[][]]>([
    ['Patient denies [[chest pain]].', [N]],
    ['No [[fever]].', [N]],
    ['She has no [[fever]].', [N]],
    ['Negative for [[fever]].', [N]],
    ['Abdomen soft, without [[tenderness]].', [N]],
    ['Free of [[pain]] since surgery.', [N]],
    ['There is no evidence of [[pneumonia]].', [N]],
    ['Absence of [[edema]].', [N]],
    ['He does not have [[diabetes]].', [N]],
    ['[[Pneumonia]] was ruled out.', [N]],
    ['[[Acute coronary syndrome]] ruled out.', [N]],
    ['[[Malignancy]] is unlikely.', [N]],
    ['[[Pneumothorax]] not seen.', [N]],
    ['Blood cultures: [[bacteremia]] negative.', [N]],
    ['Now [[pain]] free.', [N]],
    ['[[Fever]]: denies.', [N]],
    ['[[Chills]]: no', [N]],
    ['Never [[smoker|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]].', [N]],
    ['Denies [[alcohol use|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]].', [N]],
    ['No [[illicit drug use|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]].', [N]],
    ['Not taking [[aspirin|MEDICATION]].', [none]],
  ])('%s', (input, expected) => {
    expect(assertionNames(input)).toEqual(expected);
  });

  it('covers every item of a "no A, B or C" list', () => {
    expect(assertionNames('No [[fever]], [[chills]], [[night sweats]] or [[weight loss]].')).toEqual([N, N, N, N]);
    expect(assertionNames('ROS: negative for [[fever]], [[weight loss]], [[fatigue]], [[chest pain]], [[palpitations]], and [[edema]].')).toEqual([N, N, N, N, N, N]);
    expect(assertionNames('Denies [[nausea]], [[vomiting]], [[diarrhea]], [[constipation]], [[melena]] and [[hematochezia]].')).toEqual([N, N, N, N, N, N]);
  });

  it('stops at terminators', () => {
    expect(assertionNames('Denies [[chest pain]] but reports [[cough]].')).toEqual([N, none]);
    expect(assertionNames('No [[fever]]; has [[cough]].')).toEqual([N, none]);
    expect(assertionNames('No [[fever]], however [[cough]] persists.')).toEqual([N, none]);
    expect(assertionNames('No [[rash]] except for [[eczema]] on the hands.')).toEqual([N, none]);
    expect(assertionNames('No [[pain]] aside from [[headache]].')).toEqual([N, none]);
    expect(assertionNames('No [[fever]], which [[concerns]] her.')).toEqual([N, none]);
    expect(assertionNames('Negative for [[chest pain]], presents with [[dyspnea]].')).toEqual([N, none]);
    expect(assertionNames('No [[fever]] although [[chills]] noted.')).toEqual([N, none]);
  });

  it('does not cross a sentence boundary: "denies X. Reports Y"', () => {
    expect(assertionNames('Denies [[fever]]. Reports [[cough]].')).toEqual([N, none]);
    expect(assertionNames('No [[fever]].\n[[Cough]] for 3 days.')).toEqual([N, none]);
    expect(assertionNames('1. No [[fever]] 2. [[Cough]]')).toEqual([N, none]);
  });

  it('ignores pseudo-triggers', () => {
    expect(assertionNames('No increase in [[pain]].')).toEqual([none]);
    expect(assertionNames('No change in [[dyspnea]].')).toEqual([none]);
    expect(assertionNames('No significant change in the [[effusion]].')).toEqual([none]);
    expect(assertionNames('Not only [[cough]] but fever.')).toEqual([none]);
    expect(assertionNames('Gram negative [[bacteremia]].')).toEqual([none]);
    expect(assertionNames('Gram-negative [[rods]] grew.')).toEqual([none]);
    expect(assertionNames('Not certain if [[pneumonia]] is present.')).toEqual([none]);
    expect(assertionNames('[[Pneumonia]] cannot be ruled out.')).toEqual([none]);
    expect(assertionNames('[[Hypertension]] not well controlled.')).toEqual([none]);
    expect(assertionNames('No improvement in [[pain]].')).toEqual([none]);
  });

  it('limits the forward scope to a window of words', () => {
    expect(assertionNames('No distress at rest, walking slowly around the long clinic hallway twice this morning, then briefly [[limped]].')).toEqual([none]);
  });

  it('applies the nearest post-trigger only within its short window', () => {
    expect(assertionNames('[[Cough]] and runny nose and sore throat and a lot of sneezing all week long, fever negative.')).toEqual([none]);
  });

  it('lets a template answer after a colon through only at the end of the clause', () => {
    expect(assertionNames('Constitutional: negative for [[fever]].')).toEqual([N]);
    expect(assertionNames('[[Headache]]: yes. [[Nausea]]: denies.')).toEqual([none, N]);
    expect(assertionNames('Denies: [[fever]], [[chills]].')).toEqual([N, N]);
    expect(assertionNames('No relief: [[pain]] persists.')).toEqual([none]);
  });
});

describe('history', () => {
  it.each<[string, string[][]]>([
    ['History of [[MI]] in 2015.', [P]],
    ['Hx of [[stroke]].', [P]],
    ['H/o [[DVT]].', [P]],
    ['S/p [[appendectomy|TEST_TREATMENT_PROCEDURE]].', [P]],
    ['Status post [[cholecystectomy|TEST_TREATMENT_PROCEDURE]].', [P]],
    ['Prior [[myocardial infarction]].', [P]],
    ['Remote [[pneumonia]].', [P]],
    ['[[Pneumonia]], resolved.', [P]],
    ['[[Right ankle fracture]] 2009.', [P]],
    ['In 2012 she had a [[stroke]].', [P]],
    ['[[Kidney stones]] years ago.', [P]],
    ['Former [[smoker|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]].', [P]],
    ['Quit [[smoking|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]] in 2010.', [P]],
    ['Ex-[[smoker|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]].', [P]],
  ])('%s', (input, expected) => {
    expect(assertionNames(input)).toEqual(expected);
  });

  it('does not make a chronic condition the patient still has a history', () => {
    expect(assertionNames('62 yo man with a history of [[hypertension]] and [[type 2 diabetes]] presents for follow-up.')).toEqual([none, none]);
    expect(assertionNames('PMH of [[CAD]], [[GERD]] and [[an old MI]].')).toEqual([none, none, P]);
    expect(assertionNames('Past medical history:\n[[Hypertension]]\n[[Stroke]]\n[[Asthma]]')).toEqual([none, P, none]);
    expect(assertionNames('[[Type 2 diabetes]] diagnosed in 2010.')).toEqual([none]);
  });

  it('ends the history scope at a present-tense cue', () => {
    expect(assertionNames('History of [[stroke]], now presents with [[pneumonia]].')).toEqual([P, none]);
  });

  it('does not read "history of present illness" or a patient\'s age as history', () => {
    expect(assertionNames('Per history of present illness, [[pneumonia]] today.')).toEqual([none]);
    expect(assertionNames('A 45-year-old with [[pneumonia]].')).toEqual([none]);
  });

  it('marks everything under past surgical history as history, unless negated', () => {
    expect(assertionNames('PSH:\n[[Appendectomy|TEST_TREATMENT_PROCEDURE]]\n[[Knee replacement|TEST_TREATMENT_PROCEDURE]]')).toEqual([P, P]);
    expect(assertionNames('Past surgical history: no prior [[surgeries|TEST_TREATMENT_PROCEDURE]].')).toEqual([N]);
  });

  it('says "no history of" is a negation, not a history', () => {
    expect(assertionNames('No history of [[stroke]].')).toEqual([N]);
  });
});

describe('family', () => {
  it.each<[string, string[][]]>([
    ['Mother had [[breast cancer]].', [F]],
    ['Father: [[MI]] at 55.', [F]],
    ['Sister with [[type 2 diabetes]].', [F]],
    ['[[Colon cancer]] in her maternal grandfather.', [F]],
    ['Family history of [[colon cancer]].', [F]],
    ['FHx of [[CAD]].', [F]],
    ['Strong family history of [[diabetes]] in the family.', [F]],
    ['Mother who has [[hypertension]].', [F]],
  ])('%s', (input, expected) => {
    expect(assertionNames(input)).toEqual(expected);
  });

  it('combines negation and family', () => {
    expect(assertionNames('No family history of [[colon cancer]].')).toEqual([['NEGATION', 'PERTAINS_TO_FAMILY']]);
  });

  it('does not give the patient a relative\'s report', () => {
    expect(assertionNames('Per mother, he has had [[fever]] for 2 days.')).toEqual([none]);
    expect(assertionNames('Mother reports that he has [[cough]].')).toEqual([none]);
    expect(assertionNames('Lives with his mother. [[Asthma]] since childhood.')).toEqual([none]);
    expect(assertionNames('Mother has [[diabetes]]; patient has [[asthma]].')).toEqual([F, none]);
  });

  it('defaults to the family in a family history section, unless the sentence is about the patient', () => {
    expect(assertionNames('Family history:\n[[Hypertension]], [[stroke]].')).toEqual([F, F]);
    expect(assertionNames('FH: Mother: [[breast cancer]]. Father: [[MI]].')).toEqual([F, F]);
    expect(assertionNames('Family history: negative for [[colon cancer]].')).toEqual([['NEGATION', 'PERTAINS_TO_FAMILY']]);
    expect(assertionNames('Family history: Patient has [[asthma]].')).toEqual([none]);
    expect(assertionNames('Social history: [[hypertension]] runs high.')).toEqual([none]);
  });
});

describe('hypothetical', () => {
  it.each<[string, string[][]]>([
    ['Return if [[fever]] develops.', [H]],
    ['Call if [[chest pain]] or [[shortness of breath]].', [H, H]],
    ['If [[fever]] develops, return to the ED.', [H]],
    ['Should [[fever]] develop, call us.', [H]],
    ['Return to the ED for [[worsening pain]].', [H]],
    ['In case of [[bleeding]], stop the drug.', [H]],
    ['Tylenol as needed for [[pain]].', [H]],
    ['Watch for [[signs of infection]].', [H]],
    ['[[Fever]] should it recur.', [none]],
    ['She should take [[lisinopril|MEDICATION]] daily with food and water.', [none]],
  ])('%s', (input, expected) => {
    expect(assertionNames(input)).toEqual(expected);
  });

  it('needs a conditional before a "develops" post-trigger', () => {
    expect(assertionNames('[[Rash]] develops on the arms after sun.')).toEqual([none]);
    expect(assertionNames('Call us when [[rash]] develops.')).toEqual([H]);
  });

  it('ignores "if any" and "as if"', () => {
    expect(assertionNames('Feels as if [[chest pain]] is coming back.')).toEqual([none]);
  });
});

describe('future', () => {
  it.each<[string, string[][]]>([
    ['Will recheck [[A1c|TEST_TREATMENT_PROCEDURE]] in 3 months.', [FU]],
    ['Plan to start [[metformin|MEDICATION]].', [FU]],
    ['Scheduled for [[colonoscopy|TEST_TREATMENT_PROCEDURE]] next month.', [FU]],
    ['Recheck [[lipid panel|TEST_TREATMENT_PROCEDURE]] at next visit.', [FU]],
    ['[[MRI|TEST_TREATMENT_PROCEDURE]] to be scheduled.', [FU]],
    ['[[Echo|TEST_TREATMENT_PROCEDURE]] is pending.', [FU]],
    ['[[Hypertension]] appears to be controlled.', [none]],
    ['She comes in for a scheduled visit of [[gout]].', [none]],
    ['Will continue [[lisinopril|MEDICATION]].', [none]],
  ])('%s', (input, expected) => {
    expect(assertionNames(input)).toEqual(expected);
  });
});

describe('sign, symptom, diagnosis', () => {
  const kindOf = (input: string): string[] => traitsOf(input).map((traits) => traits.filter((trait) => ['SIGN', 'SYMPTOM', 'DIAGNOSIS'].includes(trait.Name)).map((trait) => trait.Name).join());

  it('uses the condition class, and the section to tell a sign from a symptom', () => {
    expect(kindOf('HPI: [[cough|MEDICAL_CONDITION|symptom]] and [[COPD|MEDICAL_CONDITION|disease]].')).toEqual(['SYMPTOM', 'DIAGNOSIS']);
    expect(kindOf('Exam:\nExtremities: [[edema|MEDICAL_CONDITION|symptom]], [[murmur|MEDICAL_CONDITION|sign]].')).toEqual(['SIGN', 'SIGN']);
  });

  it('guesses from the section when the class is missing', () => {
    expect(kindOf('ROS: [[dizziness]].')).toEqual(['SYMPTOM']);
    expect(kindOf('Physical exam: [[crackles]] at the bases.')).toEqual(['SIGN']);
    expect(kindOf('Assessment: [[pneumonia]].')).toEqual(['DIAGNOSIS']);
  });

  it('gives no condition trait to other categories, and no assertion trait to PHI, anatomy or time', () => {
    expect(traitsOf('No [[aspirin|MEDICATION]].')[0]!.map((trait) => trait.Name)).toEqual(['NEGATION']);
    expect(traitsOf('No pain in the [[knee|ANATOMY]].')[0]).toEqual([]);
    expect(traitsOf('Never seen by [[Dr. Lee|PROTECTED_HEALTH_INFORMATION]].')[0]).toEqual([]);
  });
});

describe('scores and LOW_CONFIDENCE', () => {
  it('scores a trigger next to its target higher than a far one', () => {
    const [near, far] = traitsOf('Denies [[fever]], chills, sweats, aches, nausea, vomiting, diarrhea, cough and [[rash]].');
    const score = (traits: typeof near) => traits!.find((trait) => trait.Name === 'NEGATION')!.Score;
    expect(score(near)).toBeGreaterThan(score(far));
    expect(score(near)).toBeGreaterThanOrEqual(0.9);
  });

  it('adds LOW_CONFIDENCE when the weakest decision is weak, and only then', () => {
    const weak = traitsOf('Should [[fever]] come back, call.')[0]!;
    expect(weak.map((trait) => trait.Name)).toContain('LOW_CONFIDENCE');
    const strong = traitsOf('Denies [[fever]].')[0]!;
    expect(strong.map((trait) => trait.Name)).not.toContain('LOW_CONFIDENCE');
  });

  it('adds LOW_CONFIDENCE to a span outside every sentence (a heading)', () => {
    const traits = traitsOf('[[FAMILY]] HISTORY:\nnone')[0]!;
    expect(traits.map((trait) => trait.Name)).toContain('LOW_CONFIDENCE');
  });

  it('returns traits in TRAIT_NAMES order with scores in 0..1, one list per span, in order', () => {
    const lists = traitsOf('FH: No [[diabetes]]. [[Stroke]] 2010.');
    expect(lists).toHaveLength(2);
    for (const traits of lists) {
      for (const trait of traits) {
        expect(trait.Score).toBeGreaterThan(0);
        expect(trait.Score).toBeLessThanOrEqual(1);
      }
    }
    expect(lists[0]!.map((trait) => trait.Name)).toEqual(['NEGATION', 'PERTAINS_TO_FAMILY', 'DIAGNOSIS']);
  });

  it('handles an empty span list and spans at the very ends of the text', () => {
    expect(traitsOf('No fever.')).toEqual([]);
    expect(assertionNames('[[Fever]] denied')).toEqual([N]);
  });
});

describe('clinical phrasing', () => {
  it.each<[string, string[][]]>([
    ['Patient is not experiencing any [[chest pain]].', [N]],
    ['He has not had any [[fevers]].', [N]],
    ['Lungs clear without [[wheezes]], [[rales]], or [[rhonchi]].', [N, N, N]],
    ['Pt denies any hx of [[seizures]].', [N]],
    ['Denies prior [[MI]].', [N]],
    ['No h/o [[DM]].', [N]],
    ['Extremities: no [[clubbing]], [[cyanosis]], or [[edema]].', [N, N, N]],
    ['CT head negative for [[acute intracranial process]].', [N]],
    ['Chest x-ray showed no [[infiltrate]].', [N]],
    ['Denies [[SOB]]/[[CP]].', [N, N]],
    ['Patient reports no [[nausea]].', [N]],
    ['Return precautions given for [[chest pain]] and [[shortness of breath]].', [H, H]],
    ['Patient to call with any [[fevers]].', [H]],
    ['Tylenol 500 mg PRN [[headache]].', [H]],
    ['Remote history of [[tobacco use|BEHAVIORAL_ENVIRONMENTAL_SOCIAL]].', [P]],
    ['S/p [[CABG|TEST_TREATMENT_PROCEDURE]] x3 in 2010.', [P]],
    ['Hx of [[appendectomy|TEST_TREATMENT_PROCEDURE]] as a child.', [P]],
    ['Follow up with cardiology for [[stress test|TEST_TREATMENT_PROCEDURE]].', [FU]],
    ['Mother - [[breast cancer]].', [F]],
    ['Father deceased from [[MI]] at 60.', [F]],
    ['Brother and sister with [[asthma]].', [F]],
    ["Patient's mother has [[diabetes]].", [F]],
    ["Mother's history of [[ovarian cancer]].", [F]],
    ['The parents checked his temperature because of [[fever]].', [none]],
    ['Breast cancer in her mother and [[hypertension]] in his father.', [F]],
  ])('%s', (input, expected) => {
    expect(assertionNames(input)).toEqual(expected);
  });
});
