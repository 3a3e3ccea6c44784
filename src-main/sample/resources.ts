/**
 * FHIR R4 resources rendered from a simulated history (model.ts): Patient, Encounter, Condition,
 * Observation (vital signs and laboratory, with UCUM units and reference ranges),
 * MedicationRequest (RxNorm), Procedure (SNOMED CT), AllergyIntolerance, Immunization (CVX),
 * DiagnosticReport (one per lab panel), FamilyMemberHistory, and DocumentReference (the notes,
 * text/plain in base64). References use `Type/id` with the generator's ids, so the NDJSON files
 * import as one consistent set.
 */
import type {
  AllergyIntolerance, CodeableConcept, Condition, DiagnosticReport, DocumentReference, Encounter, FamilyMemberHistory, Immunization,
  MedicationRequest, Observation, Organization, Patient, Practitioner, Procedure, Resource,
} from '@medplum/fhirtypes';
import type { PatientHistory, SampleClinician, SampleEncounter, SampleFacility } from './model';
import { NOTE_TYPES, type RenderedNote } from './notes';
import { PANELS } from './history';
import { LABS, VITALS, BLOOD_PRESSURE_PANEL } from './vocabulary/observations';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const UCUM = 'http://unitsofmeasure.org';
const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.19.5.99999.1';
const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

const PANEL_CODES: Readonly<Record<string, { code: string; display: string }>> = {
  bmp: { code: '51990-0', display: 'Basic metabolic panel - Blood' },
  lipid: { code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma' },
  cbc: { code: '58410-2', display: 'CBC panel - Blood by Automated count' },
  a1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' },
  tsh: { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma' },
  cardiac: { code: '10839-9', display: 'Troponin I.cardiac [Mass/volume] in Serum or Plasma' },
  coag: { code: '6301-6', display: 'INR in Platelet poor plasma by Coagulation assay' },
  liver: { code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma' },
};

const ENCOUNTER_CLASS: Readonly<Record<SampleEncounter['kind'], { code: string; display: string; type: string; typeDisplay: string }>> = {
  wellness: { code: 'AMB', display: 'ambulatory', type: '410620009', typeDisplay: 'Well child visit' },
  followup: { code: 'AMB', display: 'ambulatory', type: '390906007', typeDisplay: 'Follow-up encounter' },
  acute: { code: 'AMB', display: 'ambulatory', type: '185345009', typeDisplay: 'Encounter for symptom' },
  emergency: { code: 'EMER', display: 'emergency', type: '50849002', typeDisplay: 'Emergency room admission' },
  inpatient: { code: 'IMP', display: 'inpatient encounter', type: '32485007', typeDisplay: 'Hospital admission' },
};

function concept(system: string, code: string, display: string, text = display): CodeableConcept {
  return { coding: [{ system, code, display }], text };
}

const iso = (date: Date): string => date.toISOString().replace('.000Z', 'Z');
const day = (date: Date): string => date.toISOString().slice(0, 10);

export function clinicianResource(clinician: SampleClinician): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: clinician.id,
    identifier: [{ system: NPI_SYSTEM, value: clinician.npi }],
    active: true,
    name: [{ family: clinician.name.family, given: [clinician.name.given], prefix: ['Dr.'] }],
    qualification: [{ code: { text: clinician.specialty } }],
  };
}

export function facilityResource(facility: SampleFacility): Organization {
  return {
    resourceType: 'Organization',
    id: facility.id,
    active: true,
    type: [concept('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name: facility.name,
    telecom: [{ system: 'phone', value: facility.phone }],
    address: [{ line: [facility.address.line], city: facility.address.city, state: facility.address.state, postalCode: facility.address.postalCode, country: 'US' }],
  };
}

/** Every resource of one patient, in an order that keeps references pointing backwards. */
export function* patientResources(history: PatientHistory, notes: ReadonlyMap<string, RenderedNote[]>): Generator<Resource> {
  const { patient } = history;
  const subject = { reference: `Patient/${patient.id}` };
  const patientResource: Patient = {
    resourceType: 'Patient',
    id: patient.id,
    identifier: [{ type: concept('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', 'Medical record number'), system: MRN_SYSTEM, value: patient.mrn }],
    active: true,
    name: [{ use: 'official', family: patient.name.family, given: [patient.name.given] }],
    telecom: [{ system: 'phone', value: patient.phone, use: 'home' }, { system: 'email', value: patient.email }],
    gender: patient.sex,
    birthDate: patient.birthDate,
    address: [{ use: 'home', line: [patient.address.line], city: patient.address.city, state: patient.address.state, postalCode: patient.address.postalCode, country: 'US' }],
    maritalStatus: concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', patient.maritalStatus, { M: 'Married', S: 'Never Married', W: 'Widowed', D: 'Divorced' }[patient.maritalStatus]),
    generalPractitioner: [{ reference: `Practitioner/${history.primaryCare.id}` }],
  };
  yield patientResource;

  for (const fact of history.family) {
    const resource: FamilyMemberHistory = {
      resourceType: 'FamilyMemberHistory',
      id: fact.id,
      status: 'completed',
      patient: subject,
      relationship: { text: fact.relative },
      condition: [{ code: concept(ICD10CM, fact.concept.conditionIcd10cm, fact.concept.forms[0]!) }],
    };
    yield resource;
  }
  for (const allergy of history.allergies) {
    const resource: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: allergy.id,
      clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
      type: 'allergy',
      category: [allergy.concept.category],
      code: concept(SNOMED, allergy.concept.snomed, allergy.concept.display),
      patient: subject,
      recordedDate: iso(allergy.recorded),
      reaction: [{ manifestation: [{ text: allergy.reaction }] }],
    };
    yield resource;
  }
  for (const event of history.pastEvents) {
    const resource: Condition = {
      resourceType: 'Condition',
      id: event.id,
      clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
      category: [concept('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item', 'Problem List Item')],
      code: { coding: [{ system: ICD10CM, code: event.concept.icd10cm, display: event.concept.icd10Display }, { system: SNOMED, code: event.concept.snomed, display: event.concept.forms[0]! }], text: event.concept.forms[0]! },
      subject,
      onsetDateTime: day(event.onset),
    };
    yield resource;
  }

  for (const encounter of history.encounters) {
    const encounterRef = { reference: `Encounter/${encounter.id}` };
    const kind = ENCOUNTER_CLASS[encounter.kind];
    const encounterResource: Encounter = {
      resourceType: 'Encounter',
      id: encounter.id,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: kind.code, display: kind.display },
      type: [concept(SNOMED, kind.type, kind.typeDisplay)],
      subject,
      participant: [{ individual: { reference: `Practitioner/${encounter.practitioner.id}` } }],
      period: { start: iso(encounter.start), end: iso(encounter.end) },
      serviceProvider: { reference: `Organization/${encounter.facility.id}` },
    };
    if (encounter.reason) encounterResource.reasonReference = [{ reference: `Condition/${encounter.reason.id}` }];
    yield encounterResource;

    for (const episode of encounter.diagnosed) {
      const condition: Condition = {
        resourceType: 'Condition',
        id: episode.id,
        clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', episode.abatement ? 'resolved' : 'active', episode.abatement ? 'Resolved' : 'Active'),
        verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
        category: [concept('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis', 'Encounter Diagnosis')],
        code: {
          coding: [
            { system: ICD10CM, code: episode.concept.icd10cm, display: episode.concept.icd10Display },
            { system: SNOMED, code: episode.concept.snomed, display: episode.concept.snomedDisplay },
          ],
          text: episode.concept.forms[0]!,
        },
        subject,
        encounter: encounterRef,
        onsetDateTime: day(episode.onset),
        recordedDate: iso(encounter.start),
        recorder: { reference: `Practitioner/${encounter.practitioner.id}` },
      };
      if (episode.abatement) condition.abatementDateTime = day(episode.abatement);
      yield condition;
    }

    const effective = iso(encounter.start);
    const vitalCategory = [concept('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'Vital Signs')];
    for (const [key, id] of encounter.vitalIds) {
      if (key === 'diastolic') continue;
      if (key === 'systolic') {
        const bp: Observation = {
          resourceType: 'Observation', id, status: 'final', category: vitalCategory,
          code: concept(LOINC, BLOOD_PRESSURE_PANEL.loinc, BLOOD_PRESSURE_PANEL.display, 'Blood pressure'),
          subject, encounter: encounterRef, effectiveDateTime: effective,
          component: (['systolic', 'diastolic'] as const).map((part) => {
            const vital = VITALS.find((v) => v.key === part)!;
            return { code: concept(LOINC, vital.loinc, vital.display), valueQuantity: { value: encounter.vitals.get(part)!, unit: vital.unit, system: UCUM, code: vital.ucum } };
          }),
        };
        yield bp;
        continue;
      }
      const vital = VITALS.find((v) => v.key === key)!;
      const observation: Observation = {
        resourceType: 'Observation', id, status: 'final', category: vitalCategory,
        code: concept(LOINC, vital.loinc, vital.display),
        subject, encounter: encounterRef, effectiveDateTime: effective,
        valueQuantity: { value: encounter.vitals.get(key)!, unit: vital.unit, system: UCUM, code: vital.ucum },
      };
      yield observation;
    }

    const labCategory = [concept('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', 'Laboratory')];
    for (const result of encounter.labs) {
      const lab = LABS.find((l) => l.key === result.key)!;
      const female = history.patient.sex === 'female' ? lab.female : undefined;
      const low = female?.low ?? lab.low;
      const high = female?.high ?? lab.high;
      const observation: Observation = {
        resourceType: 'Observation', id: result.id, status: 'final', category: labCategory,
        code: concept(LOINC, lab.loinc, lab.display),
        subject, encounter: encounterRef, effectiveDateTime: effective, issued: iso(new Date(encounter.start.getTime() + 4 * 3_600_000)),
        valueQuantity: { value: result.value, unit: lab.unit || lab.ucum, system: UCUM, code: lab.ucum },
      };
      if (low !== undefined || high !== undefined) {
        observation.referenceRange = [{
          ...(low !== undefined ? { low: { value: low, unit: lab.unit || lab.ucum, system: UCUM, code: lab.ucum } } : {}),
          ...(high !== undefined ? { high: { value: high, unit: lab.unit || lab.ucum, system: UCUM, code: lab.ucum } } : {}),
        }];
      }
      if (result.flag) observation.interpretation = [concept('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', result.flag, result.flag === 'H' ? 'High' : 'Low')];
      yield observation;
    }
    for (const [panel, reportId] of encounter.reportIds) {
      const code = PANEL_CODES[panel]!;
      const keys = new Set(PANELS[panel]);
      const report: DiagnosticReport = {
        resourceType: 'DiagnosticReport', id: reportId, status: 'final',
        category: [concept('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
        code: concept(LOINC, code.code, code.display),
        subject, encounter: encounterRef, effectiveDateTime: effective, issued: iso(new Date(encounter.start.getTime() + 4 * 3_600_000)),
        result: encounter.labs.filter((l) => keys.has(l.key)).map((l) => ({ reference: `Observation/${l.id}` })),
      };
      yield report;
    }
    for (const procedure of encounter.procedures) {
      const resource: Procedure = {
        resourceType: 'Procedure', id: procedure.id, status: 'completed',
        code: concept(SNOMED, procedure.concept.snomed, procedure.concept.display),
        subject, encounter: encounterRef, performedDateTime: iso(procedure.date),
        performer: [{ actor: { reference: `Practitioner/${encounter.practitioner.id}` } }],
      };
      if (encounter.reason) resource.reasonReference = [{ reference: `Condition/${encounter.reason.id}` }];
      yield resource;
    }
    for (const immunization of encounter.immunizations) {
      const resource: Immunization = {
        resourceType: 'Immunization', id: immunization.id, status: 'completed',
        vaccineCode: concept(CVX, immunization.concept.cvx, immunization.concept.display),
        patient: subject, encounter: encounterRef, occurrenceDateTime: iso(immunization.date), primarySource: true,
      };
      yield resource;
    }
    for (const prescription of encounter.started) {
      const m = prescription.medication;
      const resource: MedicationRequest = {
        resourceType: 'MedicationRequest', id: prescription.id,
        status: prescription.end && prescription.end < new Date(encounter.start.getTime() + 365 * 86_400_000) ? 'completed' : 'active',
        intent: 'order',
        medicationCodeableConcept: concept(RXNORM, m.scdRxcui, m.scdName),
        subject, encounter: encounterRef, authoredOn: iso(prescription.start),
        requester: { reference: `Practitioner/${encounter.practitioner.id}` },
        reasonReference: [{ reference: `Condition/${prescription.reasonId}` }],
        dosageInstruction: [{
          text: `${m.ingredient} ${m.strength} ${m.routes[0]} ${m.frequencies[0]}`,
          ...(m.asNeeded ? { asNeededBoolean: true } : {}),
          doseAndRate: [{ doseQuantity: { value: m.doseValue, unit: m.doseUnit.replace(/[[\]{}]/g, ''), system: UCUM, code: m.doseUnit } }],
        }],
      };
      if (prescription.end) resource.dispenseRequest = { validityPeriod: { start: day(prescription.start), end: day(prescription.end) } };
      yield resource;
    }
    for (const [index, note] of (notes.get(encounter.id) ?? []).entries()) {
      const type = NOTE_TYPES[note.kind];
      const document: DocumentReference = {
        resourceType: 'DocumentReference',
        id: noteId(encounter.id, index),
        status: 'current',
        docStatus: 'final',
        type: concept(LOINC, type.loinc, type.display),
        category: [concept('http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', 'clinical-note', 'Clinical Note')],
        subject,
        date: iso(note.date),
        author: [{ reference: `Practitioner/${encounter.practitioner.id}` }],
        description: type.title,
        content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(note.text, 'utf8').toString('base64'), title: type.title } }],
        context: { encounter: [encounterRef], period: { start: iso(encounter.start), end: iso(encounter.end) } },
      };
      yield document;
    }
  }
}

export function noteId(encounterId: string, index: number): string {
  return `${encounterId}-n${index + 1}`;
}
