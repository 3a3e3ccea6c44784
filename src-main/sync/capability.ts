/**
 * "Test connection" (docs/sync.md "Profiles"): what the server's CapabilityStatement
 * (https://hl7.org/fhir/R4/capabilitystatement.html) says it supports, and how a push will go.
 */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { ConnectionReport, PushReport } from './types';

export function analyzeCapabilities(baseUrl: string, cs: CapabilityStatement): ConnectionReport {
  const problems: string[] = [];
  if (cs.resourceType !== 'CapabilityStatement') problems.push('The server did not answer /metadata with a CapabilityStatement');
  const fhirVersion = cs.fhirVersion;
  const r4 = typeof fhirVersion === 'string' && /^4\.0(\.|$)/.test(fhirVersion);
  if (!r4) problems.push(`The server speaks FHIR ${fhirVersion ?? '(version not stated)'}; Hearth syncs FHIR R4 (4.0.x) only`);
  const rest = (cs.rest ?? []).find((r) => r.mode === 'server');
  if (!rest) problems.push('The CapabilityStatement has no server REST section');
  const system = new Set((rest?.interaction ?? []).map((i) => i.code));
  const resources = (rest?.resource ?? []).map((r) => ({
    type: r.type,
    interactions: (r.interaction ?? []).map((i) => i.code).filter((c): c is NonNullable<typeof c> => c !== undefined),
    conditionalCreate: r.conditionalCreate === true,
  }));
  const software = cs.software?.name ? `${cs.software.name}${cs.software.version ? ` ${cs.software.version}` : ''}` : undefined;
  return {
    baseUrl,
    ...(fhirVersion !== undefined ? { fhirVersion } : {}),
    r4,
    ...(software ? { software } : {}),
    transaction: system.has('transaction'),
    batch: system.has('batch'),
    resources,
    problems,
  };
}

/** Transaction Bundles where supported, else batch, else one request per resource. */
export function pushMode(report: ConnectionReport): PushReport['mode'] {
  return report.transaction ? 'transaction' : report.batch ? 'batch' : 'single';
}

/** Types the server can search (for pull), or every listed type when interactions are not stated. */
export function searchableTypes(report: ConnectionReport): string[] {
  return report.resources.filter((r) => r.interactions.length === 0 || r.interactions.includes('search-type')).map((r) => r.type);
}
