/**
 * Conditions the sample generator gives patients and writes into notes: ICD-10-CM (FY2026,
 * billable) and SNOMED CT codes, and the ways clinicians write them (formal name, synonyms,
 * abbreviations, misspellings). Written for this project; test/unit/sample checks every
 * ICD-10-CM code against the CDC FY2026 files when ../shared is present.
 *
 * Prevalence is a rough yearly chance of onset per age band and sex, tuned so that a panel of
 * adults looks like a primary-care population (hypertension and hyperlipidemia common, COPD in
 * older smokers...), not an epidemiological model.
 */

export type Sex = 'female' | 'male';

export interface ConditionConcept {
  key: string;
  icd10cm: string;
  icd10Display: string;
  snomed: string;
  snomedDisplay: string;
  /** How notes write it; the first is the formal name. */
  forms: readonly string[];
  /** Abbreviations clinicians use (HTN, T2DM...). */
  abbreviations?: readonly string[];
  /** Misspellings seen in real notes. */
  misspellings?: readonly string[];
  chronic: boolean;
  /** Yearly onset chance by age (years) band; index: [0-17, 18-39, 40-59, 60-79, 80+]. */
  onset: readonly [number, number, number, number, number];
  /** Only this sex (BPH, breast cancer in this generator). */
  sex?: Sex;
  /** Medication keys (medications.ts) a patient with it is likely prescribed. */
  treatments?: readonly string[];
  /** Lab keys (labs.ts) watched for it. */
  monitoredBy?: readonly string[];
  /** Body site the condition is about (anatomy mentions in notes). */
  site?: string;
}

export const CONDITIONS: readonly ConditionConcept[] = [
  {
    key: 'hypertension', icd10cm: 'I10', icd10Display: 'Essential (primary) hypertension', snomed: '59621000', snomedDisplay: 'Essential hypertension',
    forms: ['essential hypertension', 'hypertension', 'high blood pressure'], abbreviations: ['HTN'], misspellings: ['hypertention', 'hypertenion'],
    chronic: true, onset: [0, 0.006, 0.025, 0.04, 0.04], treatments: ['lisinopril', 'amlodipine', 'hydrochlorothiazide', 'losartan'], monitoredBy: ['creatinine', 'potassium'],
  },
  {
    key: 'diabetes2', icd10cm: 'E11.9', icd10Display: 'Type 2 diabetes mellitus without complications', snomed: '44054006', snomedDisplay: 'Diabetes mellitus type 2',
    forms: ['type 2 diabetes mellitus', 'type 2 diabetes', 'diabetes mellitus type II', 'non-insulin-dependent diabetes'], abbreviations: ['T2DM', 'DM2', 'NIDDM'], misspellings: ['diabetis', 'diabeties'],
    chronic: true, onset: [0.0002, 0.002, 0.009, 0.012, 0.008], treatments: ['metformin', 'insulinGlargine', 'empagliflozin'], monitoredBy: ['hba1c', 'glucose', 'creatinine'],
  },
  {
    key: 'hyperlipidemia', icd10cm: 'E78.5', icd10Display: 'Hyperlipidemia, unspecified', snomed: '55822004', snomedDisplay: 'Hyperlipidemia',
    forms: ['hyperlipidemia', 'high cholesterol', 'dyslipidemia'], abbreviations: ['HLD'], misspellings: ['hyperlipidaemia', 'hyperlipedemia'],
    chronic: true, onset: [0, 0.005, 0.025, 0.03, 0.015], treatments: ['atorvastatin', 'simvastatin'], monitoredBy: ['cholesterol', 'ldl', 'hdl', 'triglycerides'],
  },
  {
    key: 'cad', icd10cm: 'I25.10', icd10Display: 'Atherosclerotic heart disease of native coronary artery without angina pectoris', snomed: '53741008', snomedDisplay: 'Coronary arteriosclerosis',
    forms: ['coronary artery disease', 'atherosclerotic heart disease', 'coronary disease'], abbreviations: ['CAD', 'ASHD'], misspellings: ['coronory artery disease'],
    chronic: true, onset: [0, 0.0003, 0.004, 0.01, 0.012], treatments: ['aspirin', 'atorvastatin', 'metoprolol', 'clopidogrel'], monitoredBy: ['ldl'], site: 'heart',
  },
  {
    key: 'afib', icd10cm: 'I48.91', icd10Display: 'Unspecified atrial fibrillation', snomed: '49436004', snomedDisplay: 'Atrial fibrillation',
    forms: ['atrial fibrillation', 'a-fib'], abbreviations: ['AF', 'afib', 'AFib'], misspellings: ['atrial fibrilation', 'atrial fibrulation'],
    chronic: true, onset: [0, 0.0001, 0.002, 0.008, 0.015], treatments: ['apixaban', 'metoprolol', 'warfarin'], monitoredBy: ['inr'], site: 'heart',
  },
  {
    key: 'heartFailure', icd10cm: 'I50.9', icd10Display: 'Heart failure, unspecified', snomed: '84114007', snomedDisplay: 'Heart failure',
    forms: ['congestive heart failure', 'heart failure'], abbreviations: ['CHF', 'HF'], misspellings: ['congestive heart faliure'],
    chronic: true, onset: [0, 0.0001, 0.001, 0.006, 0.014], treatments: ['furosemide', 'carvedilol', 'spironolactone', 'lisinopril'], monitoredBy: ['bnp', 'potassium', 'creatinine'], site: 'heart',
  },
  {
    key: 'copd', icd10cm: 'J44.9', icd10Display: 'Chronic obstructive pulmonary disease, unspecified', snomed: '13645005', snomedDisplay: 'Chronic obstructive lung disease',
    forms: ['chronic obstructive pulmonary disease', 'chronic obstructive lung disease'], abbreviations: ['COPD'], misspellings: ['chronic obstructive pulmonory disease'],
    chronic: true, onset: [0, 0.0002, 0.003, 0.007, 0.006], treatments: ['tiotropium', 'albuterol'], site: 'lung',
  },
  {
    key: 'asthma', icd10cm: 'J45.909', icd10Display: 'Unspecified asthma, uncomplicated', snomed: '195967001', snomedDisplay: 'Asthma',
    forms: ['asthma', 'reactive airway disease'], abbreviations: ['RAD'], misspellings: ['asthsma', 'athsma'],
    chronic: true, onset: [0.006, 0.003, 0.002, 0.001, 0.0005], treatments: ['albuterol', 'fluticasone', 'montelukast'], site: 'lung',
  },
  {
    key: 'gerd', icd10cm: 'K21.9', icd10Display: 'Gastro-esophageal reflux disease without esophagitis', snomed: '235595009', snomedDisplay: 'Gastroesophageal reflux disease',
    forms: ['gastroesophageal reflux disease', 'acid reflux', 'reflux disease'], abbreviations: ['GERD'], misspellings: ['gastroesophagal reflux'],
    chronic: true, onset: [0.0005, 0.006, 0.01, 0.01, 0.006], treatments: ['omeprazole', 'pantoprazole'], site: 'esophagus',
  },
  {
    key: 'ckd3', icd10cm: 'N18.30', icd10Display: 'Chronic kidney disease, stage 3 unspecified', snomed: '433144002', snomedDisplay: 'Chronic kidney disease stage 3',
    forms: ['chronic kidney disease stage 3', 'stage 3 chronic kidney disease'], abbreviations: ['CKD 3', 'CKD stage III', 'CKD3'], misspellings: ['chronic kidny disease stage 3'],
    chronic: true, onset: [0, 0.0002, 0.002, 0.008, 0.015], monitoredBy: ['creatinine', 'egfr', 'potassium'], site: 'kidney',
  },
  {
    key: 'hypothyroidism', icd10cm: 'E03.9', icd10Display: 'Hypothyroidism, unspecified', snomed: '40930008', snomedDisplay: 'Hypothyroidism',
    forms: ['hypothyroidism', 'underactive thyroid'], abbreviations: ['hypothyroid'], misspellings: ['hypothyroidsm', 'hypothyrodism'],
    chronic: true, onset: [0.0002, 0.002, 0.004, 0.005, 0.004], treatments: ['levothyroxine'], monitoredBy: ['tsh'], site: 'thyroid',
  },
  {
    key: 'depression', icd10cm: 'F32.9', icd10Display: 'Major depressive disorder, single episode, unspecified', snomed: '35489007', snomedDisplay: 'Depressive disorder',
    forms: ['major depressive disorder', 'depression'], abbreviations: ['MDD'], misspellings: ['depresion'],
    chronic: true, onset: [0.003, 0.01, 0.008, 0.005, 0.004], treatments: ['sertraline', 'escitalopram', 'trazodone'],
  },
  {
    key: 'anxiety', icd10cm: 'F41.1', icd10Display: 'Generalized anxiety disorder', snomed: '21897009', snomedDisplay: 'Generalized anxiety disorder',
    forms: ['generalized anxiety disorder', 'anxiety'], abbreviations: ['GAD'], misspellings: ['anxeity', 'generalised anxiety disorder'],
    chronic: true, onset: [0.003, 0.009, 0.006, 0.003, 0.002], treatments: ['sertraline', 'escitalopram'],
  },
  {
    key: 'obesity', icd10cm: 'E66.9', icd10Display: 'Obesity, unspecified', snomed: '414916001', snomedDisplay: 'Obesity',
    forms: ['obesity'], abbreviations: ['obese'], misspellings: ['obestiy'],
    chronic: true, onset: [0.004, 0.01, 0.01, 0.005, 0.002],
  },
  {
    key: 'kneeOsteoarthritis', icd10cm: 'M17.9', icd10Display: 'Osteoarthritis of knee, unspecified', snomed: '239873007', snomedDisplay: 'Osteoarthritis of knee',
    forms: ['osteoarthritis of the knee', 'knee osteoarthritis', 'degenerative joint disease of the knee'], abbreviations: ['knee OA', 'DJD of knee'], misspellings: ['osteoarthritus of the knee'],
    chronic: true, onset: [0, 0.0005, 0.006, 0.014, 0.015], treatments: ['acetaminophen', 'ibuprofen'], site: 'knee',
  },
  {
    key: 'lowBackPain', icd10cm: 'M54.50', icd10Display: 'Low back pain, unspecified', snomed: '279039007', snomedDisplay: 'Low back pain',
    forms: ['low back pain', 'lumbago'], abbreviations: ['LBP'], misspellings: ['low bak pain'],
    chronic: false, onset: [0.004, 0.03, 0.03, 0.02, 0.01], treatments: ['ibuprofen', 'cyclobenzaprine'], site: 'lower back',
  },
  {
    key: 'pneumonia', icd10cm: 'J18.9', icd10Display: 'Pneumonia, unspecified organism', snomed: '233604007', snomedDisplay: 'Pneumonia',
    forms: ['pneumonia', 'community-acquired pneumonia'], abbreviations: ['PNA', 'CAP'], misspellings: ['pnuemonia', 'pneumonai'],
    chronic: false, onset: [0.006, 0.003, 0.005, 0.012, 0.03], treatments: ['azithromycin', 'ceftriaxone'], monitoredBy: ['wbc'], site: 'lung',
  },
  {
    key: 'uti', icd10cm: 'N39.0', icd10Display: 'Urinary tract infection, site not specified', snomed: '68566005', snomedDisplay: 'Urinary tract infectious disease',
    forms: ['urinary tract infection'], abbreviations: ['UTI'], misspellings: ['urinary tract infecton'],
    chronic: false, onset: [0.01, 0.03, 0.02, 0.03, 0.05], treatments: ['nitrofurantoin', 'ciprofloxacin'], monitoredBy: ['wbc'], site: 'bladder',
  },
  {
    key: 'bronchitis', icd10cm: 'J20.9', icd10Display: 'Acute bronchitis, unspecified', snomed: '10509002', snomedDisplay: 'Acute bronchitis',
    forms: ['acute bronchitis', 'bronchitis'], misspellings: ['bronchitus'],
    chronic: false, onset: [0.03, 0.03, 0.03, 0.03, 0.03], treatments: ['albuterol', 'benzonatate'], site: 'bronchus',
  },
  {
    key: 'sinusitis', icd10cm: 'J01.90', icd10Display: 'Acute sinusitis, unspecified', snomed: '15805002', snomedDisplay: 'Acute sinusitis',
    forms: ['acute sinusitis', 'sinusitis', 'sinus infection'], misspellings: ['sinusitus'],
    chronic: false, onset: [0.02, 0.04, 0.04, 0.03, 0.02], treatments: ['amoxicillin'], site: 'sinus',
  },
  {
    key: 'cellulitis', icd10cm: 'L03.90', icd10Display: 'Cellulitis, unspecified', snomed: '128045006', snomedDisplay: 'Cellulitis',
    forms: ['cellulitis', 'skin infection'], misspellings: ['celulitis'],
    chronic: false, onset: [0.005, 0.006, 0.008, 0.012, 0.015], treatments: ['cephalexin'], monitoredBy: ['wbc'], site: 'leg',
  },
  {
    key: 'anemia', icd10cm: 'D64.9', icd10Display: 'Anemia, unspecified', snomed: '271737000', snomedDisplay: 'Anemia',
    forms: ['anemia', 'anaemia', 'low hemoglobin'], misspellings: ['anemai', 'aneamia'],
    chronic: true, onset: [0.002, 0.006, 0.004, 0.006, 0.012], treatments: ['ferrousSulfate'], monitoredBy: ['hemoglobin'],
  },
  {
    key: 'gout', icd10cm: 'M10.9', icd10Display: 'Gout, unspecified', snomed: '90560007', snomedDisplay: 'Gout',
    forms: ['gout', 'gouty arthritis'], misspellings: ['gowt'],
    chronic: true, onset: [0, 0.001, 0.003, 0.004, 0.003], treatments: ['allopurinol'], site: 'great toe',
  },
  {
    key: 'osteoporosis', icd10cm: 'M81.0', icd10Display: 'Age-related osteoporosis without current pathological fracture', snomed: '64859006', snomedDisplay: 'Osteoporosis',
    forms: ['osteoporosis'], misspellings: ['osteoperosis', 'osteoporsis'],
    chronic: true, onset: [0, 0, 0.002, 0.01, 0.015], sex: 'female', treatments: ['alendronate'], site: 'bone',
  },
  {
    key: 'sleepApnea', icd10cm: 'G47.33', icd10Display: 'Obstructive sleep apnea (adult) (pediatric)', snomed: '78275009', snomedDisplay: 'Obstructive sleep apnea syndrome',
    forms: ['obstructive sleep apnea', 'sleep apnea'], abbreviations: ['OSA'], misspellings: ['sleep apnoea', 'obstructive sleep apnia'],
    chronic: true, onset: [0.0005, 0.003, 0.006, 0.005, 0.002],
  },
  {
    key: 'bph', icd10cm: 'N40.0', icd10Display: 'Benign prostatic hyperplasia without lower urinary tract symptoms', snomed: '266569009', snomedDisplay: 'Benign prostatic hyperplasia',
    forms: ['benign prostatic hyperplasia', 'enlarged prostate'], abbreviations: ['BPH'], misspellings: ['benign prostatic hypertrophy'],
    chronic: true, onset: [0, 0, 0.01, 0.025, 0.02], sex: 'male', treatments: ['tamsulosin'], site: 'prostate',
  },
  {
    key: 'dementia', icd10cm: 'F03.90', icd10Display: 'Unspecified dementia, unspecified severity, without behavioral disturbance, psychotic disturbance, mood disturbance, and anxiety', snomed: '52448006', snomedDisplay: 'Dementia',
    forms: ['dementia', 'cognitive decline'], misspellings: ['dementai'],
    chronic: true, onset: [0, 0, 0.0003, 0.005, 0.025], treatments: ['donepezil'], site: 'brain',
  },
  {
    key: 'migraine', icd10cm: 'G43.909', icd10Display: 'Migraine, unspecified, not intractable, without status migrainosus', snomed: '37796009', snomedDisplay: 'Migraine',
    forms: ['migraine', 'migraine headaches'], misspellings: ['migrane', 'migraine headches'],
    chronic: true, onset: [0.003, 0.008, 0.004, 0.001, 0.0005], treatments: ['sumatriptan'], site: 'head',
  },
  {
    key: 'allergicRhinitis', icd10cm: 'J30.9', icd10Display: 'Allergic rhinitis, unspecified', snomed: '61582004', snomedDisplay: 'Allergic rhinitis',
    forms: ['allergic rhinitis', 'seasonal allergies', 'hay fever'], misspellings: ['allergic rhinitus'],
    chronic: true, onset: [0.01, 0.008, 0.004, 0.002, 0.001], treatments: ['loratadine', 'fluticasone'], site: 'nose',
  },
  {
    key: 'prediabetes', icd10cm: 'R73.03', icd10Display: 'Prediabetes', snomed: '714628002', snomedDisplay: 'Prediabetes',
    forms: ['prediabetes', 'impaired fasting glucose'], misspellings: ['pre-diabetis'],
    chronic: true, onset: [0.0005, 0.006, 0.012, 0.01, 0.004], monitoredBy: ['hba1c', 'glucose'],
  },
  {
    key: 'vitaminD', icd10cm: 'E55.9', icd10Display: 'Vitamin D deficiency, unspecified', snomed: '34713006', snomedDisplay: 'Vitamin D deficiency',
    forms: ['vitamin D deficiency', 'low vitamin D'], abbreviations: ['vit D deficiency'], misspellings: ['vitamin D defficiency'],
    chronic: true, onset: [0.002, 0.006, 0.006, 0.006, 0.008], treatments: ['ergocalciferol'],
  },
  {
    key: 'dvt', icd10cm: 'I82.409', icd10Display: 'Acute embolism and thrombosis of unspecified deep veins of unspecified lower extremity', snomed: '128053003', snomedDisplay: 'Deep venous thrombosis',
    forms: ['deep vein thrombosis', 'blood clot in the leg'], abbreviations: ['DVT'], misspellings: ['deep vein thrombsis'],
    chronic: false, onset: [0, 0.0005, 0.001, 0.002, 0.004], treatments: ['apixaban', 'enoxaparin'], site: 'leg',
  },
];

/** Complaints and findings that notes mention, affirm or deny (signs and symptoms). */
export interface SymptomConcept {
  key: string;
  icd10cm: string;
  icd10Display: string;
  snomed: string;
  forms: readonly string[];
  misspellings?: readonly string[];
  site?: string;
}

export const SYMPTOMS: readonly SymptomConcept[] = [
  { key: 'chestPain', icd10cm: 'R07.9', icd10Display: 'Chest pain, unspecified', snomed: '29857009', forms: ['chest pain', 'chest discomfort', 'chest tightness'], site: 'chest' },
  { key: 'dyspnea', icd10cm: 'R06.00', icd10Display: 'Dyspnea, unspecified', snomed: '267036007', forms: ['shortness of breath', 'dyspnea', 'SOB', 'difficulty breathing'], misspellings: ['dyspnoea', 'shortnes of breath'] },
  { key: 'fever', icd10cm: 'R50.9', icd10Display: 'Fever, unspecified', snomed: '386661006', forms: ['fever', 'fevers', 'febrile'], misspellings: ['fevr'] },
  { key: 'cough', icd10cm: 'R05.9', icd10Display: 'Cough, unspecified', snomed: '49727002', forms: ['cough', 'productive cough', 'dry cough'], misspellings: ['coughf'] },
  { key: 'nausea', icd10cm: 'R11.0', icd10Display: 'Nausea', snomed: '422587007', forms: ['nausea', 'nauseous'], misspellings: ['nausia'] },
  { key: 'vomiting', icd10cm: 'R11.10', icd10Display: 'Vomiting, unspecified', snomed: '422400008', forms: ['vomiting', 'emesis'], misspellings: ['vomitting'] },
  { key: 'headache', icd10cm: 'R51.9', icd10Display: 'Headache, unspecified', snomed: '25064002', forms: ['headache', 'headaches', 'HA'], misspellings: ['headach'], site: 'head' },
  { key: 'abdominalPain', icd10cm: 'R10.9', icd10Display: 'Unspecified abdominal pain', snomed: '21522001', forms: ['abdominal pain', 'belly pain', 'abd pain'], misspellings: ['abdominal pian'], site: 'abdomen' },
  { key: 'dizziness', icd10cm: 'R42', icd10Display: 'Dizziness and giddiness', snomed: '404640003', forms: ['dizziness', 'lightheadedness', 'dizzy'], misspellings: ['dizzyness'] },
  { key: 'palpitations', icd10cm: 'R00.2', icd10Display: 'Palpitations', snomed: '80313002', forms: ['palpitations', 'racing heart'], misspellings: ['palpatations'], site: 'heart' },
  { key: 'fatigue', icd10cm: 'R53.83', icd10Display: 'Other fatigue', snomed: '84229001', forms: ['fatigue', 'tiredness', 'low energy'], misspellings: ['fatique'] },
  { key: 'edema', icd10cm: 'R60.9', icd10Display: 'Edema, unspecified', snomed: '267038008', forms: ['edema', 'leg swelling', 'swelling'], misspellings: ['oedema', 'edemea'], site: 'leg' },
  { key: 'diarrhea', icd10cm: 'R19.7', icd10Display: 'Diarrhea, unspecified', snomed: '62315008', forms: ['diarrhea', 'loose stools'], misspellings: ['diarrhoea', 'diarhea'] },
  { key: 'syncope', icd10cm: 'R55', icd10Display: 'Syncope and collapse', snomed: '271594007', forms: ['syncope', 'fainting', 'passing out'], misspellings: ['syncopy'] },
  { key: 'weightLoss', icd10cm: 'R63.4', icd10Display: 'Abnormal weight loss', snomed: '89362005', forms: ['weight loss', 'unintentional weight loss'] },
  { key: 'jointPain', icd10cm: 'M25.50', icd10Display: 'Pain in unspecified joint', snomed: '57676002', forms: ['joint pain', 'arthralgia'], misspellings: ['athralgia'] },
  { key: 'soreThroat', icd10cm: 'J02.9', icd10Display: 'Acute pharyngitis, unspecified', snomed: '162397003', forms: ['sore throat', 'throat pain'], site: 'throat' },
  { key: 'rash', icd10cm: 'R21', icd10Display: 'Rash and other nonspecific skin eruption', snomed: '271807003', forms: ['rash', 'skin rash'], site: 'skin' },
];

/** Past events written as history ("h/o MI in 2015"): their own codes, not the acute ones. */
export interface HistoryConcept {
  key: string;
  icd10cm: string;
  icd10Display: string;
  snomed: string;
  /** The event as notes name it. */
  forms: readonly string[];
  abbreviations?: readonly string[];
  onset: readonly [number, number, number, number, number];
}

export const PAST_EVENTS: readonly HistoryConcept[] = [
  { key: 'oldMi', icd10cm: 'I25.2', icd10Display: 'Old myocardial infarction', snomed: '1755008', forms: ['myocardial infarction', 'heart attack'], abbreviations: ['MI', 'NSTEMI', 'STEMI'], onset: [0, 0.0003, 0.003, 0.006, 0.008] },
  { key: 'oldStroke', icd10cm: 'Z86.73', icd10Display: 'Personal history of transient ischemic attack (TIA), and cerebral infarction without residual deficits', snomed: '230690007', forms: ['stroke', 'cerebrovascular accident', 'transient ischemic attack'], abbreviations: ['CVA', 'TIA'], onset: [0, 0.0002, 0.002, 0.005, 0.01] },
];

/** Family history: relative, condition, and the Z80-Z84 code for it. */
export interface FamilyHistoryConcept {
  key: string;
  icd10cm: string;
  icd10Display: string;
  /** The relative's condition as notes write it. */
  forms: readonly string[];
  /** ICD-10-CM code of the condition itself (what a reader links the mention to). */
  conditionIcd10cm: string;
}

export const FAMILY_HISTORY: readonly FamilyHistoryConcept[] = [
  { key: 'breastCancer', icd10cm: 'Z80.3', icd10Display: 'Family history of malignant neoplasm of breast', forms: ['breast cancer'], conditionIcd10cm: 'C50.919' },
  { key: 'colonCancer', icd10cm: 'Z80.0', icd10Display: 'Family history of malignant neoplasm of digestive organs', forms: ['colon cancer', 'colorectal cancer'], conditionIcd10cm: 'C18.9' },
  { key: 'heartDisease', icd10cm: 'Z82.49', icd10Display: 'Family history of ischemic heart disease and other diseases of the circulatory system', forms: ['coronary artery disease', 'heart disease', 'MI'], conditionIcd10cm: 'I25.10' },
  { key: 'diabetes', icd10cm: 'Z83.3', icd10Display: 'Family history of diabetes mellitus', forms: ['diabetes', 'type 2 diabetes'], conditionIcd10cm: 'E11.9' },
  { key: 'stroke', icd10cm: 'Z82.3', icd10Display: 'Family history of stroke', forms: ['stroke', 'CVA'], conditionIcd10cm: 'I63.9' },
  { key: 'prostateCancer', icd10cm: 'Z80.42', icd10Display: 'Family history of malignant neoplasm of prostate', forms: ['prostate cancer'], conditionIcd10cm: 'C61' },
];

export const RELATIVES: readonly string[] = ['mother', 'father', 'sister', 'brother', 'maternal grandmother', 'paternal grandfather', 'maternal aunt', 'paternal uncle'];

export function ageBand(age: number): 0 | 1 | 2 | 3 | 4 {
  if (age < 18) return 0;
  if (age < 40) return 1;
  if (age < 60) return 2;
  if (age < 80) return 3;
  return 4;
}
