/**
 * The fixed mix of 20 search queries (search.html) the benchmark times on every store. Targets are
 * derived from the corpus size only, so every store and every run asks the same questions of the
 * same data: specific patients spread over the corpus, shared codes, one practitioner and one
 * organization, and a page in the middle of the laboratory results.
 */
import { FAMILY, GIVEN, MRN_SYSTEM, mrn, organizationName, patientCount, patientId, poolSizes, practitionerId } from './corpus';

export interface BenchQuery {
  /** Short label for the table: what feature the query exercises. */
  label: string;
  resourceType: string;
  /** The query string, without `?`. */
  query: string;
}

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

export function queryMix(size: number): BenchQuery[] {
  const patients = patientCount(size);
  const pool = poolSizes(size);
  // Patients that exist in full (the last block may be cut by the size).
  const at = (fraction: number): number => Math.min(patients - 2, Math.floor(patients * fraction));
  const p1 = patientId(at(0.5));
  const p2 = patientId(at(0.25));
  const p3 = patientId(at(0.75));
  const p4 = patientId(at(0.9));
  const p5 = patientId(at(0.1));
  const labsInCorpus = patients * 10;
  const deepOffset = Math.floor(labsInCorpus / 2 / 20) * 20;
  const q = (label: string, resourceType: string, query: string): BenchQuery => ({ label, resourceType, query });
  return [
    q('token: identifier', 'Patient', `identifier=${MRN_SYSTEM}|${mrn(at(0.33))}`),
    q('token: code', 'Observation', `code=${LOINC}|4548-4&_count=20`),
    q('token: code + status', 'Condition', `code=${SNOMED}|44054006&clinical-status=active&_count=20`),
    q('string: family + given', 'Patient', `family=${FAMILY[7]}&given=${GIVEN[3]}&_count=20`),
    q('string: name prefix', 'Practitioner', `name=${FAMILY[12]!.slice(0, 3).toLowerCase()}&_count=20`),
    q('date range: 1 week', 'Observation', 'date=ge2021-03-01&date=lt2021-03-08&_count=20'),
    q('date range: birthdate', 'Patient', 'birthdate=ge1980-01-01&birthdate=lt1980-02-01&_count=20'),
    q('reference: subject', 'Observation', `subject=Patient/${p1}&_count=100`),
    q('reference: requester', 'MedicationRequest', `requester=Practitioner/${practitionerId(Math.floor(pool.practitioners / 3))}&_count=20`),
    q('quantity: gt in UCUM', 'Observation', `value-quantity=gt250|http://unitsofmeasure.org|mg/dL&_count=20`),
    q('chained: subject.identifier', 'Observation', `subject:Patient.identifier=${MRN_SYSTEM}|${mrn(at(0.6))}&_count=100`),
    q('chained: 2 levels', 'DiagnosticReport', `encounter:Encounter.subject:Patient.identifier=${MRN_SYSTEM}|${mrn(at(0.4))}`),
    q('chained: organization name', 'Encounter', `service-provider.name=${encodeURIComponent(organizationName(Math.floor(pool.organizations / 2)))}&_count=20`),
    q('_has: condition code', 'Patient', `_has:Condition:subject:code=${SNOMED}|49436004&_count=20`),
    q('_has: procedure performer', 'Practitioner', `_has:Procedure:performer:subject=Patient/${p5}`),
    q('_include: requester, encounter', 'MedicationRequest', `subject=Patient/${p2}&_include=MedicationRequest:requester&_include=MedicationRequest:encounter`),
    q('_revinclude: observations, conditions', 'Patient', `_id=${p3}&_revinclude=Observation:subject&_revinclude=Condition:subject`),
    q('_sort: -date,code', 'Observation', `subject=Patient/${p4}&category=vital-signs&_sort=-date,code`),
    q('_sort: birthdate over many', 'Patient', `family=${FAMILY[2]}&_sort=birthdate,-_lastUpdated&_count=20`),
    q(`deep page: _offset=${deepOffset}`, 'Observation', `category=laboratory&_count=20&_offset=${deepOffset}`),
  ];
}
