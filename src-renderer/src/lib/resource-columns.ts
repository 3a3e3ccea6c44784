/**
 * Table columns per resource type for the resource browser: the few elements a curator scans
 * first (R4 resource pages, e.g. observation.html#resource), with a generic fallback.
 */
import type { Resource } from '@medplum/fhirtypes';
import {
  formatCodeableConcept, formatCoding, formatDateTime, formatHumanName, formatPeriod, formatQuantity,
  formatRange, formatRatio, formatReference, narrativeText,
} from './fhir-format';

export interface ResourceColumn {
  key: string;
  label: string;
  value: (resource: Resource) => string;
}

const idColumn: ResourceColumn = { key: 'id', label: 'Id', value: (resource) => resource.id ?? '' };
const lastUpdatedColumn: ResourceColumn = {
  key: 'lastUpdated',
  label: 'Last updated',
  value: (resource) => formatDateTime(resource.meta?.lastUpdated),
};

/** A column that applies to one resource type; other types give an empty cell. */
function column<T extends Resource['resourceType']>(
  type: T,
  key: string,
  label: string,
  read: (resource: Extract<Resource, { resourceType: T }>) => string,
): ResourceColumn {
  return {
    key,
    label,
    // TypeScript does not narrow a union through a generic comparison: the check above makes it safe.
    value: (resource) =>
      resource.resourceType === type ? read(resource as Extract<Resource, { resourceType: T }>) : '',
  };
}

/** Observation value[x] with its unit (observation.html#value). */
export function observationValue(resource: Extract<Resource, { resourceType: 'Observation' }>): string {
  if (resource.valueQuantity) return formatQuantity(resource.valueQuantity);
  if (resource.valueCodeableConcept) return formatCodeableConcept(resource.valueCodeableConcept);
  if (resource.valueString !== undefined) return resource.valueString;
  if (resource.valueBoolean !== undefined) return resource.valueBoolean ? 'true' : 'false';
  if (resource.valueInteger !== undefined) return String(resource.valueInteger);
  if (resource.valueRange) return formatRange(resource.valueRange);
  if (resource.valueRatio) return formatRatio(resource.valueRatio);
  if (resource.valueDateTime) return formatDateTime(resource.valueDateTime);
  if (resource.valueTime) return resource.valueTime;
  if (resource.valuePeriod) return formatPeriod(resource.valuePeriod);
  if (resource.valueSampledData) return 'sampled data';
  const components = resource.component ?? [];
  if (components.length > 0) {
    return components
      .map((part) => {
        const value = part.valueQuantity ? formatQuantity(part.valueQuantity) : formatCodeableConcept(part.valueCodeableConcept);
        return `${formatCodeableConcept(part.code)}: ${value}`;
      })
      .join('; ');
  }
  return resource.dataAbsentReason ? `(${formatCodeableConcept(resource.dataAbsentReason)})` : '';
}

const COLUMNS: Record<string, ResourceColumn[]> = {
  Patient: [
    column('Patient', 'name', 'Name', (r) => formatHumanName(r.name)),
    column('Patient', 'gender', 'Gender', (r) => r.gender ?? ''),
    column('Patient', 'birthDate', 'Birth date', (r) => r.birthDate ?? ''),
    idColumn,
  ],
  Observation: [
    column('Observation', 'code', 'Code', (r) => formatCodeableConcept(r.code)),
    column('Observation', 'value', 'Value', observationValue),
    column('Observation', 'effective', 'Effective', (r) =>
      formatDateTime(r.effectiveDateTime ?? r.effectiveInstant) || formatPeriod(r.effectivePeriod)),
    column('Observation', 'subject', 'Subject', (r) => formatReference(r.subject)),
  ],
  Condition: [
    column('Condition', 'code', 'Code', (r) => formatCodeableConcept(r.code)),
    column('Condition', 'clinicalStatus', 'Clinical status', (r) => formatCodeableConcept(r.clinicalStatus)),
    column('Condition', 'onset', 'Onset', (r) =>
      formatDateTime(r.onsetDateTime) || formatPeriod(r.onsetPeriod) || formatQuantity(r.onsetAge) || (r.onsetString ?? '')),
    column('Condition', 'subject', 'Subject', (r) => formatReference(r.subject)),
  ],
  Encounter: [
    column('Encounter', 'class', 'Class', (r) => formatCoding(r.class)),
    column('Encounter', 'type', 'Type', (r) => (r.type ?? []).map(formatCodeableConcept).filter(Boolean).join(', ')),
    column('Encounter', 'period', 'Period', (r) => formatPeriod(r.period)),
    column('Encounter', 'subject', 'Subject', (r) => formatReference(r.subject)),
  ],
  MedicationRequest: [
    column('MedicationRequest', 'medication', 'Medication', (r) =>
      formatCodeableConcept(r.medicationCodeableConcept) || formatReference(r.medicationReference)),
    column('MedicationRequest', 'status', 'Status', (r) => r.status),
    column('MedicationRequest', 'authoredOn', 'Authored on', (r) => formatDateTime(r.authoredOn)),
    column('MedicationRequest', 'subject', 'Subject', (r) => formatReference(r.subject)),
  ],
  Procedure: [
    column('Procedure', 'code', 'Code', (r) => formatCodeableConcept(r.code)),
    column('Procedure', 'status', 'Status', (r) => r.status),
    column('Procedure', 'performed', 'Performed', (r) =>
      formatDateTime(r.performedDateTime) || formatPeriod(r.performedPeriod) || (r.performedString ?? '')),
    column('Procedure', 'subject', 'Subject', (r) => formatReference(r.subject)),
  ],
  Immunization: [
    column('Immunization', 'vaccine', 'Vaccine', (r) => formatCodeableConcept(r.vaccineCode)),
    column('Immunization', 'status', 'Status', (r) => r.status),
    column('Immunization', 'occurrence', 'Date', (r) => formatDateTime(r.occurrenceDateTime) || (r.occurrenceString ?? '')),
    column('Immunization', 'patient', 'Patient', (r) => formatReference(r.patient)),
  ],
  DiagnosticReport: [
    column('DiagnosticReport', 'code', 'Code', (r) => formatCodeableConcept(r.code)),
    column('DiagnosticReport', 'status', 'Status', (r) => r.status),
    column('DiagnosticReport', 'effective', 'Effective', (r) =>
      formatDateTime(r.effectiveDateTime) || formatPeriod(r.effectivePeriod)),
    column('DiagnosticReport', 'subject', 'Subject', (r) => formatReference(r.subject)),
  ],
};

/** Best-effort one-line description of any resource: its narrative, else a name/code/title field. */
export function resourceSummary(resource: Resource): string {
  const fromNarrative = narrativeText(resource.resourceType === 'Bundle' || resource.resourceType === 'Binary' || resource.resourceType === 'Parameters' ? undefined : resource.text?.div);
  if (fromNarrative) return fromNarrative;
  const fields = resource as { name?: unknown; title?: unknown; code?: unknown; description?: unknown; status?: unknown };
  if (typeof fields.title === 'string') return fields.title;
  if (typeof fields.name === 'string') return fields.name;
  if (Array.isArray(fields.name)) return formatHumanName(fields.name);
  if (typeof fields.code === 'object' && fields.code !== null) return formatCodeableConcept(fields.code);
  if (typeof fields.description === 'string') return narrativeText(fields.description);
  return typeof fields.status === 'string' ? fields.status : '';
}

const GENERIC_COLUMNS: ResourceColumn[] = [
  idColumn,
  { key: 'summary', label: 'Summary', value: resourceSummary },
  lastUpdatedColumn,
];

/**
 * A subtitle for the resource view: the tailored columns (name, code, value...) when the type
 * has them, since generated narratives (Synthea's "Generated by Synthea...") say little.
 */
export function resourceHeadline(resource: Resource): string {
  const tailored = COLUMNS[resource.resourceType];
  if (!tailored) return resourceSummary(resource);
  return tailored
    .filter((column) => column.key !== 'id')
    .map((column) => column.value(resource))
    .filter((value) => value.length > 0)
    .join(' · ');
}

export function columnsFor(resourceType: string): ResourceColumn[] {
  return COLUMNS[resourceType] ?? GENERIC_COLUMNS;
}

/** The types with tailored columns (listed in the command palette). */
export const TAILORED_TYPES = Object.keys(COLUMNS);
