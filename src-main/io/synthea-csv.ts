/**
 * Synthea's CSV export (github.com/synthetichealth/synthea/wiki/CSV-File-Data-Dictionary) turned
 * into FHIR R4 resources, table by table, so that a Synthea `csv/` folder imports like its `fhir/`
 * twin. Rows with an `Id` keep it as the resource id; the others get a stable id derived from the
 * row's content (a SHA-256 name-based UUID), so importing the folder again changes nothing.
 *
 * Mapping (docs/import.md lists it too): organizations and payers → Organization; providers →
 * Practitioner; patients → Patient; encounters → Encounter; conditions → Condition; observations →
 * Observation; medications → MedicationRequest; procedures → Procedure; immunizations →
 * Immunization; allergies → AllergyIntolerance; careplans → CarePlan; devices → Device;
 * imaging_studies → ImagingStudy (its rows are instances, grouped by study and series); supplies →
 * SupplyDelivery; payer_transitions → Coverage; claims → Claim, whose items are the CHARGE rows of
 * claims_transactions (its PAYMENT and TRANSFER rows are bookkeeping between payers, not kept).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CodeableConcept } from '@medplum/fhirtypes';
import { parse } from 'csv-parse/sync';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const UCUM = 'http://unitsofmeasure.org';

type Row = Record<string, string>;
/**
 * A resource as plain JSON: the importer validates every record against the R4 definitions
 * before it is stored (import-plan.ts), so the converter does not claim a static type.
 */
type ResourceJson = Record<string, unknown> & { resourceType: string };

/** Tables in the order their resources are written (targets of references first). */
export const SYNTHEA_TABLES = [
  'organizations', 'payers', 'providers', 'patients', 'encounters', 'conditions', 'allergies', 'careplans', 'devices', 'imaging_studies',
  'immunizations', 'medications', 'observations', 'procedures', 'supplies', 'payer_transitions', 'claims',
] as const;

export type SyntheaTable = (typeof SYNTHEA_TABLES)[number];

/** True when the folder looks like Synthea CSV output: a patients.csv with Synthea's header. */
export async function isSyntheaCsvFolder(folder: string): Promise<boolean> {
  try {
    const head = (await readFile(path.join(folder, 'patients.csv'), 'utf8')).slice(0, 200);
    return /^\uFEFF?Id,BIRTHDATE,DEATHDATE,/.test(head);
  } catch {
    return false;
  }
}

/** A name-based UUID (RFC 9562 §5.8 layout) from the table and the row's content. */
function rowId(table: string, row: Row): string {
  const hash = createHash('sha256').update(table).update('\u0000').update(JSON.stringify(row)).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function concept(system: string, code: string, display: string): CodeableConcept {
  const coding = { system, code, ...(display ? { display } : {}) };
  return { coding: [coding], ...(display ? { text: display } : {}) };
}

const ref = (type: string, id: string | undefined) => (id ? { reference: `${type}/${id}` } : undefined);

/** Only the keys whose value is set (FHIR has no empty elements). */
function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete value[key];
  }
  return value;
}

function dateTime(text: string): string | undefined {
  if (!text) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : text.replace(/\.\d+Z$/, 'Z');
}

/** "Ludivina884 Steuber698" → given "Ludivina884", family "Steuber698". */
function splitName(full: string): { given: string[]; family?: string } {
  const parts = full.trim().split(/\s+/);
  if (parts.length < 2) return { given: parts.filter(Boolean) };
  return { given: parts.slice(0, -1), family: parts[parts.length - 1]! };
}

function address(row: Row, keys: { line: string; city: string; state: string; zip: string }) {
  return compact({ line: row[keys.line] ? [row[keys.line]!] : undefined, city: row[keys.city], state: row[keys.state], postalCode: row[keys.zip], country: 'US' });
}

const GENDER: Record<string, 'male' | 'female'> = { M: 'male', F: 'female' };
const ENCOUNTER_CLASS: Record<string, { code: string; display: string }> = {
  ambulatory: { code: 'AMB', display: 'ambulatory' },
  wellness: { code: 'AMB', display: 'ambulatory' },
  outpatient: { code: 'AMB', display: 'ambulatory' },
  urgentcare: { code: 'AMB', display: 'ambulatory' },
  emergency: { code: 'EMER', display: 'emergency' },
  inpatient: { code: 'IMP', display: 'inpatient encounter' },
  home: { code: 'HH', display: 'home health' },
  virtual: { code: 'VR', display: 'virtual' },
  snf: { code: 'IMP', display: 'inpatient encounter' },
  hospice: { code: 'HH', display: 'home health' },
};
const RELATIONSHIP: Record<string, string> = { Self: 'self', Spouse: 'spouse', Guardian: 'other' };

function convert(table: SyntheaTable, row: Row, extra: { chargesByClaim: Map<string, Row[]> }): ResourceJson | undefined {
  switch (table) {
    case 'organizations':
      return compact({ resourceType: 'Organization', id: row.Id, active: true, name: row.NAME, telecom: row.PHONE ? [{ system: 'phone' as const, value: row.PHONE }] : undefined, address: [address(row, { line: 'ADDRESS', city: 'CITY', state: 'STATE', zip: 'ZIP' })] });
    case 'payers':
      return compact({
        resourceType: 'Organization', id: row.Id, active: true, name: row.NAME,
        type: [concept('http://terminology.hl7.org/CodeSystem/organization-type', 'pay', 'Payer')],
        telecom: row.PHONE ? [{ system: 'phone' as const, value: row.PHONE }] : undefined,
        address: row.ADDRESS ? [address(row, { line: 'ADDRESS', city: 'CITY', state: 'STATE_HEADQUARTERED', zip: 'ZIP' })] : undefined,
      });
    case 'providers':
      return compact({
        resourceType: 'Practitioner', id: row.Id, active: true, name: [compact({ ...splitName(row.NAME ?? ''), prefix: ['Dr.'] })], gender: GENDER[row.GENDER ?? ''],
        address: [address(row, { line: 'ADDRESS', city: 'CITY', state: 'STATE', zip: 'ZIP' })],
        qualification: row.SPECIALITY ? [{ code: { text: row.SPECIALITY } }] : undefined,
      });
    case 'patients': {
      const identifiers = [
        row.SSN ? { system: 'http://hl7.org/fhir/sid/us-ssn', value: row.SSN } : undefined,
        row.DRIVERS ? { system: 'urn:oid:2.16.840.1.113883.4.3.25', value: row.DRIVERS } : undefined,
        row.PASSPORT ? { system: 'http://hl7.org/fhir/sid/passport-USA', value: row.PASSPORT } : undefined,
      ].filter((i): i is { system: string; value: string } => i !== undefined);
      const name = compact({ use: 'official' as const, family: row.LAST, given: row.FIRST ? [row.FIRST] : undefined, prefix: row.PREFIX ? [row.PREFIX] : undefined, suffix: row.SUFFIX ? [row.SUFFIX] : undefined });
      const names = [name, ...(row.MAIDEN ? [{ use: 'maiden' as const, family: row.MAIDEN, given: row.FIRST ? [row.FIRST] : undefined }] : [])];
      return compact({
        resourceType: 'Patient', id: row.Id, identifier: identifiers, name: names, gender: GENDER[row.GENDER ?? ''], birthDate: row.BIRTHDATE,
        deceasedDateTime: dateTime(row.DEATHDATE ?? ''),
        address: [address(row, { line: 'ADDRESS', city: 'CITY', state: 'STATE', zip: 'ZIP' })],
        maritalStatus: row.MARITAL ? concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', row.MARITAL, { M: 'Married', S: 'Never Married', D: 'Divorced', W: 'Widowed' }[row.MARITAL] ?? '') : undefined,
        extension: [
          row.RACE ? { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{ url: 'text', valueString: row.RACE }] } : undefined,
          row.ETHNICITY ? { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity', extension: [{ url: 'text', valueString: row.ETHNICITY }] } : undefined,
          row.BIRTHPLACE ? { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { text: row.BIRTHPLACE.replace(/\s{2,}/g, ', ') } } : undefined,
        ].filter((e) => e !== undefined),
      });
    }
    case 'encounters':
      return compact({
        resourceType: 'Encounter', id: row.Id, status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', ...(ENCOUNTER_CLASS[row.ENCOUNTERCLASS ?? ''] ?? { code: 'AMB', display: 'ambulatory' }) },
        type: row.CODE ? [concept(SNOMED, row.CODE, row.DESCRIPTION ?? '')] : undefined,
        subject: ref('Patient', row.PATIENT), participant: row.PROVIDER ? [{ individual: ref('Practitioner', row.PROVIDER)! }] : undefined,
        period: compact({ start: dateTime(row.START ?? ''), end: dateTime(row.STOP ?? '') }),
        serviceProvider: ref('Organization', row.ORGANIZATION),
        reasonCode: row.REASONCODE ? [concept(SNOMED, row.REASONCODE, row.REASONDESCRIPTION ?? '')] : undefined,
      });
    case 'conditions':
      return compact({
        resourceType: 'Condition', id: rowId(table, row),
        clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', row.STOP ? 'resolved' : 'active', row.STOP ? 'Resolved' : 'Active'),
        verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
        code: concept(SNOMED, row.CODE ?? '', row.DESCRIPTION ?? ''), subject: ref('Patient', row.PATIENT), encounter: ref('Encounter', row.ENCOUNTER),
        onsetDateTime: dateTime(row.START ?? ''), abatementDateTime: dateTime(row.STOP ?? ''),
      });
    case 'observations': {
      const numeric = row.TYPE === 'numeric' && row.VALUE !== '' && Number.isFinite(Number(row.VALUE));
      return compact({
        resourceType: 'Observation', id: rowId(table, row), status: 'final',
        category: row.CATEGORY ? [concept('http://terminology.hl7.org/CodeSystem/observation-category', row.CATEGORY, '')] : undefined,
        code: concept(LOINC, row.CODE ?? '', row.DESCRIPTION ?? ''), subject: ref('Patient', row.PATIENT), encounter: ref('Encounter', row.ENCOUNTER),
        effectiveDateTime: dateTime(row.DATE ?? ''),
        valueQuantity: numeric ? compact({ value: Number(row.VALUE), unit: row.UNITS, system: row.UNITS ? UCUM : undefined, code: row.UNITS }) : undefined,
        valueString: !numeric && row.VALUE ? row.VALUE : undefined,
      });
    }
    case 'medications':
      return compact({
        resourceType: 'MedicationRequest', id: rowId(table, row), status: row.STOP ? 'stopped' : 'active', intent: 'order',
        medicationCodeableConcept: concept(RXNORM, row.CODE ?? '', row.DESCRIPTION ?? ''), subject: ref('Patient', row.PATIENT)!, encounter: ref('Encounter', row.ENCOUNTER),
        authoredOn: dateTime(row.START ?? ''), reasonCode: row.REASONCODE ? [concept(SNOMED, row.REASONCODE, row.REASONDESCRIPTION ?? '')] : undefined,
        dispenseRequest: row.STOP ? { validityPeriod: compact({ start: dateTime(row.START ?? ''), end: dateTime(row.STOP) }) } : undefined,
      });
    case 'procedures':
      return compact({
        resourceType: 'Procedure', id: rowId(table, row), status: 'completed', code: concept(SNOMED, row.CODE ?? '', row.DESCRIPTION ?? ''),
        subject: ref('Patient', row.PATIENT)!, encounter: ref('Encounter', row.ENCOUNTER),
        performedPeriod: compact({ start: dateTime(row.START ?? ''), end: dateTime(row.STOP ?? '') }),
        reasonCode: row.REASONCODE ? [concept(SNOMED, row.REASONCODE, row.REASONDESCRIPTION ?? '')] : undefined,
      });
    case 'immunizations':
      return compact({
        resourceType: 'Immunization', id: rowId(table, row), status: 'completed', vaccineCode: concept(CVX, row.CODE ?? '', row.DESCRIPTION ?? ''),
        patient: ref('Patient', row.PATIENT)!, encounter: ref('Encounter', row.ENCOUNTER), occurrenceDateTime: dateTime(row.DATE ?? ''), primarySource: true,
      });
    case 'allergies': {
      const system = row.SYSTEM === 'RxNorm' ? RXNORM : SNOMED;
      const reactions = [1, 2]
        .filter((n) => row[`REACTION${n}`])
        .map((n) => compact({ manifestation: [concept(SNOMED, row[`REACTION${n}`]!, row[`DESCRIPTION${n}`] ?? '')], severity: ({ MILD: 'mild', MODERATE: 'moderate', SEVERE: 'severe' } as const)[row[`SEVERITY${n}`] as 'MILD'] }));
      return compact({
        resourceType: 'AllergyIntolerance', id: rowId(table, row),
        clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', row.STOP ? 'inactive' : 'active', row.STOP ? 'Inactive' : 'Active'),
        verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
        type: row.TYPE === 'intolerance' ? 'intolerance' : row.TYPE === 'allergy' ? 'allergy' : undefined,
        category: (['food', 'medication', 'environment', 'biologic'] as const).includes(row.CATEGORY as 'food') ? [row.CATEGORY as 'food'] : undefined,
        code: concept(system, row.CODE ?? '', row.DESCRIPTION ?? ''), patient: ref('Patient', row.PATIENT)!, encounter: ref('Encounter', row.ENCOUNTER),
        recordedDate: dateTime(row.START ?? ''), lastOccurrence: dateTime(row.STOP ?? ''), reaction: reactions,
      });
    }
    case 'careplans':
      return compact({
        resourceType: 'CarePlan', id: row.Id, status: row.STOP ? 'completed' : 'active', intent: 'plan',
        category: [concept(SNOMED, row.CODE ?? '', row.DESCRIPTION ?? '')], subject: ref('Patient', row.PATIENT)!, encounter: ref('Encounter', row.ENCOUNTER),
        period: compact({ start: dateTime(row.START ?? ''), end: dateTime(row.STOP ?? '') }),
        description: row.REASONDESCRIPTION ? `Reason: ${row.REASONDESCRIPTION} (SNOMED CT ${row.REASONCODE})` : undefined,
      });
    case 'devices':
      return compact({
        resourceType: 'Device', id: rowId(table, row), status: row.STOP ? 'inactive' : 'active',
        udiCarrier: row.UDI ? [{ carrierHRF: row.UDI }] : undefined, type: concept(SNOMED, row.CODE ?? '', row.DESCRIPTION ?? ''),
        patient: ref('Patient', row.PATIENT),
        manufactureDate: undefined,
      });
    case 'supplies':
      return compact({
        resourceType: 'SupplyDelivery', id: rowId(table, row), status: 'completed', patient: ref('Patient', row.PATIENT),
        suppliedItem: compact({ quantity: row.QUANTITY ? { value: Number(row.QUANTITY) } : undefined, itemCodeableConcept: concept(SNOMED, row.CODE ?? '', row.DESCRIPTION ?? '') }),
        occurrenceDateTime: dateTime(row.DATE ?? ''),
      });
    case 'payer_transitions':
      return compact({
        resourceType: 'Coverage', id: rowId(table, row), status: 'active', subscriberId: row.MEMBERID,
        beneficiary: ref('Patient', row.PATIENT)!, payor: [ref('Organization', row.PAYER)!],
        relationship: row.OWNERSHIP ? concept('http://terminology.hl7.org/CodeSystem/subscriber-relationship', RELATIONSHIP[row.OWNERSHIP] ?? 'other', row.OWNERSHIP) : undefined,
        period: compact({ start: dateTime(row.START_YEAR ?? ''), end: dateTime(row.END_YEAR ?? '') }),
      });
    case 'claims': {
      const diagnoses = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => row[`DIAGNOSIS${n}`]).filter((code): code is string => !!code);
      const charges = extra.chargesByClaim.get(row.Id ?? '') ?? [];
      const institutional = row.HEALTHCARECLAIMTYPEID1 === '2';
      return compact({
        resourceType: 'Claim', id: row.Id, status: 'active',
        type: concept('http://terminology.hl7.org/CodeSystem/claim-type', institutional ? 'institutional' : 'professional', institutional ? 'Institutional' : 'Professional'),
        use: 'claim', patient: ref('Patient', row.PATIENTID)!, created: dateTime(row.SERVICEDATE ?? '') ?? '1970-01-01',
        provider: ref('Practitioner', row.PROVIDERID)!, priority: concept('http://terminology.hl7.org/CodeSystem/processpriority', 'normal', 'Normal'),
        insurance: [{ sequence: 1, focal: true, coverage: { display: row.PRIMARYPATIENTINSURANCEID && row.PRIMARYPATIENTINSURANCEID !== '0' ? `Payer ${row.PRIMARYPATIENTINSURANCEID}` : 'No insurance' } }],
        insurer: row.PRIMARYPATIENTINSURANCEID && row.PRIMARYPATIENTINSURANCEID !== '0' ? ref('Organization', row.PRIMARYPATIENTINSURANCEID) : undefined,
        diagnosis: [...new Set(diagnoses)].map((code, index) => ({ sequence: index + 1, diagnosisCodeableConcept: concept(SNOMED, code, '') })),
        item: charges.map((charge, index) => compact({
          sequence: index + 1,
          productOrService: concept(SNOMED, charge.PROCEDURECODE || 'unknown', charge.NOTES ?? ''),
          servicedDate: charge.FROMDATE ? charge.FROMDATE.slice(0, 10) : undefined,
          quantity: charge.UNITS ? { value: Number(charge.UNITS) } : undefined,
          net: charge.AMOUNT ? { value: Number(charge.AMOUNT), currency: 'USD' } : undefined,
          encounter: row.APPOINTMENTID ? [ref('Encounter', row.APPOINTMENTID)!] : undefined,
        })),
      });
    }
    case 'imaging_studies':
      return undefined; // grouped: see imagingStudies()
  }
}

/** ImagingStudy rows are instances: one resource per study Id, with its series and instances. */
function imagingStudies(rows: Row[]): Array<{ row: Row; line: number; resource: ResourceJson }> {
  const studies = new Map<string, { row: Row; line: number; series: Map<string, { row: Row; instances: Row[] }> }>();
  rows.forEach((row, index) => {
    const id = row.Id ?? '';
    let study = studies.get(id);
    if (!study) studies.set(id, (study = { row, line: index + 2, series: new Map() }));
    let series = study.series.get(row.SERIES_UID ?? '');
    if (!series) study.series.set(row.SERIES_UID ?? '', (series = { row, instances: [] }));
    series.instances.push(row);
  });
  return [...studies.values()].map(({ row, line, series }) => ({
    row,
    line,
    resource: compact({
      resourceType: 'ImagingStudy', id: row.Id, status: 'available', subject: ref('Patient', row.PATIENT)!, encounter: ref('Encounter', row.ENCOUNTER),
      started: dateTime(row.DATE ?? ''), procedureCode: row.PROCEDURE_CODE ? [concept(SNOMED, row.PROCEDURE_CODE, '')] : undefined,
      numberOfSeries: series.size,
      series: [...series.entries()].map(([uid, s]) => compact({
        uid,
        modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: s.row.MODALITY_CODE ?? '', display: s.row.MODALITY_DESCRIPTION },
        bodySite: s.row.BODYSITE_CODE ? { system: SNOMED, code: s.row.BODYSITE_CODE, display: s.row.BODYSITE_DESCRIPTION } : undefined,
        numberOfInstances: s.instances.length,
        instance: s.instances.map((i) => ({ uid: i.INSTANCE_UID ?? '', sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${i.SOP_CODE ?? ''}`, display: i.SOP_DESCRIPTION } })),
      })),
    }),
  }));
}

export interface SyntheaTableResult {
  table: SyntheaTable;
  file: string;
  /** Each resource with the 1-based CSV line of the row it comes from (the first row for grouped tables). */
  resources: Array<{ line: number; resource: ResourceJson }>;
  problem?: string;
}

function readRows(text: string): Row[] {
  return parse(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: false }) as Row[];
}

/**
 * Converts the tables of a Synthea CSV folder, one at a time in SYNTHEA_TABLES order (a table
 * missing from the folder is skipped; a table that is not valid CSV gets a problem).
 */
export async function* syntheaCsvTables(folder: string): AsyncGenerator<SyntheaTableResult> {
  const chargesByClaim = new Map<string, Row[]>();
  try {
    for (const row of readRows(await readFile(path.join(folder, 'claims_transactions.csv'), 'utf8'))) {
      if (row.TYPE !== 'CHARGE' || !row.CLAIMID) continue;
      const list = chargesByClaim.get(row.CLAIMID) ?? [];
      list.push(row);
      chargesByClaim.set(row.CLAIMID, list);
    }
  } catch {
    // No transactions (or unreadable ones): claims are stored without items.
  }
  for (const table of SYNTHEA_TABLES) {
    const file = path.join(folder, `${table}.csv`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    let rows: Row[];
    try {
      rows = readRows(text);
    } catch (error) {
      yield { table, file, resources: [], problem: `not valid CSV: ${(error as Error).message.slice(0, 200)}` };
      continue;
    }
    if (table === 'imaging_studies') {
      yield { table, file, resources: imagingStudies(rows).map(({ line, resource }) => ({ line, resource })) };
      continue;
    }
    const resources: SyntheaTableResult['resources'] = [];
    rows.forEach((row, index) => {
      const resource = convert(table, row, { chargesByClaim });
      // Line numbers: the header is line 1 (rows with quoted newlines are rare in Synthea output).
      if (resource) resources.push({ line: index + 2, resource });
    });
    yield { table, file, resources };
  }
}
