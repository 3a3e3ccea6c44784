/**
 * Compartment search `GET Patient/[id]/[type]?params` (https://hl7.org/fhir/R4/search.html#compartments,
 * compartmentdefinition-patient.html): the type's search restricted to resources linked to the
 * patient by one of the type's compartment parameters (Observation: subject OR performer). The
 * restriction is one OR filter of the search itself (SearchOptions.compartment), so every search
 * feature, `_sort`, `_include`, `_total` and paging work, with no cap; links are based at
 * `Patient/id/Type`.
 */
import { fhirError } from '../outcome-error';
import type { SearchOptions } from '../search';
import { patientCompartment } from './everything';
import { absolutizeBundle } from './http-parts';
import { withoutFormatParams, type RestContext } from './interactions';
import type { FhirResponse } from './types';

export async function compartmentSearch(
  ctx: RestContext,
  params: URLSearchParams,
  lenient: boolean,
  compartmentType: string,
  id: string,
  targetType: string,
): Promise<FhirResponse> {
  if (compartmentType !== 'Patient') throw fhirError('not-supported', 'Only the Patient compartment can be searched', 400);
  const member = patientCompartment().find((m) => m.code === targetType);
  if (!member) throw fhirError('not-supported', `${targetType} is not in the Patient compartment`, 400);
  const options: SearchOptions = { compartment: { type: 'Patient', id, params: member.param } };
  if (lenient) options.handling = 'lenient';
  const bundle = await ctx.repo.search(targetType, withoutFormatParams(params), options);
  return { status: 200, headers: {}, body: absolutizeBundle(bundle, ctx.options.baseUrl) };
}
