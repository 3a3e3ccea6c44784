/**
 * Procedures, allergies and immunizations of the sample generator (SNOMED CT, CVX), with the
 * words notes use for them. Written for this project.
 */

export interface ProcedureConcept {
  key: string;
  snomed: string;
  display: string;
  forms: readonly string[];
  abbreviations?: readonly string[];
  /** A test (TEST_NAME) or a procedure (PROCEDURE_NAME) in the NLP's categories. */
  kind: 'test' | 'procedure';
  /** Condition keys that lead to it; none: routine screening. */
  for?: readonly string[];
  site?: string;
  minAge?: number;
}

export const PROCEDURES: readonly ProcedureConcept[] = [
  { key: 'ecg', snomed: '29303009', display: 'Electrocardiographic procedure', forms: ['electrocardiogram', '12-lead ECG'], abbreviations: ['ECG', 'EKG'], kind: 'test', for: ['afib', 'cad', 'heartFailure', 'hypertension'], site: 'heart' },
  { key: 'chestXray', snomed: '399208008', display: 'Plain chest X-ray', forms: ['chest x-ray', 'chest radiograph'], abbreviations: ['CXR'], kind: 'test', for: ['pneumonia', 'copd', 'heartFailure', 'bronchitis'], site: 'chest' },
  { key: 'echo', snomed: '40701008', display: 'Echocardiography', forms: ['echocardiogram', 'transthoracic echocardiogram'], abbreviations: ['echo', 'TTE'], kind: 'test', for: ['heartFailure', 'afib'], site: 'heart' },
  { key: 'colonoscopy', snomed: '73761001', display: 'Colonoscopy', forms: ['colonoscopy', 'screening colonoscopy'], kind: 'procedure', minAge: 45, site: 'colon' },
  { key: 'mammogram', snomed: '71651007', display: 'Mammography', forms: ['mammogram', 'screening mammography'], kind: 'test', minAge: 40, site: 'breast' },
  { key: 'spirometry', snomed: '127783003', display: 'Spirometry', forms: ['spirometry', 'pulmonary function tests'], abbreviations: ['PFTs'], kind: 'test', for: ['copd', 'asthma'], site: 'lung' },
  { key: 'ctHead', snomed: '303653007', display: 'Computed tomography of head', forms: ['CT of the head', 'head CT'], abbreviations: ['CT head'], kind: 'test', for: ['dementia', 'migraine'], site: 'head' },
  { key: 'kneeXray', snomed: '74016001', display: 'Plain X-ray of knee', forms: ['knee x-ray', 'radiograph of the knee'], kind: 'test', for: ['kneeOsteoarthritis'], site: 'knee' },
  { key: 'cardiacCath', snomed: '41976001', display: 'Cardiac catheterization', forms: ['cardiac catheterization', 'heart cath'], abbreviations: ['LHC'], kind: 'procedure', for: ['cad'], site: 'heart' },
  { key: 'urinalysis', snomed: '27171005', display: 'Urinalysis', forms: ['urinalysis', 'urine analysis'], abbreviations: ['UA'], kind: 'test', for: ['uti'], site: 'bladder' },
  { key: 'sleepStudy', snomed: '60554003', display: 'Polysomnography', forms: ['sleep study', 'polysomnography'], abbreviations: ['PSG'], kind: 'test', for: ['sleepApnea'] },
  { key: 'dexa', snomed: '312681000', display: 'Bone densitometry', forms: ['bone density scan', 'DEXA scan'], abbreviations: ['DXA'], kind: 'test', for: ['osteoporosis'], site: 'hip' },
  { key: 'dopplerLeg', snomed: '709549004', display: 'Ultrasonography of vein of lower limb', forms: ['lower extremity venous duplex', 'leg ultrasound'], kind: 'test', for: ['dvt'], site: 'leg' },
  { key: 'incisionDrainage', snomed: '36576007', display: 'Incision and drainage', forms: ['incision and drainage'], abbreviations: ['I&D'], kind: 'procedure', for: ['cellulitis'], site: 'skin' },
];

export interface AllergyConcept {
  key: string;
  snomed: string;
  display: string;
  /** The substance as notes write it. */
  substance: string;
  reactions: readonly string[];
  category: 'medication' | 'food' | 'environment';
}

export const ALLERGIES: readonly AllergyConcept[] = [
  { key: 'penicillin', snomed: '91936005', display: 'Allergy to penicillin', substance: 'penicillin', reactions: ['hives', 'rash', 'anaphylaxis'], category: 'medication' },
  { key: 'sulfa', snomed: '91939003', display: 'Allergy to sulfonamide', substance: 'sulfa', reactions: ['rash', 'itching'], category: 'medication' },
  { key: 'aspirin', snomed: '293586001', display: 'Allergy to aspirin', substance: 'aspirin', reactions: ['wheezing', 'hives'], category: 'medication' },
  { key: 'peanut', snomed: '91935009', display: 'Allergy to peanuts', substance: 'peanuts', reactions: ['throat swelling', 'hives', 'anaphylaxis'], category: 'food' },
  { key: 'shellfish', snomed: '300913006', display: 'Shellfish allergy', substance: 'shellfish', reactions: ['hives', 'lip swelling'], category: 'food' },
  { key: 'latex', snomed: '300916003', display: 'Latex allergy', substance: 'latex', reactions: ['contact dermatitis', 'itching'], category: 'environment' },
  { key: 'beeSting', snomed: '424213003', display: 'Allergy to bee venom', substance: 'bee stings', reactions: ['swelling', 'anaphylaxis'], category: 'environment' },
];

export interface ImmunizationConcept {
  key: string;
  cvx: string;
  display: string;
  forms: readonly string[];
  /** Every this many years (0: once), from this age. */
  everyYears: number;
  minAge: number;
  maxAge?: number;
}

export const IMMUNIZATIONS: readonly ImmunizationConcept[] = [
  { key: 'flu', cvx: '140', display: 'Influenza, seasonal, injectable, preservative free', forms: ['flu shot', 'influenza vaccine'], everyYears: 1, minAge: 1 },
  { key: 'tdap', cvx: '115', display: 'Tdap', forms: ['Tdap', 'tetanus booster'], everyYears: 10, minAge: 11 },
  { key: 'pcv', cvx: '133', display: 'Pneumococcal conjugate PCV 13', forms: ['pneumococcal vaccine', 'Prevnar'], everyYears: 0, minAge: 65 },
  { key: 'zoster', cvx: '187', display: 'zoster vaccine recombinant', forms: ['shingles vaccine', 'Shingrix'], everyYears: 0, minAge: 50 },
  { key: 'covid', cvx: '208', display: 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose', forms: ['COVID-19 vaccine', 'COVID booster'], everyYears: 1, minAge: 12 },
  { key: 'hepB', cvx: '08', display: 'Hep B, adolescent or pediatric', forms: ['hepatitis B vaccine'], everyYears: 0, minAge: 0, maxAge: 1 },
  { key: 'mmr', cvx: '03', display: 'MMR', forms: ['MMR vaccine'], everyYears: 0, minAge: 1, maxAge: 6 },
  { key: 'hpv', cvx: '165', display: 'HPV9', forms: ['HPV vaccine', 'Gardasil'], everyYears: 0, minAge: 11, maxAge: 26 },
];
