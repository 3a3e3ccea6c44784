/**
 * Deliberately broken resources, each with the issue code and FHIRPath location the validator must
 * report (validation.html#structure). Each starts from a small valid resource and breaks one thing.
 */
export interface BrokenCase {
  name: string;
  resource: unknown;
  code: string;
  expression: string;
}

const obs = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Observation', status: 'final', code: { text: 'heart rate' }, ...extra });
const pat = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', ...extra });
const enc = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, ...extra });

function c(name: string, resource: unknown, code: string, expression: string): BrokenCase {
  return { name, resource, code, expression };
}

/** The envelope: what every resource must be before its structure is looked at. */
const envelope: BrokenCase[] = [
  c('not an object', ['Patient'], 'structure', 'Resource'),
  c('a string', 'Patient', 'structure', 'Resource'),
  c('no resourceType', { id: 'a' }, 'required', 'Resource.resourceType'),
  c('unknown resourceType', { resourceType: 'Patinet' }, 'value', 'Resource.resourceType'),
  c('abstract resourceType', { resourceType: 'DomainResource' }, 'value', 'Resource.resourceType'),
  c('id with a space', pat({ id: 'a b' }), 'value', 'Patient.id'),
  c('id too long', pat({ id: 'x'.repeat(65) }), 'value', 'Patient.id'),
  c('id a number', pat({ id: 7 }), 'value', 'Patient.id'),
  c('meta an array', pat({ meta: [] }), 'structure', 'Patient.meta'),
];

/** Element names: every property must be defined for its type (json.html#resources). */
const unknownElements: BrokenCase[] = [
  c('unknown root element', pat({ nickname: 'Bob' }), 'structure', 'Patient.nickname'),
  c('unknown element in a data type', pat({ name: [{ family: 'A', middle: 'B' }] }), 'structure', 'Patient.name[0].middle'),
  c('unknown choice type suffix', obs({ valueFoo: 'x' }), 'structure', 'Observation.valueFoo'),
  c('choice type not allowed for the element', pat({ deceasedString: 'yes' }), 'structure', 'Patient.deceasedString'),
  c('unknown element in a backbone element', pat({ contact: [{ name: { family: 'A' }, mood: 'x' }] }), 'structure', 'Patient.contact[0].mood'),
  c('unknown element in a contained resource', pat({ contained: [{ resourceType: 'Organization', id: 'o', name: 'X', colour: 'red' }] }), 'structure', 'Patient.contained[0].colour'),
  c('unknown element in a Bundle entry resource', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: pat({ shoeSize: 9 }) }] }, 'structure', 'Bundle.entry[0].resource.shoeSize'),
  c('unknown element in an extension', pat({ extension: [{ url: 'http://example.org/x', valueString: 'a', note: 'b' }] }), 'structure', 'Patient.extension[0].note'),
  c('element of another resource type', obs({ gender: 'male' }), 'structure', 'Observation.gender'),
  c('misspelt element', obs({ stauts: 'final' }), 'structure', 'Observation.stauts'),
  c('unknown element in a Quantity', obs({ valueQuantity: { value: 1, units: 'kg' } }), 'structure', 'Observation.value.ofType(Quantity).units'),
  c('unknown element in meta', pat({ meta: { tags: [] } }), 'structure', 'Patient.meta.tags'),
];

/** JSON types of elements (json.html#primitive): numbers, booleans and strings are not interchangeable. */
const jsonTypes: BrokenCase[] = [
  c('boolean as a string', pat({ active: 'true' }), 'structure', 'Patient.active'),
  c('boolean as a number', pat({ active: 1 }), 'structure', 'Patient.active'),
  c('string as a number', pat({ name: [{ family: 42 }] }), 'structure', 'Patient.name[0].family'),
  c('string in an array as a number', pat({ name: [{ given: ['Ann', 3] }] }), 'structure', 'Patient.name[0].given[1]'),
  c('code as a number', pat({ gender: 1 }), 'structure', 'Patient.gender'),
  c('date as a number', pat({ birthDate: 19800101 }), 'structure', 'Patient.birthDate'),
  c('decimal as a string', obs({ valueQuantity: { value: '1.5' } }), 'structure', 'Observation.value.ofType(Quantity).value'),
  c('integer as a string', obs({ valueInteger: '3' }), 'structure', 'Observation.value.ofType(integer)'),
  c('boolean choice as a string', obs({ valueBoolean: 'false' }), 'structure', 'Observation.value.ofType(boolean)'),
  c('boolean choice in a component', obs({ component: [{ code: { text: 'x' }, valueBoolean: 'true' }] }), 'structure', 'Observation.component[0].value.ofType(boolean)'),
  c('array where one value is allowed', pat({ gender: ['male'] }), 'structure', 'Patient.gender'),
  c('one value where an array is required', pat({ name: { family: 'A' } }), 'structure', 'Patient.name'),
  c('string where an object is required', pat({ maritalStatus: 'married' }), 'structure', 'Patient.maritalStatus'),
  c('object where a primitive is required', pat({ text: { status: 'generated', div: { resourceType: 'Patient' } } }), 'structure', 'Patient.text.div'),
  c('object where a code is required', pat({ gender: { value: 'male' } }), 'structure', 'Patient.gender'),
  c('resource where a data type is required', obs({ subject: { resourceType: 'Patient' } }), 'structure', 'Observation.subject.resourceType'),
  c('resourceType inside a choice value', obs({ valueQuantity: { value: 1, resourceType: 'Quantity' } }), 'structure', 'Observation.value.ofType(Quantity).resourceType'),
  c('number with extensions where an array of objects is required', { resourceType: 'Bundle', type: 'collection', entry: -1, _entry: { id: 'x' } }, 'structure', 'Bundle.entry'),
  c('primitive extension not an object', pat({ birthDate: '1980-01-01', _birthDate: 'x' }), 'structure', 'Patient._birthDate'),
  c('primitive extension an empty object', pat({ birthDate: '1980-01-01', _birthDate: {} }), 'structure', 'Patient._birthDate'),
  c('primitive extension array holding a number', pat({ name: [{ given: ['A'], _given: [3] }] }), 'structure', 'Patient.name[0]._given'),
  c('number where a Reference is required', pat({ managingOrganization: 5 }), 'structure', 'Patient.managingOrganization'),
  c('positiveInt as a string', pat({ multipleBirthInteger: '2' }), 'structure', 'Patient.multipleBirth.ofType(integer)'),
];

/** Cardinality and required elements (elementdefinition.html#min-max). */
const cardinality: BrokenCase[] = [
  c('Observation without status', { resourceType: 'Observation', code: { text: 'x' } }, 'required', 'Observation.status'),
  c('Observation without code', { resourceType: 'Observation', status: 'final' }, 'required', 'Observation.code'),
  c('Encounter without class', { resourceType: 'Encounter', status: 'finished' }, 'required', 'Encounter.class'),
  c('Encounter without status', { resourceType: 'Encounter', class: { code: 'AMB' } }, 'required', 'Encounter.status'),
  c('MedicationRequest without subject', { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'x' } }, 'required', 'MedicationRequest.subject'),
  c('MedicationRequest without medication[x]', { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/p' } }, 'required', 'MedicationRequest.medication'),
  c('Patient.link without other', pat({ link: [{ type: 'seealso' }] }), 'required', 'Patient.link[0].other'),
  c('Patient.communication without language', pat({ communication: [{ preferred: true }] }), 'required', 'Patient.communication[0].language'),
  c('Extension without url', pat({ extension: [{ valueString: 'a' }] }), 'required', 'Patient.extension[0].url'),
  c('Bundle without type', { resourceType: 'Bundle' }, 'required', 'Bundle.type'),
  c('Condition without subject', { resourceType: 'Condition' }, 'required', 'Condition.subject'),
  c('Basic without code', { resourceType: 'Basic' }, 'required', 'Basic.code'),
  c('Narrative without div', pat({ text: { status: 'generated' } }), 'required', 'Patient.text.div'),
  c('Narrative without status', pat({ text: { div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } }), 'required', 'Patient.text.status'),
  c('Observation.component without code', obs({ component: [{ valueString: 'a' }] }), 'required', 'Observation.component[0].code'),
  c('AllergyIntolerance without patient', { resourceType: 'AllergyIntolerance' }, 'required', 'AllergyIntolerance.patient'),
  c('Coverage without beneficiary', { resourceType: 'Coverage', status: 'active', payor: [{ reference: 'Organization/o' }] }, 'required', 'Coverage.beneficiary'),
  c('Coverage with an empty payor list', { resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/p' }, payor: [] }, 'required', 'Coverage.payor'),
];

/** Empty and null values (json.html#null: no nulls, no empty objects or arrays). */
const emptiness: BrokenCase[] = [
  c('null value', pat({ active: null }), 'structure', 'Patient.active'),
  c('empty array', pat({ name: [] }), 'structure', 'Patient.name'),
  c('empty object in an array', pat({ name: [{}] }), 'structure', 'Patient.name[0]'),
  c('empty object', pat({ maritalStatus: {} }), 'structure', 'Patient.maritalStatus'),
  c('null in an array without extensions', pat({ name: [{ given: ['A', null] }] }), 'structure', 'Patient.name[0].given[1]'),
  c('empty string', pat({ name: [{ family: '' }] }), 'structure', 'Patient.name[0].family'),
  c('whitespace-only string', pat({ name: [{ family: '   ' }] }), 'value', 'Patient.name[0].family'),
];

/** Primitive formats (datatypes.html#primitive). */
const primitives: BrokenCase[] = [
  c('date with month 13', pat({ birthDate: '1980-13-01' }), 'value', 'Patient.birthDate'),
  c('date 30 February', pat({ birthDate: '1980-02-30' }), 'value', 'Patient.birthDate'),
  c('date without dashes', pat({ birthDate: '19800101' }), 'value', 'Patient.birthDate'),
  c('date with one-digit month', pat({ birthDate: '1980-1-01' }), 'value', 'Patient.birthDate'),
  c('date with a time', pat({ birthDate: '1980-01-01T10:00:00Z' }), 'value', 'Patient.birthDate'),
  c('date in US order', pat({ birthDate: '01/02/1980' }), 'value', 'Patient.birthDate'),
  c('dateTime hour 25', obs({ effectiveDateTime: '2020-01-01T25:00:00Z' }), 'value', 'Observation.effective.ofType(dateTime)'),
  c('dateTime with a space', obs({ effectiveDateTime: '2020-01-01 10:00:00' }), 'value', 'Observation.effective.ofType(dateTime)'),
  c('dateTime minutes 61', obs({ effectiveDateTime: '2020-01-01T10:61:00Z' }), 'value', 'Observation.effective.ofType(dateTime)'),
  c('dateTime zone +15:00', obs({ effectiveDateTime: '2020-01-01T10:00:00+15:00' }), 'value', 'Observation.effective.ofType(dateTime)'),
  c('Period.start not a dateTime', obs({ effectivePeriod: { start: 'yesterday' } }), 'value', 'Observation.effective.ofType(Period).start'),
  c('instant without a zone', obs({ issued: '2020-01-01T10:00:00' }), 'value', 'Observation.issued'),
  c('instant without seconds', obs({ issued: '2020-01-01T10:00Z' }), 'value', 'Observation.issued'),
  c('instant as a date', obs({ issued: '2020-01-01' }), 'value', 'Observation.issued'),
  c('meta.lastUpdated not an instant', pat({ meta: { lastUpdated: 'now' } }), 'value', 'Patient.meta.lastUpdated'),
  c('time hour 24', obs({ valueTime: '24:00:00' }), 'value', 'Observation.value.ofType(time)'),
  c('time without seconds', obs({ valueTime: '10:00' }), 'value', 'Observation.value.ofType(time)'),
  c('integer with a fraction', obs({ valueInteger: 1.5 }), 'value', 'Observation.value.ofType(integer)'),
  c('integer above 2^31-1', obs({ valueInteger: 2147483648 }), 'value', 'Observation.value.ofType(integer)'),
  c('positiveInt zero', obs({ valueSampledData: { origin: { value: 0 }, period: 1, dimensions: 0, data: '1' } }), 'value', 'Observation.value.ofType(SampledData).dimensions'),
  c('unsignedInt negative', { resourceType: 'ImagingStudy', status: 'available', subject: { reference: 'Patient/p' }, numberOfSeries: -1 }, 'value', 'ImagingStudy.numberOfSeries'),
  c('uri with a space', pat({ identifier: [{ system: 'http://example.org/a b', value: '1' }] }), 'value', 'Patient.identifier[0].system'),
  c('extension url with a space', pat({ extension: [{ url: 'http://example.org/ext x', valueString: 'a' }] }), 'value', 'Patient.extension[0].url'),
  c('url with a space', { resourceType: 'Endpoint', status: 'active', connectionType: { code: 'hl7-fhir-rest' }, payloadType: [{ text: 'x' }], address: 'http://example.org/a b' }, 'value', 'Endpoint.address'),
  c('canonical with a space', { resourceType: 'Questionnaire', status: 'draft', derivedFrom: ['http://example.org/Q 1'] }, 'value', 'Questionnaire.derivedFrom[0]'),
  c('code with a double space', pat({ identifier: [{ use: 'usual', type: { coding: [{ code: 'A  B' }] } }] }), 'value', 'Patient.identifier[0].type.coding[0].code'),
  c('code with a leading space', pat({ maritalStatus: { coding: [{ code: ' M' }] } }), 'value', 'Patient.maritalStatus.coding[0].code'),
  c('oid without urn:oid', pat({ extension: [{ url: 'http://example.org/o', valueOid: '1.2.3' }] }), 'value', 'Patient.extension[0].value.ofType(oid)'),
  c('uuid without urn:uuid', pat({ extension: [{ url: 'http://example.org/u', valueUuid: '2ea4e1a4-6b11-4ae4-8c5b-3f8c3f9d2b7e' }] }), 'value', 'Patient.extension[0].value.ofType(uuid)'),
  c('id value with a space', pat({ extension: [{ url: 'http://example.org/i', valueId: 'a b' }] }), 'value', 'Patient.extension[0].value.ofType(id)'),
  c('base64Binary with a bad character', { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVsbG8*' }, 'value', 'Binary.data'),
  c('base64Binary of a bad length', { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVsbG8' }, 'value', 'Binary.data'),
  c('decimal NaN-like value', obs({ valueQuantity: { value: Number.POSITIVE_INFINITY } }), 'value', 'Observation.value.ofType(Quantity).value'),
  c('string with a control character', pat({ name: [{ family: 'A\u0001B' }] }), 'value', 'Patient.name[0].family'),
  c('markdown with a control character', { resourceType: 'Questionnaire', status: 'draft', description: 'x\u0002y' }, 'value', 'Questionnaire.description'),
  c('dateTime in a nested Bundle entry', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: pat({ birthDate: '1980-02-31' }) }] }, 'value', 'Bundle.entry[0].resource.birthDate'),
  c('date in a contained resource', pat({ contained: [{ resourceType: 'Patient', id: 'c', birthDate: 'x' }] }), 'value', 'Patient.contained[0].birthDate'),
];

/** Choice types (formats.html#choice): one type per element. */
const choices: BrokenCase[] = [
  c('two types of value[x]', obs({ valueString: 'a', valueBoolean: true }), 'structure', 'Observation.value'),
  c('two types of deceased[x]', pat({ deceasedBoolean: true, deceasedDateTime: '2020-01-01' }), 'structure', 'Patient.deceased'),
  c('two types of multipleBirth[x]', pat({ multipleBirthBoolean: true, multipleBirthInteger: 2 }), 'structure', 'Patient.multipleBirth'),
  c('two types of effective[x]', obs({ effectiveDateTime: '2020-01-01', effectivePeriod: { start: '2020-01-01' } }), 'structure', 'Observation.effective'),
  c('two types in a component', obs({ component: [{ code: { text: 'x' }, valueString: 'a', valueInteger: 1 }] }), 'structure', 'Observation.component[0].value'),
  c('two types in an extension', pat({ extension: [{ url: 'http://example.org/x', valueString: 'a', valueCode: 'b' }] }), 'structure', 'Patient.extension[0].value'),
  c('choice name with [x]', obs({ 'value[x]': 5 }), 'structure', 'Observation.value'),
];

/** Required bindings to closed value sets (terminologies.html#required). */
const bindings: BrokenCase[] = [
  c('gender not in administrative-gender', pat({ gender: 'M' }), 'code-invalid', 'Patient.gender'),
  c('gender in a contained resource', pat({ contained: [{ resourceType: 'Patient', id: 'c', gender: 'femme' }] }), 'code-invalid', 'Patient.contained[0].gender'),
  c('contact gender', pat({ contact: [{ gender: 'x', name: { family: 'A' } }] }), 'code-invalid', 'Patient.contact[0].gender'),
  c('Observation.status', obs({ status: 'done' }), 'code-invalid', 'Observation.status'),
  c('Encounter.status', enc({ status: 'over' }), 'code-invalid', 'Encounter.status'),
  c('MedicationRequest.intent', { resourceType: 'MedicationRequest', status: 'active', intent: 'wish', medicationCodeableConcept: { text: 'x' }, subject: { reference: 'Patient/p' } }, 'code-invalid', 'MedicationRequest.intent'),
  c('Bundle.type', { resourceType: 'Bundle', type: 'pile' }, 'code-invalid', 'Bundle.type'),
  c('Narrative.status', pat({ text: { status: 'written', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' } }), 'code-invalid', 'Patient.text.status'),
  c('ContactPoint.system', pat({ telecom: [{ system: 'pager-ish', value: '1' }] }), 'code-invalid', 'Patient.telecom[0].system'),
  c('ContactPoint.use', pat({ telecom: [{ system: 'phone', use: 'office', value: '1' }] }), 'code-invalid', 'Patient.telecom[0].use'),
  c('HumanName.use', pat({ name: [{ use: 'nick', family: 'A' }] }), 'code-invalid', 'Patient.name[0].use'),
  c('Address.use', pat({ address: [{ use: 'house', city: 'X' }] }), 'code-invalid', 'Patient.address[0].use'),
  c('Identifier.use', pat({ identifier: [{ use: 'main', value: '1' }] }), 'code-invalid', 'Patient.identifier[0].use'),
  c('Quantity.comparator', obs({ valueQuantity: { value: 1, comparator: '=' } }), 'code-invalid', 'Observation.value.ofType(Quantity).comparator'),
  c('AllergyIntolerance.criticality', { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p' }, criticality: 'severe' }, 'code-invalid', 'AllergyIntolerance.criticality'),
  c('Condition.clinicalStatus coding (CodeableConcept)', { resourceType: 'Condition', subject: { reference: 'Patient/p' }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'cured' }] } }, 'code-invalid', 'Condition.clinicalStatus'),
  c('Condition.clinicalStatus from the wrong system', { resourceType: 'Condition', subject: { reference: 'Patient/p' }, clinicalStatus: { coding: [{ system: 'http://example.org/status', code: 'active' }] } }, 'code-invalid', 'Condition.clinicalStatus'),
  c('Patient.link.type', pat({ link: [{ other: { reference: 'Patient/q' }, type: 'twin' }] }), 'code-invalid', 'Patient.link[0].type'),
  c('status in a Bundle entry', { resourceType: 'Bundle', type: 'collection', entry: [{ resource: obs({ status: 'ok' }) }] }, 'code-invalid', 'Bundle.entry[0].resource.status'),
  c('Bundle.entry.request.method', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: pat(), request: { method: 'FETCH', url: 'Patient' } }] }, 'code-invalid', 'Bundle.entry[0].request.method'),
];

/** Reference shape (references.html#literal). */
const references: BrokenCase[] = [
  c('reference with a space', obs({ subject: { reference: 'Patient 1' } }), 'value', 'Observation.subject.reference'),
  c('reference to an unknown type', obs({ subject: { reference: 'Pateint/1' } }), 'value', 'Observation.subject.reference'),
  c('reference with a bad id', obs({ subject: { reference: 'Patient/a b' } }), 'value', 'Observation.subject.reference'),
  c('reference with an id too long', obs({ subject: { reference: `Patient/${'x'.repeat(65)}` } }), 'value', 'Observation.subject.reference'),
  c('reference with a trailing slash', obs({ subject: { reference: 'Patient/' } }), 'value', 'Observation.subject.reference'),
  c('reference with a leading slash', obs({ subject: { reference: '/Patient/1' } }), 'value', 'Observation.subject.reference'),
  c('bare id as reference', obs({ subject: { reference: '123' } }), 'value', 'Observation.subject.reference'),
  c('contained reference with a space', obs({ subject: { reference: '#a b' } }), 'value', 'Observation.subject.reference'),
  c('reference in an array', obs({ performer: [{ reference: 'Practitioner/1' }, { reference: 'Practitioner/1/2/3' }] }), 'value', 'Observation.performer[1].reference'),
  c('reference in a contained resource', pat({ contained: [{ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, subject: { reference: 'nope' } }] }), 'value', 'Patient.contained[0].subject.reference'),
  c('reference in an extension', pat({ extension: [{ url: 'http://example.org/r', valueReference: { reference: 'Org anization/1' } }] }), 'value', 'Patient.extension[0].value.ofType(Reference).reference'),
  c('reference as a number', obs({ subject: { reference: 1 } }), 'structure', 'Observation.subject.reference'),
];

/** Base invariants (constraints with severity error in the StructureDefinitions). */
const invariants: BrokenCase[] = [
  c('ext-1: extension with a value and extensions', pat({ extension: [{ url: 'http://example.org/x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }] }), 'invariant', 'Patient.extension[0]'),
  c('ext-1: extension with neither value nor extensions', pat({ extension: [{ url: 'http://example.org/x' }] }), 'invariant', 'Patient.extension[0]'),
  c('pat-1: contact with no details', pat({ contact: [{ gender: 'male' }] }), 'invariant', 'Patient.contact[0]'),
  c('obs-6: dataAbsentReason with a value', obs({ valueString: 'a', dataAbsentReason: { text: 'unknown' } }), 'invariant', 'Observation'),
  c('dom-2: contained resource with contained resources', pat({ contained: [{ resourceType: 'Patient', id: 'c', contained: [{ resourceType: 'Patient', id: 'd' }] }] }), 'invariant', 'Patient'),
];

export const BROKEN_CASES: readonly BrokenCase[] = [
  ...envelope,
  ...unknownElements,
  ...jsonTypes,
  ...cardinality,
  ...emptiness,
  ...primitives,
  ...choices,
  ...bindings,
  ...references,
  ...invariants,
];
