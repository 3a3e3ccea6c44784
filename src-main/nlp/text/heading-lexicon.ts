/**
 * The headings clinicians write, mapped to the section kind they open. Keys are heading tokens'
 * normalised forms joined by one space, except that pieces written without a space stay joined
 * ("A/P" → "a/p", "Follow-up" → "follow-up"); see headingKey in sections.ts.
 *
 * A heading known here but mapped to 'unknown' (e.g. "Immunizations", "Condition") still opens a
 * new section: what follows it no longer belongs to the section before.
 */
import type { SectionKind } from '../types';

const HEADINGS: Record<SectionKind, readonly string[]> = {
  unknown: ['immunizations', 'immunization history', 'condition', 'condition on discharge', 'discharge condition', 'summary', 'addendum', 'pathology', 'note', 'comments', 'miscellaneous'],
  patient_information: ['patient information', 'demographics', 'identifying data', 'identification', 'identifying information'],
  chief_complaint: [
    'cc', 'c/c', 'chief complaint', 'chief complaints', 'presenting complaint', 'presenting complaints', 'reason for visit', 'reason for consultation', 'reason for consult',
    'reason for referral', 'reason for admission', 'reason for exam', 'reason for examination', 'reason for evaluation', 'indication', 'indications', 'indication for procedure',
    'indications for procedure', 'indication for surgery', 'indications for surgery', 'indication for operation', 'indications for operation', 'indications for the surgery',
    'indications for the procedure', 'clinical indication', 'clinical history', 'complaint',
  ],
  history_of_present_illness: [
    'hpi', 'history of present illness', 'history of the present illness', 'history of presenting illness', 'present illness', 'history', 'brief history', 'brief history of the patient',
    'interval history', 'subjective', 'history of present illness/subjective', 'interim history', 'clinical summary',
  ],
  past_medical_history: [
    'pmh', 'pmhx', 'pmh/psh', 'past medical history', 'past medical hx', 'medical history', 'past history', 'past medical and surgical history', 'past medical/surgical history',
    'problem list', 'active problems', 'active problem list', 'medical problems', 'problems', 'past illnesses', 'significant past medical history', 'chronic conditions',
  ],
  past_surgical_history: ['psh', 'pshx', 'past surgical history', 'past surgical hx', 'surgical history', 'past surgeries', 'prior surgeries', 'previous surgeries', 'surgeries', 'operations in the past'],
  medications: [
    'meds', 'medications', 'medication', 'current medications', 'current medication', 'current meds', 'home medications', 'home meds', 'outpatient medications', 'medications on admission',
    'admission medications', 'admitting medications', 'discharge medications', 'medications at discharge', 'discharge meds', 'medication list', 'active medications', 'prescriptions', 'rx',
  ],
  allergies: ['allergies', 'allergy', 'drug allergies', 'medication allergies', 'allergies/adverse reactions', 'adverse reactions', 'allergies and adverse reactions', 'all'],
  family_history: ['fh', 'fhx', 'fh/sh', 'family history', 'family hx', 'family medical history', 'family history of'],
  social_history: ['sh', 'shx', 'social history', 'social hx', 'habits', 'social and family history', 'psychosocial history', 'personal history', 'social/family history', 'lifestyle'],
  review_of_systems: ['ros', 'review of systems', 'review of system', 'systems review', 'system review', 'pertinent review of systems'],
  physical_exam: [
    'pe', 'exam', 'examination', 'physical exam', 'physical examination', 'objective', 'physical findings', 'on examination', 'general exam', 'physical', 'exam findings',
    'physical examination on admission', 'admission physical examination', 'discharge physical examination',
  ],
  vital_signs: ['vitals', 'vital signs', 'vs', 'v/s', 'vital sign'],
  labs: [
    'labs', 'lab', 'laboratory', 'laboratory data', 'laboratory results', 'laboratory studies', 'laboratory values', 'lab results', 'lab data', 'results', 'pertinent results',
    'laboratory and imaging', 'labs/studies', 'data', 'diagnostic data', 'diagnostic studies', 'studies', 'laboratory tests', 'test results', 'pertinent labs',
  ],
  imaging: ['imaging', 'radiology', 'imaging studies', 'diagnostic imaging', 'radiographs', 'x-rays', 'xrays', 'x-ray', 'ct', 'mri', 'ultrasound', 'imaging results', 'radiology results'],
  procedures: [
    'procedure', 'procedures', 'procedure performed', 'procedures performed', 'operation', 'operations', 'operation performed', 'operations performed', 'operative procedure',
    'operative procedures', 'name of operation', 'title of operation', 'title of procedure', 'description of procedure', 'description of the procedure', 'description of operation',
    'description of the operation', 'procedure in detail', 'procedure detail', 'procedure details', 'details of the procedure', 'details of the operation', 'operative procedure in detail',
    'procedure note', 'operative note', 'procedure description', 'technique', 'findings', 'operative findings', 'intraoperative findings', 'anesthesia', 'estimated blood loss', 'ebl',
    'blood loss', 'complications', 'specimen', 'specimens', 'specimen to pathology', 'drains', 'tubes and drains', 'tubes/drains', 'fluids', 'fluids received', 'iv fluids', 'urine output',
    'tourniquet time', 'counts', 'hemostasis', 'surgery', 'surgeries performed',
  ],
  hospital_course: ['hospital course', 'brief hospital course', 'course', 'clinical course', 'ed course', 'course in hospital', 'hospital stay', 'course in the emergency department', 'emergency department course', 'summary of hospital course'],
  assessment: [
    'assessment', 'assessments', 'impression', 'impressions', 'clinical impression', 'diagnosis', 'diagnoses', 'assessment/impression', 'final diagnosis', 'final diagnoses', 'discharge diagnosis',
    'discharge diagnoses', 'admitting diagnosis', 'admission diagnosis', 'admitting diagnoses', 'preoperative diagnosis', 'preoperative diagnoses', 'postoperative diagnosis',
    'postoperative diagnoses', 'preop diagnosis', 'postop diagnosis', 'pre-operative diagnosis', 'post-operative diagnosis', 'working diagnosis', 'differential diagnosis', 'differential',
    'principal diagnosis', 'secondary diagnoses', 'problem', 'dx', 'medical decision making', 'mdm',
  ],
  plan: ['plan', 'plans', 'recommendations', 'recommendation', 'plan of care', 'treatment plan', 'treatment', 'disposition', 'therapeutic plan'],
  assessment_and_plan: [
    'a/p', 'a&p', 'a & p', 'assessment and plan', 'assessment & plan', 'assessment/plan', 'impression and plan', 'impression/plan', 'impression & plan', 'assessment and recommendations',
    'impression and recommendations', 'diagnosis and plan', 'ap',
  ],
  discharge_instructions: ['discharge instructions', 'patient instructions', 'instructions', 'return precautions', 'discharge plan', 'home instructions', 'patient education', 'discharge'],
  follow_up: ['follow-up', 'follow up', 'followup', 'f/u', 'follow-up appointments', 'follow-up appointment', 'follow up appointment', 'follow-up instructions', 'follow up instructions'],
};

/** Normalised heading → section kind. */
export const HEADING_KINDS: ReadonlyMap<string, SectionKind> = new Map(
  (Object.entries(HEADINGS) as Array<[SectionKind, readonly string[]]>).flatMap(([kind, headings]) => headings.map((heading) => [heading, kind] as const)),
);

/** The longest heading in tokens, so the matcher knows how far back to look from a colon. */
export const MAX_HEADING_TOKENS = 8;

/** Headings too ambiguous to count unless they are on a line of their own or end in a colon at a line start. */
export const WEAK_HEADINGS: ReadonlySet<string> = new Set(['all', 'history', 'data', 'physical', 'problem', 'note', 'course', 'condition', 'discharge', 'treatment', 'surgery', 'ct', 'mri', 'ultrasound', 'lab', 'differential', 'complaint', 'rx', 'technique', 'findings', 'counts', 'vs', 'ap', 'summary', 'comments']);
