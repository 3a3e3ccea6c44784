/**
 * LOINC vital signs and laboratory tests with UCUM units and reference ranges, as the sample
 * generator draws them and notes write them ("A1c 8.2%", "Cr 1.4"). Values are drawn around a
 * healthy mean and shifted by the patient's conditions (labs.ts `effects`), so trends follow the
 * history: an A1c climbs before metformin starts and falls after.
 */

export interface LabConcept {
  key: string;
  loinc: string;
  display: string;
  /** How notes name it, the first formal. */
  forms: readonly string[];
  unit: string;
  /** UCUM code of `unit`. */
  ucum: string;
  low?: number;
  high?: number;
  mean: number;
  sd: number;
  decimals: number;
  /** vital-signs or laboratory (Observation.category). */
  category: 'vital-signs' | 'laboratory';
  /** Condition key → shift of the mean while the patient has it (before treatment). */
  effects?: Readonly<Record<string, number>>;
  /** Sex-specific reference range and mean. */
  female?: { low?: number; high?: number; mean: number };
}

export const LABS: readonly LabConcept[] = [
  { key: 'glucose', loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', forms: ['glucose', 'blood sugar', 'BG'], unit: 'mg/dL', ucum: 'mg/dL', low: 70, high: 99, mean: 92, sd: 9, decimals: 0, category: 'laboratory', effects: { diabetes2: 70, prediabetes: 18 } },
  { key: 'hba1c', loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', forms: ['hemoglobin A1c', 'A1c', 'HbA1c'], unit: '%', ucum: '%', low: 4, high: 5.6, mean: 5.2, sd: 0.3, decimals: 1, category: 'laboratory', effects: { diabetes2: 2.8, prediabetes: 0.8 } },
  { key: 'creatinine', loinc: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', forms: ['creatinine', 'Cr'], unit: 'mg/dL', ucum: 'mg/dL', low: 0.6, high: 1.3, mean: 0.95, sd: 0.15, decimals: 2, category: 'laboratory', effects: { ckd3: 0.8, heartFailure: 0.2 }, female: { low: 0.5, high: 1.1, mean: 0.8 } },
  { key: 'egfr', loinc: '33914-3', display: 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)', forms: ['eGFR', 'GFR'], unit: 'mL/min/1.73m2', ucum: 'mL/min/{1.73_m2}', low: 60, mean: 88, sd: 12, decimals: 0, category: 'laboratory', effects: { ckd3: -45 } },
  { key: 'potassium', loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', forms: ['potassium', 'K'], unit: 'mmol/L', ucum: 'mmol/L', low: 3.5, high: 5.1, mean: 4.2, sd: 0.3, decimals: 1, category: 'laboratory', effects: { ckd3: 0.5 } },
  { key: 'sodium', loinc: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', forms: ['sodium', 'Na'], unit: 'mmol/L', ucum: 'mmol/L', low: 135, high: 145, mean: 140, sd: 2, decimals: 0, category: 'laboratory', effects: { heartFailure: -4 } },
  { key: 'hemoglobin', loinc: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', forms: ['hemoglobin', 'Hgb', 'Hb'], unit: 'g/dL', ucum: 'g/dL', low: 13.5, high: 17.5, mean: 15, sd: 0.9, decimals: 1, category: 'laboratory', effects: { anemia: -3.5, ckd3: -1.2 }, female: { low: 12, high: 15.5, mean: 13.5 } },
  { key: 'wbc', loinc: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count', forms: ['white blood cell count', 'WBC', 'white count'], unit: 'x10^3/uL', ucum: '10*3/uL', low: 4.5, high: 11, mean: 7, sd: 1.4, decimals: 1, category: 'laboratory', effects: { pneumonia: 7, cellulitis: 5, uti: 3 } },
  { key: 'platelets', loinc: '777-3', display: 'Platelets [#/volume] in Blood by Automated count', forms: ['platelets', 'Plt', 'platelet count'], unit: 'x10^3/uL', ucum: '10*3/uL', low: 150, high: 400, mean: 250, sd: 50, decimals: 0, category: 'laboratory' },
  { key: 'cholesterol', loinc: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', forms: ['total cholesterol', 'TC'], unit: 'mg/dL', ucum: 'mg/dL', high: 200, mean: 180, sd: 22, decimals: 0, category: 'laboratory', effects: { hyperlipidemia: 60 } },
  { key: 'ldl', loinc: '18262-6', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay', forms: ['LDL cholesterol', 'LDL', 'LDL-C'], unit: 'mg/dL', ucum: 'mg/dL', high: 100, mean: 98, sd: 18, decimals: 0, category: 'laboratory', effects: { hyperlipidemia: 55, cad: 10 } },
  { key: 'hdl', loinc: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', forms: ['HDL cholesterol', 'HDL'], unit: 'mg/dL', ucum: 'mg/dL', low: 40, mean: 52, sd: 9, decimals: 0, category: 'laboratory', effects: { obesity: -8, diabetes2: -5 } },
  { key: 'triglycerides', loinc: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', forms: ['triglycerides', 'TG', 'trigs'], unit: 'mg/dL', ucum: 'mg/dL', high: 150, mean: 120, sd: 30, decimals: 0, category: 'laboratory', effects: { hyperlipidemia: 80, diabetes2: 40, obesity: 30 } },
  { key: 'tsh', loinc: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma', forms: ['TSH', 'thyroid stimulating hormone'], unit: 'mIU/L', ucum: 'm[IU]/L', low: 0.4, high: 4, mean: 1.8, sd: 0.6, decimals: 2, category: 'laboratory', effects: { hypothyroidism: 6 } },
  { key: 'alt', loinc: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', forms: ['ALT', 'SGPT'], unit: 'U/L', ucum: 'U/L', low: 7, high: 56, mean: 25, sd: 8, decimals: 0, category: 'laboratory', effects: { obesity: 12 } },
  { key: 'bnp', loinc: '30934-4', display: 'Natriuretic peptide B [Mass/volume] in Serum or Plasma', forms: ['BNP', 'B-type natriuretic peptide'], unit: 'pg/mL', ucum: 'pg/mL', high: 100, mean: 40, sd: 15, decimals: 0, category: 'laboratory', effects: { heartFailure: 650 } },
  { key: 'inr', loinc: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay', forms: ['INR'], unit: '', ucum: '{INR}', low: 0.8, high: 1.1, mean: 1, sd: 0.07, decimals: 1, category: 'laboratory', effects: { afib: 1.5 } },
  { key: 'troponin', loinc: '10839-9', display: 'Troponin I.cardiac [Mass/volume] in Serum or Plasma', forms: ['troponin', 'troponin I', 'trop'], unit: 'ng/mL', ucum: 'ng/mL', high: 0.04, mean: 0.01, sd: 0.005, decimals: 2, category: 'laboratory' },
];

export interface VitalConcept {
  key: string;
  loinc: string;
  display: string;
  forms: readonly string[];
  unit: string;
  ucum: string;
  mean: number;
  sd: number;
  decimals: number;
  effects?: Readonly<Record<string, number>>;
}

export const VITALS: readonly VitalConcept[] = [
  { key: 'systolic', loinc: '8480-6', display: 'Systolic blood pressure', forms: ['systolic blood pressure', 'SBP'], unit: 'mmHg', ucum: 'mm[Hg]', mean: 120, sd: 10, decimals: 0, effects: { hypertension: 24 } },
  { key: 'diastolic', loinc: '8462-4', display: 'Diastolic blood pressure', forms: ['diastolic blood pressure', 'DBP'], unit: 'mmHg', ucum: 'mm[Hg]', mean: 76, sd: 7, decimals: 0, effects: { hypertension: 12 } },
  { key: 'heartRate', loinc: '8867-4', display: 'Heart rate', forms: ['heart rate', 'HR', 'pulse'], unit: 'bpm', ucum: '/min', mean: 74, sd: 9, decimals: 0, effects: { afib: 22, pneumonia: 18 } },
  { key: 'respiratoryRate', loinc: '9279-1', display: 'Respiratory rate', forms: ['respiratory rate', 'RR'], unit: 'breaths/min', ucum: '/min', mean: 15, sd: 2, decimals: 0, effects: { pneumonia: 7, copd: 3 } },
  { key: 'temperature', loinc: '8310-5', display: 'Body temperature', forms: ['temperature', 'temp', 'T'], unit: 'C', ucum: 'Cel', mean: 36.8, sd: 0.25, decimals: 1, effects: { pneumonia: 1.8, cellulitis: 1.2, uti: 0.8 } },
  { key: 'spo2', loinc: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', forms: ['oxygen saturation', 'SpO2', 'O2 sat'], unit: '%', ucum: '%', mean: 97.5, sd: 1, decimals: 0, effects: { copd: -5, pneumonia: -6, heartFailure: -2 } },
  { key: 'weight', loinc: '29463-7', display: 'Body weight', forms: ['weight', 'wt'], unit: 'kg', ucum: 'kg', mean: 80, sd: 14, decimals: 1, effects: { obesity: 30 } },
  { key: 'height', loinc: '8302-2', display: 'Body height', forms: ['height', 'ht'], unit: 'cm', ucum: 'cm', mean: 170, sd: 9, decimals: 0 },
  { key: 'bmi', loinc: '39156-5', display: 'Body mass index (BMI) [Ratio]', forms: ['BMI', 'body mass index'], unit: 'kg/m2', ucum: 'kg/m2', mean: 26, sd: 4, decimals: 1 },
];

export const BLOOD_PRESSURE_PANEL = { loinc: '85354-9', display: 'Blood pressure panel with all children optional' };
